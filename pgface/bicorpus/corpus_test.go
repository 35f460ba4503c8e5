package bicorpus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sluice-db/sluice/internal/pgoracle"
	"github.com/sluice-db/sluice/pgface"
	"github.com/sluice-db/sluice/server"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// TestBICorpus runs every statement of testdata/*.sql against Sluice (the wire
// server over the Postgres face, over the fixture relations) and against
// PostgreSQL 15 holding the same rows, in the simple protocol (text values) and
// the extended one (pgx's binary formats), and requires the same labels, type
// OIDs and rows (in order when the statement has ORDER BY), or the same SQLSTATE.
// A statement preceded by a "-- args: [...]" line (a JSON array; a string
// starting with "@" is a timestamp in RFC 3339) is run with those parameters,
// bound as the driver binds Go values: in the simple protocol pgx interpolates
// them as literals, in the extended one it sends them with the types the
// server's ParameterDescription gives (and those types must be PostgreSQL's).
// Statements preceded by a "-- known:" line are expected to differ still: they
// are run and counted, and the test fails if one of them starts to match (so the
// list stays true).
func TestBICorpus(t *testing.T) {
	stmts := loadCorpus(t)
	oracle := startPostgres(t)
	sluice := startSluice(t)
	ctx := context.Background()
	modes := []struct {
		name string
		mode pgx.QueryExecMode
	}{{"simple", pgx.QueryExecModeSimpleProtocol}, {"extended", pgx.QueryExecModeDescribeExec}}
	pass, total := 0, 0
	for _, m := range modes {
		pgConn := connect(t, oracle, m.mode)
		slConn := connect(t, sluice, m.mode)
		for _, st := range stmts {
			total++
			want := query(ctx, pgConn, st.sql, st.args)
			got := query(ctx, slConn, st.sql, st.args)
			same := want == got
			switch {
			case same && st.known != "":
				t.Errorf("%s (%s): %s\nmatches PostgreSQL now: drop its -- known: line", st.where, m.name, st.sql)
			case same:
				pass++
			case st.known != "":
			default:
				t.Errorf("%s (%s): %s\nSluice:\n%s\nPostgreSQL:\n%s", st.where, m.name, st.sql, got, want)
			}
		}
	}
	t.Logf("BI corpus: %d statements, %d runs (simple and extended protocol), %d runs match PostgreSQL 15", len(stmts), total, pass)
	t.Run("sluice.dialect ksql", func(t *testing.T) {
		// A session that asks for ksqlDB's answers sends SELECTs over Sluice's
		// relations to the KSQL engine (the corpus's answers 42601); catalog
		// SQL stays Postgres'.
		cfg, err := pgx.ParseConfig("postgres://alice@" + sluice + "/sluice?sslmode=disable&sluice.dialect=ksql")
		if err != nil {
			t.Fatal(err)
		}
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		for sql, want := range map[string]string{
			"SELECT id FROM orders WHERE id = 1":                     "ERROR 42601",
			"SHOW sluice.dialect":                                    "sluice.dialect:25 \nksql",
			"SELECT count(*) FROM pg_class WHERE relname = 'orders'": "count:20 \n1",
		} {
			if got := query(ctx, conn, sql, nil); got != want {
				t.Errorf("%s: got %q, want %q", sql, got, want)
			}
		}
	})
	t.Run("prepared statement lifecycle", func(t *testing.T) {
		want := statementLifecycle(ctx, connect(t, oracle, pgx.QueryExecModeSimpleProtocol))
		if got := statementLifecycle(ctx, connect(t, sluice, pgx.QueryExecModeSimpleProtocol)); got != want {
			t.Errorf("Sluice:\n%s\nPostgreSQL:\n%s", got, want)
		}
	})
}

