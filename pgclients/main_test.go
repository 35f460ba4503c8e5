package pgclients

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-db/sluice/sqltests/harness"
)

// server is the one sluice process every test in this package talks to, with the
// fixture schema and rows in place. Set in TestMain, read-only afterwards.
var server struct {
	host, port string
	kafka      string // the embedded broker's address
	binary     string
	err        error
}

// fixture is the schema the captured client SQL was recorded against (see
// pgcatalog/testdata/clients) plus rows for the queries.
var fixture = []string{
	`CREATE TABLE orders (id BIGINT PRIMARY KEY, customer STRING, amount DECIMAL(10,2), ts TIMESTAMP)
	 WITH (kafka_topic='orders', partitions=1, value_format='JSON')`,
	`CREATE STREAM clicks (user_id STRING KEY, url STRING, tags ARRAY<STRING>)
	 WITH (kafka_topic='clicks', partitions=1, value_format='JSON')`,
	`INSERT INTO orders (id, customer, amount, ts) VALUES (1, 'ann', 12.50, '2024-01-02T03:04:05')`,
	`INSERT INTO orders (id, customer, amount, ts) VALUES (2, 'bob', 7.25, '2024-01-03T00:00:00')`,
}

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "sluice-pgclients-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	srv, err := start(dir)
	if err != nil {
		server.err = err
		return m.Run()
	}
	defer srv.Stop(10 * time.Second)
	return m.Run()
}

func start(dir string) (*harness.Server, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	bin := os.Getenv("SLUICE_BINARY")
	if bin == "" {
		var err error
		if bin, err = harness.Build(ctx, dir, raceEnabled); err != nil {
			return nil, fmt.Errorf("build sluice: %w", err)
		}
	}
	server.binary = bin
	srv, err := harness.Start(harness.Config{
		Binary:  bin,
		DataDir: filepath.Join(dir, "data"),
		LogPath: filepath.Join(dir, "sluice.log"),
		Args:    serverArgs(),
	})
	if err != nil {
		return nil, err
	}
	host, port, _ := strings.Cut(srv.Addrs.PG, ":")
	if i := strings.LastIndexByte(srv.Addrs.PG, ':'); i >= 0 {
		host, port = srv.Addrs.PG[:i], srv.Addrs.PG[i+1:]
	}
	server.host, server.port = host, port
	server.kafka = srv.Addrs.Kafka
	conn, err := pgx.Connect(ctx, connString())
	if err != nil {
		srv.Kill()
		return nil, err
	}
	defer conn.Close(ctx)
	for _, sql := range fixture {
		if _, err := conn.Exec(ctx, sql, pgx.QueryExecModeSimpleProtocol); err != nil {
			srv.Kill()
			return nil, fmt.Errorf("fixture %q: %w\n%s", sql, err, srv.LogTail())
		}
	}
	return srv, nil
}

// serverArgs are the server's flags. SLUICE_SERVER_CPUPROFILE names a file for
// a CPU profile of the whole server run (to profile the wire benchmarks, whose
// own -cpuprofile shows only the client side).
func serverArgs() []string {
	// Push queries read the fixture rows from the start of their topics.
	args := []string{"-config", "auto.offset.reset=earliest"}
	if p := os.Getenv("SLUICE_SERVER_CPUPROFILE"); p != "" {
		args = append(args, "-cpuprofile", p)
	}
	return args
}

func connString() string {
	return fmt.Sprintf("postgres://alice@%s:%s/sluice?sslmode=disable", server.host, server.port)
}

// needServer ends the test when the server could not be started.
func needServer(t *testing.T) {
	t.Helper()
	if server.err != nil {
		t.Fatalf("sluice did not start: %v", server.err)
	}
}

// run runs a client program under a deadline and returns its combined output.
func run(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// expectLines fails unless out contains each want as a whole line, in order.
func expectLines(t *testing.T, out string, want ...string) {
	t.Helper()
	lines := strings.Split(strings.ReplaceAll(out, "\r\n", "\n"), "\n")
	i := 0
	for _, w := range want {
		for i < len(lines) && strings.TrimRight(lines[i], " ") != w {
			i++
		}
		if i == len(lines) {
			t.Fatalf("output lacks line %q (or it is out of order); got:\n%s", w, out)
		}
		i++
	}
}
