package parser

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/sluice-db/sluice/types"
)

var rewriteQTT = flag.Bool("rewrite-qtt", false, "rewrite testdata/qtt_parse_failures.txt from the current results")

const qttFailuresFile = "testdata/qtt_parse_failures.txt"

type qttFile struct {
	Tests []struct {
		Name              string   `json:"name"`
		Statements        []string `json:"statements"`
		ExpectedException *struct {
			Type string `json:"type"`
		} `json:"expectedException"`
	} `json:"tests"`
}

// TestQTTCorpus parses every statement of ksqlDB's own query-validation tests
// that ksqlDB accepts. Statements that still fail are listed in
// testdata/qtt_parse_failures.txt, a ratchet: a new failure fails the test, and
// so does a listed statement that now parses (delete its line, or run with
// -rewrite-qtt).
func TestQTTCorpus(t *testing.T) {
	root := filepath.Join("..", "..", "shared", "qtt")
	if _, err := os.Stat(root); err != nil {
		t.Skipf("ksqlDB QTT corpus not found at %s: %v", root, err)
	}
	var paths []string
	for _, dir := range []string{"query-validation-tests", "rest-query-validation-tests"} {
		m, err := filepath.Glob(filepath.Join(root, dir, "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, m...)
	}
	p := New()
	failed := map[string]string{} // normalized statement -> error
	total, ok := 0, 0
	negTotal, negRejected := 0, 0
	// caseTypes are the custom types a case's earlier statements created: the
	// engine resolves type names against its catalog, statement by statement.
	caseTypes := map[string]*types.Type{}
	p.Types = func(name string) (*types.Type, bool) { t, ok := caseTypes[name]; return t, ok }
	try := func(stmt string) error {
		stmts, err := p.ParseScript(stmt)
		if err != nil {
			return err
		}
		for _, s := range stmts {
			if ct, ok := s.(*CreateType); ok {
				caseTypes[ct.Name] = ct.Type
			}
			f := Format(s)
			again, err := p.ParseScript(f)
			if err != nil {
				return err
			}
			if len(again) != 1 || Format(again[0]) != f {
				return errRoundTrip
			}
		}
		return nil
	}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var f qttFile
		if err := json.Unmarshal(stripJSONComments(data), &f); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, c := range f.Tests {
			clear(caseTypes)
			stmts := c.Statements
			if c.ExpectedException != nil && len(stmts) > 0 {
				last := strings.ReplaceAll(stmts[len(stmts)-1], "{FORMAT}", "JSON")
				stmts = stmts[:len(stmts)-1]
				if strings.HasSuffix(c.ExpectedException.Type, "ParseFailedException") {
					negTotal++
					if _, err := p.ParseScript(last); err != nil {
						negRejected++
					}
				}
			}
			for _, s := range stmts {
				s = strings.ReplaceAll(s, "{FORMAT}", "JSON")
				total++
				if err := try(s); err != nil {
					failed[normalizeStmt(s)] = err.Error()
					continue
				}
				ok++
			}
		}
	}
	t.Logf("QTT corpus: %d of %d statements parse (%.2f%%), %d distinct failures; %d of %d ParseFailedException cases rejected",
		ok, total, 100*float64(ok)/float64(max(total, 1)), len(failed), negRejected, negTotal)

	var current []string
	for s := range failed {
		current = append(current, s)
	}
	sort.Strings(current)
	if *rewriteQTT {
		var b strings.Builder
		b.WriteString("# QTT statements that do not parse yet (one per line, whitespace collapsed). Ratchet: see TestQTTCorpus.\n")
		for _, s := range current {
			b.WriteString(s + "\n")
		}
		if err := os.WriteFile(qttFailuresFile, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	listed := map[string]bool{}
	if data, err := os.ReadFile(qttFailuresFile); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if l != "" && !strings.HasPrefix(l, "#") {
				listed[l] = true
			}
		}
	}
	for _, s := range current {
		if !listed[s] {
			t.Errorf("new QTT parse failure: %s\n  error: %s", s, failed[s])
		}
	}
	var fixed []string
	for s := range listed {
		if _, still := failed[s]; !still {
			fixed = append(fixed, s)
		}
	}
	slices.Sort(fixed)
	for _, s := range fixed {
		t.Errorf("now parses, delete it from %s: %s", qttFailuresFile, s)
	}
}

type roundTripError struct{}

func (roundTripError) Error() string { return "Format output does not read back to the same statement" }

var errRoundTrip error = roundTripError{}

func normalizeStmt(s string) string { return strings.Join(strings.Fields(s), " ") }

// stripJSONComments removes // and /* */ comments outside strings, which
// ksqlDB's Jackson reader allows in QTT files.
func stripJSONComments(b []byte) []byte {
	var out []byte
	inStr := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case inStr:
			out = append(out, c)
			if c == '\\' && i+1 < len(b) {
				i++
				out = append(out, b[i])
			} else if c == '"' {
				inStr = false
			}
		case c == '"':
			inStr = true
			out = append(out, c)
		case c == '/' && i+1 < len(b) && b[i+1] == '/':
			for i < len(b) && b[i] != '\n' {
				i++
			}
			out = append(out, '\n')
		case c == '/' && i+1 < len(b) && b[i+1] == '*':
			end := strings.Index(string(b[i+2:]), "*/")
			if end < 0 {
				return out
			}
			i += 2 + end + 1
		default:
			out = append(out, c)
		}
	}
	return out
}
