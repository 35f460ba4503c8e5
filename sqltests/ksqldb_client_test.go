package sqltests

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/sluice-db/sluice/internal/testtool"
)

// TestKsqldbClientNode runs testdata/clients/ksqldb_client.js, which uses the npm
// package ksqldb-client (installed by scripts/install-test-deps.sh), against a
// running server's REST API over HTTP/2 cleartext.
func TestKsqldbClientNode(t *testing.T) {
	node, modules := testtool.Need(t, "node"), testtool.NodeModules(t, "ksqldb-client")
	srv := startServer(t, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "testdata/clients/ksqldb_client.js", srv.Addrs.HTTP)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s\n%s", err, out, srv.LogTail())
	}
	want := []string{
		"created 200 currentStatus SUCCESS",
		"streams RIDERS",
		"insert 200 ok",
		"insert 200 ok",
		"pull 200 NAME,KM ann:2.5 bob:4",
		"error 400 statement_error 40001",
		"push 200 2 closed",
	}
	got := strings.Split(strings.TrimSpace(string(out)), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("ksqldb-client output:\n%s\nwant:\n%s", out, strings.Join(want, "\n"))
	}
}
