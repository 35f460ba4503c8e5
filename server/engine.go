package server

import (
	"context"

	"github.com/sluice-db/sluice/types"
)

// Engine is what the server needs from the query engine.
type Engine interface {
	// NewSession opens a session for one client connection. params are the
	// StartupMessage parameters (user, database, application_name, ...); pid is
	// the backend process ID the client was given in BackendKeyData.
	NewSession(params map[string]string, pid uint32) Session
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
//
// The writer of a simple Query also has a method ParameterStatus(name, value
// string): a session that changes a run-time parameter the client tracks
// (application_name, DateStyle, ...) may call it after the statement, and the
// client gets a ParameterStatus message.
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

// The interfaces below are optional: a Session that implements one gives the
// server what only a SQL grammar can know. Without them the server falls back
// as noted.

// placeholderCounter counts the $n placeholders of a statement. Parse uses it
// when neither the client nor Describe says how many parameters Bind brings
// (node-pg declares no types). Without it the count is the larger of those two.
type placeholderCounter interface {
	// Placeholders returns the highest $n in sql (0 when none).
	Placeholders(sql string) int
}

// boundDescriber describes a statement with its parameter values bound. Bind uses
// it when Describe found no result columns, so that a client describing the
// portal (pgjdbc, node-pg) gets a RowDescription. Without it such a portal
// describes as NoData.
type boundDescriber interface {
	// DescribeBound returns sql's result columns with params (package types'
	// representation) bound, or nil when it cannot tell.
	DescribeBound(sql string, params []any) []types.Column
}

// besideStatements is a Session that can run some statements while another of
// its statements runs (a cursor's, which holds the session until it ends):
// those that use no state a running statement uses. Without it every statement
// waits its turn (55006 while a cursor runs).
type besideStatements interface {
	// RunsBeside reports whether sql may run, or be described, while another
	// statement of the session runs. COMMIT must be one of them (it ends the
	// cursors of its transaction).
	RunsBeside(sql string) bool
}

// runsBeside reports whether sql may run while a cursor holds the session.
func (c *conn) runsBeside(sql string) bool {
	b, ok := c.sess.(besideStatements)
	return ok && b.RunsBeside(sql)
}

// placeholders returns the number of $n placeholders in sql, if the session can
// count them.
func (c *conn) placeholders(sql string) int {
	if pc, ok := c.sess.(placeholderCounter); ok {
		return pc.Placeholders(sql)
	}
	return 0
}

// describeBound returns sql's result columns with params bound, if the session
// can tell and no cursor holds it.
func (c *conn) describeBound(sql string, params []any) []types.Column {
	bd, ok := c.sess.(boundDescriber)
	if !ok || !c.sessMu.TryLock() {
		return nil
	}
	defer c.sessMu.Unlock()
	return bd.DescribeBound(sql, params)
}
