package sqltests

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-db/sluice/sqltests/script"
)

// TestScripts runs every testdata/*.test file, each against its own server.
func TestScripts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.test"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no scripts in testdata/")
	}
	bin := sluiceBinary(t)
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".test"), func(t *testing.T) {
			t.Parallel()
			script.Run(t, bin, f)
		})
	}
}

// TestPendingScripts lists the scripts in testdata/pending/: behaviour the engine does
// not have yet. Each is skipped with the reason on its first line ("# pending: ...").
// Set SLUICE_RUN_PENDING=1 to run them anyway and see how far the engine has come.
func TestPendingScripts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "pending", "*.test"))
	if err != nil {
		t.Fatal(err)
	}
	run := os.Getenv("SLUICE_RUN_PENDING") == "1"
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".test"), func(t *testing.T) {
			reason := pendingReason(t, f)
			if !run {
				t.Skip(reason)
			}
			t.Parallel()
			script.Run(t, sluiceBinary(t), f)
		})
	}
}

// pendingReason reads the "# pending: <why>" first line that every pending script
// must have, so a skip always states its reason.
func pendingReason(t *testing.T, path string) string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if sc.Scan() {
		if reason, ok := strings.CutPrefix(sc.Text(), "# pending:"); ok && strings.TrimSpace(reason) != "" {
			return "pending: " + strings.TrimSpace(reason)
		}
	}
	t.Fatalf("%s: the first line must be \"# pending: <reason>\"", path)
	return ""
}
