package pgcatalog

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-db/sluice/internal/pgoracle"
	"github.com/sluice-db/sluice/pgface/pgeval"
	"github.com/sluice-db/sluice/types"
)

var regenerateProcs = flag.Bool("regenerate-procs", false, "rewrite "+builtinProcsFile+" from PostgreSQL 15's pg_proc")

// callableKinds maps each function name a statement on the Postgres path may
// call to the prokinds it is called as ('f' a function, 'a' an aggregate, 'w'
// a window function), and the function's argument-count bounds for 'f'.
func callableKinds(s *Session) map[string]struct {
	kinds    string
	min, max int
} {
	out := map[string]struct {
		kinds    string
		min, max int
	}{}
	snap := newSnapshot(context.Background(), s)
	catalogFuncs := s.functions(snap)
	for _, name := range s.cat.funcs.Names() {
		f := s.cat.funcs.Lookup(name)
		out[name] = struct {
			kinds    string
			min, max int
		}{"f", f.MinArgs, f.MaxArgs}
	}
	for name, f := range catalogFuncs {
		// The catalog's functions come first when a statement calls one.
		out[name] = struct {
			kinds    string
			min, max int
		}{"f", f.MinArgs, f.MaxArgs}
	}
	for _, name := range pgeval.AggregateNames() {
		e := out[name]
		e.kinds += "a"
		out[name] = e
	}
	for _, name := range pgeval.WindowNames() {
		e := out[name]
		e.kinds += "w"
		out[name] = e
	}
	return out
}

// acceptsArity reports whether a call with between min and max arguments (max
// < 0: any number) can match p, whose last pronargdefaults arguments are
// optional and whose variadic argument takes one or more.
func acceptsArity(p *builtinProc, min, max int) bool {
	lo, hi := int(p.NArgs-p.NArgDefaults), int(p.NArgs)
	if p.Variadic != 0 {
		hi = -1
	}
	return (max < 0 || lo <= max) && (hi < 0 || hi >= min)
}

