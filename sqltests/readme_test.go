package sqltests

import (
	"bufio"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sluice-db/sluice/internal/pgoracle"
	"github.com/sluice-db/sluice/sqltests/harness"
)

// readmeBlock is one fenced code block of the README.
type readmeBlock struct {
	lang, body string
	line       int
}

// readmeSections returns the fenced blocks of each "## " section.
func readmeSections(t *testing.T) map[string][]readmeBlock {
	t.Helper()
	f, err := os.Open("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]readmeBlock{}
	var section string
	var cur *readmeBlock
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur != nil && line == "```":
			out[section] = append(out[section], *cur)
			cur = nil
		case cur != nil:
			cur.body += line + "\n"
		case strings.HasPrefix(line, "```"):
			cur = &readmeBlock{lang: strings.TrimPrefix(line, "```"), line: n}
		case strings.HasPrefix(line, "## "):
			section = strings.TrimPrefix(line, "## ")
		}
	}
	return out
}

// TestReadmeSnippets runs the README's walkthroughs as a newcomer would, in
// order, against a server on the README's default addresses: each sh block
// in bash, each sql block in psql, and compares what they print with the
// output block that follows them (a "sluice=> " block is a psql transcript:
// each query is run and compared with the lines under it). Between steps it
// runs AWAIT IDLE, the pause a person typing would give the queries.
// Timestamps of the records (13-digit numbers: produce times) are masked.
//
// sh blocks run where a newcomer runs them: go commands in the repository,
// the others beside the server's ./sluice-data (the test's directory). A
// block that starts the server (go run ./cmd/sluice, ./sluice) is the server
// the test runs: it is started again if a block stopped it, and a pipeline
// after it (go run ./cmd/sluice 2>&1 | grep ...) reads the server's log.
// The PostgreSQL sink section runs against a throwaway PostgreSQL 15 on its
// usual 127.0.0.1:5432. Sections not run: the cluster (several long-running
// processes on other ports; TestClusterThreeNodes runs that setup), the
// conformance runner and the benchmarks (minutes long).
func TestReadmeSnippets(t *testing.T) {
	psql := requireTool(t, "psql")
	requireTool(t, "kcat")
	addrs := []string{"127.0.0.1:5433", "127.0.0.1:9092", "127.0.0.1:8088", "127.0.0.1:8081"}
	for _, a := range addrs {
		ln, err := net.Listen("tcp", a)
		if err != nil {
			t.Skipf("the README's default address %s is in use: %v", a, err)
		}
		ln.Close()
	}
	sections := readmeSections(t)
	bin := sluiceBinary(t)
	dir := t.TempDir()
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "sluice.log")
	var srv *harness.Server
	start := func() {
		t.Helper()
		var err error
		srv, err = harness.Start(harness.Config{Binary: bin, DataDir: filepath.Join(dir, "sluice-data"), LogPath: logPath,
			Args: []string{"--pg-addr", addrs[0], "--embedded-kafka-addr", addrs[1], "--http-addr", addrs[2], "--schema-registry-addr", addrs[3]}})
		if err != nil {
			t.Fatal(err)
		}
		started := srv
		t.Cleanup(func() { _ = started.Kill() })
	}
	start()
	// `go build -o sluice` writes the repository's (git-ignored) ./sluice.
	if _, err := os.Stat(filepath.Join(repo, "sluice")); os.IsNotExist(err) {
		t.Cleanup(func() { _ = os.Remove(filepath.Join(repo, "sluice")) })
	}
	psqlRun := func(sql string) string {
		t.Helper()
		return run(t, srv, strings.NewReader(sql), psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "5433", "-U", "demo", "-d", "demo")
	}
	awaitIdle := func() { psqlRun("AWAIT IDLE TIMEOUT 30 SECONDS;") }
	stamps := regexp.MustCompile(`\b1\d{12}\b`)
	same := func(got, want string) bool {
		norm := func(s string) string {
			var lines []string
			for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
				lines = append(lines, strings.TrimRight(l, " "))
			}
			return stamps.ReplaceAllString(strings.Join(lines, "\n"), "<time>")
		}
		return norm(got) == norm(want)
	}
	// The sink section writes to a PostgreSQL at its usual address, with a
	// database delivery and a user sluice (trust authentication: the README's
	// password is a placeholder).
	startPostgres := func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:5432")
		if err != nil {
			t.Skipf("PostgreSQL's usual address 127.0.0.1:5432 is in use: %v", err)
		}
		ln.Close()
		pgoracle.StartServerOn(t, "5432")
		run(t, srv, strings.NewReader("CREATE ROLE sluice LOGIN; CREATE DATABASE delivery OWNER sluice;"),
			psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "5432", "-U", pgoracle.User, "-d", "postgres")
	}
	for _, name := range []string{"Quickstart", "Live aggregates: per-district deliveries per minute", "Results into PostgreSQL: CREATE SINK CONNECTOR", "Rider snapshots: joining streams and tables",
		"Connect your tools", "AVRO, JSON_SR, PROTOBUF and the embedded Schema Registry", "Operations: metrics, status, REST, console, logs, upgrade and backup"} {
		blocks := sections[name]
		if len(blocks) == 0 {
			t.Fatalf("README has no section %q with code blocks", name)
		}
		t.Run(strings.Fields(name)[0], func(t *testing.T) {
			if strings.HasPrefix(name, "Results into PostgreSQL") {
				startPostgres(t)
			}
			for i := 0; i < len(blocks); i++ {
				b := blocks[i]
				if b.lang == "" && strings.HasPrefix(b.body, "sluice=> ") {
					// A psql transcript holds its queries and their output.
					awaitIdle()
					for _, step := range strings.Split(strings.TrimSpace(b.body), "\nsluice=> ") {
						sql, want, _ := strings.Cut(strings.TrimPrefix(step, "sluice=> "), "\n")
						if out := psqlRun(sql); !same(out, want) {
							t.Errorf("README line %d: %s\ngot:\n%s\nREADME says:\n%s", b.line, sql, out, want)
						}
					}
					continue
				}
				var expect *readmeBlock
				if i+1 < len(blocks) && blocks[i+1].lang == "" && !strings.HasPrefix(blocks[i+1].body, "sluice=> ") {
					expect = &blocks[i+1]
					i++
				}
				var got string
				switch {
				case b.lang == "sh" && (strings.HasPrefix(b.body, "go run ./cmd/sluice") || strings.HasPrefix(b.body, "./sluice")):
					// The test runs the server; compare its banner (but the data
					// directory, which is the test's).
					if srv.Exited() {
						start()
					}
					if _, pipeline, ok := strings.Cut(strings.SplitN(b.body, "\n", 2)[0], "2>&1 |"); ok {
						log, err := os.ReadFile(logPath)
						if err != nil {
							t.Fatal(err)
						}
						got = run(t, srv, strings.NewReader(string(log)), "bash", "-euo", "pipefail", "-c", pipeline)
						if strings.TrimSpace(got) == "" {
							t.Errorf("README line %d: %s prints nothing over the server's log", b.line, strings.TrimSpace(b.body))
						}
						continue
					}
					got = srv.LogTail()
					if expect != nil {
						for _, l := range strings.Split(strings.TrimSpace(expect.body), "\n") {
							if !strings.Contains(l, "data dir:") && !strings.Contains(got, l) {
								t.Errorf("README line %d: the server does not print %q", expect.line, l)
							}
						}
					}
					continue
				case b.lang == "sh":
					wd := dir
					if strings.HasPrefix(b.body, "go ") {
						wd = repo
					}
					got = run(t, srv, nil, "bash", "-euo", "pipefail", "-c", "cd "+wd+"\n"+b.body)
				case b.lang == "sql":
					got = psqlRun(b.body)
				default:
					continue
				}
				if expect != nil && !same(got, expect.body) {
					t.Errorf("README line %d (%s block at line %d):\ngot:\n%s\nREADME says:\n%s", expect.line, b.lang, b.line, got, expect.body)
				}
				if !srv.Exited() {
					awaitIdle()
				}
			}
		})
	}
}
