package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/internal/pgoracle"
	"github.com/sluice-db/sluice/sqlerr"
)

// These tests run CREATE SINK CONNECTOR (the JDBC sink, run natively) against
// a real PostgreSQL 15.

// pgTarget is a throwaway PostgreSQL the connectors write into.
type pgTarget struct {
	t    testing.TB
	port string
	srv  *pgoracle.Server
	conn *pgx.Conn
}

func startPG(t testing.TB) *pgTarget {
	srv := pgoracle.StartServer(t)
	pg := &pgTarget{t: t, port: srv.Port, srv: srv}
	pg.connect()
	t.Cleanup(func() { pg.conn.Close(context.Background()) })
	return pg
}

func (pg *pgTarget) connect() {
	pg.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, "postgres://"+pgoracle.User+"@127.0.0.1:"+pg.port+"/postgres?sslmode=disable")
	if err != nil {
		pg.t.Fatal(err)
	}
	pg.conn = conn
}

// restart restarts the database, down for a while, and reconnects.
func (pg *pgTarget) restart(down time.Duration) {
	pg.conn.Close(context.Background())
	pg.srv.Restart(down)
	pg.connect()
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

	// The stream the connector reads through cannot go while it runs.
	if err := env.execErr(`DROP STREAM orders;`); sqlstate(err) != sqlerr.ObjectInUse || !strings.Contains(err.Error(), "PGSINK") {
		t.Fatalf("DROP STREAM read by a connector: %v, want 2BP01 naming it", err)
	}
	env.exec(`DROP CONNECTOR pgsink;`)
	if show := env.exec(`SHOW CONNECTORS;`); len(show.rows) != 0 {
		t.Fatalf("SHOW CONNECTORS after DROP = %v", show.rows)
	}
	env.exec(`DROP CONNECTOR IF EXISTS pgsink;`)
	if err := env.execErr(`DROP CONNECTOR pgsink;`); sqlstate(err) != sqlerr.UndefinedObject {
		t.Fatalf("DROP of a missing connector: %v", err)
	}
	env.exec(`DROP STREAM orders;`)
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

// sinkSQL is a CREATE SINK CONNECTOR of the JDBC sink into pg with extra properties.
func (pg *pgTarget) sinkSQL(name, extra string) string {
	return `CREATE SINK CONNECTOR ` + name + ` WITH ('connector.class'='io.confluent.connect.jdbc.JdbcSinkConnector',
		'connection.url'='` + pg.url() + `', 'connection.user'='` + pgoracle.User + `', ` + extra + `);`
}

// produceNil writes a tombstone.
func (env *testEnv) produceTombstone(topic, key string) {
	env.t.Helper()
	if err := env.cluster.Producer().ProduceSync(context.Background(), &kgo.Record{Topic: topic, Key: []byte(key)}).FirstErr(); err != nil {
		env.t.Fatal(err)
	}
}

// waitState waits until DESCRIBE CONNECTOR shows state, and returns its row.
func (env *testEnv) waitState(name, state string) []any {
	env.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		row := env.exec(`DESCRIBE CONNECTOR ` + name + `;`).rows[0]
		if row[3] == state {
			return row
		}
		if time.Now().After(deadline) {
			env.t.Fatalf("connector %s: %v, want state %s", name, row, state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestSinkConnectorModes(t *testing.T) {
	pg := startPG(t)
	env := startEnv(t, t.TempDir())

	t.Run("types", func(t *testing.T) {
		env.exec(`CREATE STREAM alltypes (k STRING KEY, b BOOLEAN, i INT, l BIGINT, d DOUBLE, dec DECIMAL(10,2), s STRING,
			by BYTES, dt DATE, tm TIME, ts TIMESTAMP, arr ARRAY<INT>) WITH (kafka_topic='alltypes', value_format='JSON', partitions=1);`)
		env.produce("alltypes", "a", `{"b":true,"i":7,"l":8000000000,"d":1.5,"dec":12.34,"s":"x","by":"AQI=","dt":19000,"tm":3600000,"ts":1700000000123,"arr":[1,null,3]}`,
			"n", `{}`)
		env.exec(pg.sinkSQL("types", `'topics'='alltypes', 'pk.mode'='record_key', 'insert.mode'='upsert', 'auto.create'='true'`))
		pg.waitRows(`SELECT "K", "B", "I", "L", "D", "DEC"::text, "S", encode("BY", 'hex'), "DT"::text, "TM"::text, "TS"::text, "ARR"::text FROM alltypes ORDER BY "K"`,
			"a|true|7|8000000000|1.5|12.34|x|0102|2022-01-08|01:00:00|2023-11-14 22:13:20.123|{1,NULL,3}",
			"n|<nil>|<nil>|<nil>|<nil>|<nil>|<nil>|<nil>|<nil>|<nil>|<nil>|<nil>")
		got := pg.rows(`SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = 'alltypes' ORDER BY ordinal_position`)
		want := "K|text|NO B|boolean|YES I|integer|YES L|bigint|YES D|double precision|YES DEC|numeric|YES S|text|YES BY|bytea|YES DT|date|YES TM|time without time zone|YES TS|timestamp without time zone|YES ARR|ARRAY|YES"
		if strings.Join(got, " ") != want {
			t.Fatalf("columns:\n got %s\nwant %s", strings.Join(got, " "), want)
		}
		if pk := pg.rows(`SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'alltypes'::regclass AND i.indisprimary`); strings.Join(pk, ",") != "K" {
			t.Fatalf("primary key = %v", pk)
		}
	})

	t.Run("upsert and delete", func(t *testing.T) {
		env.exec(`CREATE TABLE users (id STRING PRIMARY KEY, name STRING, score INT) WITH (kafka_topic='users', value_format='JSON', partitions=2);`)
		env.produce("users", "u1", `{"name":"ann","score":1}`, "u2", `{"name":"bob","score":2}`, "u1", `{"name":"ann","score":3}`, "u3", `{"name":"cy","score":4}`)
		env.produceTombstone("users", "u2")
		env.exec(pg.sinkSQL("users", `'topics'='users', 'pk.mode'='record_key', 'insert.mode'='upsert', 'delete.enabled'='true', 'auto.create'='true', 'table.name.format'='kafka_${topic}'`))
		pg.waitRows(`SELECT * FROM kafka_users ORDER BY "ID"`, "u1|ann|3", "u3|cy|4")
		env.produce("users", "u2", `{"name":"bob","score":5}`)
		env.produceTombstone("users", "u3")
		pg.waitRows(`SELECT * FROM kafka_users ORDER BY "ID"`, "u1|ann|3", "u2|bob|5")
	})

	t.Run("update", func(t *testing.T) {
		pg.exec(`CREATE TABLE "UPD" ("K" TEXT PRIMARY KEY, "V" INTEGER, "OTHER" TEXT)`)
		pg.exec(`INSERT INTO "UPD" VALUES ('k1', 1, 'kept'), ('k2', 2, 'kept')`)
		env.exec(`CREATE STREAM upd (k STRING KEY, v INT) WITH (kafka_topic='UPD', value_format='JSON', partitions=1);`)
		env.produce("UPD", "k1", `{"v":10}`, "k9", `{"v":90}`, "k1", `{"v":11}`)
		env.exec(pg.sinkSQL("upd", `'topics'='UPD', 'pk.mode'='record_key', 'insert.mode'='update'`))
		pg.waitRows(`SELECT * FROM "UPD" ORDER BY "K"`, "k1|11|kept", "k2|2|kept")
	})

	t.Run("record_value keys, whitelist and evolve", func(t *testing.T) {
		pg.exec(`CREATE TABLE "EVOLVE" ("CODE" TEXT PRIMARY KEY)`)
		env.exec(`CREATE STREAM ev (k STRING KEY, code STRING, city STRING, pop BIGINT, secret STRING) WITH (kafka_topic='EVOLVE', value_format='JSON', partitions=1);`)
		env.produce("EVOLVE", "x", `{"code":"A","city":"Oslo","pop":700000,"secret":"s"}`, "y", `{"code":"B","city":"Rome","pop":2800000,"secret":"t"}`)
		env.exec(pg.sinkSQL("ev_strict", `'topics'='EVOLVE', 'pk.mode'='record_value', 'pk.fields'='CODE', 'insert.mode'='upsert', 'fields.whitelist'='CITY,POP'`))
		row := env.waitState("ev_strict", "FAILED")
		if msg := row[10].(string); !strings.Contains(msg, `has no column CITY (set auto.evolve=true`) {
			t.Fatalf("last error = %q", msg)
		}
		env.exec(`DROP CONNECTOR ev_strict;`)
		env.exec(pg.sinkSQL("ev", `'topics'='EVOLVE', 'pk.mode'='record_value', 'pk.fields'='CODE', 'insert.mode'='upsert', 'fields.whitelist'='CITY,POP', 'auto.evolve'='true'`))
		pg.waitRows(`SELECT * FROM "EVOLVE" ORDER BY "CODE"`, "A|Oslo|700000", "B|Rome|2800000")
		if got := pg.rows(`SELECT column_name, is_nullable FROM information_schema.columns WHERE table_name = 'EVOLVE' ORDER BY ordinal_position`); strings.Join(got, " ") != "CODE|NO CITY|YES POP|YES" {
			t.Fatalf("evolved columns: %v", got)
		}
	})

	t.Run("rejected records", func(t *testing.T) {
		pg.exec(`CREATE TABLE "CHECKED" ("N" INTEGER CHECK ("N" >= 0))`)
		env.exec(`CREATE STREAM checked (n INT) WITH (kafka_topic='CHECKED', value_format='JSON', partitions=1);`)
		env.produce("CHECKED", "", `{"n":1}`, "", `{"n":-1}`, "", `not json`, "", `{"n":2}`)
		env.produceTombstone("CHECKED", "")
		env.exec(pg.sinkSQL("checked", `'topics'='CHECKED', 'errors.tolerance'='all', 'errors.deadletterqueue.topic.name'='dlq', 'errors.deadletterqueue.context.headers.enable'='true'`))
		pg.waitRows(`SELECT * FROM "CHECKED" ORDER BY "N"`, "1", "2")
		dead := env.consume("dlq", 3)
		if strings.Join(dead, " ") != `={"n":-1} =not json =` {
			t.Fatalf("dead letters = %q", dead)
		}
		row := env.waitState("checked", "RUNNING")
		if row[8] != int64(2) || row[9] != int64(3) {
			t.Fatalf("DESCRIBE CONNECTOR = %v, want 2 rows written and 3 rejected", row)
		}

		// With errors.tolerance=none (the default), the first bad record stops it.
		env.exec(pg.sinkSQL("strict", `'topics'='CHECKED', 'table.name.format'='strict_${topic}', 'auto.create'='true', 'pk.mode'='kafka'`))
		row = env.waitState("strict", "FAILED")
		if msg := row[10].(string); !strings.Contains(msg, "failed to deserialize value") {
			t.Fatalf("last error = %q", msg)
		}
		// As in Kafka Connect, nothing of the poll that holds the bad record is written.
		pg.waitRows(`SELECT "N" FROM "strict_CHECKED" ORDER BY "N"`)
		pg.waitRows(`SELECT count(*) FROM __sluice_connector_offsets WHERE connector = 'STRICT'`, "0")
	})

	t.Run("aggregation into PostgreSQL", func(t *testing.T) {
		env.exec(`CREATE STREAM readings (device STRING KEY, district STRING, kwh DOUBLE) WITH (kafka_topic='readings', value_format='JSON', partitions=2);`)
		env.exec(`CREATE TABLE district_totals AS SELECT district, COUNT(*) AS readings, SUM(kwh) AS kwh FROM readings GROUP BY district EMIT CHANGES;`)
		env.exec(pg.sinkSQL("totals", `'topics'='DISTRICT_TOTALS', 'insert.mode'='upsert', 'pk.mode'='record_key', 'delete.enabled'='true', 'auto.create'='true', 'table.name.format'='district_totals'`))
		env.produce("readings", "m1", `{"district":"north","kwh":1.5}`, "m2", `{"district":"south","kwh":2}`, "m3", `{"district":"north","kwh":3}`)
		pg.waitRows(`SELECT * FROM district_totals ORDER BY "DISTRICT"`, "north|2|4.5", "south|1|2")
	})

	t.Run("statement errors", func(t *testing.T) {
		for _, c := range []struct{ props, state, msg string }{
			{`'topics'='users', 'batch.sise'='5'`, sqlerr.InvalidParameterValue, "does not support the properties batch.sise"},
			{`'topics'='users', 'fields.exclude'='X'`, sqlerr.InvalidParameterValue, "does not support the properties fields.exclude"},
			{`'topics'='users', 'insert.mode'='upsert'`, sqlerr.InvalidParameterValue, "insert.mode=upsert requires a primary key"},
			{`'topics'='users', 'delete.enabled'='true', 'pk.mode'='record_value'`, sqlerr.InvalidParameterValue, "delete.enabled=true requires pk.mode=record_key"},
			{`'topics'='users', 'insert.mode'='merge'`, sqlerr.InvalidParameterValue, "must be one of insert, upsert, update"},
			{`'topics'='users', 'pk.mode'='kafka', 'pk.fields'='a,b'`, sqlerr.InvalidParameterValue, "three columns"},
			{`'topics'='users', 'pk.mode'='record_key', 'pk.fields'='NOPE'`, sqlerr.InvalidParameterValue, "pk.fields names NOPE"},
			{`'topics'='nosuch'`, sqlerr.UndefinedObject, "no stream or table reads topic nosuch"},
			{`'topics'='users', 'topics.regex'='u.*'`, sqlerr.InvalidParameterValue, "mutually exclusive"},
			{`'topics'='users', 'batch.size'='0'`, sqlerr.InvalidParameterValue, "batch.size"},
		} {
			err := env.execErr(pg.sinkSQL("bad", c.props))
			if sqlstate(err) != c.state || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("%s: got %v, want %s %q", c.props, err, c.state, c.msg)
			}
		}
		env.exec(`CREATE STREAM withmap (m MAP<STRING, INT>, v INT) WITH (kafka_topic='withmap', value_format='JSON', partitions=1);`)
		if err := env.execErr(pg.sinkSQL("bad", `'topics'='withmap'`)); sqlstate(err) != sqlerr.FeatureNotSupported || !strings.Contains(err.Error(), "column M") {
			t.Errorf("MAP column: %v", err)
		}
		if err := env.execErr(`CREATE SINK CONNECTOR bad WITH ('connector.class'='io.confluent.connect.jdbc.JdbcSinkConnector', 'connection.url'='jdbc:mysql://h/db', 'topics'='users');`); sqlstate(err) != sqlerr.InvalidParameterValue {
			t.Errorf("mysql URL: %v", err)
		}
		if err := env.execErr(`CREATE SINK CONNECTOR bad WITH ('connector.class'='io.confluent.connect.s3.S3SinkConnector', 'connection.url'='` + pg.url() + `', 'topics'='users');`); sqlstate(err) != sqlerr.InvalidParameterValue || !strings.Contains(err.Error(), "connector.class") {
			t.Errorf("other class: %v", err)
		}
		if err := env.execErr(`CREATE SOURCE CONNECTOR bad WITH ('connector.class'='x');`); sqlstate(err) != sqlerr.FeatureNotSupported {
			t.Errorf("source connector: %v", err)
		}
		if err := env.execErr(pg.sinkSQL("users", `'topics'='users'`)); sqlstate(err) != sqlerr.DuplicateObject {
			t.Errorf("duplicate: %v", err)
		}
		env.exec(strings.Replace(pg.sinkSQL("users", `'topics'='users'`), "CONNECTOR users", "CONNECTOR IF NOT EXISTS users", 1))
	})
}

// TestSinkConnectorDatabaseRestart restarts PostgreSQL while records flow,
// then stops it while records are produced: the connector retries with
// backoff (RETRYING, the error in DESCRIBE CONNECTOR), pausing the fetching of
// the partitions whose batches wait (back-pressure), resumes them once the
// database is back, and continues from the offsets in the database, so in
// insert mode with no key every record is a row exactly once.
func TestSinkConnectorDatabaseRestart(t *testing.T) {
	pg := startPG(t)
	env := startEnv(t, t.TempDir())
	env.exec(`CREATE STREAM seq (n INT) WITH (kafka_topic='seq', value_format='JSON', partitions=3);`)
	env.exec(pg.sinkSQL("seq", `'topics'='seq', 'auto.create'='true', 'batch.size'='50', 'tasks.max'='3', 'retry.backoff.ms'='100', 'max.retries'='200'`))
	// The last records, produced while the database is down, are fewer
	// than two batches a partition, so a full queue does not pause them:
	// the retries do.
	const restarted, total = 2000, 2060
	produce := func(from, to int) {
		var recs []*kgo.Record
		for i := from; i < to; i++ {
			recs = append(recs, &kgo.Record{Topic: "seq", Key: []byte(fmt.Sprint(i)), Value: []byte(fmt.Sprintf(`{"n":%d}`, i))})
		}
		if err := env.cluster.Producer().ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	produce(0, restarted/2)
	pg.waitRows(`SELECT count(*) > 0 FROM seq`, "true")
	done := make(chan struct{})
	go func() { defer close(done); produce(restarted/2, restarted) }()
	pg.restart(time.Second)
	<-done
	pg.waitRows(`SELECT count(*), count(DISTINCT "N") FROM seq`, fmt.Sprintf("%d|%d", restarted, restarted))

	// Down while records arrive: every partition's writer retries, paused.
	pg.conn.Close(context.Background())
	pg.srv.Stop()
	produce(restarted, total)
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, _ := env.engine.ConnectorStatus("SEQ")
		if st.State == "RETRYING" && st.Partitions == 3 && st.PausedPartitions == 3 && st.LastError != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("with the database down: %+v, want RETRYING with its 3 partitions paused", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
	pg.srv.Start()
	pg.connect()
	pg.waitRows(`SELECT count(*), count(DISTINCT "N"), min("N"), max("N") FROM seq`, fmt.Sprintf("%d|%d|0|%d", total, total, total-1))
	row := env.waitState("seq", "RUNNING")
	if row[8] != int64(total) || row[10] == "" {
		t.Fatalf("DESCRIBE CONNECTOR = %v: want %d rows written and the error that was retried", row, total)
	}
	if row[12] != int64(0) || row[13].(int64) < int64(total/50) || row[14] == int64(0) {
		t.Fatalf("DESCRIBE CONNECTOR = %v: after the database came back, want no partition paused, at least %d batches and the failed writes counted", row, total/50)
	}
}

// TestSinkConnectorTwoNodes runs the connector on two nodes of one service:
// the second joins while records flow, so partitions move between them
// mid-load; each node resumes a partition it gets from the offsets stored in
// PostgreSQL, and every record is one row (insert mode, no key).
func TestSinkConnectorTwoNodes(t *testing.T) {
	pg := startPG(t)
	env := startEnv(t, t.TempDir())
	env.exec(`CREATE STREAM seq2 (n INT) WITH (kafka_topic='seq2', value_format='JSON', partitions=4);`)
	env.exec(pg.sinkSQL("seq2", `'topics'='seq2', 'auto.create'='true', 'batch.size'='20', 'tasks.max'='2'`))
	const total = 4000
	produce := func(from, to int) {
		var recs []*kgo.Record
		for i := from; i < to; i++ {
			recs = append(recs, &kgo.Record{Topic: "seq2", Key: []byte(fmt.Sprint(i)), Value: []byte(fmt.Sprintf(`{"n":%d}`, i))})
		}
		if err := env.cluster.Producer().ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	produce(0, total/2)
	pg.waitRows(`SELECT count(*) > 0 FROM seq2`, "true")
	node2 := startNode(t, env.broker.Addr(), "2", false)
	produce(total/2, total)
	pg.waitRows(`SELECT count(*), count(DISTINCT "N") FROM seq2`, fmt.Sprintf("%d|%d", total, total))
	// Both nodes hold partitions once the group settled.
	deadline := time.Now().Add(20 * time.Second)
	for {
		p1, _ := env.engine.ConnectorStatus("SEQ2")
		p2, _ := node2.engine.ConnectorStatus("SEQ2")
		if p1.Partitions > 0 && p2.Partitions > 0 && p1.Partitions+p2.Partitions == 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("partitions: node 1 %+v, node 2 %+v", p1, p2)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Dropped on one node, the connector stops on both.
	env.exec(`DROP CONNECTOR seq2;`)
	deadline = time.Now().Add(20 * time.Second)
	for {
		if _, ok := node2.engine.ConnectorStatus("SEQ2"); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("node 2 still runs the dropped connector")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := pg.rows(`SELECT count(*) FROM seq2`); got[0] != fmt.Sprint(total) {
		t.Fatalf("rows after drop: %v", got)
	}
}
