package pgclients

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-db/sluice/internal/testtool"
)

// TestPSQL runs psql's describe commands, which send psql 15's catalog queries
// for a Postgres 13 server, and a query with psql variables.
func TestPSQL(t *testing.T) {
	needServer(t)
	psql := testtool.Need(t, "psql")
	env := []string{"PGHOST=" + server.host, "PGPORT=" + server.port, "PGUSER=alice", "PGDATABASE=sluice", "PGSSLMODE=prefer", "PSQLRC=/dev/null"}
	cmd := func(args ...string) string {
		return run(t, env, psql, append([]string{"-X", "-v", "ON_ERROR_STOP=1"}, args...)...)
	}
	t.Run("list databases", func(t *testing.T) {
		out := cmd("-A", "-c", `\l`)
		expectLines(t, out, "Name|Owner|Encoding|Collate|Ctype|ICU Locale|Locale Provider|Access privileges", "sluice|alice|UTF8|C.UTF-8|C.UTF-8||libc|", "(1 row)")
	})
	t.Run("list schemas", func(t *testing.T) {
		expectLines(t, cmd("-A", "-c", `\dn`), "Name|Owner", "public|alice", "(1 row)")
	})
	t.Run("list tables", func(t *testing.T) {
		out := cmd("-A", "-c", `\dt`)
		expectLines(t, out, "Schema|Name|Type|Owner", "public|clicks|table|alice", "public|orders|table|alice")
	})
	t.Run("describe", func(t *testing.T) {
		out := cmd("-c", `\d orders`)
		expectLines(t, out,
			`                          Table "public.orders"`,
			`  Column  |            Type             | Collation | Nullable | Default`,
			`----------+-----------------------------+-----------+----------+---------`,
			` id       | bigint                      |           | not null |`,
			` customer | text                        |           |          |`,
			` amount   | numeric(10,2)               |           |          |`,
			` ts       | timestamp without time zone |           |          |`,
			`Indexes:`,
			`    "orders_pkey" PRIMARY KEY, btree (id)`,
		)
	})
	t.Run("describe verbose", func(t *testing.T) {
		out := cmd("-A", "-c", `\d+ clicks`)
		expectLines(t, out,
			`Column|Type|Collation|Nullable|Default|Storage|Stats target|Description`,
			`user_id|text||||extended||key (Kafka record key)`,
			`url|text||||extended||`,
			`tags|text[]||||extended||`,
			`Access method: heap`,
		)
	})
	t.Run("query with variables", func(t *testing.T) {
		script := filepath.Join(t.TempDir(), "query.sql")
		if err := os.WriteFile(script, []byte("SELECT id, customer, amount FROM orders WHERE id > :id EMIT CHANGES LIMIT 1;\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		out := cmd("-A", "-v", "id=1", "-f", script)
		expectLines(t, out, "id|customer|amount", "2|bob|7.25", "(1 row)")
	})
	t.Run("session statements", func(t *testing.T) {
		out := cmd("-A", "-c", "BEGIN", "-c", "SET application_name = 'matrix'", "-c", "SHOW application_name", "-c", "SELECT version()", "-c", "COMMIT", "-c", "SHOW search_path")
		expectLines(t, out, "BEGIN", "SET", "application_name", "matrix", "version", "PostgreSQL 13.0.0 on x86_64-pc-linux-gnu (Sluice dev)", "COMMIT", "search_path", `"$user", public`)
	})
	t.Run("push query with FETCH_COUNT", func(t *testing.T) {
		// psql then reads through DECLARE _psql_cursor ... FETCH FORWARD 1.
		out := cmd("-A", "-v", "FETCH_COUNT=1", "-c", `SELECT id, customer FROM orders EMIT CHANGES LIMIT 2`)
		expectLines(t, out, "id|customer", "1|ann", "2|bob", "(2 rows)")
	})
	t.Run("copy push query", func(t *testing.T) {
		out := cmd("-c", `COPY (SELECT id, customer FROM orders EMIT CHANGES LIMIT 2) TO STDOUT`)
		expectLines(t, out, "1\tann", "2\tbob")
	})
	t.Run("cancel", func(t *testing.T) {
		// Ctrl-C: psql sends a CancelRequest; the push query (no LIMIT, nothing
		// arriving) ends with 57014.
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		c := exec.CommandContext(ctx, psql, "-X", "-c", "SELECT url FROM clicks EMIT CHANGES")
		c.Env = append(os.Environ(), env...)
		var out bytes.Buffer
		c.Stdout, c.Stderr = &out, &out
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Second)
		if err := c.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
		if err := c.Wait(); err == nil {
			t.Fatalf("psql succeeded after Ctrl-C:\n%s", out.String())
		}
		if !strings.Contains(out.String(), "canceling statement due to user request") {
			t.Fatalf("psql output lacks the cancel error:\n%s", out.String())
		}
	})
}

// TestPSQLDescribeCommands runs every psql describe command: each must succeed
// (psql prints nothing to stderr), whatever it lists.
func TestPSQLDescribeCommands(t *testing.T) {
	needServer(t)
	psql := testtool.Need(t, "psql")
	env := []string{"PGHOST=" + server.host, "PGPORT=" + server.port, "PGUSER=alice", "PGDATABASE=sluice", "PSQLRC=/dev/null"}
	for _, cmd := range []string{`\d`, `\d+`, `\da`, `\dA`, `\dAc`, `\dAf`, `\db`, `\dc`, `\dC`, `\dd`, `\ddp`, `\dD`, `\des`, `\det`,
		`\deu`, `\dew`, `\df+`, `\dF`, `\dFd`, `\dFp`, `\dFt`, `\dg`, `\di+`, `\dl`, `\dL`, `\dm`, `\dn+`, `\do`, `\dO`, `\dp`, `\dP`,
		`\drds`, `\dRp`, `\dRs`, `\ds`, `\dS`, `\dt+`, `\dT`, `\du`, `\dv+`, `\dx`, `\dX`, `\dy`, `\l+`, `\z`} {
		c := exec.Command(psql, "-X", "-v", "ON_ERROR_STOP=1", "-c", cmd)
		c.Env = append(os.Environ(), env...)
		var stderr bytes.Buffer
		c.Stderr = &stderr
		if err := c.Run(); err != nil || strings.Contains(stderr.String(), "ERROR") {
			t.Errorf("psql %s: %v\n%s", cmd, err, stderr.String())
		}
	}
}
