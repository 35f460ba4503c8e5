package sqltests

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sluice-db/sluice/sqltests/harness"
)

// binary is the sluice executable every test in this process runs. It is set once in
// TestMain before any test starts and only read afterwards.
var binary struct {
	path string
	// skip, when set, says why end-to-end tests cannot run at all (no command yet).
	skip string
	// err is a build failure: every end-to-end test fails with it.
	err error
}

// TestMain builds cmd/sluice once per test process. SLUICE_BINARY names a prebuilt
// binary instead (handy when iterating on scripts).
func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	if p := os.Getenv("SLUICE_BINARY"); p != "" {
		binary.path = p
		return m.Run()
	}
	if _, err := os.Stat(filepath.Join("..", "cmd", "sluice")); err != nil {
		binary.skip = "cmd/sluice does not exist yet: nothing to test end to end"
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "sluice-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	binary.path, binary.err = harness.Build(ctx, dir, raceEnabled)
	return m.Run()
}

// sluiceBinary returns the binary's path, or ends the test when there is none.
func sluiceBinary(t *testing.T) string {
	t.Helper()
	switch {
	case binary.skip != "":
		t.Skip(binary.skip)
	case binary.err != nil:
		t.Fatalf("building %s failed:\n%v", harness.SluicePackage, binary.err)
	}
	return binary.path
}
