package pgcatalog

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/types"
)

// fixtureSources is the schema the client corpus was captured against: a table
// orders(id bigint primary key, customer text, amount numeric(10,2), ts timestamp)
// and a stream clicks.
type fixtureSources []*catalog.Source

func (f fixtureSources) Sources() []*catalog.Source { return f }

func fixture() fixtureSources {
	return fixtureSources{
		{Name: "ORDERS", Kind: catalog.Table, Topic: "orders", KeyFormat: "KAFKA", ValueFormat: "JSON", Columns: []types.Column{
			{Name: "ID", Type: types.BigIntType, Role: types.KeyColumn},
			{Name: "CUSTOMER", Type: types.StringType},
			{Name: "AMOUNT", Type: types.NewDecimal(10, 2)},
			{Name: "TS", Type: types.TimestampType},
		}},
		{Name: "CLICKS", Kind: catalog.Stream, Topic: "clicks", KeyFormat: "KAFKA", ValueFormat: "JSON", Columns: []types.Column{
			{Name: "USER_ID", Type: types.StringType, Role: types.KeyColumn},
			{Name: "URL", Type: types.StringType},
			{Name: "TAGS", Type: types.NewArray(types.StringType)},
		}},
	}
}

func newTestSession() *Session {
	return NewCatalog(Config{SluiceVersion: "test"}).NewSession(fixture(), map[string]string{"user": "alice", "database": "sluice"}, 42)
}

// corpusStatement is one statement of the captured client SQL.
type corpusStatement struct {
	file, action, sql string
}

// loadCorpus reads testdata/clients/*.sql: statements preceded by "-- action: x".
func loadCorpus(t *testing.T) []corpusStatement {
	files, err := filepath.Glob("testdata/clients/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	var out []corpusStatement
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cur *corpusStatement
		for _, line := range strings.Split(string(data), "\n") {
			if a, ok := strings.CutPrefix(line, "-- action: "); ok {
				out = append(out, corpusStatement{file: filepath.Base(f), action: a})
				cur = &out[len(out)-1]
				continue
			}
			if cur != nil {
				cur.sql += line + "\n"
			}
		}
	}
	for i := range out {
		out[i].sql = strings.TrimSpace(out[i].sql)
	}
	return out
}

// ordersOID is the OID the corpus was captured with; statements use the fixture's.
const capturedOrdersOID = "16384"

func (s *Session) oidOf(name string) string {
	snap := newSnapshot(context.Background(), s)
	return fmt.Sprint(snap.byName[name].oid)
}

// TestCorpus runs every captured client statement and pins its result.
func TestCorpus(t *testing.T) {
	corpus := loadCorpus(t)
	if len(corpus) != 69 {
		t.Fatalf("corpus has %d statements, want 69", len(corpus))
	}
	s := newTestSession()
	oid := s.oidOf("orders")
	byKey := map[string]corpusStatement{}
	for i, c := range corpus {
		byKey[fmt.Sprintf("%s:%d", c.file, i)] = c
	}
	datadriven.RunTest(t, "testdata/corpus", func(t *testing.T, d *datadriven.TestData) string {
		switch d.Cmd {
		case "corpus":
			// Runs every statement of one corpus file; prints each result.
			var b strings.Builder
			for _, c := range corpus {
				if c.file != d.Input {
					continue
				}
				sql := strings.ReplaceAll(c.sql, capturedOrdersOID, oid)
				fmt.Fprintf(&b, "-- %s\n%s\n", c.action, firstLine(c.sql))
				b.WriteString(run(s, sql))
			}
			return strings.ReplaceAll(b.String(), oid, "<orders>")
		case "query":
			return strings.ReplaceAll(run(s, d.Input), oid, "<orders>")
		}
		return "unknown command " + d.Cmd
	})
}

// TestQueries pins the evaluator's behaviour on statements written for it.
func TestQueries(t *testing.T) {
	s := newTestSession()
	oid := s.oidOf("orders")
	datadriven.RunTest(t, "testdata/queries", func(t *testing.T, d *datadriven.TestData) string {
		return strings.ReplaceAll(run(s, d.Input), oid, "<orders>")
	})
}

func firstLine(sql string) string {
	line, _, _ := strings.Cut(sql, "\n")
	if len(line) > 100 {
		line = line[:100] + "..."
	}
	return line
}

// run executes sql on the catalog path and renders its results as text, or the
// error with its SQLSTATE.
func run(s *Session, sql string) string {
	stmts, ok := s.Split(sql)
	if !ok {
		return "not Postgres SQL\n"
	}
	var b strings.Builder
	for _, st := range stmts {
		if !st.Catalog {
			b.WriteString("engine: " + st.SQL + "\n")
			continue
		}
		w := &textWriter{b: &b}
		if err := s.Execute(context.Background(), st, nil, w); err != nil {
			fmt.Fprintf(&b, "error: %v\n", err)
		}
	}
	return b.String()
}

type textWriter struct{ b *strings.Builder }

func (w *textWriter) Columns(cols []types.Column) error {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name + ":" + c.Type.String()
	}
	fmt.Fprintln(w.b, strings.Join(names, " | "))
	return nil
}

func (w *textWriter) Row(vals []any) error {
	parts := make([]string, len(vals))
	for i, v := range vals {
		if v == nil {
			parts[i] = "NULL"
		} else {
			parts[i] = fmt.Sprint(v)
		}
	}
	fmt.Fprintln(w.b, strings.Join(parts, " | "))
	return nil
}

func (w *textWriter) Complete(tag string) error { fmt.Fprintln(w.b, tag); return nil }
func (w *textWriter) Notice(msg string) error   { fmt.Fprintln(w.b, "NOTICE: "+msg); return nil }
