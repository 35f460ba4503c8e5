package planner

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/expr"
	"github.com/sluice-db/sluice/parser"
	"github.com/sluice-db/sluice/sqlerr"
)

// TestPlanner runs testdata files with these commands:
//
//	ddl       CREATE STREAM/TABLE statements added to the catalog (partitions=1)
//	set       session properties, one key=value a line
//	plan      a SELECT, CREATE ... AS SELECT or INSERT INTO ... SELECT; prints the
//	          plan, the result schema and the sink, or the error with SQLSTATE and
//	          the text at its position
//	pull      a pull query: plans it and checks it against ksqlDB's pull-query
//	          rules (CheckPull, with the session's properties); prints ok or the error
func TestPlanner(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		cat := catalog.New()
		p := &Planner{Catalog: cat, Funcs: expr.NewRegistry(expr.Config{})}
		session := map[string]string{}
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			if d.Cmd == "set" {
				for _, line := range strings.Split(strings.TrimSpace(d.Input), "\n") {
					k, v, _ := strings.Cut(line, "=")
					session[strings.TrimSpace(k)] = strings.TrimSpace(v)
				}
				return ""
			}
			stmts, err := parser.New().ParseScript(d.Input)
			if err != nil {
				return formatErr(d.Input, err)
			}
			var out strings.Builder
			for _, st := range stmts {
				switch d.Cmd {
				case "ddl":
					cs, ok := st.(*parser.CreateSource)
					if !ok {
						t.Fatalf("ddl wants CREATE STREAM/TABLE, got %T", st)
					}
					src, err := PlanCreateSource(cs, session)
					if err != nil {
						return formatErr(d.Input, err)
					}
					if src.Partitions == 0 {
						src.Partitions = 1
					}
					cat.PutSource(src)
					fmt.Fprintf(&out, "%s %s: %s\n", src.Kind, src.Name, SchemaString(src.Columns))
				case "pull":
					q, ok := st.(*parser.Query)
					if !ok {
						t.Fatalf("pull wants a SELECT, got %T", st)
					}
					plan, err := p.PlanSelect(q.Select, nil)
					if err == nil {
						err = CheckPull(q.Select, plan.Source, PullOptionsFrom(session))
					}
					if err != nil {
						out.WriteString(formatErr(d.Input, err))
						continue
					}
					out.WriteString("ok\n")
				case "plan":
					var plan *QueryPlan
					var err error
					switch st := st.(type) {
					case *parser.Query:
						plan, err = p.PlanSelect(st.Select, nil)
					case *parser.CreateAsSelect:
						plan, err = p.PlanCreateAsSelect(st, session)
					case *parser.InsertSelect:
						plan, err = p.PlanInsertSelect(st)
					default:
						t.Fatalf("plan does not take %T", st)
					}
					if err != nil {
						return formatErr(d.Input, err)
					}
					out.WriteString(plan.Explain())
					fmt.Fprintf(&out, "result: %s\n", SchemaString(plan.Output))
					if plan.Sink != nil {
						s := plan.Sink.Source
						fmt.Fprintf(&out, "sink: %s topic=%s key=%s value=%s partitions=%d schema: %s\n",
							s.Name, s.Topic, s.KeyFormat, s.ValueFormat, s.Partitions, SchemaString(s.Columns))
					}
				default:
					t.Fatalf("unknown command %s", d.Cmd)
				}
			}
			return out.String()
		})
	})
}

func formatErr(input string, err error) string {
	e := sqlerr.As(err)
	at := ""
	if e.Position >= 0 && e.Position <= len(input) {
		rest := input[e.Position:]
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			rest = rest[:i]
		}
		at = fmt.Sprintf(" (at %q)", rest)
	}
	return fmt.Sprintf("error %s: %s%s\n", e.Code, e.Message, at)
}
