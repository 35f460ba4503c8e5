package depcheck

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/sluice-db/sluice"

// rule forbids the packages matching pkgs (minus except) to import any package
// under the forbidden prefixes: transitively, or only directly when direct is
// set. Patterns are import paths; a trailing "/..." also matches the packages
// below. Test files are not checked.
type rule struct {
	pkgs      string
	except    []string
	forbidden []string
	direct    bool
	reason    string
}

var rules = []rule{
	{
		pkgs:      module + "/server/...",
		forbidden: []string{module + "/pgface", "github.com/pganalyze/pg_query_go", module + "/engine", module + "/plan", module + "/planner", module + "/parser", module + "/catalog"},
		reason:    "server speaks the wire protocol only; statement routing, catalogs, plans and SQL grammars live behind its Session interface (packages pgface and engine)",
	},
	{
		pkgs:      module + "/exec/...",
		forbidden: []string{module + "/parser", module + "/planner", "github.com/pingcap/tidb"},
		reason:    "the runtime runs plans (package plan's data), it never sees SQL text, the AST or planner logic",
	},
	{
		pkgs:      module + "/plan/...",
		forbidden: []string{module + "/parser", module + "/planner", "github.com/pingcap/tidb", "github.com/twmb/franz-go"},
		reason:    "a plan is data: it neither parses nor plans nor talks to Kafka",
	},
	{
		pkgs:      module + "/connect/...",
		forbidden: []string{module + "/parser", module + "/planner", module + "/engine", module + "/exec", "github.com/pingcap/tidb"},
		reason:    "a connector's runtime has its own commit (a PostgreSQL transaction): it reads a source's columns and formats, never SQL, plans' logic or the query runtime",
	},
	{
		pkgs:      module + "/...",
		except:    []string{module + "/parser"},
		forbidden: []string{"github.com/pingcap/tidb"},
		direct:    true,
		reason:    "parser is the TiDB bridge: TiDB's parser and AST types stay inside it",
	},
}

// pkg is one package as go list reports it.
type pkg struct {
	path    string
	imports []string
	deps    []string
}

func TestImportBoundaries(t *testing.T) {
	for _, v := range violations(rules, listPackages(t)) {
		t.Error(v)
	}
}

// violations returns one message per forbidden import, and one per rule that
// matches no package (a move left it behind).
func violations(rules []rule, pkgs []pkg) []string {
	var out []string
	for _, r := range rules {
		matched := 0
		for _, p := range pkgs {
			if !matches(r.pkgs, p.path) || slices.ContainsFunc(r.except, func(e string) bool { return matches(e, p.path) }) {
				continue
			}
			matched++
			deps := p.deps
			if r.direct {
				deps = p.imports
			}
			for _, d := range deps {
				for _, f := range r.forbidden {
					if d == f || strings.HasPrefix(d, f+"/") {
						out = append(out, fmt.Sprintf("%s imports %s: %s", p.path, d, r.reason))
					}
				}
			}
		}
		if matched == 0 {
			out = append(out, fmt.Sprintf("rule for %s matches no package: update the rule after a move", r.pkgs))
		}
	}
	return out
}

// listPackages returns every package of the module with its direct imports and
// its transitive dependencies (non-test).
func listPackages(t *testing.T) []pkg {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list imports: %v", err)
	}
	cmd := exec.Command(goCmd, "list", "-f", "{{.ImportPath}}\t{{join .Imports \" \"}}\t{{join .Deps \" \"}}", module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []pkg
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 3 {
			t.Fatalf("go list: unexpected line %q", sc.Text())
		}
		pkgs = append(pkgs, pkg{path: f[0], imports: strings.Fields(f[1]), deps: strings.Fields(f[2])})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return pkgs
}

// matches reports whether path matches pattern: equal, or below it when the
// pattern ends in "/...".
func matches(pattern, path string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return path == base || strings.HasPrefix(path, base+"/")
	}
	return path == pattern
}

// TestRulesBite checks the checker on made-up packages.
func TestRulesBite(t *testing.T) {
	pkgs := []pkg{
		{path: module + "/server", deps: []string{module + "/types", module + "/pgface/pgcatalog"}},
		{path: module + "/server/sub", deps: []string{"github.com/pganalyze/pg_query_go/v6"}},
		{path: module + "/parser", imports: []string{"github.com/pingcap/tidb/pkg/parser"}},
		{path: module + "/planner", imports: []string{module + "/parser"}, deps: []string{"github.com/pingcap/tidb/pkg/parser"}},
		{path: module + "/expr", imports: []string{"github.com/pingcap/tidb/pkg/parser/ast"}},
		{path: module + "/pgfacex", deps: []string{module + "/pgfacex"}},
		{path: module + "/exec", deps: []string{module + "/plan", module + "/planner"}},
		{path: module + "/plan", deps: []string{module + "/types"}},
		{path: module + "/connect/jdbcsink", deps: []string{module + "/catalog", module + "/exec"}},
	}
	reason := func(pkgs string) string {
		for _, r := range rules {
			if r.pkgs == pkgs {
				return r.reason
			}
		}
		t.Fatalf("no rule for %s", pkgs)
		return ""
	}
	got := violations(append(rules, rule{pkgs: module + "/gone/...", forbidden: []string{"x"}}), pkgs)
	want := []string{
		module + "/server imports " + module + "/pgface/pgcatalog: " + reason(module+"/server/..."),
		module + "/server/sub imports github.com/pganalyze/pg_query_go/v6: " + reason(module+"/server/..."),
		module + "/exec imports " + module + "/planner: " + reason(module+"/exec/..."),
		module + "/connect/jdbcsink imports " + module + "/exec: " + reason(module+"/connect/..."),
		module + "/expr imports github.com/pingcap/tidb/pkg/parser/ast: " + reason(module+"/..."),
		"rule for " + module + "/gone/... matches no package: update the rule after a move",
	}
	if !slices.Equal(got, want) {
		t.Errorf("violations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
