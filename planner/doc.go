// Package planner turns a parsed statement plus the catalog into a plan: it resolves
// names against the catalog, binds and type-checks expressions (through package
// expr), applies ksqlDB's rules for result schemas (key columns, default column
// names, sink properties) and returns the physical streaming plan as plain data that
// package exec runs and EXPLAIN prints.
//
// It does not run anything and never talks to Kafka.
package planner