// statementLifecycle prepares statements with Parse and removes them with SQL
// DEALLOCATE [ALL] and DISCARD ALL (as psqlODBC and connection pools do),
// reporting each step's outcome.
func statementLifecycle(ctx context.Context, conn *pgx.Conn) string {
	pc := conn.PgConn()
	var b strings.Builder
	step := func(what string, err error) {
		fmt.Fprintf(&b, "%s: ", what)
		if err != nil {
			b.WriteString(errorText(err))
		} else {
			b.WriteString("ok")
		}
		b.WriteString("\n")
	}
	prepare := func(name string) {
		_, err := pc.Prepare(ctx, name, "SELECT id FROM orders WHERE id = $1", nil)
		step("prepare "+name, err)
	}
	exec := func(sql string) {
		step(sql, pc.Exec(ctx, sql).Close())
	}
	prepare("s1")
	prepare("s1")
	exec("DEALLOCATE s1")
	prepare("s1")
	exec("DEALLOCATE nosuch")
	prepare("s2")
	exec("DEALLOCATE ALL")
	prepare("s1")
	prepare("s2")
	exec("DISCARD ALL")
	prepare("s1")
	exec("DEALLOCATE PREPARE s1")
	exec("DEALLOCATE s1")
	return b.String()
}

type statement struct {
	where, sql, known string
	args              []any
}

// parseArgs reads a "-- args:" line's JSON array.
func parseArgs(t *testing.T, where, text string) []any {
	var raw []any
	if err := json.Unmarshal([]byte(text), &raw); err != nil {
		t.Fatalf("%s: args: %v", where, err)
	}
	for i, v := range raw {
		switch x := v.(type) {
		case float64:
			if x == math.Trunc(x) {
				raw[i] = int64(x)
			}
		case string:
			if ts, ok := strings.CutPrefix(x, "@"); ok {
				tm, err := time.Parse(time.RFC3339Nano, ts)
				if err != nil {
					t.Fatalf("%s: args: %v", where, err)
				}
				raw[i] = tm
			}
		}
	}
	return raw
}

// loadCorpus reads testdata/*.sql: statements end with ";" at the end of a line;
// "--" lines before one are comments, "-- known: reason" marks a known difference.
func loadCorpus(t *testing.T) []statement {
	files, err := filepath.Glob("testdata/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus files: %v", err)
	}
	var out []statement
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cur []string
		known := ""
		var args []any
		start := 0
		for i, line := range strings.Split(string(data), "\n") {
			trim := strings.TrimSpace(line)
			if len(cur) == 0 {
				if strings.HasPrefix(trim, "-- known:") {
					known = strings.TrimSpace(strings.TrimPrefix(trim, "-- known:"))
				}
				if a, ok := strings.CutPrefix(trim, "-- args:"); ok {
					args = parseArgs(t, fmt.Sprintf("%s:%d", filepath.Base(f), i+1), a)
				}
				if trim == "" || strings.HasPrefix(trim, "--") {
					continue
				}
				start = i + 1
			}
			cur = append(cur, line)
			if strings.HasSuffix(trim, ";") {
				sql := strings.TrimSuffix(strings.TrimSpace(strings.Join(cur, "\n")), ";")
				out = append(out, statement{where: fmt.Sprintf("%s:%d", filepath.Base(f), start), sql: sql, known: known, args: args})
				cur, known, args = nil, "", nil
			}
		}
	}
	return out
}

