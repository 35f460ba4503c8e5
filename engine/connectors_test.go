package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-db/sluice/internal/pgoracle"
	"github.com/sluice-db/sluice/sqlerr"
)

// These tests run CREATE SINK CONNECTOR (the JDBC sink, run natively) against
// a real PostgreSQL 15.

// pgTarget is a throwaway PostgreSQL the connectors write into.
type pgTarget struct {
	t    *testing.T
	port string
	conn *pgx.Conn
}

func startPG(t *testing.T) *pgTarget {
	port := pgoracle.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, "postgres://"+pgoracle.User+"@127.0.0.1:"+port+"/postgres?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return &pgTarget{t: t, port: port, conn: conn}
}

// url is the JDBC URL of the target database.
func (pg *pgTarget) url() string { return "jdbc:postgresql://127.0.0.1:" + pg.port + "/postgres" }

func (pg *pgTarget) exec(sql string) {
	pg.t.Helper()
	if _, err := pg.conn.Exec(context.Background(), sql); err != nil {
		pg.t.Fatalf("%s: %v", sql, err)
	}
}

// rows returns a query's rows, each as its values printed with %v joined by "|".
func (pg *pgTarget) rows(sql string) []string {
	pg.t.Helper()
	rs, err := pg.conn.Query(context.Background(), sql)
	if err != nil {
		pg.t.Fatalf("%s: %v", sql, err)
	}
	var out []string
	for rs.Next() {
		vals, err := rs.Values()
		if err != nil {
			pg.t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = fmt.Sprint(v)
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rs.Err(); err != nil {
		pg.t.Fatalf("%s: %v", sql, err)
	}
	return out
}

// waitRows polls a query until it returns want (rows joined by newlines).
func (pg *pgTarget) waitRows(sql string, want ...string) {
	pg.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var got []string
	for time.Now().Before(deadline) {
		var err error
		got, err = pg.tryRows(sql)
		if err == nil && strings.Join(got, "\n") == strings.Join(want, "\n") {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	pg.t.Fatalf("%s:\n got %q\nwant %q", sql, got, want)
}

func (pg *pgTarget) tryRows(sql string) ([]string, error) {
	rs, err := pg.conn.Query(context.Background(), sql)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []string
	for rs.Next() {
		vals, err := rs.Values()
		if err != nil {
			return nil, err
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = fmt.Sprint(v)
		}
		out = append(out, strings.Join(parts, "|"))
	}
	return out, rs.Err()
}

// execErr runs sql and returns its error.
func (env *testEnv) execErr(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return env.engine.NewSession(nil).Execute(ctx, sql, nil, &collect{})
}

func sqlstate(err error) string {
	var se *sqlerr.Error
	if errors.As(err, &se) {
		return se.Code
	}
	return ""
}

func TestSinkConnectorInsertKafkaPKAndRestart(t *testing.T) {
	pg := startPG(t)
	dir := t.TempDir()
	env := startEnv(t, dir)
	env.exec(`CREATE STREAM orders (id INT KEY, item STRING, qty INT) WITH (kafka_topic='orders', key_format='JSON', value_format='JSON', partitions=2);`)
	env.produce("orders", "1", `{"item":"tea","qty":2}`, "2", `{"item":"cake","qty":1}`)
	env.exec(`CREATE SINK CONNECTOR pgsink WITH ('connector.class'='io.confluent.connect.jdbc.JdbcSinkConnector',
		'connection.url'='` + pg.url() + `', 'connection.user'='` + pgoracle.User + `',
		'topics'='orders', 'pk.mode'='kafka', 'auto.create'='true');`)
	pg.waitRows(`SELECT "ITEM", "QTY" FROM orders ORDER BY "ITEM"`, "cake|1", "tea|2")
	if got := pg.rows(`SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'orders' ORDER BY ordinal_position`); strings.Join(got, ",") !=
		"__connect_topic|text,__connect_partition|integer,__connect_offset|bigint,ITEM|text,QTY|integer" {
		t.Fatalf("auto-created columns: %q", got)
	}
	show := env.exec(`SHOW CONNECTORS;`)
	if len(show.rows) != 1 || show.rows[0][0] != "PGSINK" || show.rows[0][3] != "RUNNING" {
		t.Fatalf("SHOW CONNECTORS = %v", show.rows)
	}
	desc := env.exec(`DESCRIBE CONNECTOR pgsink;`)
	if row := desc.rows[0]; row[3] != "RUNNING" || row[4] != "orders" || row[5] != "ORDERS" || row[8] != int64(2) {
		t.Fatalf("DESCRIBE CONNECTOR = %v", row)
	}

	// A restart replays the connector from the command topic; it resumes at
	// the offsets stored in PostgreSQL, so nothing is written twice.
	env.stop()
	env = startEnv(t, dir)
	env.produce("orders", "3", `{"item":"jam","qty":5}`)
	pg.waitRows(`SELECT "ITEM", "QTY" FROM orders ORDER BY "ITEM"`, "cake|1", "jam|5", "tea|2")
	pg.waitRows(`SELECT partition, next_offset FROM __sluice_connector_offsets WHERE connector = 'PGSINK' ORDER BY partition`,
		partitionOffsets(t, env, "orders")...)

	env.exec(`DROP CONNECTOR pgsink;`)
	if show := env.exec(`SHOW CONNECTORS;`); len(show.rows) != 0 {
		t.Fatalf("SHOW CONNECTORS after DROP = %v", show.rows)
	}
	env.exec(`DROP CONNECTOR IF EXISTS pgsink;`)
	if err := env.execErr(`DROP CONNECTOR pgsink;`); sqlstate(err) != sqlerr.UndefinedObject {
		t.Fatalf("DROP of a missing connector: %v", err)
	}
}

// partitionOffsets is "partition|end offset" of each non-empty partition of a topic.
func partitionOffsets(t *testing.T, env *testEnv, topic string) []string {
	ends, err := env.cluster.EndOffsets(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for p := range int32(len(ends)) {
		if ends[p] > 0 {
			out = append(out, fmt.Sprintf("%d|%d", p, ends[p]))
		}
	}
	return out
}
