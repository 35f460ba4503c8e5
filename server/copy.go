package server

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// copyOutPattern matches COPY (query) TO STDOUT [options]: the query may be any
// statement, notably a KSQL push query (SELECT ... EMIT CHANGES), which the
// Postgres grammar cannot parse; so the form is recognized on the text.
var copyOutPattern = regexp.MustCompile(`(?is)^\s*copy\s*\((.*)\)\s*to\s+stdout\b(.*?);?\s*$`)

// copyQuery returns the inner query of COPY (query) TO STDOUT and its options text.
func copyQuery(sql string) (query, options string, ok bool) {
	m := copyOutPattern.FindStringSubmatch(sql)
	if m == nil {
		return "", "", false
	}
	return m[1], strings.TrimSpace(m[2]), true
}

// copyOut runs COPY (query) TO STDOUT: the query's rows go to the client as
// CopyData messages in COPY's text format as they arrive, so psql prints a push
// query's rows live. It ends with CopyDone and "COPY n" at the query's LIMIT, or
// with an error (57014 after a cancel).
func (c *conn) copyOut(query, options string) {
	if opts := strings.ToLower(strings.Join(strings.Fields(options), " ")); opts != "" &&
		opts != "with (format text)" && opts != "(format text)" && opts != "with (format 'text')" {
		c.send(errorResponse(sqlerr.Newf(sqlerr.FeatureNotSupported, "COPY options %q are not supported: only the text format is", options), ""))
		return
	}
	w := &copyWriter{c: c}
	if err := c.runStatement(query, nil, w); err != nil {
		c.send(errorResponse(err, ""))
		return
	}
	if !w.started {
		c.send(errorResponse(sqlerr.New(sqlerr.FeatureNotSupported, "COPY needs a query that returns rows"), ""))
	}
}

// copyWriter is the ResultWriter of COPY ... TO STDOUT.
type copyWriter struct {
	c       *conn
	cols    []types.Column
	started bool
	rows    int
	buf     []byte
}

func (w *copyWriter) Columns(cols []types.Column) error {
	if w.started {
		return sqlerr.New(sqlerr.FeatureNotSupported, "COPY runs one query")
	}
	w.started = true
	w.cols = cols
	w.c.send(&pgproto3.CopyOutResponse{OverallFormat: 0, ColumnFormatCodes: make([]uint16, len(cols))})
	w.c.flush()
	return w.c.writeErr
}

func (w *copyWriter) Row(vals []any) error {
	w.buf = w.buf[:0]
	for i, v := range vals {
		if i > 0 {
			w.buf = append(w.buf, '\t')
		}
		if v == nil {
			w.buf = append(w.buf, `\N`...)
			continue
		}
		text, err := appendColumnValue(nil, w.cols[i], 0, v)
		if err != nil {
			return fmt.Errorf("column %s: %w", w.cols[i].Name, err)
		}
		w.buf = appendCopyEscaped(w.buf, text)
	}
	w.buf = append(w.buf, '\n')
	w.rows++
	w.c.send(&pgproto3.CopyData{Data: w.buf})
	w.c.flush()
	return w.c.writeErr
}

func (w *copyWriter) Complete(string) error {
	if !w.started {
		return nil
	}
	w.c.send(&pgproto3.CopyDone{})
	w.c.send(&pgproto3.CommandComplete{CommandTag: fmt.Appendf(nil, "COPY %d", w.rows)})
	w.c.flush()
	return w.c.writeErr
}

func (w *copyWriter) Notice(msg string) error {
	w.c.send(&pgproto3.NoticeResponse{Severity: "NOTICE", SeverityUnlocalized: "NOTICE", Code: "00000", Message: msg})
	return nil
}

// appendCopyEscaped appends a value in COPY's text format: backslash, tab,
// newline and carriage return are escaped.
func appendCopyEscaped(b, text []byte) []byte {
	for _, ch := range text {
		switch ch {
		case '\\':
			b = append(b, `\\`...)
		case '\t':
			b = append(b, `\t`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		default:
			b = append(b, ch)
		}
	}
	return b
}
