// Package exec is the streaming runtime. It runs the plans package planner builds:
// it decodes source records into rows, pushes them through filter and projection,
// encodes results into sink records and drives the Kafka consume-process-produce
// loop of persistent and push queries with at-least-once delivery (offsets are
// committed only after the records they produced are acknowledged).
//
// It never sees SQL text or the parser's AST.
package exec
