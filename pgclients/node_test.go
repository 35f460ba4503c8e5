package pgclients

import (
	"path/filepath"
	"testing"
)

// TestNode runs testdata/node_client.js with the npm package pg that
// scripts/install-test-deps.sh puts in scripts/.node: untyped parameters, a named
// statement run twice, and typed catalog results.
func TestNode(t *testing.T) {
	needServer(t)
	node := needTool(t, "node")
	modules, err := filepath.Abs("../scripts/.node/node_modules")
	if err != nil {
		t.Fatal(err)
	}
	needTool(t, filepath.Join(modules, "pg", "package.json"))
	out := run(t, []string{"NODE_PATH=" + modules}, node, "testdata/node_client.js", connString())
	expectLines(t, out,
		"row 1 string ann 12.50",
		"row 2 bob 7.25",
		"catalog orders r 4 number",
		"settings 130000 public",
	)
}
