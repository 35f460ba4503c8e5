package planner

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sluice-db/sluice/plan"

	"github.com/cockroachdb/datadriven"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/expr"
	"github.com/sluice-db/sluice/parser"
	"github.com/sluice-db/sluice/sqlerr"
)

// TestPlanner runs testdata files with these commands:
//
//	ddl       CREATE STREAM/TABLE statements added to the catalog; their topics
//	          have the PARTITIONS given, else ddl's partitions=N argument, else 1
//	set       session properties, one key=value a line
//	plan      a SELECT, CREATE ... AS SELECT or INSERT INTO ... SELECT; plans it
//	          physically as query Q1 and prints the operator tree, the result
//	          schema and the sink, or the error with SQLSTATE and the text at its
//	          position
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
						if d.HasArg("partitions") {
							d.ScanArgs(t, "partitions", &src.Partitions)
						}
					}
					cat.PutSource(src)
					fmt.Fprintf(&out, "%s %s: %s\n", src.Kind, src.Name, SchemaString(src.Columns))
				case "pull":
					q, ok := st.(*parser.Query)
					if !ok {
						t.Fatalf("pull wants a SELECT, got %T", st)
					}
					qp, err := p.PlanSelect(q.Select, nil)
					if err == nil {
						err = CheckPull(q.Select, qp.Source, PullOptionsFrom(session))
					}
					if err != nil {
						out.WriteString(formatErr(d.Input, err))
						continue
					}
					out.WriteString("ok\n")
				case "plan":
					var qp *plan.QueryPlan
					var err error
					switch st := st.(type) {
					case *parser.Query:
						qp, err = p.PlanSelect(st.Select, nil)
					case *parser.CreateAsSelect:
						qp, err = p.PlanCreateAsSelect(st, session)
					case *parser.InsertSelect:
						qp, err = p.PlanInsertSelect(st)
					default:
						t.Fatalf("plan does not take %T", st)
					}
					if err == nil {
						opts := PhysicalOptions{QueryID: "Q1", Group: "_sluice_test_query_Q1", Durable: qp.Sink != nil}
						err = PlanPhysical(qp, opts, catalogTopics{cat})
					}
					if err != nil {
						return formatErr(d.Input, err)
					}
					out.WriteString(qp.Explain())
					fmt.Fprintf(&out, "result: %s\n", SchemaString(qp.Output))
					if qp.Sink != nil {
						s := qp.Sink.Source
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

// catalogTopics answers physical planning from the test catalog: a source's
// topic has the source's partitions, one replica.
type catalogTopics struct{ cat *catalog.Catalog }

func (c catalogTopics) Describe(topic string) (int, int, error) {
	for _, s := range c.cat.Sources() {
		if s.Topic == topic {
			return s.Partitions, 1, nil
		}
	}
	return 0, 0, sqlerr.Newf(sqlerr.UndefinedTable, "topic %s does not exist", topic)
}
