package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// wireResult is what a query sent over the PG wire returned.
type wireResult struct {
	fields   []pgconn.FieldDescription
	rows     [][][]byte // text values; nil is NULL
	complete bool       // CommandComplete arrived
	stopped  string     // why the runner ended the query, when it did
	err      error      // a server error, or a broken connection
}

// wireQuery is a query running on its own connection.
type wireQuery struct {
	cancel context.CancelFunc
	active chan struct{} // closed when the RowDescription (or the end) arrived
	done   chan struct{}

	mu    sync.Mutex
	armed bool      // the idle clock runs (a waiting push query's is armed after the inputs)
	last  time.Time // the last sign of progress
	res   wireResult
}

const (
	queryTimeout = 15 * time.Second // per query
	// pushIdle ends a push query that produced nothing for this long: its inputs were
	// all processed before, so a missing row will not come.
	pushIdle = 3 * time.Second
	// pushSettle is how long a push query without LIMIT keeps reading after it
	// returned the expected number of rows, to see extra ones.
	pushSettle = 300 * time.Millisecond
)

// startQuery runs sql on a new connection set up like the case's session. A push
// query ends at its LIMIT, after pushIdle without rows, or pushSettle after it
// returned want rows (want < 0: unknown); both clocks run once it is armed.
func (e *caseEnv) startQuery(sql string, push, armed bool, want int) *wireQuery {
	ctx, cancel := context.WithTimeout(e.ctx, queryTimeout)
	q := &wireQuery{cancel: cancel, active: make(chan struct{}), done: make(chan struct{}), armed: armed, last: time.Now()}
	var activeOnce sync.Once
	markActive := func() { activeOnce.Do(func() { close(q.active) }) }
	go func() {
		defer close(q.done)
		defer markActive()
		conn, err := e.connect(ctx)
		if err != nil {
			q.res.err = err
			return
		}
		defer conn.Close(context.Background())
		mrr := conn.Exec(ctx, sql)
		for mrr.NextResult() {
			rr := mrr.ResultReader()
			q.mu.Lock()
			q.res.fields = append([]pgconn.FieldDescription(nil), rr.FieldDescriptions()...) // pgconn reuses the slice
			q.mu.Unlock()
			markActive()
			for rr.NextRow() {
				row := make([][]byte, len(rr.Values()))
				for i, v := range rr.Values() {
					if v != nil {
						row[i] = append([]byte{}, v...)
					}
				}
				q.mu.Lock()
				q.res.rows = append(q.res.rows, row)
				q.last = time.Now()
				q.mu.Unlock()
			}
			if _, err := rr.Close(); err == nil {
				q.mu.Lock()
				q.res.complete = true
				q.mu.Unlock()
			}
		}
		err = mrr.Close()
		q.mu.Lock()
		defer q.mu.Unlock()
		if err != nil && q.res.stopped == "" {
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) || ctx.Err() == nil {
				q.res.err = err
			} else {
				q.res.stopped = "timed out after " + queryTimeout.String()
			}
		}
	}()
	if push {
		go q.watch(want)
	}
	return q
}

// watch ends a push query that stalls, or that has had time to show extra rows.
func (q *wireQuery) watch(want int) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-q.done:
			return
		case <-tick.C:
		}
		q.mu.Lock()
		idle := time.Since(q.last)
		n := len(q.res.rows)
		switch {
		case !q.armed:
		case want >= 0 && n >= want && idle > pushSettle:
			q.res.stopped = fmt.Sprintf("ended by the runner after %d rows", n)
		case idle > pushIdle:
			q.res.stopped = fmt.Sprintf("ended by the runner: no row for %s", pushIdle)
		}
		stop := q.res.stopped != ""
		q.mu.Unlock()
		if stop {
			q.cancel()
			return
		}
	}
}

// arm starts the idle clock of a push query that waited for its inputs.
func (q *wireQuery) arm() {
	q.mu.Lock()
	q.armed, q.last = true, time.Now()
	q.mu.Unlock()
}

func (q *wireQuery) waitActive(limit time.Duration) {
	select {
	case <-q.active:
	case <-time.After(limit):
	}
}

// result waits for the query to end and returns what it produced.
func (q *wireQuery) result() wireResult {
	<-q.done
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.res
}

func (q *wireQuery) stop() {
	q.cancel()
	<-q.done
}

// connect opens a connection to the engine and replays the case's SET statements.
func (e *caseEnv) connect(ctx context.Context) (*pgconn.PgConn, error) {
	// ksqlDB's answers, not PostgreSQL's, to SELECTs valid in both dialects.
	conn, err := pgconn.Connect(ctx, "postgres://sluice@"+e.srv.Addrs.PG+"/sluice?sslmode=disable&sluice.dialect=ksql")
	if err != nil {
		return nil, err
	}
	for _, s := range e.setup {
		if _, err := conn.Exec(ctx, s).ReadAll(); err != nil {
			conn.Close(context.Background())
			return nil, fmt.Errorf("%s: %w", s, err)
		}
	}
	return conn, nil
}
