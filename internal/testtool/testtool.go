// Package testtool finds the outside tools that tests drive (client programs,
// interpreters, npm packages), which scripts/install-test-deps.sh installs: a
// test without its tool is skipped on a developer's machine and fails in CI,
// where the tool must be there.
package testtool

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Need returns the path of a tool, a command on PATH or a file, skipping the test
// when it is missing, or failing it when $CI is set.
func Need(t testing.TB, name string) string {
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

// NodeModules returns the folder the install script puts npm packages in (for
// NODE_PATH), requiring each of pkgs there as Need does. It is found from the
// test's package directory, one level below the repository's root.
func NodeModules(t testing.TB, pkgs ...string) string {
	t.Helper()
	modules, err := filepath.Abs("../scripts/.node/node_modules")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pkgs {
		Need(t, filepath.Join(modules, p, "package.json"))
	}
	return modules
}
