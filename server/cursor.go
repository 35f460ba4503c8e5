package server

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// cursor runs one statement in its own goroutine and hands its rows out a few at
// a time: the one mechanism behind DECLARE/FETCH (psql's FETCH_COUNT, psycopg2's
// named cursors) and Execute with a row limit (pgjdbc's fetch size). A push query
// therefore delivers rows as they arrive instead of running to its end first.
//
// The statement uses the connection's session while the conn goroutine waits in
// fetch or runs other statements; opening a cursor therefore blocks other
// statements on the session until the cursor ends (see conn.cursorBusy).
type cursor struct {
	cancel context.CancelFunc
	rows   chan []any    // unbuffered: the statement waits for FETCH (backpressure)
	ready  chan struct{} // closed once cols is set or the statement ended
	done   chan struct{} // closed when the statement ended; err and tag are set

	colsOnce sync.Once
	cols     []types.Column
	err      error
	tag      string
}

// openCursor starts sql; it fails with 55006 while another cursor runs.
func (c *conn) openCursor(sql string, params []any) (*cursor, error) {
	if !c.sessMu.TryLock() {
		return nil, errCursorBusy
	}
	ctx, cancel := context.WithCancel(c.ctx)
	cur := &cursor{cancel: cancel, rows: make(chan []any), ready: make(chan struct{}), done: make(chan struct{})}
	w := &cursorWriter{cur: cur, ctx: ctx}
	go func() {
		// The session is released before done is closed: whoever waited for done
		// (CLOSE, the end of the transaction) runs the next statement at once.
		defer close(cur.done)
		defer c.sessMu.Unlock()
		defer cur.colsOnce.Do(func() { close(cur.ready) })
		defer cancel()
		cur.err = statementError(ctx, c.sess.Execute(ctx, sql, params, w))
	}()
	return cur, nil
}

var errCursorBusy = sqlerr.New(sqlerr.ObjectInUse, "a cursor's statement is running on this connection: FETCH from it or CLOSE it first")

// describeSQL describes sql on the session unless a cursor holds it.
func (c *conn) describeSQL(sql string) ([]types.Column, []*types.Type, error) {
	if !c.sessMu.TryLock() {
		return nil, nil, errCursorBusy
	}
	defer c.sessMu.Unlock()
	return c.sess.Describe(sql)
}

var transactionControl = regexp.MustCompile(`(?is)^\s*(begin|start\s+transaction|commit|end|rollback|abort)\b[^;]*;?\s*$`)

// isTransactionControl reports whether sql is one BEGIN/COMMIT/ROLLBACK.
func isTransactionControl(sql string) bool { return transactionControl.MatchString(sql) }

// columns waits for the statement's result columns (nil for statements without
// rows).
func (cur *cursor) columns(ctx context.Context) ([]types.Column, error) {
	select {
	case <-cur.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case <-cur.done:
		if cur.err != nil {
			return nil, cur.err
		}
	default:
	}
	return cur.cols, nil
}

// fetch returns up to n rows (n < 0: all), waiting for each; finished reports
// that the statement has ended (its error, if any, is returned).
func (cur *cursor) fetch(ctx context.Context, n int) (rows [][]any, finished bool, err error) {
	for n < 0 || len(rows) < n {
		select {
		case r := <-cur.rows:
			rows = append(rows, r)
		case <-cur.done:
			return rows, true, cur.err
		case <-ctx.Done():
			return rows, false, ctx.Err()
		}
	}
	return rows, false, nil
}

// close stops the statement and waits for it.
func (cur *cursor) close() {
	cur.cancel()
	<-cur.done
}

type cursorWriter struct {
	cur *cursor
	ctx context.Context
}

func (w *cursorWriter) Columns(cols []types.Column) error {
	w.cur.cols = cols
	w.cur.colsOnce.Do(func() { close(w.cur.ready) })
	return nil
}

func (w *cursorWriter) Row(vals []any) error {
	row := append([]any(nil), vals...)
	select {
	case w.cur.rows <- row:
		return nil
	case <-w.ctx.Done():
		return w.ctx.Err()
	}
}

func (w *cursorWriter) Complete(tag string) error { w.cur.tag = tag; return nil }
func (w *cursorWriter) Notice(string) error       { return nil }

