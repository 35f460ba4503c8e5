package server

import (
	"context"
	"regexp"
	"sync"

	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// cursor runs one statement in its own goroutine and hands its rows out a few at
// a time: the one mechanism behind DECLARE/FETCH (psql's FETCH_COUNT, psycopg2's
// named cursors) and Execute with a row limit (pgjdbc's fetch size). A push query
// therefore delivers rows as they arrive instead of running to its end first.
//
// The statement uses the connection's session while the conn goroutine waits in
// fetch or runs other statements. Unless the session runs it beside other
// statements (RunsBeside), opening a cursor therefore blocks other statements
// on the session until the cursor ends (errCursorBusy).
type cursor struct {
	cancel context.CancelFunc
	rows   chan []any    // unbuffered: the statement waits for FETCH (backpressure)
	ready  chan struct{} // closed once cols is set or the statement ended
	done   chan struct{} // closed when the statement ended; err and tag are set

	colsOnce sync.Once
	cols     []types.Column
	err      error
	tag      string

	// held are rows read ahead of FETCH (a WITH HOLD cursor's rows, copied when
	// its transaction commits); fetch returns them first.
	held [][]any
}

// openCursor starts sql. A statement the session runs beside others (a
// Postgres-path query) leaves the session free; any other holds it for the
// cursor's life, and fails with 55006 while another statement holds it.
func (c *conn) openCursor(sql string, params []any) (*cursor, error) {
	beside := c.runsBeside(sql)
	if !beside && !c.sessMu.TryLock() {
		return nil, errCursorBusy
	}
	ctx, cancel := context.WithCancel(c.ctx)
	cur := &cursor{cancel: cancel, rows: make(chan []any), ready: make(chan struct{}), done: make(chan struct{})}
	w := &cursorWriter{cur: cur, ctx: ctx}
	go func() {
		// The session is released before done is closed: whoever waited for done
		// (CLOSE, the end of the transaction) runs the next statement at once.
		defer close(cur.done)
		if !beside {
			defer c.sessMu.Unlock()
		}
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
		if c.runsBeside(sql) {
			return c.sess.Describe(sql)
		}
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
		if len(cur.held) > 0 {
			rows = append(rows, cur.held[0])
			cur.held = cur.held[1:]
			continue
		}
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

// materialize reads the rest of the statement's rows into memory, so that the
// statement ends and releases the session; FETCH then reads the copy. A cancelled
// ctx leaves the cursor running, with the rows read so far kept.
func (cur *cursor) materialize(ctx context.Context) {
	rows, _, _ := cur.fetch(ctx, -1)
	cur.held = append(rows, cur.held...)
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
