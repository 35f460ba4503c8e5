package server

import (
	"context"

	"github.com/sluice-db/sluice/types"
)

// Engine is what the server needs from the query engine.
type Engine interface {
	// NewSession opens a session for one client connection. params are the
	// StartupMessage parameters (user, database, application_name, ...).
	NewSession(params map[string]string) Session
}

// Session executes statements for one connection. A Session is used by one goroutine
// at a time.
type Session interface {
	// Execute parses and runs every statement in sql, in order, writing each
	// statement's results to w. It stops at the first failing statement and returns
	// its error (a *sqlerr.Error whose Position is a byte offset into sql).
	// params are bound values for $n placeholders (extended protocol), nil otherwise.
	// Push queries (EMIT CHANGES) write rows as they arrive and return when their
	// LIMIT is reached or ctx is cancelled (client cancel or disconnect).
	Execute(ctx context.Context, sql string, params []any, w ResultWriter) error
	// Describe returns the result columns sql would produce (nil for statements
	// without rows) and the types of its parameters, without running it.
	Describe(sql string) (cols []types.Column, params []*types.Type, err error)
	// Close releases the session's resources.
	Close()
}

// ResultWriter receives one statement's results. Calls for one statement come in the
// order Columns, Row*, Complete; statements without rows call only Complete.
type ResultWriter interface {
	// Columns starts a result set.
	Columns(cols []types.Column) error
	// Row sends one row; values use package types' representation and match the
	// columns. The writer may flush to the client at once (push queries rely on it).
	Row(vals []any) error
	// Complete ends the statement with a command tag such as "SELECT 3" or "CREATE STREAM".
	Complete(tag string) error
	// Notice sends an informational message (a Postgres NoticeResponse).
	Notice(msg string) error
}
