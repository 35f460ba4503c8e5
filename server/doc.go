// Package server speaks the Postgres wire protocol (via pgproto3) to clients such as
// psql, pgx, JDBC and psycopg2. It turns protocol messages into calls on the Engine
// interface defined here and turns results and *sqlerr.Error values into protocol
// messages (RowDescription, DataRow, CommandComplete, ErrorResponse with SQLSTATE and
// position). It never sees plans, catalogs or Kafka.
package server
