package server

import (
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"
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
