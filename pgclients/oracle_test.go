package pgclients

import (
	"testing"

	"github.com/sluice-db/sluice/internal/pgoracle"
	"github.com/sluice-db/sluice/internal/testtool"
)

// oracleSchema is the fixture as plain Postgres DDL: what Sluice's catalog must
// look like to psql.
const oracleSchema = `
CREATE TABLE orders (id bigint PRIMARY KEY, customer text, amount numeric(10,2), ts timestamp);
CREATE TABLE clicks (user_id text, url text, tags text[]);
CREATE TABLE ksql_processing_log (logger text);
COMMENT ON COLUMN clicks.user_id IS 'key (Kafka record key)';
COMMENT ON COLUMN orders.id IS 'primary key (Kafka record key)';
`

// TestPSQLAgainstPostgres runs the same psql describe commands against a
// throwaway PostgreSQL 15 holding the equivalent schema and against Sluice, and
// requires identical output.
func TestPSQLAgainstPostgres(t *testing.T) {
	needServer(t)
	psql := testtool.Need(t, "psql")
	port := pgoracle.Start(t)
	oracleEnv := []string{"PGHOST=127.0.0.1", "PGPORT=" + port, "PGUSER=alice", "PSQLRC=/dev/null"}
	run(t, oracleEnv, psql, "-X", "-d", "postgres", "-c", "CREATE DATABASE sluice")
	run(t, oracleEnv, psql, "-X", "-d", "sluice", "-v", "ON_ERROR_STOP=1", "-c", oracleSchema)
	sluiceEnv := []string{"PGHOST=" + server.host, "PGPORT=" + server.port, "PGUSER=alice", "PSQLRC=/dev/null"}
	// \d+ is left out: psql shows a Compression column only for servers >= 14, and
	// Sluice reports 13.
	// \df+ is left out too: for a server >= 14 psql shows
	// pg_get_function_sqlbody in "Source code", for Sluice's 13 prosrc. The
	// functions named are ones whose every PostgreSQL overload Sluice has.
	for _, cmd := range []string{`\d orders`, `\d clicks`, `\dt`, `\d`, `\dv`,
		`\df`, `\df lpad`, `\dfa percentile_cont`, `\dfw row_number`, `\df pg_catalog.*trim`} {
		want := run(t, oracleEnv, psql, "-X", "-d", "sluice", "-c", cmd)
		got := run(t, sluiceEnv, psql, "-X", "-d", "sluice", "-c", cmd)
		if got != want {
			t.Errorf("psql %s: Sluice printed\n%s\nPostgreSQL printed\n%s", cmd, got, want)
		}
	}
}
