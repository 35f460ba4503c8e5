// Package engine executes statements. It owns the catalog, the persistent queries
// and the command topic through which every node learns the same DDL: a statement is
// validated and planned, recorded in the command topic, and then applied; at start
// the topic is replayed so a restarted node has the same streams, tables and running
// queries. A query that fails is started again from its checkpoints after a backoff
// (recover.go), RECOVERING meanwhile. Sessions (one per client connection) run
// statements and stream results to a ResultWriter; the wire protocol lives elsewhere.
package engine
