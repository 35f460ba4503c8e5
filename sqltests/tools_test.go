package sqltests

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// needTool returns the path of an outside tool a test drives (a command on PATH or
// a file), skipping the test when it is missing, except in CI, where
// scripts/install-test-deps.sh must have installed it.
func needTool(t *testing.T, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if _, err := os.Stat(name); err == nil {
		return name
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is missing; scripts/install-test-deps.sh installs it (required in CI)", name)
	}
	t.Skipf("%s is not installed (run scripts/install-test-deps.sh); skipped outside CI", name)
	return ""
}

// needNode returns node and the folder scripts/install-test-deps.sh installs npm
// packages into (for NODE_PATH), requiring each of pkgs there as needTool does.
func needNode(t *testing.T, pkgs ...string) (node, modules string) {
	t.Helper()
	node = needTool(t, "node")
	modules, err := filepath.Abs("../scripts/.node/node_modules")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pkgs {
		needTool(t, filepath.Join(modules, p, "package.json"))
	}
	return node, modules
}
