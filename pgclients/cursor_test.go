package pgclients

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sluice-db/sluice/internal/pgoracle"
)

// TestCursorsAgainstPostgres runs testdata/cursors.sql (DECLARE, FETCH, MOVE
// and CLOSE in every direction, SCROLL and NO SCROLL, WITH HOLD across COMMIT
// and ROLLBACK, BINARY, parameters in DECLARE's query, pg_cursors) through pgx
// against Sluice and against PostgreSQL 15, in the simple protocol and in two
// extended-protocol modes (Parse/Describe/Bind/Execute with binary results, and
// Parse/Bind/Describe portal/Execute in text), and requires the same transcript:
// column names and types, rows, command tags and SQLSTATEs.
func TestCursorsAgainstPostgres(t *testing.T) {
	needServer(t)
	port := pgoracle.Start(t)
	script := cursorScript(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeDescribeExec, pgx.QueryExecModeExec} {
		t.Run(mode.String(), func(t *testing.T) {
			want := cursorTranscript(ctx, t, "postgres://alice@127.0.0.1:"+port+"/postgres?sslmode=disable", mode, script)
			got := cursorTranscript(ctx, t, connString(), mode, script)
			if got != want {
				t.Errorf("Sluice's transcript differs from PostgreSQL's.\nSluice:\n%s\nPostgreSQL:\n%s", got, want)
			}
		})
	}
}

type scriptStatement struct {
	sql  string
	args []any
}

func cursorScript(t *testing.T) []scriptStatement {
	data, err := os.ReadFile("testdata/cursors.sql")
	if err != nil {
		t.Fatal(err)
	}
	var out []scriptStatement
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "--") {
			continue
		}
		sql, args, _ := strings.Cut(line, " -- args: ")
		st := scriptStatement{sql: sql}
		for _, a := range strings.Fields(args) {
			n, err := strconv.ParseInt(a, 10, 64)
			if err != nil {
				t.Fatalf("argument %q: %v", a, err)
			}
			st.args = append(st.args, n)
		}
		out = append(out, st)
	}
	return out
}

// cursorTranscript runs the script on one connection and writes what each
// statement returned.
func cursorTranscript(ctx context.Context, t *testing.T, connStr string, mode pgx.QueryExecMode, script []scriptStatement) string {
	conn, err := pgx.Connect(ctx, connStr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var b strings.Builder
	for _, st := range script {
		fmt.Fprintf(&b, "> %s\n", st.sql)
		rows, err := conn.Query(ctx, st.sql, append([]any{mode}, st.args...)...)
		if err == nil {
			var cols []string
			for _, fd := range rows.FieldDescriptions() {
				cols = append(cols, fmt.Sprintf("%s:%d", fd.Name, fd.DataTypeOID))
			}
			if len(cols) > 0 {
				fmt.Fprintf(&b, "  columns %s\n", strings.Join(cols, " "))
			}
			for rows.Next() {
				vals, verr := rows.Values()
				if verr != nil {
					err = verr
					break
				}
				fmt.Fprintf(&b, "  row %v\n", vals)
			}
			rows.Close()
			if err == nil {
				err = rows.Err()
			}
			if err == nil {
				fmt.Fprintf(&b, "  %s\n", rows.CommandTag())
			}
		}
		var pe *pgconn.PgError
		switch {
		case errors.As(err, &pe):
			fmt.Fprintf(&b, "  ERROR %s %s\n", pe.Code, pe.Message)
		case err != nil:
			t.Fatalf("%s: %v", st.sql, err)
		}
	}
	return b.String()
}

// TestCursorQueriesAgainstPostgres runs testdata/cursor_queries.sql, Query
// messages of several statements with cursor statements among them, against
// Sluice and PostgreSQL 15 and requires the same results, statement by
// statement: columns, rows in text, command tags and SQLSTATEs.
func TestCursorQueriesAgainstPostgres(t *testing.T) {
	needServer(t)
	port := pgoracle.Start(t)
	data, err := os.ReadFile("testdata/cursor_queries.sql")
	if err != nil {
		t.Fatal(err)
	}
	var queries []string
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "--") {
			queries = append(queries, line)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	transcript := func(connStr string) string {
		conn, err := pgx.Connect(ctx, connStr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var b strings.Builder
		for _, q := range queries {
			fmt.Fprintf(&b, "> %s\n", q)
			results, err := conn.PgConn().Exec(ctx, q).ReadAll()
			for _, r := range results {
				var cols []string
				for _, fd := range r.FieldDescriptions {
					cols = append(cols, fmt.Sprintf("%s:%d", fd.Name, fd.DataTypeOID))
				}
				if len(cols) > 0 {
					fmt.Fprintf(&b, "  columns %s\n", strings.Join(cols, " "))
				}
				for _, row := range r.Rows {
					fmt.Fprintf(&b, "  row %q\n", row)
				}
				if r.Err == nil {
					fmt.Fprintf(&b, "  %s\n", r.CommandTag)
				}
			}
			var pe *pgconn.PgError
			switch {
			case errors.As(err, &pe):
				fmt.Fprintf(&b, "  ERROR %s %s\n", pe.Code, pe.Message)
			case err != nil:
				t.Fatalf("%s: %v", q, err)
			}
		}
		return b.String()
	}
	want := transcript("postgres://alice@127.0.0.1:" + port + "/postgres?sslmode=disable")
	if got := transcript(connString()); got != want {
		t.Errorf("Sluice's transcript differs from PostgreSQL's.\nSluice:\n%s\nPostgreSQL:\n%s", got, want)
	}
}
