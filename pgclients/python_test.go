package pgclients

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/sluice-db/sluice/internal/testtool"
)

// TestPython runs testdata/python_client.py with Debian's psycopg2 and SQLAlchemy
// 1.4 under the system interpreter: client-side parameters inside BEGIN/COMMIT,
// catalog SQL, and the SQLAlchemy inspector.
func TestPython(t *testing.T) {
	needServer(t)
	py := testtool.Need(t, "/usr/bin/python3")
	testtool.Need(t, "/usr/lib/python3/dist-packages/psycopg2/__init__.py")
	testtool.Need(t, "/usr/lib/python3/dist-packages/sqlalchemy/__init__.py")
	out := run(t, nil, py, "testdata/python_client.py", server.host, server.port)
	expectLines(t, out,
		"row [(1, 'ann', Decimal('12.50'))]",
		"catalog [('orders',), ('orders_pkey',)]",
		"named (1, 'ann')",
		"named (2, 'bob')",
		"after cursor [(1,)]",
		"schemas ['information_schema', 'public']",
		"tables ['clicks', 'orders']",
		"has_table True False",
		"columns [('id', 'BIGINT', False), ('customer', 'TEXT', True), ('amount', 'NUMERIC(10, 2)', True), ('ts', 'TIMESTAMP', True)]",
		"pk {'constrained_columns': ['id'], 'name': 'orders_pkey'}",
		"indexes [] fks []",
		"comment Sluice table over Kafka topic orders (key format KAFKA, value format JSON)",
		"version PostgreSQL 13.0.0",
		"sqlalchemy row [(2, 'bob')]",
	)
}

// TestPsycopg3 runs testdata/psycopg3_client.py with Debian's psycopg 3 and
// pandas: server-side parameters, binary results, COPY TO STDOUT in text,
// binary and CSV, pandas.read_sql, and named (server-side) cursors: over a push
// query and a Postgres-path query, with parameters, itersize, scroll (MOVE), a
// query beside an open cursor, WITH HOLD across a commit, and binary FETCH.
func TestPsycopg3(t *testing.T) {
	needServer(t)
	py := testtool.Need(t, "/usr/bin/python3")
	testtool.Need(t, "/usr/lib/python3/dist-packages/psycopg/__init__.py")
	testtool.Need(t, "/usr/lib/python3/dist-packages/pandas/__init__.py")
	out := run(t, nil, py, "testdata/psycopg3_client.py", server.host, server.port)
	expectLines(t, out,
		"row [(1, 'ann', Decimal('12.50'))]",
		"types [20, 25, 1700]",
		"binary [(1, 'ann', Decimal('12.50'), datetime.datetime(2024, 1, 2, 3, 4, 5)), (2, 'bob', Decimal('7.25'), datetime.datetime(2024, 1, 3, 0, 0))]",
		"copy text [(1, 'ann', Decimal('12.50')), (2, 'bob', Decimal('7.25'))]",
		"copy binary [(1, 'ann', Decimal('12.50')), (2, 'bob', Decimal('7.25'))]",
		"copy csv id,customer",
		"1,ann",
		"2,bob",
		"pandas ['id', 'customer', 'amount'] (2, 3) 19.75",
		// The same lines as PostgreSQL 15 prints for the generate_series cursors.
		"named push ['id', 'customer'] [(1, 'ann'), (2, 'bob')]",
		"named series (1, 10) [(4, 40), (5, 50)] [(6, 60), (7, 70)] [('series', False)]",
		"held [(1,), (2,), (3,)] (1,)",
		"named binary [(1, Decimal('12.50'), datetime.datetime(2024, 1, 2, 3, 4, 5))]",
	)
}