// postgresProcs reads, from a PostgreSQL 15 at port, the pg_catalog and
// information_schema functions Sluice can call: those of a name and kind it
// implements, with an argument count it accepts, whose argument and result
// types are all types Sluice knows.
func postgresProcs(t *testing.T, ctx context.Context, conn *pgx.Conn, s *Session) []*builtinProc {
	callable := callableKinds(s)
	var names []string
	for name := range callable {
		names = append(names, name)
	}
	var typeOIDs []uint32
	for _, bt := range pgeval.BuiltinTypes() {
		typeOIDs = append(typeOIDs, bt.OID)
	}
	rows, err := conn.Query(ctx, `
SELECT json_build_object(
  'oid', p.oid::int8, 'proname', p.proname, 'nspname', n.nspname, 'prokind', p.prokind,
  'provolatile', p.provolatile, 'proparallel', p.proparallel, 'proisstrict', p.proisstrict,
  'proretset', p.proretset, 'provariadic', p.provariadic::int8, 'prosupport', p.prosupport::oid::int8, 'pronargs', p.pronargs,
  'pronargdefaults', p.pronargdefaults, 'prorettype', p.prorettype::int8,
  'proargtypes', p.proargtypes::oid[]::int8[], 'proallargtypes', p.proallargtypes::int8[],
  'proargmodes', p.proargmodes, 'proargnames', p.proargnames,
  'argdefaults', pg_get_expr(p.proargdefaults, 0), 'lanname', l.lanname, 'prosrc', p.prosrc,
  'procost', p.procost, 'prorows', p.prorows, 'proleakproof', p.proleakproof,
  'prosecdef', p.prosecdef, 'aggkind', a.aggkind, 'aggnumdirectargs', a.aggnumdirectargs,
  'aggtransfn', a.aggtransfn::text, 'aggfinalfn', a.aggfinalfn::text,
  'description', d.description, 'sqlbody', pg_get_function_sqlbody(p.oid))::text
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
LEFT JOIN pg_aggregate a ON a.aggfnoid = p.oid
LEFT JOIN pg_description d ON d.objoid = p.oid AND d.classoid = 'pg_proc'::regclass AND d.objsubid = 0
WHERE n.nspname IN ('pg_catalog', 'information_schema') AND p.proname = ANY($1)
  AND p.prorettype = ANY($2) AND p.proargtypes::oid[] <@ $2::oid[]
  AND coalesce(p.proallargtypes <@ $2::oid[], true)
ORDER BY p.oid`, names, typeOIDs)
	if err != nil {
		t.Fatal(err)
	}
	var out []*builtinProc
	for rows.Next() {
		var text string
		if err := rows.Scan(&text); err != nil {
			t.Fatal(err)
		}
		p := &builtinProc{}
		if err := json.Unmarshal([]byte(text), p); err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		c := callable[p.Name]
		if !strings.Contains(c.kinds, p.Kind) || (p.Kind == "f" && !acceptsArity(p, c.min, c.max)) {
			continue
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func startOracle(t *testing.T) (context.Context, *pgx.Conn) {
	port := pgoracle.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	conn, err := pgx.Connect(ctx, fmt.Sprintf("postgres://%s@127.0.0.1:%s/postgres?sslmode=disable", pgoracle.User, port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return ctx, conn
}

// TestBuiltinProcsArePostgres15 requires pg_proc's rows to be PostgreSQL 15's
// for exactly the functions Sluice implements: a function added to the
// evaluator or the catalog without regenerating the file (-regenerate-procs)
// fails here.
func TestBuiltinProcsArePostgres15(t *testing.T) {
	ctx, conn := startOracle(t)
	procs := postgresProcs(t, ctx, conn, newTestSession())
	var b strings.Builder
	for _, p := range procs {
		line, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	if *regenerateProcs {
		if err := os.WriteFile(builtinProcsFile, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if b.String() != builtinProcsJSON {
		t.Errorf("%s is not PostgreSQL 15's pg_proc for Sluice's functions; run go test -run TestBuiltinProcsArePostgres15 -regenerate-procs and review the diff", builtinProcsFile)
	}
}

// rowsWriter collects a statement's rows as text.
type rowsWriter struct {
	cols []string
	rows [][]string
}

func (w *rowsWriter) Columns(cols []types.Column) error {
	for _, c := range cols {
		w.cols = append(w.cols, c.Name)
	}
	return nil
}

func (w *rowsWriter) Row(vals []any) error {
	r := make([]string, len(vals))
	for i, v := range vals {
		if v == nil {
			r[i] = "NULL"
		} else {
			r[i] = fmt.Sprint(v)
		}
	}
	w.rows = append(w.rows, r)
	return nil
}

func (w *rowsWriter) Complete(string) error { return nil }
func (w *rowsWriter) Notice(string) error   { return nil }

func sluiceRows(t *testing.T, s *Session, sql string) ([]string, [][]string) {
	t.Helper()
	stmts, ok := s.Split(sql)
	if !ok || len(stmts) != 1 || !stmts[0].Catalog {
		t.Fatalf("not one catalog statement: %s", sql)
	}
	w := &rowsWriter{}
	if err := s.Execute(context.Background(), stmts[0], nil, w); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return w.cols, w.rows
}

func postgresRows(t *testing.T, ctx context.Context, conn *pgx.Conn, sql string) ([]string, [][]string) {
	t.Helper()
	rows, err := conn.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	var cols []string
	for _, f := range rows.FieldDescriptions() {
		cols = append(cols, f.Name)
	}
	var out [][]string
	for rows.Next() {
		raw := rows.RawValues()
		r := make([]string, len(raw))
		for i, v := range raw {
			if v == nil {
				r[i] = "NULL"
			} else {
				r[i] = string(v)
			}
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return cols, out
}

// psqlDescribeFunctions is the statement psql 15 sends for \df+ PATTERN to a
// PostgreSQL 13 (what Sluice reports), from psql -E; \df sends its first five
// columns.
const psqlDescribeFunctions = `SELECT n.nspname as "Schema",
  p.proname as "Name",
  pg_catalog.pg_get_function_result(p.oid) as "Result data type",
  pg_catalog.pg_get_function_arguments(p.oid) as "Argument data types",
 CASE p.prokind
  WHEN 'a' THEN 'agg'
  WHEN 'w' THEN 'window'
  WHEN 'p' THEN 'proc'
  ELSE 'func'
 END as "Type",
 CASE
  WHEN p.provolatile = 'i' THEN 'immutable'
  WHEN p.provolatile = 's' THEN 'stable'
  WHEN p.provolatile = 'v' THEN 'volatile'
 END as "Volatility",
 CASE
  WHEN p.proparallel = 'r' THEN 'restricted'
  WHEN p.proparallel = 's' THEN 'safe'
  WHEN p.proparallel = 'u' THEN 'unsafe'
 END as "Parallel",
 pg_catalog.pg_get_userbyid(p.proowner) as "Owner",
 CASE WHEN prosecdef THEN 'definer' ELSE 'invoker' END AS "Security",
 pg_catalog.array_to_string(p.proacl, E'\n') AS "Access privileges",
 l.lanname as "Language",
 p.prosrc as "Source code",
 pg_catalog.obj_description(p.oid, 'pg_proc') as "Description",
 p.oid
FROM pg_catalog.pg_proc p
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
     LEFT JOIN pg_catalog.pg_language l ON l.oid = p.prolang
WHERE p.proname OPERATOR(pg_catalog.~) '^(%s)$' COLLATE pg_catalog.default
  AND pg_catalog.pg_function_is_visible(p.oid)
ORDER BY 1, 2, 4;`

// TestDescribeFunctionsAgainstPostgres runs psql's \df+ statement for every
// function Sluice lists, and the pg_get_function_* renderings of every one,
// on Sluice and on PostgreSQL 15, and requires PostgreSQL's answers for the
// functions both have (PostgreSQL has more overloads: ranges, money, ...).
func TestDescribeFunctionsAgainstPostgres(t *testing.T) {
	ctx, conn := startOracle(t)
	s := newTestSession()
	var names []string
	for _, p := range s.cat.rels.procs {
		if !slices.Contains(names, p.Name) {
			names = append(names, p.Name)
		}
	}
	if len(names) < 100 {
		t.Fatalf("pg_proc lists %d function names, want the evaluator's and the catalog's (over 100)", len(names))
	}
	ours := map[string]bool{}
	for _, p := range s.cat.rels.procs {
		ours[fmt.Sprint(p.OID)] = true
	}
	onlyOurs := func(rows [][]string, oidCol int) [][]string {
		var out [][]string
		for _, r := range rows {
			if ours[r[oidCol]] {
				out = append(out, r)
			}
		}
		return out
	}
	for _, sql := range []string{
		fmt.Sprintf(psqlDescribeFunctions, strings.Join(names, "|")),
		`SELECT p.oid, p.proname, pg_catalog.pg_get_function_arguments(p.oid), pg_catalog.pg_get_function_identity_arguments(p.oid),
		   pg_catalog.pg_get_function_result(p.oid), p.pronargs, p.pronargdefaults, p.prorettype, p.proargtypes, p.proretset::text, p.provariadic,
		   pg_catalog.pg_function_is_visible(p.oid)::text, n.nspname, pg_catalog.pg_get_function_sqlbody(p.oid),
		   p.proallargtypes::text, p.proargmodes::text, p.proargnames::text, pg_get_expr(p.proargdefaults, 0),
		   array_to_string(COALESCE(p.proallargtypes::regtype[], p.proargtypes::regtype[])::text[], ','), p.prorettype::regtype::text
		 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace ORDER BY p.oid`,
		// Every column but the node trees (and prosupport, a function
		// Sluice does not list), as text.
		`SELECT oid, proname, pronamespace::regnamespace::text, proowner, prolang, procost, prorows, provariadic,
		   (prosupport = 0)::text, prokind, prosecdef::text, proleakproof::text, proisstrict::text, proretset::text,
		   provolatile, proparallel, pronargs, pronargdefaults, prorettype, proargtypes, proallargtypes::text,
		   proargmodes::text, proargnames::text, protrftypes::text, prosrc, probin, proconfig::text, proacl::text
		 FROM pg_catalog.pg_proc ORDER BY oid`,
		`SELECT * FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_language l ON l.oid = p.prolang LIMIT 0`,
		// regproc: a name finds the one function of that name (version is
		// 89); a function prints by name when its name finds it, else
		// qualified: lpad has two overloads, _pg_expandarray is off the
		// search path.
		`SELECT 'version'::regproc::oid::text AS v, 'pg_catalog.version'::regproc::text AS vn,
		   873::regproc::text AS l, 'information_schema._pg_expandarray'::regproc::text AS e`,
	} {
		oidCol := 0
		gotCols, got := sluiceRows(t, s, sql)
		wantCols, want := postgresRows(t, ctx, conn, sql)
		if !slices.Equal(gotCols, wantCols) {
			t.Errorf("labels: Sluice %q, PostgreSQL %q", gotCols, wantCols)
		}
		if strings.HasPrefix(sql, "SELECT n.nspname") {
			oidCol = len(wantCols) - 1
		}
		if !strings.Contains(sql, "pg_proc") {
			oidCol = -1
		}
		if oidCol >= 0 {
			want = onlyOurs(want, oidCol)
		}
		if len(got) != len(want) {
			t.Errorf("%d rows from Sluice, %d from PostgreSQL for\n%s", len(got), len(want), sql)
		}
		for i := range min(len(got), len(want)) {
			if !slices.Equal(got[i], want[i]) {
				t.Errorf("row %d:\nSluice     %q\nPostgreSQL %q", i, got[i], want[i])
			}
		}
	}
}
