// Package exec is the streaming runtime. It runs the plans that package planner
// builds (package plan's data): a query's work is divided into tasks, one per
// input partition, each owning its operators' state for that partition (task.go:
// assign, restore, revoke, close). One driver loop runs every query kind
// (driver.go): poll a batch, run it through the kind's processor (stateless:
// decode, filter, project, encode; table result: aggregations and table
// projections; join), then commit it with the one commit protocol: outputs
// acknowledged, state and input checkpoints staged with their changelog records,
// the store batch synced, the consumer offsets committed (at-least-once; state
// never counts twice). Push queries without state stream rows to a client.
//
// It never sees SQL text, the parser's AST or planner logic: it depends on the
// plan's data types, expressions, formats and storage (a test in
// internal/depcheck enforces this).
package exec
