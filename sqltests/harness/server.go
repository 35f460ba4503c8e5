package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Addrs is the ready file the server writes once it accepts connections.
type Addrs struct {
	PG    string `json:"pg_addr"`
	HTTP  string `json:"http_addr"`
	Kafka string `json:"kafka_addr"`
	// SchemaRegistry is the URL of the Schema Registry the server uses.
	SchemaRegistry string `json:"schema_registry_url"`
}

// Config says how to run a server.
type Config struct {
	// Binary is the sluice executable (see Build).
	Binary string
	// DataDir holds the server's state; it survives Stop and Kill so that the next
	// Start resumes from it.
	DataDir string
	// LogPath receives the server's stdout and stderr, appended across restarts.
	LogPath string
	// Args are extra command-line flags.
	Args []string
	// ReadyTimeout bounds the wait for the ready file; 0 means 60s.
	ReadyTimeout time.Duration
	// Wrapper, when set, is a command that execs the server with its
	// arguments appended (e.g. prlimit --nofile=N): it must exec, not fork, so
	// that signals reach the server itself.
	Wrapper []string
}

// Server is one running sluice process.
type Server struct {
	cfg     Config
	cmd     *exec.Cmd
	done    chan struct{} // closed when the process has exited; exitErr is then set
	exitErr error
	Addrs   Addrs
}

// Start runs the server with every listener on port 0 and waits until its ready file
// appears. On failure the error includes the end of the server's log.
func Start(cfg Config) (*Server, error) {
	if cfg.ReadyTimeout == 0 {
		cfg.ReadyTimeout = 60 * time.Second
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return nil, err
	}
	ready := filepath.Join(filepath.Dir(cfg.LogPath), "ready.json")
	if err := os.Remove(ready); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	logf, err := os.OpenFile(cfg.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child keeps its own descriptor
	args := append([]string{
		"--data-dir", cfg.DataDir,
		"--pg-addr", "127.0.0.1:0",
		"--http-addr", "127.0.0.1:0",
		"--embedded-kafka-addr", "127.0.0.1:0",
		"--schema-registry-addr", "127.0.0.1:0",
		"--ready-file", ready,
	}, cfg.Args...)
	fmt.Fprintf(logf, "=== harness: %s %q at %s\n", cfg.Binary, args, time.Now().Format(time.RFC3339Nano))
	argv := append(append(append([]string(nil), cfg.Wrapper...), cfg.Binary), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", cfg.Binary, err)
	}
	s := &Server{cfg: cfg, cmd: cmd, done: make(chan struct{})}
	go func() {
		s.exitErr = cmd.Wait()
		close(s.done)
	}()
	if err := s.waitReady(ready); err != nil {
		_ = s.Kill()
		return nil, fmt.Errorf("%w\n%s", err, s.LogTail())
	}
	return s, nil
}

// waitReady polls for a complete ready file, watching for an early exit.
func (s *Server) waitReady(path string) error {
	deadline := time.Now().Add(s.cfg.ReadyTimeout)
	for {
		if b, err := os.ReadFile(path); err == nil {
			var a Addrs
			// A half-written file fails to decode; the next poll sees it whole.
			if json.Unmarshal(b, &a) == nil && a.PG != "" && a.Kafka != "" {
				s.Addrs = a
				return nil
			}
		}
		select {
		case <-s.done:
			return fmt.Errorf("sluice exited before it was ready: %v", s.exitErr)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("sluice wrote no ready file %s within %s", path, s.cfg.ReadyTimeout)
		}
	}
}

// Stop sends SIGTERM and waits up to timeout for a clean exit. An exit status other
// than 0 (including the race detector's) or a hang is an error that includes the log.
func (s *Server) Stop(timeout time.Duration) error {
	select {
	case <-s.done:
		return s.exitError("had already exited")
	default:
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("SIGTERM: %w", err)
	}
	select {
	case <-s.done:
		return s.exitError("after SIGTERM")
	case <-time.After(timeout):
		_ = s.Kill()
		return fmt.Errorf("sluice did not exit within %s of SIGTERM; killed\n%s", timeout, s.LogTail())
	}
}

func (s *Server) exitError(when string) error {
	if s.exitErr != nil {
		return fmt.Errorf("sluice %s: %v\n%s", when, s.exitErr, s.LogTail())
	}
	return nil
}

// Kill ends the process with SIGKILL, as a crash would, and waits for it.
func (s *Server) Kill() error {
	select {
	case <-s.done:
		return nil
	default:
	}
	if err := s.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("SIGKILL: %w", err)
	}
	<-s.done
	return nil
}

// Exited reports whether the process has ended.
func (s *Server) Exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// Healthz returns the status code of GET /healthz on the HTTP address.
func (s *Server) Healthz(ctx context.Context) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.Addrs.HTTP+"/healthz", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// LogTail returns the last few kilobytes of the server's log, for failure messages.
func (s *Server) LogTail() string {
	return logTail(s.cfg.LogPath, 8<<10)
}

func logTail(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(no server log: %v)", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Sprintf("(server log: %v)", err)
	}
	off := max(st.Size()-n, 0)
	b := make([]byte, st.Size()-off)
	if _, err := f.ReadAt(b, off); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Sprintf("(server log: %v)", err)
	}
	prefix := ""
	if off > 0 {
		prefix = "...\n"
	}
	return "--- server log " + path + " ---\n" + prefix + string(b)
}

// PeakRSS is the server process's peak resident memory so far (VmHWM), in
// bytes; 0 when the system does not say.
func (s *Server) PeakRSS() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(rest), "%d", &kb)
			return kb << 10
		}
	}
	return 0
}
