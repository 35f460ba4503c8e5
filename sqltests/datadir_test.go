package sqltests

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-db/sluice/sqltests/harness"
)

// TestDataDirInUse starts a second server on a running server's data directory:
// it must stop before starting anything, naming the directory.
func TestDataDirInUse(t *testing.T) {
	bin := sluiceBinary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	srv, err := harness.Start(harness.Config{Binary: bin, DataDir: data, LogPath: filepath.Join(dir, "first.log")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(stopTimeout); err != nil {
			t.Errorf("stopping sluice: %v", err)
		}
	})
	second, err := harness.Start(harness.Config{Binary: bin, DataDir: data, LogPath: filepath.Join(dir, "second.log"), ReadyTimeout: 30 * time.Second})
	if err == nil {
		_ = second.Kill()
		t.Fatal("a second server started on the same data directory")
	}
	msg := err.Error()
	if !strings.Contains(msg, "data directory "+data+" is in use by another sluice process") {
		t.Errorf("the error does not say the directory is in use:\n%s", msg)
	}
	if strings.Contains(msg, "embedded kafka broker started") || strings.Contains(msg, "resource temporarily unavailable") {
		t.Errorf("the second server started something before it checked the lock:\n%s", msg)
	}
	// The first server is unaffected.
	if code, err := srv.Healthz(t.Context()); err != nil || code != 200 {
		t.Errorf("first server's /healthz after the attempt: %d, %v", code, err)
	}
}
