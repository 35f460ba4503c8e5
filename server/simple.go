package server

import (
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/sluice-db/sluice/sqlerr"
)

// simpleQuery runs a Query message: every statement in sql, each answered with its
// results, then ReadyForQuery.
func (c *conn) simpleQuery(sql string) {
	// A simple Query ends any unnamed extended-protocol objects, as in Postgres.
	c.dropUnnamed()
	c.runQuery(sql)
	// Not deferred: after a panic the connection ends with FATAL, not ReadyForQuery.
	c.send(&pgproto3.ReadyForQuery{TxStatus: c.txStatus()})
	c.flush()
}

func (c *conn) runQuery(sql string) {
	if strings.TrimSpace(sql) == "" {
		c.send(&pgproto3.EmptyQueryResponse{})
		return
	}
	if parts, offsets := splitQuery(sql); len(parts) > 1 && anyCursorCmd(parts) {
		c.runStatements(sql, parts, offsets)
		return
	}
	if cmd, ok, err := parseCursorCmd(sql); ok {
		if err == nil {
			err = c.runCursorCmd(cmd, sql, nil, &resultWriter{c: c, describe: true})
		}
		if err != nil {
			c.send(errorResponse(err, sql))
		}
		return
	}
	if query, options, ok := copyQuery(sql); ok {
		c.copyOut(query, options)
		return
	}
	w := &resultWriter{c: c, describe: true}
	if err := c.runStatement(sql, nil, w); err != nil {
		c.send(errorResponse(err, sql))
		return
	}
	if w.completed == 0 {
		c.send(&pgproto3.EmptyQueryResponse{}) // only comments or semicolons
	}
}

func anyCursorCmd(parts []string) bool {
	for _, p := range parts {
		if _, ok, _ := parseCursorCmd(p); ok {
			return true
		}
	}
	return false
}

// runStatements runs a Query of several statements one by one, because some of
// them are cursor statements, which the server runs itself. As in PostgreSQL
// the Query is one implicit transaction block unless a block is open: DECLARE
// may be used in it, and the cursors WITHOUT HOLD it declared end with it.
func (c *conn) runStatements(sql string, parts []string, offsets []int) {
	implicit := !c.inTx
	c.implicitTx = implicit
	defer func() {
		c.implicitTx = false
		if implicit && !c.inTx {
			c.endTransaction(true)
			if len(c.toHold) > 0 {
				c.holdCursors(c.ctx)
			}
		}
	}()
	for i, part := range parts {
		w := &resultWriter{c: c, describe: true}
		cmd, ok, err := parseCursorCmd(part)
		switch {
		case ok && err == nil:
			err = c.runCursorCmd(cmd, sql, nil, w)
		case !ok:
			err = c.runStatement(part, nil, w)
		}
		if err != nil {
			if e := sqlerr.As(err); e.Position >= 0 {
				err = e.WithPosition(e.Position + offsets[i])
			}
			c.send(errorResponse(err, sql))
			if implicit && !c.inTx {
				c.endTransaction(false) // the implicit block fails as a whole
			}
			return
		}
	}
}
