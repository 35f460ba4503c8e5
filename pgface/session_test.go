package pgface

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

type fixtureSources []*catalog.Source

func (f fixtureSources) Sources() []*catalog.Source { return f }

var fixture = fixtureSources{
	{Name: "ORDERS", Kind: catalog.Table, Topic: "orders", KeyFormat: "KAFKA", ValueFormat: "JSON", Columns: []types.Column{
		{Name: "ID", Type: types.BigIntType, Role: types.KeyColumn},
		{Name: "CUSTOMER", Type: types.StringType},
	}},
}

// fakeEngine stands for the KSQL engine session: it records what reaches it,
// answers a statement containing FAIL with a 42601 error positioned at FAIL, and
// describes every statement as one column "ksql", or, with $n in it, as no
// columns and one BIGINT parameter.
// SQL with "labels:" in it is run (and described) statement by statement (at
// each ';'): a statement with "labels: A b ..." has result columns labelled A,
// b, ... (as the engine labels them) and no rows.
type fakeEngine struct{ log *strings.Builder }

func (e fakeEngine) Execute(_ context.Context, sql string, _ []any, w ResultWriter) error {
	fmt.Fprintf(e.log, "engine: %s\n", sql)
	if i := strings.Index(sql, "FAIL"); i >= 0 {
		return sqlerr.New(sqlerr.SyntaxError, "syntax error").WithPosition(i)
	}
	if !strings.Contains(sql, "labels:") {
		return w.Complete("ENGINE")
	}
	for _, part := range strings.Split(sql, ";") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		if cols := fakeLabels(part); cols != nil {
			if err := w.Columns(cols); err != nil {
				return err
			}
		}
		if err := w.Complete("ENGINE"); err != nil {
			return err
		}
	}
	return nil
}

// fakeLabels returns the columns "labels: A b ..." in sql names, or nil.
func fakeLabels(sql string) []types.Column {
	_, list, ok := strings.Cut(sql, "labels:")
	if !ok {
		return nil
	}
	var cols []types.Column
	for _, name := range strings.Fields(list) {
		cols = append(cols, types.Column{Name: name, Type: types.StringType})
	}
	return cols
}

func (e fakeEngine) Describe(sql string) ([]types.Column, []*types.Type, error) {
	fmt.Fprintf(e.log, "engine describe: %s\n", sql)
	if strings.Contains(sql, "$") {
		// The engine cannot plan unbound parameters; with "labels:" it
		// reports nothing, as Sluice's does.
		if strings.Contains(sql, "labels:") {
			return nil, nil, nil
		}
		return nil, []*types.Type{types.BigIntType}, nil
	}
	if cols := fakeLabels(sql); cols != nil {
		if isListing(sql) {
			// As Sluice's engine: a listing's columns are known once it runs.
			return nil, nil, nil
		}
		return cols, nil, nil
	}
	return []types.Column{{Name: "ksql", Type: types.StringType}}, nil, nil
}

func (e fakeEngine) Close() { fmt.Fprintln(e.log, "engine closed") }

// logWriter prints what a statement writes, including ParameterStatus reports.
type logWriter struct{ log *strings.Builder }

func (w logWriter) Columns(cols []types.Column) error {
	var names []string
	for _, c := range cols {
		names = append(names, c.Name)
	}
	fmt.Fprintf(w.log, "columns: %s\n", strings.Join(names, ", "))
	return nil
}

func (w logWriter) Row(vals []any) error {
	fmt.Fprintf(w.log, "row: %v\n", vals)
	return nil
}

func (w logWriter) Complete(tag string) error {
	fmt.Fprintf(w.log, "complete: %s\n", tag)
	return nil
}

func (w logWriter) Notice(msg string) error {
	fmt.Fprintf(w.log, "notice: %s\n", msg)
	return nil
}

func (w logWriter) ParameterStatus(name, value string) {
	fmt.Fprintf(w.log, "parameter status: %s = %s\n", name, value)
}

// TestRouting runs testdata/route: each command gets a new session of a Face
// over fixture; its output is what reached the engine and the writer.
//
//	exec          run the input; errors print with their SQLSTATE and position
//	describe      Describe the input
//	describe-bound p1 p2 ...   DescribeBound the input with string parameters
//	placeholders  the highest $n of the input
func TestRouting(t *testing.T) {
	face := New(Config{Sources: fixture, SluiceVersion: "test"})
	datadriven.RunTest(t, "testdata/route", func(t *testing.T, d *datadriven.TestData) string {
		var log strings.Builder
		s := face.NewSession(fakeEngine{&log}, map[string]string{"user": "alice"}, 7)
		switch d.Cmd {
		case "exec":
			if err := s.Execute(context.Background(), d.Input, nil, logWriter{&log}); err != nil {
				e := sqlerr.As(err)
				fmt.Fprintf(&log, "error %s at %d: %s\n", e.Code, e.Position, e.Message)
			}
		case "describe":
			cols, params, err := s.Describe(d.Input)
			if err != nil {
				fmt.Fprintf(&log, "error: %v\n", err)
			}
			if cols == nil && err == nil {
				fmt.Fprintln(&log, "no result columns")
			}
			for _, c := range cols {
				fmt.Fprintf(&log, "column %s %s\n", c.Name, c.Type)
			}
			for i, p := range params {
				fmt.Fprintf(&log, "param $%d %s\n", i+1, p)
			}
		case "describe-bound":
			var params []any
			for _, a := range d.CmdArgs {
				params = append(params, a.Key)
			}
			for _, c := range s.DescribeBound(d.Input, params) {
				fmt.Fprintf(&log, "column %s %s\n", c.Name, c.Type)
			}
		case "placeholders":
			fmt.Fprintf(&log, "%d\n", s.Placeholders(d.Input))
		default:
			t.Fatalf("unknown command %s", d.Cmd)
		}
		s.Close()
		return log.String()
	})
}