// query runs sql and renders its result: labels with type OIDs, then the rows
// (sorted unless the statement orders them), or the SQLSTATE of its error.
func query(ctx context.Context, conn *pgx.Conn, sql string, args []any) string {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var b strings.Builder
	if len(args) > 0 && conn.Config().DefaultQueryExecMode != pgx.QueryExecModeSimpleProtocol {
		// The parameter types the server infers (ParameterDescription), which
		// drivers encode the values by.
		sd, err := conn.Prepare(ctx, "", sql)
		if err != nil {
			return errorText(err)
		}
		fmt.Fprintf(&b, "params %v\n", sd.ParamOIDs)
	}
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return errorText(err)
	}
	for _, f := range rows.FieldDescriptions() {
		fmt.Fprintf(&b, "%s:%d ", f.Name, f.DataTypeOID)
	}
	b.WriteString("\n")
	var lines []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			rows.Close()
			return "decode: " + err.Error()
		}
		raw := rows.RawValues()
		parts := make([]string, len(vals))
		for i, v := range vals {
			switch {
			case raw[i] == nil:
				parts[i] = "NULL"
			case rows.FieldDescriptions()[i].Format == 0:
				parts[i] = string(raw[i])
			default:
				parts[i] = fmt.Sprintf("%v", v)
			}
		}
		lines = append(lines, strings.Join(parts, " | "))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return errorText(err)
	}
	if !strings.Contains(strings.ToUpper(sql), "ORDER BY") {
		sort.Strings(lines)
	}
	b.WriteString(strings.Join(lines, "\n"))
	return b.String()
}

func errorText(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return "ERROR " + pe.Code
	}
	return "ERROR " + err.Error()
}

func connect(t *testing.T, addr string, mode pgx.QueryExecMode) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig("postgres://alice@" + addr + "/sluice?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = mode
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// startSluice serves the fixture relations through the wire server and the
// Postgres face, as cmd/sluice wires them, with a KSQL engine that knows no
// statements (everything here must be answered by the Postgres path).
func startSluice(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rels := newRelations()
	face := pgface.New(pgface.Config{Sources: rels, ServerVersion: "15.0.0", SluiceVersion: "test"})
	srv := server.New(server.Config{ServerVersion: "15.0.0"}, wireEngine{face})
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return ln.Addr().String()
}

type wireEngine struct{ face *pgface.Face }

func (w wireEngine) NewSession(params map[string]string, pid uint32) server.Session {
	return routed{w.face.NewSession(noKSQL{}, params, pid)}
}

type routed struct{ s *pgface.Session }

func (r routed) Execute(ctx context.Context, sql string, params []any, w server.ResultWriter) error {
	return r.s.Execute(ctx, sql, params, w)
}
func (r routed) Describe(sql string) ([]types.Column, []*types.Type, error) { return r.s.Describe(sql) }
func (r routed) Close()                                                     { r.s.Close() }
func (r routed) Placeholders(sql string) int                                { return r.s.Placeholders(sql) }
func (r routed) DescribeBound(sql string, params []any) []types.Column {
	return r.s.DescribeBound(sql, params)
}
func (r routed) RunsBeside(sql string) bool { return r.s.RunsBeside(sql) }

// noKSQL is the KSQL engine of the corpus: a statement reaching it is one the
// Postgres path did not answer.
type noKSQL struct{}

func (noKSQL) Execute(context.Context, string, []any, pgface.ResultWriter) error {
	return sqlerr.New(sqlerr.SyntaxError, "reached the KSQL engine")
}
func (noKSQL) Describe(string) ([]types.Column, []*types.Type, error) { return nil, nil, nil }
func (noKSQL) Close()                                                 {}

// startPostgres starts a throwaway PostgreSQL 15 in a temporary directory with
// the fixture loaded, and returns its address.
func startPostgres(t *testing.T) string {
	t.Helper()
	addr := "127.0.0.1:" + pgoracle.Start(t, "TimeZone=UTC", "shared_buffers=16MB", "max_connections=10")
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, "postgres://"+pgoracle.User+"@"+addr+"/postgres?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE sluice"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	conn, err = pgx.Connect(ctx, "postgres://alice@"+addr+"/sluice?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, pgSchema(), pgx.QueryExecModeSimpleProtocol); err != nil {
		t.Fatalf("load fixture: %v", err)
	}
	return addr
}

func itoa(n int64) string   { return strconv.FormatInt(n, 10) }
func ftoa(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
func btoa(b bool) string    { return strconv.FormatBool(b) }
func lit(s string) string   { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