// SQL-level cursors: DECLARE, FETCH, MOVE and CLOSE are recognized on the text
// because the cursor's query is KSQL (SELECT ... EMIT CHANGES), which the Postgres
// grammar cannot parse.
var (
	declarePattern = regexp.MustCompile(`(?is)^\s*declare\s+("(?:[^"]|"")+"|\w+)\s+(?:binary\s+)?(?:insensitive\s+)?(?:(?:no\s+)?scroll\s+)?cursor\s+(?:with(?:out)?\s+hold\s+)?for\s+(.*?)\s*;?\s*$`)
	fetchPattern   = regexp.MustCompile(`(?is)^\s*fetch\s+(?:(next|forward\s+all|forward\s+\d+|forward|all|\d+)\s+)?(?:(?:from|in)\s+)?("(?:[^"]|"")+"|\w+)\s*;?\s*$`)
	closePattern   = regexp.MustCompile(`(?is)^\s*close\s+("(?:[^"]|"")+"|\w+)\s*;?\s*$`)
)

func cursorName(s string) string {
	if strings.HasPrefix(s, `"`) {
		return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
	}
	return strings.ToLower(s)
}

// cursorStatement runs sql if it is DECLARE, FETCH or CLOSE, reporting whether
// it was.
func (c *conn) cursorStatement(sql string) bool {
	if m := declarePattern.FindStringSubmatch(sql); m != nil {
		name := cursorName(m[1])
		if _, exists := c.cursors[name]; exists {
			c.send(errorResponse(sqlerr.Newf("42P03", "cursor %q already exists", name), ""))
			return true
		}
		if c.cursors == nil {
			c.cursors = map[string]*cursor{}
		}
		cur, err := c.openCursor(m[2], nil)
		if err != nil {
			c.send(errorResponse(err, ""))
			return true
		}
		c.cursors[name] = cur
		c.send(&pgproto3.CommandComplete{CommandTag: []byte("DECLARE CURSOR")})
		return true
	}
	if m := fetchPattern.FindStringSubmatch(sql); m != nil && !strings.EqualFold(m[2], "from") {
		c.fetchCursor(cursorName(m[2]), fetchCount(m[1]))
		return true
	}
	if m := closePattern.FindStringSubmatch(sql); m != nil {
		name := cursorName(m[1])
		if strings.EqualFold(m[1], "all") {
			c.closeCursors()
		} else if cur, ok := c.cursors[name]; ok {
			cur.close()
			delete(c.cursors, name)
		} else {
			c.send(errorResponse(sqlerr.Newf("34000", "cursor %q does not exist", name), ""))
			return true
		}
		c.send(&pgproto3.CommandComplete{CommandTag: []byte("CLOSE CURSOR")})
		return true
	}
	return false
}

// fetchCount turns FETCH's direction into a row count (-1: all).
func fetchCount(dir string) int {
	f := strings.Fields(strings.ToLower(dir))
	switch {
	case len(f) == 0, f[0] == "next":
		return 1
	case f[len(f)-1] == "all":
		return -1
	case f[len(f)-1] == "forward":
		return 1
	}
	n, _ := strconv.Atoi(f[len(f)-1])
	return n
}

func (c *conn) fetchCursor(name string, n int) {
	cur, ok := c.cursors[name]
	if !ok {
		c.send(errorResponse(sqlerr.Newf("34000", "cursor %q does not exist", name), ""))
		return
	}
	ctx, cancel := context.WithCancel(c.ctx)
	defer cancel()
	c.stmtMu.Lock()
	c.stmtCancel = cancel
	c.stmtMu.Unlock()
	defer func() {
		c.stmtMu.Lock()
		c.stmtCancel = nil
		c.stmtMu.Unlock()
	}()
	cols, err := cur.columns(ctx)
	if err == nil && cols == nil {
		err = sqlerr.New(sqlerr.FeatureNotSupported, "cursor's statement returns no rows")
	}
	if err != nil {
		c.send(errorResponse(statementError(ctx, err), ""))
		return
	}
	rows, _, err := cur.fetch(ctx, n)
	w := &resultWriter{c: c, describe: true}
	if werr := w.Columns(cols); werr != nil {
		return
	}
	for _, r := range rows {
		if werr := w.Row(r); werr != nil {
			return
		}
	}
	if err != nil {
		c.send(errorResponse(statementError(ctx, err), ""))
		return
	}
	c.send(&pgproto3.CommandComplete{CommandTag: []byte("FETCH " + strconv.Itoa(len(rows)))})
}

// closeCursors ends every SQL-level cursor (CLOSE ALL, end of transaction, end of
// connection).
func (c *conn) closeCursors() {
	for name, cur := range c.cursors {
		cur.close()
		delete(c.cursors, name)
	}
}
