package pgclients

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestPGXResultLabels checks RowDescription's labels over pgx, in the simple
// and the extended protocol (where pgx describes the statement first): query
// results follow README's rule (ksqlDB's upper-case names in lower case,
// quoted names as written, as Postgres folds unquoted identifiers), on the
// KSQL path (push queries) as on the Postgres one (pull queries); SHOW,
// DESCRIBE and EXPLAIN keep their headers (EXPLAIN's is Postgres' own "QUERY
// PLAN"); a session with sluice.dialect=ksql gets ksqlDB's labels.
func TestPGXResultLabels(t *testing.T) {
	needServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	labels := func(conn *pgx.Conn, sql string, mode pgx.QueryExecMode) []string {
		t.Helper()
		rows, err := conn.Query(ctx, sql, mode)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		defer rows.Close()
		var names []string
		for _, f := range rows.FieldDescriptions() {
			names = append(names, f.Name)
		}
		for rows.Next() {
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return names
	}
	conn, err := pgx.Connect(ctx, connString())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	ksql, err := pgx.Connect(ctx, connString()+"&sluice.dialect=ksql")
	if err != nil {
		t.Fatal(err)
	}
	defer ksql.Close(context.Background())
	for _, c := range []struct {
		conn *pgx.Conn
		sql  string
		want []string
	}{
		{conn, `SELECT id, customer AS who, amount AS "Amt" FROM orders EMIT CHANGES LIMIT 1`, []string{"id", "who", "Amt"}},
		{conn, `SELECT id, UCASE(customer) AS shout, LEN(customer) FROM orders EMIT CHANGES LIMIT 1`, []string{"id", "shout", "ksql_col_0"}},
		{conn, `SELECT url, user_id AS Who, count(*) FROM clicks GROUP BY 1, 2`, []string{"url", "who", "count"}},
		{conn, `SHOW TOPICS`, []string{"Kafka Topic", "Partitions", "Partition Replicas"}},
		{conn, `DESCRIBE orders`, []string{"Field", "Type"}},
		{conn, `EXPLAIN SELECT id FROM orders EMIT CHANGES`, []string{"QUERY PLAN"}},
		{ksql, `SELECT id, customer AS who, amount AS "Amt" FROM orders EMIT CHANGES LIMIT 1`, []string{"ID", "WHO", "Amt"}},
	} {
		for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeCacheDescribe} {
			if got := labels(c.conn, c.sql, mode); !slices.Equal(got, c.want) {
				t.Errorf("%s (%v): labels %q, want %q", c.sql, mode, got, c.want)
			}
		}
	}
	// A listing described before it runs decodes by its description.
	var field, typ string
	if err := conn.QueryRow(ctx, "DESCRIBE orders", pgx.QueryExecModeCacheDescribe).Scan(&field, &typ); err != nil || field != "ID" || typ != "BIGINT (primary key)" {
		t.Errorf("DESCRIBE orders (described first): %q %q, %v; want ID, BIGINT (primary key)", field, typ, err)
	}
}

// TestPGXDescribeParameterizedPushQuery prepares a push query with
// parameters as pgx does (Parse, Describe Statement, Sync): the statement
// describes its parameters with the types their use gives them (id = $1 is
// bigint, customer = $2 text) and its result columns, as a pull query's
// Describe does, so pgx encodes its arguments in binary by those types and
// decodes the rows by the columns.
func TestPGXDescribeParameterizedPushQuery(t *testing.T) {
	needServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, connString())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	const sql = `SELECT id, customer, amount FROM orders WHERE id = $1 AND customer = $2 EMIT CHANGES LIMIT 1`
	sd, err := conn.Prepare(ctx, "push_by_id", sql)
	if err != nil {
		t.Fatal(err)
	}
	if want := []uint32{20, 25}; !slices.Equal(sd.ParamOIDs, want) {
		t.Errorf("ParameterDescription %v, want %v", sd.ParamOIDs, want)
	}
	var fields []string
	for _, f := range sd.Fields {
		fields = append(fields, f.Name+":"+strconv.Itoa(int(f.DataTypeOID)))
	}
	if want := []string{"id:20", "customer:25", "amount:1700"}; !slices.Equal(fields, want) {
		t.Errorf("RowDescription %q, want %q", fields, want)
	}
	var (
		id       int64
		customer string
		amount   float64
	)
	if err := conn.QueryRow(ctx, "push_by_id", int64(2), "bob").Scan(&id, &customer, &amount); err != nil {
		t.Fatal(err)
	}
	if id != 2 || customer != "bob" || amount != 7.25 {
		t.Errorf("row %d %q %v, want 2 bob 7.25", id, customer, amount)
	}
}
