package server

import (
	"encoding/binary"
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

// copyTablePattern matches COPY table [(columns)] TO STDOUT [options], the
// table name possibly schema-qualified and quoted.
var copyTablePattern = regexp.MustCompile(`(?is)^\s*copy\s+((?:"(?:[^"]|"")*"|[a-z_][\w$]*)(?:\s*\.\s*(?:"(?:[^"]|"")*"|[a-z_][\w$]*))*)\s*(\(([^)]*)\))?\s*to\s+stdout\b(.*?);?\s*$`)

// copyQuery returns the query of COPY (query) TO STDOUT, or the SELECT a COPY
// table TO STDOUT stands for, and the options text.
func copyQuery(sql string) (query, options string, ok bool) {
	if m := copyOutPattern.FindStringSubmatch(sql); m != nil {
		return m[1], strings.TrimSpace(m[2]), true
	}
	if m := copyTablePattern.FindStringSubmatch(sql); m != nil {
		cols := "*"
		if m[2] != "" {
			cols = m[3]
		}
		return "SELECT " + cols + " FROM " + m[1], strings.TrimSpace(m[4]), true
	}
	return "", "", false
}

// copyOut runs COPY ... TO STDOUT: the query's rows go to the client as
// CopyData messages in the format the options ask for (text, CSV or binary)
// as they arrive, so psql prints a push query's rows live. It ends with
// CopyDone and "COPY n" at the query's end or LIMIT, or with an error (57014
// after a cancel).
func (c *conn) copyOut(query, options string) {
	opts, err := parseCopyOptions(options)
	if err != nil {
		c.send(errorResponse(err, ""))
		return
	}
	w := &copyWriter{c: c, opts: opts}
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
	opts    *copyOptions
	cols    []types.Column
	force   []bool // CSV: the columns whose values are always quoted
	started bool
	rows    int
	buf     []byte
	// header is what goes before the first row (binary COPY's signature), in
	// the same CopyData message as PostgreSQL sends it: clients such as
	// psycopg parse the signature and the first row from one message.
	header string
}

// copyBinarySignature starts a binary COPY stream: the signature, no flags,
// no header extension.
const copyBinarySignature = "PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00"

func (w *copyWriter) Columns(cols []types.Column) error {
	if w.started {
		return sqlerr.New(sqlerr.FeatureNotSupported, "COPY runs one query")
	}
	w.started = true
	w.cols = cols
	o := w.opts
	if o.format == "csv" && (o.forceAll || len(o.forceQuote) > 0) {
		w.force = make([]bool, len(cols))
		known := map[string]bool{}
		for i, col := range cols {
			w.force[i] = o.forceAll || o.forceQuote[col.Name]
			known[col.Name] = true
		}
		for name := range o.forceQuote {
			if !known[name] {
				return sqlerr.Newf(sqlerr.UndefinedColumn, "column %q does not exist", name)
			}
		}
	}
	format := uint16(0)
	if o.format == "binary" {
		format = 1
	}
	formats := make([]uint16, len(cols))
	for i := range formats {
		formats[i] = format
	}
	w.c.send(&pgproto3.CopyOutResponse{OverallFormat: byte(format), ColumnFormatCodes: formats})
	switch {
	case o.format == "binary":
		w.header = copyBinarySignature
	case o.header:
		w.buf = w.buf[:0]
		for i, col := range cols {
			if i > 0 {
				w.buf = append(w.buf, o.delimiter)
			}
			w.buf = w.appendField(w.buf, []byte(col.Name), false)
		}
		w.buf = append(w.buf, '\n')
		w.c.send(&pgproto3.CopyData{Data: w.buf})
	}
	w.c.flush()
	return w.c.writeErr
}

func (w *copyWriter) Row(vals []any) error {
	w.buf = append(w.buf[:0], w.header...)
	w.header = ""
	o := w.opts
	if o.format == "binary" {
		w.buf = binary.BigEndian.AppendUint16(w.buf, uint16(len(vals)))
		for i, v := range vals {
			if v == nil {
				w.buf = binary.BigEndian.AppendUint32(w.buf, 0xffffffff)
				continue
			}
			at := len(w.buf)
			w.buf = append(w.buf, 0, 0, 0, 0)
			var err error
			if w.buf, err = appendColumnValue(w.buf, w.cols[i], 1, v); err != nil {
				return fmt.Errorf("column %s: %w", w.cols[i].Name, err)
			}
			binary.BigEndian.PutUint32(w.buf[at:], uint32(len(w.buf)-at-4))
		}
	} else {
		for i, v := range vals {
			if i > 0 {
				w.buf = append(w.buf, o.delimiter)
			}
			if v == nil {
				w.buf = append(w.buf, o.null...)
				continue
			}
			text, err := appendColumnValue(nil, w.cols[i], 0, v)
			if err != nil {
				return fmt.Errorf("column %s: %w", w.cols[i].Name, err)
			}
			force := w.force != nil && w.force[i]
			if o.format == "csv" && len(vals) == 1 && string(text) == `\.` {
				force = true // a lone \. would read back as the end of data
			}
			w.buf = w.appendField(w.buf, text, force)
		}
		w.buf = append(w.buf, '\n')
	}
	w.rows++
	w.c.send(&pgproto3.CopyData{Data: w.buf})
	w.c.flush()
	return w.c.writeErr
}

// appendField appends a non-null value (or a header name) in the text or CSV
// format.
func (w *copyWriter) appendField(b, text []byte, force bool) []byte {
	o := w.opts
	if o.format != "csv" {
		return appendCopyEscaped(b, text, o.delimiter)
	}
	quote := force || string(text) == o.null
	for _, ch := range text {
		if ch == o.delimiter || ch == o.quote || ch == '\n' || ch == '\r' {
			quote = true
			break
		}
	}
	if !quote {
		return append(b, text...)
	}
	b = append(b, o.quote)
	for _, ch := range text {
		if ch == o.quote || ch == o.escape {
			b = append(b, o.escape)
		}
		b = append(b, ch)
	}
	return append(b, o.quote)
}

func (w *copyWriter) Complete(string) error {
	if !w.started {
		return nil
	}
	if w.opts.format == "binary" {
		w.c.send(&pgproto3.CopyData{Data: append([]byte(w.header), 0xff, 0xff)})
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

// appendCopyEscaped appends a value in COPY's text format: backslash, the
// delimiter and the control characters COPY names (\b \f \n \r \t \v) are
// escaped with a backslash.
func appendCopyEscaped(b, text []byte, delimiter byte) []byte {
	for _, ch := range text {
		switch ch {
		case '\\':
			b = append(b, `\\`...)
		case '\b':
			b = append(b, `\b`...)
		case '\f':
			b = append(b, `\f`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		case '\v':
			b = append(b, `\v`...)
		default:
			if ch == delimiter {
				b = append(b, '\\')
			}
			b = append(b, ch)
		}
	}
	return b
}
