// Package pgoracle starts a throwaway PostgreSQL 15 for tests that compare
// Sluice's answers with PostgreSQL's.
package pgoracle

import (
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Bin is where Debian's PostgreSQL 15 server binaries are.
const Bin = "/usr/lib/postgresql/15/bin"

// User is the superuser the oracle is created with (trust authentication).
const User = "alice"

// Start runs a PostgreSQL 15 server on a free loopback port, with settings
// ("name=value", each passed as -c) beyond fsync=off, until the test ends,
// and returns its port once it accepts connections. Without the binaries the
// test is skipped, except in CI (CI set), where they are required.
func Start(t testing.TB, settings ...string) string {
	t.Helper()
	return StartServer(t, settings...).Port
}

// Server is a running throwaway PostgreSQL that a test may restart.
type Server struct {
	Port string
	t    testing.TB
	run  func() *exec.Cmd // starts the server process
	pg   *exec.Cmd
}

// PID is the server's postmaster process (its backends are its children).
func (s *Server) PID() int { return s.pg.Process.Pid }

// Restart stops the server (a fast shutdown: sessions are cut), waits down,
// and starts it again on the same port and data, returning once it accepts
// connections.
func (s *Server) Restart(down time.Duration) {
	s.t.Helper()
	s.Stop()
	time.Sleep(down)
	s.Start()
}

// Stop stops the server (a fast shutdown: sessions are cut); Start starts it
// again on the same port and data, returning once it accepts connections.
func (s *Server) Stop() {
	s.pg.Process.Signal(syscall.SIGINT)
	s.pg.Wait()
}

// Start: see Stop.
func (s *Server) Start() {
	s.t.Helper()
	s.pg = s.run()
}

// StartServer is Start, returning the server.
func StartServer(t testing.TB, settings ...string) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	return StartServerOn(t, port, settings...)
}

// StartServerOn is StartServer on a given port (for tests of documents that
// name PostgreSQL's usual 5432).
func StartServerOn(t testing.TB, port string, settings ...string) *Server {
	t.Helper()
	initdb := filepath.Join(Bin, "initdb")
	if _, err := os.Stat(initdb); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PostgreSQL 15 is missing at %s (required in CI)", Bin)
		}
		t.Skipf("PostgreSQL 15 is not installed at %s", Bin)
	}
	// Not t.TempDir(): its parent is private to this user, and the postgres
	// user must reach the data directory.
	dir, err := os.MkdirTemp("", "sluice-pg-oracle-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// Postgres refuses to run as root: run it as the postgres user then.
	var cred *syscall.Credential
	if os.Getuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skipf("running as root without a postgres user to run the oracle as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	asPG := func(name string, args ...string) *exec.Cmd {
		c := exec.Command(name, args...)
		c.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		c.Dir = dir
		return c
	}
	data := filepath.Join(dir, "data")
	if out, err := asPG(initdb, "-D", data, "-U", User, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	args := []string{"-D", data, "-p", port, "-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"}
	for _, s := range settings {
		args = append(args, "-c", s)
	}
	s := &Server{Port: port, t: t}
	s.run = func() *exec.Cmd {
		pg := asPG(filepath.Join(Bin, "postgres"), args...)
		if err := pg.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for exec.Command(filepath.Join(Bin, "pg_isready"), "-q", "-h", "127.0.0.1", "-p", port, "-U", User, "-d", "postgres").Run() != nil {
			if time.Now().After(deadline) {
				t.Fatal("PostgreSQL did not start")
			}
			time.Sleep(100 * time.Millisecond)
		}
		return pg
	}
	s.pg = s.run()
	t.Cleanup(func() {
		s.pg.Process.Signal(syscall.SIGINT)
		s.pg.Wait()
	})
	return s
}
