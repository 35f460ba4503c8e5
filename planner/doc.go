// Package planner turns a parsed statement plus the catalog into a plan (package
// plan): it resolves names against the catalog, binds and type-checks
// expressions (through package expr), applies ksqlDB's rules for result schemas
// (key columns, default column names, sink properties), and makes the physical
// choices (PlanPhysical: partitions and co-partitioning, repartition and
// changelog topics, state stores), asking the cluster only through its Topics
// interface.
//
// It does not run anything and never talks to Kafka directly.
package planner
