package server

import (
	"errors"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"
)

// testServer runs a Server with a testEngine on a loopback port for one test.
type testServer struct {
	srv  *Server
	eng  *testEngine
	addr string
}

func startServer(t testing.TB) *testServer {
	t.Helper()
	return startServerWithLog(t, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
}

func startServerWithLog(t testing.TB, log *slog.Logger) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	eng := newTestEngine()
	srv := New(Config{Logger: log}, eng)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return &testServer{srv: srv, eng: eng, addr: ln.Addr().String()}
}

// eventually polls cond until it holds or a generous deadline passes.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestCloseEndsSessions(t *testing.T) {
	ts := startServer(t)
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := ts.srv.Close(); err != nil {
		t.Fatal(err)
	}
	if n := ts.srv.ActiveSessions(); n != 0 {
		t.Fatalf("ActiveSessions after Close = %d", n)
	}
}
