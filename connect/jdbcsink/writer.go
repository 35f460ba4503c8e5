package jdbcsink

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/twmb/franz-go/pkg/kgo"
)

// op is one record turned into a change of the table: a row to write (its
// values aligned with the table's columns, ready for pgx) or, for a tombstone
// with delete.enabled, a primary key to delete (the pk values first in row).
type op struct {
	rec *kgo.Record
	del bool
	row []any
}

// rejected is a record the connector skipped, with why (errors.tolerance=all).
type rejected struct {
	rec *kgo.Record
	err error
}

// maxParams is PostgreSQL's limit on a statement's parameters.
const maxParams = 65535

// writeOps applies a batch's ops in order in tx. Consecutive ops of one kind
// go in one statement: COPY for inserts, multi-row INSERT ... ON CONFLICT for
// upserts, UPDATE ... FROM (VALUES ...) for updates, DELETE ... WHERE pk IN
// (VALUES ...) for deletes. Within one upsert or update statement only the
// last op of each key counts (PostgreSQL refuses to change a row twice in one
// statement, and the last write wins either way).
func writeOps(ctx context.Context, tx pgx.Tx, cfg *Config, t *table, ops []op) error {
	for len(ops) > 0 {
		n := 1
		for n < len(ops) && ops[n].del == ops[0].del {
			n++
		}
		run := ops[:n]
		ops = ops[n:]
		var err error
		switch {
		case run[0].del:
			err = execChunked(ctx, tx, t, lastPerKey(t, run), len(t.pkCols()), deleteSQL)
		case cfg.InsertMode == InsertMode:
			err = copyRows(ctx, tx, t, run)
		case cfg.InsertMode == UpsertMode:
			err = execChunked(ctx, tx, t, lastPerKey(t, run), len(t.cols), upsertSQL)
		default:
			err = execChunked(ctx, tx, t, lastPerKey(t, run), len(t.cols), updateSQL)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// writeOne applies one op as its own statement (the per-record path that
// finds which records of a failed batch the database rejects).
func writeOne(ctx context.Context, tx pgx.Tx, cfg *Config, t *table, o op) error {
	ops := []op{o}
	switch {
	case o.del:
		return execChunked(ctx, tx, t, ops, len(t.pkCols()), deleteSQL)
	case cfg.InsertMode == InsertMode:
		return execChunked(ctx, tx, t, ops, len(t.cols), insertSQL)
	case cfg.InsertMode == UpsertMode:
		return execChunked(ctx, tx, t, ops, len(t.cols), upsertSQL)
	}
	return execChunked(ctx, tx, t, ops, len(t.cols), updateSQL)
}

func copyRows(ctx context.Context, tx pgx.Tx, t *table, ops []op) error {
	names := make([]string, len(t.cols))
	for i, c := range t.cols {
		names[i] = c.name
	}
	_, err := tx.CopyFrom(ctx, t.name, names, pgx.CopyFromSlice(len(ops), func(i int) ([]any, error) {
		return ops[i].row, nil
	}))
	return err
}

// lastPerKey keeps, of ops with the same primary key, the last one, in the
// order of those last occurrences.
func lastPerKey(t *table, ops []op) []op {
	npk := len(t.pkCols())
	last := make(map[string]int, len(ops))
	keys := make([]string, len(ops))
	for i, o := range ops {
		keys[i] = fmt.Sprint(o.row[:npk]...)
		last[keys[i]] = i
	}
	if len(last) == len(ops) {
		return ops
	}
	out := make([]op, 0, len(last))
	for i, o := range ops {
		if last[keys[i]] == i {
			out = append(out, o)
		}
	}
	return out
}

// execChunked runs sqlFor over ops in statements of at most maxParams
// parameters, each op giving width of its row's values.
func execChunked(ctx context.Context, tx pgx.Tx, t *table, ops []op, width int, sqlFor func(*table, int) string) error {
	per := max(1, maxParams/width)
	args := make([]any, 0, min(len(ops), per)*width)
	for len(ops) > 0 {
		n := min(len(ops), per)
		args = args[:0]
		for _, o := range ops[:n] {
			args = append(args, o.row[:width]...)
		}
		if _, err := tx.Exec(ctx, sqlFor(t, n), args...); err != nil {
			return err
		}
		ops = ops[n:]
	}
	return nil
}

// values writes n rows of placeholders, cast to the columns' types when cast.
func values(b *strings.Builder, cols []column, n int, cast bool) {
	p := 1
	for r := range n {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(")
		for i, c := range cols {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("$" + strconv.Itoa(p))
			if cast {
				b.WriteString("::" + c.pgType)
			}
			p++
		}
		b.WriteString(")")
	}
}

func insertSQL(t *table, n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + t.name.Sanitize() + " (" + identList(t.cols) + ") VALUES ")
	values(&b, t.cols, n, false)
	return b.String()
}

func upsertSQL(t *table, n int) string {
	var b strings.Builder
	b.WriteString(insertSQL(t, n))
	b.WriteString(" ON CONFLICT (" + identList(t.pkCols()) + ") DO ")
	rest := t.nonPKCols()
	if len(rest) == 0 {
		b.WriteString("NOTHING")
		return b.String()
	}
	b.WriteString("UPDATE SET ")
	for i, c := range rest {
		if i > 0 {
			b.WriteString(", ")
		}
		id := pgx.Identifier{c.name}.Sanitize()
		b.WriteString(id + " = EXCLUDED." + id)
	}
	return b.String()
}

func updateSQL(t *table, n int) string {
	var b strings.Builder
	b.WriteString("UPDATE " + t.name.Sanitize() + " AS t SET ")
	for i, c := range t.nonPKCols() {
		if i > 0 {
			b.WriteString(", ")
		}
		id := pgx.Identifier{c.name}.Sanitize()
		b.WriteString(id + " = v." + id)
	}
	b.WriteString(" FROM (VALUES ")
	values(&b, t.cols, n, true)
	b.WriteString(") AS v (" + identList(t.cols) + ") WHERE ")
	pkMatch(&b, t.pkCols())
	return b.String()
}

func deleteSQL(t *table, n int) string {
	var b strings.Builder
	pk := t.pkCols()
	b.WriteString("DELETE FROM " + t.name.Sanitize() + " AS t USING (VALUES ")
	values(&b, pk, n, true)
	b.WriteString(") AS v (" + identList(pk) + ") WHERE ")
	pkMatch(&b, pk)
	return b.String()
}

func pkMatch(b *strings.Builder, pk []column) {
	for i, c := range pk {
		if i > 0 {
			b.WriteString(" AND ")
		}
		id := pgx.Identifier{c.name}.Sanitize()
		b.WriteString("t." + id + " = v." + id)
	}
}

// transient reports whether an error may go away by itself (the database is
// down, restarting, overloaded, or the transaction lost a conflict), so the
// batch is tried again after retry.backoff.ms.
func transient(err error) bool {
	var pe0 permanentError
	if errors.Is(err, context.Canceled) || errors.Is(err, errFenced) || errors.As(err, &pe0) {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code[:2] {
		case "08", "40", "53", "57", "58":
			return true
		}
		return false
	}
	return true // connection refused, reset, timeouts: no answer from the server
}

// rejectable reports whether the database refused a record's data (a bad
// value, a constraint), as opposed to failing as a whole.
func rejectable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code[:2] == "22" || pe.Code[:2] == "23"
	}
	return false
}
