package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sluice-db/sluice/kafkaio"
)

// roleEnv names the child role when the benchmark re-executes itself (the broker
// and the baselines run in their own processes so their CPU is measured apart).
// Tests use it because the test binary has no subcommands.
const roleEnv = "SLUICE_BENCH_ROLE"

// child is a process the benchmark started.
type child struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

func startChild(cmd *exec.Cmd, logFile string) (*child, error) {
	f, err := os.Create(logFile)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = f, f
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	c := &child{cmd: cmd, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		f.Close()
		close(c.done)
	}()
	return c, nil
}

func (c *child) pid() int { return c.cmd.Process.Pid }

// stop asks the process to shut down cleanly, then kills it after grace.
func (c *child) stop(grace time.Duration) {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(grace):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// waitReady waits for a ready file (JSON) to appear and decodes it.
func waitReady(path string, c *child, timeout time.Duration, v any) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(path); err == nil {
			return json.Unmarshal(data, v)
		}
		select {
		case <-c.done:
			return fmt.Errorf("%s exited before it was ready: %v", filepath.Base(c.cmd.Path), c.err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s not ready after %s", filepath.Base(c.cmd.Path), timeout)
}

// selfCommand re-executes this program in a child role.
func selfCommand(role string, args ...string) (*exec.Cmd, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, append([]string{role}, args...)...)
	cmd.Env = append(os.Environ(), roleEnv+"="+role)
	return cmd, nil
}

// broker is the `sluice-bench broker` child: a kfake broker in its own process,
// persisting under dir.
type broker struct {
	*child
	dir, addr string
	starts    int
}

// startBroker starts a broker on addr (port 0 picks one).
func startBroker(dir, addr string) (*broker, error) {
	b := &broker{dir: dir, addr: addr}
	return b, b.start()
}

func (b *broker) start() error {
	if err := os.MkdirAll(b.dir, 0o755); err != nil {
		return err
	}
	b.starts++
	ready := filepath.Join(b.dir, "broker.ready")
	_ = os.Remove(ready)
	cmd, err := selfCommand("broker", "-dir", b.dir, "-addr", b.addr, "-ready", ready)
	if err != nil {
		return err
	}
	c, err := startChild(cmd, filepath.Join(b.dir, fmt.Sprintf("broker-%d.log", b.starts)))
	if err != nil {
		return err
	}
	var r struct{ Addr string }
	if err := waitReady(ready, c, 30*time.Second, &r); err != nil {
		c.stop(time.Second)
		return err
	}
	b.child, b.addr = c, r.Addr
	return nil
}

// brokerMain is the broker role: kfake with its log under -dir, until SIGTERM.
func brokerMain(args []string) error {
	fs := flag.NewFlagSet("broker", flag.ContinueOnError)
	dir := fs.String("dir", "", "directory for the broker's log (kfake DataDir is <dir>/kafka)")
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	ready := fs.String("ready", "", "write {\"Addr\": ...} here once listening")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return fmt.Errorf("broker: -dir is required")
	}
	// No time retention: Nexmark's event times are in 2015, and the queries
	// that take them as record timestamps (q5, q7, q8) write sink topics the
	// broker's default 7-day retention would empty at its next cleaner pass,
	// stalling the stages that read them.
	b, err := kafkaio.StartEmbedded(*dir, *addr, kafkaio.EmbeddedConfig{BrokerConfigs: map[string]string{"log.retention.ms": "-1"}})
	if err != nil {
		return err
	}
	defer b.Close()
	fmt.Println("broker listening on", b.Addr())
	if *ready != "" {
		data, _ := json.Marshal(map[string]string{"Addr": b.Addr()})
		if err := writeAtomic(*ready, data); err != nil {
			return err
		}
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	return nil
}

func writeAtomic(path string, data []byte) error {
	if err := os.WriteFile(path+".tmp", data, 0o644); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}

// engine is a running sluice process.
type engine struct {
	*child
	dir              string
	pgAddr, httpAddr string
}

// buildSluice builds cmd/sluice into dir, unless bin is given.
func buildSluice(ctx context.Context, bin, dir string) (string, error) {
	if bin != "" {
		return bin, nil
	}
	out := filepath.Join(dir, "sluice")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "github.com/sluice-db/sluice/cmd/sluice")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build cmd/sluice (run from the repository, or pass -sluice): %w", err)
	}
	return out, nil
}

// startEngine runs the engine against the broker with GOMAXPROCS=procs.
func startEngine(bin, dir, broker string, procs int, cpuProfile string) (*engine, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	ready := filepath.Join(dir, "engine.ready")
	args := []string{"--data-dir", dir, "--kafka", broker, "--pg-addr", "127.0.0.1:0",
		"--http-addr", "127.0.0.1:0", "--schema-registry-addr", "127.0.0.1:0", "--ready-file", ready, "--log-level", "warn"}
	if cpuProfile != "" {
		args = append(args, "--cpuprofile", cpuProfile)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(procs))
	c, err := startChild(cmd, filepath.Join(dir, "engine.log"))
	if err != nil {
		return nil, err
	}
	var r struct {
		PG   string `json:"pg_addr"`
		HTTP string `json:"http_addr"`
	}
	if err := waitReady(ready, c, 90*time.Second, &r); err != nil {
		c.stop(time.Second)
		return nil, fmt.Errorf("%w (log: %s)", err, tail(filepath.Join(dir, "engine.log")))
	}
	return &engine{child: c, dir: dir, pgAddr: r.PG, httpAddr: r.HTTP}, nil
}

func tail(path string) string {
	data, _ := os.ReadFile(path)
	if len(data) > 2000 {
		data = data[len(data)-2000:]
	}
	return strings.TrimSpace(string(data))
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat times; 100 on every Linux
// architecture Go supports.
const clockTicks = 100

// processCPU returns the CPU seconds (user + system) pid has used so far, from
// /proc/<pid>/stat fields 14 and 15.
func processCPU(pid int) (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; fields resume after its ')'.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("unexpected /proc stat format")
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state), so utime (14) is f[11] and stime (15) is f[12].
	if len(f) < 13 {
		return 0, fmt.Errorf("unexpected /proc stat format")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("unexpected /proc stat times")
	}
	return float64(ut+st) / clockTicks, nil
}

// childResult runs a child to completion and returns its stdout and CPU seconds
// (from the kernel's accounting of the exited process).
func childResult(cmd *exec.Cmd, stderr io.Writer) ([]byte, float64, error) {
	cmd.Stderr = stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.Output()
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", strings.Join(cmd.Args, " "), err)
	}
	st := cmd.ProcessState
	return out, (st.UserTime() + st.SystemTime()).Seconds(), nil
}
