package pgclients

import (
	"testing"

	"github.com/sluice-db/sluice/internal/testtool"
)

// TestNode runs testdata/node_client.js with the npm package pg that
// scripts/install-test-deps.sh puts in scripts/.node: untyped parameters, a named
// statement run twice, and typed catalog results.
func TestNode(t *testing.T) {
	needServer(t)
	node := testtool.Need(t, "node")
	modules := testtool.NodeModules(t, "pg")
	out := run(t, []string{"NODE_PATH=" + modules}, node, "testdata/node_client.js", connString())
	expectLines(t, out,
		"row 1 string ann 12.50",
		"row 2 bob 7.25",
		"catalog orders r 4 number",
		"settings 130000 public",
	)
}

// TestPostgresJS runs testdata/postgresjs_client.js with the npm package
// postgres (postgres.js): prepared statements with typed parameters, labels,
// .cursor() batches over a Postgres-path query and a push query, and an error
// answered while the driver waits on Flush.
func TestPostgresJS(t *testing.T) {
	needServer(t)
	node := testtool.Need(t, "node")
	modules := testtool.NodeModules(t, "postgres")
	out := run(t, []string{"NODE_PATH=" + modules}, node, "testdata/postgresjs_client.js", connString())
	expectLines(t, out,
		"row 1 ann 12.50 id:20,customer:25,amount:1700",
		`labels n:23,Twice:23,label:25 [{"n":1,"Twice":2,"label":"x1"},{"n":2,"Twice":4,"label":"x2"},{"n":3,"Twice":6,"label":"x3"}]`,
		"cursor [[1,2],[3,4],[5]]",
		`push cursor ["ann","bob"]`,
		"catalog orders r",
		"error 42P01",
		"after error 6",
	)
}

// TestKnex runs testdata/knex_client.js with knex over pg: raw queries with ?
// bindings, the query builder's quoted identifiers and schema-qualified names,
// schema.hasTable and columnInfo (information_schema), and .stream() through
// pg-query-stream.
func TestKnex(t *testing.T) {
	needServer(t)
	node := testtool.Need(t, "node")
	modules := testtool.NodeModules(t, "knex", "pg", "pg-query-stream")
	out := run(t, []string{"NODE_PATH=" + modules}, node, "testdata/knex_client.js", connString())
	expectLines(t, out,
		"raw 2 bob id,customer",
		`builder [{"relname":"orders","relkind":"r"}]`,
		`series [{"n":5,"Label":"row 5"},{"n":4,"Label":"row 4"}]`,
		"hasTable true false",
		"columnInfo id,customer,amount,ts bigint text numeric",
		"stream [1,2,3,4]",
		`push stream ["ann","bob"]`,
		"stream error 42P01",
		"after error 3",
	)
}