// TestODBC runs testdata/odbc_client.py with pyodbc over unixODBC and
// psqlODBC, and unixODBC's isql: a push query, and the catalog calls BI tools
// make through ODBC (SQLTables, SQLColumns, SQLPrimaryKeys, SQLStatistics).
func TestODBC(t *testing.T) {
	needServer(t)
	py := testtool.Need(t, "/usr/bin/python3")
	testtool.Need(t, "/usr/share/doc/python3-pyodbc/copyright")
	testtool.Need(t, "/usr/lib/x86_64-linux-gnu/odbc/psqlodbcw.so")
	isql := testtool.Need(t, "isql")
	out := run(t, nil, py, "testdata/odbc_client.py", server.host, server.port)
	expectLines(t, out,
		"rows [(1, 'ann', Decimal('12.50')), (2, 'bob', Decimal('7.25'))]",
		"tables ['clicks', 'ksql_processing_log', 'orders']",
		"columns [('id', 'int8', 0), ('customer', 'text', 1), ('amount', 'numeric', 1), ('ts', 'timestamp', 1)]",
		"primary key [('id', 1, 'orders_pkey')]",
		"statistics [('orders_pkey', 0, 'id')]",
	)
	cmd := exec.Command(isql, "-k", "Driver={PostgreSQL Unicode};Server="+server.host+";Port="+server.port+";Database=sluice;Uid=alice;Pwd=unused;", "-b", "-d,", "-c")
	cmd.Stdin = strings.NewReader("SET 'auto.offset.reset'='earliest'\nSELECT id, customer FROM orders EMIT CHANGES LIMIT 2\n")
	got, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("isql: %v\n%s", err, got)
	}
	expectLines(t, string(got), "id,customer", "1,ann", "2,bob")
}

// TestPGCLI runs testdata/pgcli_client.py with Debian's pgcli: the catalog
// queries its completer fills itself with (PGExecute's schemata, tables, views,
// columns, functions, datatypes, foreign keys, databases, search_path; tables
// filter with relkind = ANY(%s), a text array parameter), a query, and \dt
// through pgspecial, as the prompt runs them.
func TestPGCLI(t *testing.T) {
	needServer(t)
	py := testtool.Need(t, "/usr/bin/python3")
	testtool.Need(t, "/usr/lib/python3/dist-packages/pgcli/pgexecute.py")
	out := run(t, nil, py, "testdata/pgcli_client.py", server.host, server.port)
	expectLines(t, out,
		"search_path ['pg_catalog', 'public']",
		"schemata ['information_schema', 'pg_catalog', 'pg_toast', 'public']",
		"tables ['clicks', 'ksql_processing_log', 'orders']",
		"catalog tables True",
		"views ['pg_cursors']",
		"columns [('clicks', 'tags', 'text[]'), ('clicks', 'url', 'text'), ('clicks', 'user_id', 'text'), ('ksql_processing_log', 'level', 'text'), ('ksql_processing_log', 'logger', 'text'), ('ksql_processing_log', 'message', 'json'), ('ksql_processing_log', 'time', 'bigint'), ('orders', 'amount', 'numeric'), ('orders', 'customer', 'text'), ('orders', 'id', 'bigint'), ('orders', 'ts', 'timestamp without time zone')]",
		"functions True",
		"lpad [('pg_catalog', ('text', 'integer'), 'text', False), ('pg_catalog', ('text', 'integer', 'text'), 'text', False)]",
		"percentile_cont [(('double precision', 'double precision'), 'double precision', True), (('double precision', 'interval'), 'interval', True), (('double precision[]', 'double precision'), 'double precision[]', True), (('double precision[]', 'interval'), 'interval[]', True)]",
		"datatypes []",
		"foreignkeys []",
		"databases ['sluice']",
		"run True False ['id', 'customer'] [(1, 'ann'), (2, 'bob')] SELECT 2",
		"run True True ['Schema', 'Name', 'Type', 'Owner'] [('public', 'clicks', 'table', 'alice'), ('public', 'ksql_processing_log', 'table', 'alice'), ('public', 'orders', 'table', 'alice')] SELECT 3",
	)
}
