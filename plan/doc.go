// Package plan holds the data of a query plan: what the planner produces and
// the runtime (package exec) runs. A QueryPlan is the logical parts of a
// continuous query (source, timestamp extraction, filter, aggregation with its
// window and HAVING, joins with their kinds and windows, projection, re-keying,
// sink) plus the physical choices made for it (Physical: consumer group,
// partitions and tasks, internal topics, state stores). Tree turns a plan into
// its operator tree, which EXPLAIN prints.
//
// It holds data and the rules that read it; it never parses SQL, plans, or
// talks to Kafka, so the runtime can depend on it without the parser.
package plan
