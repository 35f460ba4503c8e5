// Package server speaks the Postgres wire protocol (via pgproto3) to clients such as
// psql, pgx, JDBC and psycopg2: startup, TLS and authentication, simple and extended
// query, cursors and portals, COPY framing, cancel requests. It turns protocol
// messages into calls on the Engine and Session interfaces defined here and turns
// results and *sqlerr.Error values into protocol messages (RowDescription, DataRow,
// CommandComplete, ErrorResponse with SQLSTATE and position).
//
// It never parses SQL beyond recognizing BEGIN/COMMIT/ROLLBACK and the cursor and
// COPY framing statements, and never sees plans, catalogs or Kafka. What only a
// grammar knows (how many $n placeholders a statement has, its result columns with
// parameters bound, whether transaction control may run beside a cursor) comes
// from optional interfaces a Session may implement (engine.go). Statement routing
// and the Postgres catalog live in package pgface, which cmd/sluice wraps around
// the engine's sessions.
package server
