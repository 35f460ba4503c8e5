package server

import (
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"unicode/utf8"
)

// runPSQL runs the psql client against ts with the given -c commands and returns
// its combined output and whether it exited 0.
func runPSQL(t *testing.T, ts *testServer, commands ...string) (string, bool) {
	t.Helper()
	if _, err := exec.LookPath("psql"); err != nil {
		t.Skip("psql not installed")
	}
	host, port, _ := net.SplitHostPort(ts.addr)
	args := []string{"-X", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", port, "-U", "alice", "-d", "ksql"}
	for _, c := range commands {
		args = append(args, "-c", c)
	}
	cmd := exec.Command("psql", args...)
	cmd.Env = append(os.Environ(), "PAGER=cat", "PGCONNECT_TIMEOUT=10", "PGAPPNAME=psql-test")
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

func TestPSQL(t *testing.T) {
	ts := startServer(t)
	for _, tc := range []struct {
		name    string
		command string
		ok      bool
		want    []string
	}{
		{"query", "SELECT 3", true, []string{" n \n---\n 1\n 2\n 3\n(3 rows)"}},
		{"multi-statement", "SELECT 1; SELECT 2", true, []string{" n \n---\n 1\n 2\n(2 rows)"}},
		{"no rows", "CREATE", true, []string{"CREATE STREAM"}},
		{"notice", "NOTICE", true, []string{"NOTICE:  hello from the engine"}},
		{"types", "TYPES", true, []string{
			" t | -42 | 1099511627776 | 1.5 | -12.345 | héllo | \\xdead | 2024-02-29 | 12:34:56.789 | 2024-02-29 12:34:56.789 | {1,NULL,3} | {\"a b\",\"\",\"NULL\",\"q\\\"\\\\\"} | {\"k\":1} | {\"A\":7,\"B\":\"x\"} | ",
		}},
		{"error", "SELECT 'é'; FAIL", false, []string{"ERROR:  syntax error at or near \"FAIL\"", "HINT:  try SELECT"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, ok := runPSQL(t, ts, tc.command)
			if ok != tc.ok {
				t.Fatalf("psql success = %v, want %v; output:\n%s", ok, tc.ok, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q; got:\n%s", w, out)
				}
			}
		})
	}
}

// TestPSQLErrorCaret checks that the byte offset of an error becomes the character
// position psql puts its caret under, with multi-byte characters before it.
func TestPSQLErrorCaret(t *testing.T) {
	ts := startServer(t)
	const query = "SELECT 'é€'; FAIL"
	out, ok := runPSQL(t, ts, query)
	if ok {
		t.Fatalf("psql succeeded; output:\n%s", out)
	}
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		prefix, ok := strings.CutPrefix(l, "LINE 1: ")
		if !ok || i+1 == len(lines) {
			continue
		}
		if prefix != query {
			t.Fatalf("LINE 1 shows %q, want %q", prefix, query)
		}
		caret := utf8.RuneCountInString(lines[i+1][:strings.Index(lines[i+1], "^")])
		want := utf8.RuneCountInString("LINE 1: " + query[:strings.Index(query, "FAIL")])
		if caret != want {
			t.Fatalf("caret at column %d, want %d:\n%s", caret, want, out)
		}
		return
	}
	t.Fatalf("no LINE 1: in output:\n%s", out)
}
