package sqltests

import (
	"context"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-db/sluice/sqltests/harness"
)

// TestListenerSurvivesDescriptorExhaustion runs the server with a small
// open-file limit, holds more connections than it has descriptors for (its
// accept fails with EMFILE), lets them go, and checks that the Postgres
// listener serves again: it must back off and retry, not stop for good.
func TestListenerSurvivesDescriptorExhaustion(t *testing.T) {
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Skip("prlimit (util-linux) is not installed: it sets the server's open-file limit")
	}
	bin := sluiceBinary(t)
	dir := t.TempDir()
	srv, err := harness.Start(harness.Config{Binary: bin, DataDir: filepath.Join(dir, "data"), LogPath: filepath.Join(dir, "sluice.log"),
		Wrapper: []string{prlimit, "--nofile=512"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Kill() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var held []net.Conn
	for range 700 {
		c, err := net.DialTimeout("tcp", srv.Addrs.PG, 5*time.Second)
		if err != nil {
			break // the kernel's backlog is full too
		}
		held = append(held, c)
	}
	waitForLog(t, srv, "accept failed; retrying", 20*time.Second)
	for _, c := range held {
		c.Close()
	}
	sess, err := harness.Connect(ctx, srv.Addrs.PG)
	if err != nil {
		t.Fatalf("connect after the descriptors were freed: %v\n%s", err, srv.LogTail())
	}
	defer sess.Close()
	res := runSQL(t, ctx, sess, `SHOW STREAMS;`)
	if len(res) != 1 || len(res[0].Rows) == 0 {
		t.Errorf("SHOW STREAMS after the exhaustion: %+v", res)
	}
	if srv.Exited() {
		t.Fatalf("the server exited:\n%s", srv.LogTail())
	}
}

// waitForLog waits until the server's log has a line containing text.
func waitForLog(t *testing.T, srv *harness.Server, text string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !strings.Contains(srv.LogTail(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the server's log within %s:\n%s", text, d, srv.LogTail())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
