package sqltests

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sluice-db/sluice/internal/pgoracle"
)

// TestCopyMatchesPostgres runs COPY ... TO STDOUT in each format and with
// each option PostgreSQL documents, against Sluice and against PostgreSQL 15,
// over the same rows (a VALUES list both evaluate), and compares the bytes, or
// the SQLSTATE of an error.
func TestCopyMatchesPostgres(t *testing.T) {
	pgPort := pgoracle.Start(t)
	srv := startServer(t, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	connect := func(url string) *pgx.Conn {
		c, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close(context.Background()) })
		if _, err := c.Exec(ctx, "SET TimeZone = 'UTC'"); err != nil {
			t.Fatal(err)
		}
		return c
	}
	pg := connect("postgres://" + pgoracle.User + "@127.0.0.1:" + pgPort + "/postgres?sslmode=disable")
	sl := connect("postgres://sluice@" + srv.Addrs.PG + "/sluice?sslmode=disable")

	rows := `(VALUES
  (1, 'plain', 1.5::float8, true, 12.50::numeric, DATE '2026-12-07', TIMESTAMP '2026-12-07 10:11:12.5'),
  (2, 'tab	and,comma', -0.25::float8, false, -3::numeric, DATE '1999-01-31', TIMESTAMP '2000-02-29 00:00:00'),
  (3, 'quote " and \ backslash', NULL, NULL, NULL, NULL, NULL),
  (4, E'line\nbreak\rreturn', 1e10::float8, true, 0.001::numeric, DATE '2026-01-01', TIMESTAMP '1970-01-01 00:00:00'),
  (5, '', 0::float8, false, 100::numeric, DATE '2026-12-07', TIMESTAMP '2026-12-07 23:59:59.999'),
  (6, NULL, NULL, NULL, NULL, NULL, NULL),
  (7, '\N', 2::float8, true, 1::numeric, DATE '2026-12-07', TIMESTAMP '2026-12-07 00:00:00')
) v(id, txt, f, b, n, d, ts)`
	query := "(SELECT * FROM " + rows + " ORDER BY id)"
	cases := []string{
		`COPY ` + query + ` TO STDOUT`,
		`COPY ` + query + ` TO STDOUT WITH (FORMAT text)`,
		`COPY ` + query + ` TO STDOUT (FORMAT text, HEADER, DELIMITER '|', NULL 'NULL')`,
		`COPY ` + query + ` TO STDOUT WITH (FORMAT csv)`,
		`COPY ` + query + ` TO STDOUT WITH (FORMAT csv, HEADER true)`,
		`COPY ` + query + ` TO STDOUT WITH (FORMAT csv, HEADER, DELIMITER ';', NULL 'NULL', QUOTE '''', ESCAPE '\')`,
		`COPY ` + query + ` TO STDOUT WITH (FORMAT csv, FORCE_QUOTE (txt, id))`,
		`COPY ` + query + ` TO STDOUT WITH (FORMAT csv, FORCE_QUOTE *)`,
		`COPY ` + query + ` TO STDOUT WITH CSV HEADER`,
		`COPY ` + query + ` TO STDOUT WITH DELIMITER AS ',' NULL AS ''`,
		`COPY ` + query + ` TO STDOUT CSV HEADER QUOTE AS '"' FORCE QUOTE txt`,
		`COPY (SELECT id, txt, f, b, n FROM ` + rows + ` ORDER BY id) TO STDOUT WITH (FORMAT binary)`,
		`COPY (SELECT id, txt, f, b, n FROM ` + rows + ` ORDER BY id) TO STDOUT WITH BINARY`,
		`COPY (SELECT '\.' AS lone) TO STDOUT WITH (FORMAT csv)`,
		// Errors, each with PostgreSQL's SQLSTATE.
		`COPY ` + query + ` TO STDOUT WITH (FORMAT xml)`,
		`COPY ` + query + ` TO STDOUT WITH (FORMAT binary, HEADER)`,
		`COPY ` + query + ` TO STDOUT WITH (FORMAT binary, DELIMITER ',')`,
		`COPY ` + query + ` TO STDOUT WITH (FORMAT text, QUOTE '"')`,
		`COPY ` + query + ` TO STDOUT WITH (FORMAT csv, DELIMITER ',,')`,
		`COPY ` + query + ` TO STDOUT WITH (FORMAT csv, DELIMITER '"')`,
		`COPY ` + query + ` TO STDOUT WITH (DELIMITER 'a')`,
		`COPY ` + query + ` TO STDOUT WITH (FORMAT csv, FORMAT text)`,
		`COPY ` + query + ` TO STDOUT WITH (FORMAT csv, FORCE_QUOTE (nosuch))`,
		`COPY ` + query + ` TO STDOUT WITH (HEADER maybe)`,
		`COPY ` + query + ` TO STDOUT WITH (FREEZE)`,
		`COPY ` + query + ` TO STDOUT WITH (FORMAT csv, FORCE_NOT_NULL (txt))`,
		`COPY ` + query + ` TO STDOUT WITH (NULL)`,
	}
	run := func(c *pgx.Conn, sql string) (string, string, string) {
		var out bytes.Buffer
		tag, err := c.PgConn().CopyTo(ctx, &out, sql)
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			return "", "", pe.Code
		}
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return out.String(), tag.String(), ""
	}
	for _, sql := range cases {
		want, wantTag, wantCode := run(pg, sql)
		got, gotTag, gotCode := run(sl, sql)
		if got != want || gotTag != wantTag || gotCode != wantCode {
			t.Errorf("%s\n got %q %s %s\nwant %q %s %s", sql, got, gotTag, gotCode, want, wantTag, wantCode)
		}
	}

	// COPY table [(columns)] TO STDOUT over a materialized table.
	for _, stmt := range []string{
		`CREATE STREAM pings (id VARCHAR KEY, v INT, note VARCHAR) WITH (KAFKA_TOPIC='pings', VALUE_FORMAT='JSON', PARTITIONS=1)`,
		`SET 'auto.offset.reset'='earliest'`,
		`CREATE TABLE last_ping AS SELECT id, LATEST_BY_OFFSET(v) AS v, LATEST_BY_OFFSET(note) AS note FROM pings GROUP BY id`,
		`INSERT INTO pings (id, v, note) VALUES ('a', 1, 'x,y')`,
		`INSERT INTO pings (id, v, note) VALUES ('b', 2, NULL)`,
		`AWAIT IDLE TIMEOUT 20 SECONDS`,
	} {
		if _, err := sl.Exec(ctx, stmt, pgx.QueryExecModeSimpleProtocol); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	for sql, want := range map[string]string{
		`COPY last_ping TO STDOUT WITH (FORMAT csv, HEADER)`: "id,v,note\na,1,\"x,y\"\nb,2,\n",
		`COPY public.last_ping (note, id) TO STDOUT`:         "x,y\ta\n\\N\tb\n",
	} {
		if got, tag, code := run(sl, sql); got != want || tag != "COPY 2" {
			t.Errorf("%s: %q %s %s, want %q COPY 2", sql, got, tag, code, want)
		}
	}
}
