package harness

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// SluicePackage is the import path of the server command the harness runs.
const SluicePackage = "github.com/sluice-db/sluice/cmd/sluice"

// Build compiles the sluice command into outDir and returns the binary's path. With
// race set the binary is built with the race detector, so a data race in the server
// makes it exit non-zero and fails the test that stops it. It must run inside the
// module (any directory of the repository).
func Build(ctx context.Context, outDir string, race bool) (string, error) {
	bin := filepath.Join(outDir, "sluice")
	args := []string{"build", "-o", bin}
	if race {
		args = append(args, "-race")
	}
	args = append(args, SluicePackage)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Env = os.Environ()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go %v: %w\n%s", args, err, out)
	}
	return bin, nil
}
