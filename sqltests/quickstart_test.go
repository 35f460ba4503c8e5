package sqltests

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-db/sluice/sqltests/harness"
)

// TestQuickstart follows the quickstart a newcomer reads, with the tools they would
// use: kcat to write JSON lines into a topic and read the result, psql to declare a
// stream and a derived stream. It checks the exact bytes of the sink.
//
// The steps (kept in sqltests/README.md, "Quickstart"):
//
//	psql -h HOST -p PORT -c "CREATE STREAM pageviews (user_id STRING, page STRING, ms INT)
//	  WITH (KAFKA_TOPIC='pageviews', VALUE_FORMAT='JSON', PARTITIONS=1);"
//	kcat -P -b KAFKA -t pageviews < views.jsonl
//	psql -h HOST -p PORT -c "SET 'auto.offset.reset'='earliest';" \
//	  -c "CREATE STREAM slow_views AS SELECT user_id, page, ms FROM pageviews WHERE ms > 100 EMIT CHANGES;"
//	kcat -C -b KAFKA -t SLOW_VIEWS -e -o beginning
func TestQuickstart(t *testing.T) {
	kcat := requireTool(t, "kcat")
	psql := requireTool(t, "psql")
	bin := sluiceBinary(t)

	dir := t.TempDir()
	srv, err := harness.Start(harness.Config{
		Binary:  bin,
		DataDir: filepath.Join(dir, "data"),
		LogPath: filepath.Join(dir, "sluice.log"),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(stopTimeout); err != nil {
			t.Errorf("stopping sluice: %v", err)
		}
	})
	host, port, err := net.SplitHostPort(srv.Addrs.PG)
	if err != nil {
		t.Fatal(err)
	}
	// runPsql runs the statements in one psql session (several -c share a connection).
	runPsql := func(sqls ...string) string {
		t.Helper()
		// -X: ignore ~/.psqlrc; PAGER=cat: never wait on a pager; ON_ERROR_STOP: exit 1 on error.
		args := []string{"-X", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", port, "-U", "sluice", "-d", "sluice"}
		for _, sql := range sqls {
			args = append(args, "-c", sql)
		}
		return run(t, srv, nil, psql, args...)
	}
	// Sent in the same psql session (one connection) as the statement it affects.
	const earliest = "SET 'auto.offset.reset'='earliest';"

	runPsql(`CREATE STREAM pageviews (user_id STRING, page STRING, ms INT)
  WITH (KAFKA_TOPIC='pageviews', VALUE_FORMAT='JSON', PARTITIONS=1);`)

	views := strings.Join([]string{
		`{"user_id": "alice", "page": "/home", "ms": 120}`,
		`{"user_id": "bob", "page": "/cart", "ms": 40}`,
		`{"user_id": "carol", "page": "/help", "ms": 300}`,
	}, "\n") + "\n"
	run(t, srv, strings.NewReader(views), kcat, "-P", "-b", srv.Addrs.Kafka, "-t", "pageviews")

	// The records are already in the topic, so the query must start from the
	// earliest offset; like ksqlDB, a new query reads from the latest by default.
	runPsql(earliest, `CREATE STREAM slow_views AS SELECT user_id, page, ms FROM pageviews WHERE ms > 100 EMIT CHANGES;`)

	// ksqlDB's JSON: upper-cased field names, compact, in SELECT order; keyless
	// stream, so no key (kcat prints an empty key).
	want := `key= value={"USER_ID":"alice","PAGE":"/home","MS":120}` + "\n" +
		`key= value={"USER_ID":"carol","PAGE":"/help","MS":300}` + "\n"
	var got string
	deadline := time.Now().Add(30 * time.Second)
	for {
		// -e exits at the end of the partition; the sink may not exist or be complete
		// yet, so read again until it holds what is expected or time runs out.
		cmd := exec.Command(kcat, "-C", "-b", srv.Addrs.Kafka, "-t", "SLOW_VIEWS", "-e", "-o", "beginning",
			"-q", "-f", `key=%k value=%s\n`)
		out, err := cmd.Output()
		got = string(out)
		if err == nil && got == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("kcat read from SLOW_VIEWS (err %v):\n%s\nwant:\n%s\n%s", err, got, want, srv.LogTail())
		}
		time.Sleep(200 * time.Millisecond)
	}

	out := runPsql(earliest, `SELECT user_id, ms FROM slow_views EMIT CHANGES LIMIT 2;`)
	for _, s := range []string{"alice", "carol", "(2 rows)"} {
		if !strings.Contains(out, s) {
			t.Errorf("psql push query output lacks %q:\n%s", s, out)
		}
	}
}

// requireTool finds an outside tool, failing in CI (where scripts/install-test-deps.sh
// must have installed it) and skipping elsewhere.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not installed in CI: scripts/install-test-deps.sh should have installed it", name)
	}
	t.Skipf("%s not installed: run scripts/install-test-deps.sh", name)
	return ""
}

// run runs a tool to completion with a deadline and returns its stdout; a failure
// ends the test with the tool's output and the server's log.
func run(t *testing.T, srv *harness.Server, stdin *strings.Reader, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "PAGER=cat", "PGCONNECT_TIMEOUT=10")
	if stdin != nil {
		cmd.Stdin = stdin
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s\n%s", name, strings.Join(args, " "), err, out, stderr.String(), srv.LogTail())
	}
	return string(out)
}

// stopTimeout bounds a clean shutdown at the end of a test.
const stopTimeout = 30 * time.Second
