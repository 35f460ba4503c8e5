package pgclients

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
)

// corpus reads the captured client statements (pgface/pgcatalog/testdata/clients): the
// SQL psql, pgjdbc, psycopg2/SQLAlchemy and node-pg sent to a Postgres 15 server.
func corpus(t *testing.T) []string {
	files, err := filepath.Glob("../pgface/pgcatalog/testdata/clients/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	var out []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		parts := strings.Split(string(data), "\n-- action: ")
		for _, p := range parts[1:] {
			_, sql, _ := strings.Cut(p, "\n")
			out = append(out, strings.TrimSpace(sql))
		}
	}
	return out
}

// TestPGXCorpus replays every captured client statement through pgx over TCP, in
// the simple protocol and in pgx's default extended mode (binary results), and
// checks that both succeed with the same rows.
func TestPGXCorpus(t *testing.T) {
	needServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, connString())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var oid uint32
	if err := conn.QueryRow(ctx, "SELECT 'orders'::regclass::oid").Scan(&oid); err != nil {
		t.Fatal(err)
	}
	stmts := corpus(t)
	if len(stmts) != 69 {
		t.Fatalf("corpus has %d statements, want 69", len(stmts))
	}
	rowsOf := func(sql string, mode pgx.QueryExecMode) (string, error) {
		rows, err := conn.Query(ctx, sql, mode)
		if err != nil {
			return "", err
		}
		var b strings.Builder
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				return "", err
			}
			fmt.Fprintln(&b, vals...)
		}
		return b.String(), rows.Err()
	}
	for i, sql := range stmts {
		sql = strings.ReplaceAll(strings.TrimSuffix(sql, ";"), "16384", fmt.Sprint(oid))
		simple, err := rowsOf(sql, pgx.QueryExecModeSimpleProtocol)
		if err != nil {
			t.Errorf("statement %d (simple protocol): %v\n%s", i, err, sql)
			continue
		}
		extended, err := rowsOf(sql, pgx.QueryExecModeCacheStatement)
		if err != nil {
			t.Errorf("statement %d (extended protocol): %v\n%s", i, err, sql)
			continue
		}
		if simple != extended {
			t.Errorf("statement %d: simple protocol gave\n%s\nextended gave\n%s", i, simple, extended)
		}
	}
}

// TestPGXCatalog checks typed catalog results and parameter inference over pgx's
// extended protocol.
func TestPGXCatalog(t *testing.T) {
	needServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, connString())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var (
		name    string
		kind    string
		natts   int32
		hasIdx  bool
		comment *string
	)
	err = conn.QueryRow(ctx, `SELECT c.relname, c.relkind, c.relnatts, c.relhasindex, obj_description(c.oid, 'pg_class')
		FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relname = $2`, "public", "orders").Scan(&name, &kind, &natts, &hasIdx, &comment)
	if err != nil {
		t.Fatal(err)
	}
	if name != "orders" || kind != "r" || natts != 4 || !hasIdx || comment == nil || !strings.HasPrefix(*comment, "Sluice table") {
		t.Errorf("pg_class row = %q %q %d %v %v", name, kind, natts, hasIdx, comment)
	}
	var cols []string
	rows, err := conn.Query(ctx, `SELECT column_name || ' ' || data_type || ' ' || is_nullable FROM information_schema.columns
		WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position LIMIT $2`, "clicks", 10)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(cols, ", "), "user_id text YES, url text YES, tags ARRAY YES"; got != want {
		t.Errorf("information_schema.columns: got %q, want %q", got, want)
	}
	var version int
	if err := conn.QueryRow(ctx, "SELECT current_setting('server_version_num')::int / 100").Scan(&version); err != nil || version != 1300 {
		t.Errorf("server_version_num/100 = %d, %v; want 1300 (Grafana's probe)", version, err)
	}
	var schemas []string
	if err := conn.QueryRow(ctx, "SELECT current_schemas(true)").Scan(&schemas); err != nil || strings.Join(schemas, ",") != "pg_catalog,public" {
		t.Errorf("current_schemas(true) = %v, %v", schemas, err)
	}
	if _, err := conn.Exec(ctx, "SET application_name = 'matrix'"); err != nil {
		t.Fatal(err)
	}
	if got := conn.PgConn().ParameterStatus("application_name"); got != "matrix" {
		t.Errorf("ParameterStatus application_name after SET = %q, want matrix", got)
	}
	_, err = conn.Exec(ctx, "SELECT * FROM pg_catalog.pg_nonesuch")
	if err == nil || !strings.Contains(err.Error(), "42P01") {
		t.Errorf("unknown catalog relation: got %v, want SQLSTATE 42P01", err)
	}
}

// TestPGXStreamingAndCancel reads a push query without LIMIT row by row with pgx
// (binary results), then cancels it: the server ends it with 57014 and the
// connection stays usable.
func TestPGXStreamingAndCancel(t *testing.T) {
	needServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg, err := pgx.ParseConfig(connString())
	if err != nil {
		t.Fatal(err)
	}
	// On cancel, send a CancelRequest and wait for the server's answer instead of
	// dropping the connection (pgx's default).
	cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: 20 * time.Second}
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	qctx, qcancel := context.WithCancel(ctx)
	rows, err := conn.Query(qctx, "SELECT id, customer, amount, ts FROM orders EMIT CHANGES")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for len(got) < 2 && rows.Next() {
		var (
			id       int64
			customer string
			amount   float64
			ts       time.Time
		)
		if err := rows.Scan(&id, &customer, &amount, &ts); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d %s %.2f %s", id, customer, amount, ts.Format(time.DateTime)))
	}
	if want := "1 ann 12.50 2024-01-02 03:04:05, 2 bob 7.25 2024-01-03 00:00:00"; strings.Join(got, ", ") != want {
		t.Errorf("streamed rows %q, want %q", strings.Join(got, ", "), want)
	}
	qcancel()
	for rows.Next() {
	}
	rows.Close()
	var pgErr *pgconn.PgError
	if err := rows.Err(); !errors.As(err, &pgErr) || pgErr.Code != "57014" {
		t.Errorf("after cancel: %v, want SQLSTATE 57014", err)
	}
	var one int
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Errorf("connection after cancel: %d, %v", one, err)
	}
}
