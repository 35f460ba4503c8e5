package pgeval

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/sluice-db/sluice/sqlerr"
)

// testCatalog has one relation, t(id int4, name text, tags text[]), and no
// functions or reg* names of its own.
type testCatalog struct{}

var testRel = &Relation{
	Columns: []Column{{"id", Type{OID: Int4}}, {"name", Type{OID: Text}}, {"tags", Type{OID: TextArr}}},
	Rows: [][]any{
		{int64(1), "a", []any{"x", "y"}},
		{int64(2), "b", nil},
		{int64(3), nil, []any{}},
	},
}

func (testCatalog) Relation(schema, name string) (*Relation, error) {
	if name == "t" {
		return testRel, nil
	}
	return nil, sqlerr.Newf(sqlerr.UndefinedTable, "relation %q does not exist", name)
}
func (testCatalog) Function(string) *Func { return nil }
func (testCatalog) OIDOf(uint32, string) (int64, error) {
	return 0, sqlerr.New(sqlerr.UndefinedObject, "none")
}
func (testCatalog) NameOf(uint32, int64) (string, bool) { return "", false }

func query(t *testing.T, sql string, params ...any) (*Statement, string) {
	t.Helper()
	tree, err := pg_query.Parse(sql)
	if err != nil {
		t.Fatal(err)
	}
	st, err := Compile(testCatalog{}, NewFunctions(), tree.Stmts[0].Stmt.GetSelectStmt(), nil)
	if err != nil {
		return nil, "error: " + err.Error()
	}
	res, err := st.Run(context.Background(), params)
	if err != nil {
		return st, "error: " + err.Error()
	}
	var b strings.Builder
	for _, r := range res.Rows {
		parts := make([]string, len(r))
		for i, v := range r {
			if v == nil {
				parts[i] = "NULL"
			} else {
				parts[i] = FormatText(nil, v, res.Columns[i].Type.OID)
			}
		}
		fmt.Fprintln(&b, strings.Join(parts, "|"))
	}
	return st, b.String()
}

func TestEvaluate(t *testing.T) {
	for _, tc := range []struct{ sql, want string }{
		{"SELECT id, name FROM t WHERE name IS NOT NULL ORDER BY id DESC", "2|b\n1|a\n"},
		{"SELECT count(*), count(name), max(id), string_agg(name, '+') FROM t", "3|2|3|a+b\n"},
		{"SELECT id, unnest(tags) FROM t ORDER BY 1, 2", "1|x\n1|y\n"},
		{"SELECT a.id, b.id FROM t a LEFT JOIN t b ON b.id = a.id + 1 ORDER BY 1", "1|2\n2|3\n3|NULL\n"},
		{"SELECT id FROM t WHERE 'x' = ANY(tags) OR id IN (SELECT id + 1 FROM t WHERE id = 2)", "1\n3\n"},
		{"SELECT (SELECT name FROM t i WHERE i.id = o.id - 1) FROM t o ORDER BY id", "NULL\na\nb\n"},
		{"SELECT coalesce(name, '?') || ':' || cardinality(tags) FROM t ORDER BY id", "a:2\nNULL\n?:0\n"},
		{"SELECT id FROM t ORDER BY name NULLS FIRST LIMIT 2", "3\n1\n"},
		{"SELECT nope FROM t", "error: column nope does not exist"},
		{"SELECT * FROM u", `error: relation "u" does not exist`},
	} {
		if _, got := query(t, tc.sql); got != tc.want {
			t.Errorf("%s:\ngot  %q\nwant %q", tc.sql, got, tc.want)
		}
	}
}

func TestParameters(t *testing.T) {
	st, got := query(t, "SELECT name FROM t WHERE id = $1 AND name LIKE $2 LIMIT $3", "1", "a%", int64(5))
	if got != "a\n" {
		t.Errorf("got %q", got)
	}
	if pt := st.ParamTypes(); fmt.Sprint(pt) != fmt.Sprint([]uint32{Int4, Text, Int8}) {
		t.Errorf("inferred parameter types %v", pt)
	}
}

// TestCancelledStatementStops: each row loop (scan and filter, cross join, join
// with a condition, recursive CTE) looks at the statement's context as it goes
// and stops with its error; a statement that ends in time is unaffected.
func TestCancelledStatementStops(t *testing.T) {
	cases := []string{
		`SELECT count(*) FROM generate_series(1, 100000) g WHERE g % 7 = 0`,
		`SELECT count(*) FROM generate_series(1, 1000) a, generate_series(1, 1000) b`,
		`SELECT count(*) FROM generate_series(1, 1000) a JOIN generate_series(1, 1000) b ON a = b`,
		`WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 100000) SELECT count(*) FROM r`,
	}
	for _, sql := range cases {
		tree, err := pg_query.Parse(sql)
		if err != nil {
			t.Fatal(err)
		}
		st, err := Compile(testCatalog{}, NewFunctions(), tree.Stmts[0].Stmt.GetSelectStmt(), nil)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		if _, err := st.Run(context.Background(), nil); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := st.Run(ctx, nil); !errors.Is(err, context.Canceled) {
			t.Errorf("%s under a cancelled context: %v, want context.Canceled", sql, err)
		}
	}
}

// TestCommaJoin: a FROM list joined under WHERE gives the cross product's
// answer, in its order, without building it: 200³ pairs would be over the
// join bound, the conditions make them 4 rows. Conditions that cannot hash
// (numeric, inequalities, NULLs, OR) filter as the cross product would.
func TestCommaJoin(t *testing.T) {
	for _, tc := range []struct{ sql, want string }{
		{`SELECT a, b, c FROM generate_series(1, 200) a, generate_series(1, 200) b, generate_series(1, 200) c WHERE a = b AND c = b AND a % 50 = 0`,
			"50|50|50\n100|100|100\n150|150|150\n200|200|200\n"},
		{`SELECT a, b FROM generate_series(1, 3) a, generate_series(1, 3) b WHERE a < b`, "1|2\n1|3\n2|3\n"},
		{`SELECT b, a FROM generate_series(1, 3) a, generate_series(3, 1, -1) b WHERE a = b OR a + b = 4`, "3|1\n1|1\n2|2\n3|3\n1|3\n"},
		{`SELECT a, b FROM (VALUES (1.0), (2.00), (NULL)) x(a), (VALUES (1), (2), (NULL)) y(b) WHERE a = b`, "1.0|1\n2.00|2\n"},
		{`SELECT x.n, y.n FROM (VALUES (1), (NULL)) x(n), (VALUES (1), (NULL)) y(n) WHERE x.n = y.n`, "1|1\n"},
		{`SELECT a FROM generate_series(1, 3) a, generate_series(1, 2) b WHERE 1 = 1 AND b = 2`, "1\n2\n3\n"},
		{`SELECT a FROM generate_series(1, 3) a, generate_series(1, 2) b WHERE false`, ""},
		{`SELECT a, b FROM generate_series(1, 2) a, generate_series(1, 2) b WHERE EXISTS (SELECT 1 WHERE a = b)`, "1|1\n2|2\n"},
	} {
		if _, got := query(t, tc.sql); got != tc.want {
			t.Errorf("%s\n got %q\nwant %q", tc.sql, got, tc.want)
		}
	}
}
