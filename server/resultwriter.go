package server

import (
	"fmt"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/sluice-db/sluice/types"
)

// resultWriter is the ResultWriter for one Session.Execute call. It encodes rows in
// the formats the client asked for and either streams them (flushing after every
// row, because a push query's rows must reach the client as they arrive) or
// collects them for a portal that is read a few rows at a time.
type resultWriter struct {
	c *conn
	// describe is set for the simple protocol, where every result set starts with a
	// RowDescription. In the extended protocol the client got it from Describe.
	describe bool
	// formats are the Bind result format codes (nil: all text).
	formats []int16
	// collect, when set, receives encoded rows instead of the client.
	collect *portal

	cols      []types.Column
	colFormat []int16
	completed int
	tag       string // of the last completed statement

	scratch []byte
	ends    []int // end offset in scratch of each value, -1 for NULL
	values  [][]byte
}

var _ ResultWriter = (*resultWriter)(nil)

func (w *resultWriter) Columns(cols []types.Column) error {
	w.cols = cols
	w.colFormat = resolveFormats(w.formats, len(cols))
	if w.describe {
		w.c.send(rowDescription(cols, w.colFormat))
	}
	return w.c.writeErr
}

func (w *resultWriter) Row(vals []any) error {
	if len(vals) != len(w.cols) {
		return fmt.Errorf("server: row has %d values for %d columns", len(vals), len(w.cols))
	}
	w.scratch = w.scratch[:0]
	w.values = w.values[:0]
	w.ends = w.ends[:0] // scratch may move while growing: slice it at the end
	for i, v := range vals {
		if v == nil {
			w.ends = append(w.ends, -1)
			continue
		}
		var err error
		w.scratch, err = appendColumnValue(w.scratch, w.cols[i], w.colFormat[i], v)
		if err != nil {
			return fmt.Errorf("column %s: %w", w.cols[i].Name, err)
		}
		w.ends = append(w.ends, len(w.scratch))
	}
	start := 0
	for _, end := range w.ends {
		if end < 0 {
			w.values = append(w.values, nil)
			continue
		}
		if start == end {
			// An empty value (''), which must not read as NULL when scratch is
			// still nil.
			w.values = append(w.values, []byte{})
			continue
		}
		w.values = append(w.values, w.scratch[start:end:end])
		start = end
	}
	if w.collect != nil {
		w.collect.buffer(w.values)
		return nil
	}
	w.c.send(&pgproto3.DataRow{Values: w.values})
	w.c.flush()
	return w.c.writeErr
}

func (w *resultWriter) Complete(tag string) error {
	if tag == "COMMIT" && w.c.inTx && w.c.txFailed {
		tag = "ROLLBACK" // COMMIT of a failed transaction rolls it back
	}
	w.completed++
	w.tag = tag
	w.c.noteTag(tag)
	w.cols = nil
	if w.collect != nil {
		w.collect.complete(tag)
		return nil
	}
	w.c.send(&pgproto3.CommandComplete{CommandTag: []byte(tag)})
	// The next statement may run for long (a push query): let the client see
	// this one end now.
	w.c.flush()
	return w.c.writeErr
}

func (w *resultWriter) Notice(msg string) error {
	w.c.send(&pgproto3.NoticeResponse{Severity: "NOTICE", SeverityUnlocalized: "NOTICE", Code: "00000", Message: msg})
	w.c.flush()
	return w.c.writeErr
}

// appendValue encodes non-nil v of type t in format (0 text, 1 binary).
func appendValue(b []byte, t *types.Type, format int16, v any) ([]byte, error) {
	if format == pgproto3.BinaryFormat {
		return appendBinary(b, t, v)
	}
	return appendText(b, t, v)
}

// resolveFormats expands Bind's result format codes (none: all text; one: all
// columns; otherwise one per column, checked at Bind) to one per column.
func resolveFormats(codes []int16, n int) []int16 {
	out := make([]int16, n)
	switch {
	case len(codes) == 1:
		for i := range out {
			out[i] = codes[0]
		}
	case len(codes) == n:
		copy(out, codes)
	}
	return out
}

// rowDescription describes cols sent in the given formats.
func rowDescription(cols []types.Column, formats []int16) *pgproto3.RowDescription {
	fields := make([]pgproto3.FieldDescription, len(cols))
	for i, col := range cols {
		pt := columnPGType(col)
		typmod := typmodOf(col.Type)
		if col.PGType != 0 {
			typmod = -1
		}
		fields[i] = pgproto3.FieldDescription{
			Name:         []byte(col.Name),
			DataTypeOID:  pt.OID,
			DataTypeSize: pt.Size,
			TypeModifier: typmod,
			Format:       formats[i],
		}
	}
	return &pgproto3.RowDescription{Fields: fields}
}

// ParameterStatus tells the client that a run-time parameter changed; it goes out
// with the statement's CommandComplete.
func (w *resultWriter) ParameterStatus(name, value string) {
	w.c.send(&pgproto3.ParameterStatus{Name: name, Value: value})
}

// DeallocateStatement removes a named prepared statement (SQL DEALLOCATE, which
// the session runs) and reports whether it existed.
func (w *resultWriter) DeallocateStatement(name string) bool {
	if _, ok := w.c.extended.stmts[name]; !ok || name == "" {
		return false
	}
	delete(w.c.extended.stmts, name)
	return true
}

// DeallocateAll removes every named prepared statement (DEALLOCATE ALL,
// DISCARD ALL).
func (w *resultWriter) DeallocateAll() {
	for name := range w.c.extended.stmts {
		if name != "" {
			delete(w.c.extended.stmts, name)
		}
	}
}
