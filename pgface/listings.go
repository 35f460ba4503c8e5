package pgface

import (
	"context"
	"errors"
	"time"

	"github.com/sluice-db/sluice/types"
)

// isListing reports whether a KSQL statement is one that only reads and
// answers with rows (SHOW STREAMS, LIST TOPICS, DESCRIBE orders, EXPLAIN
// SELECT ...), whose columns the engine does not describe before it runs it.
func isListing(sql string) bool {
	switch firstWord(sql) {
	case "show", "list", "describe", "explain":
		return true
	}
	return false
}

// describeListing returns the result columns of a KSQL listing by running it
// until it writes them (a listing changes nothing, so running it to describe
// it is safe), so that a client that describes before it executes (pgx,
// pgjdbc, postgres.js) gets the RowDescription the rows come with instead of
// NoData. It returns nil for other statements, or when the listing fails
// (Execute then reports why).
func (r *Session) describeListing(sql string) []types.Column {
	if !isListing(sql) || maxParam(sql) > 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	w := &columnsWriter{}
	// The run ends with errColumnsWritten, as the engine reports it, once
	// the columns are known, or with the listing's own error before.
	_ = r.engine.Execute(ctx, sql, nil, w)
	return w.cols
}

// errColumnsWritten stops a statement run only for its columns.
var errColumnsWritten = errors.New("columns written")

// columnsWriter keeps the columns a statement writes and stops it there.
type columnsWriter struct{ cols []types.Column }

func (w *columnsWriter) Columns(cols []types.Column) error {
	w.cols = append([]types.Column(nil), cols...)
	return errColumnsWritten
}

func (w *columnsWriter) Row([]any) error       { return errColumnsWritten }
func (w *columnsWriter) Complete(string) error { return nil }
func (w *columnsWriter) Notice(string) error   { return nil }
