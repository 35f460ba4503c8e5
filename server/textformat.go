package server

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/sluice-db/sluice/types"
)

// appendText appends the Postgres text output of v, a non-nil value of type t, as
// Postgres' output functions (boolout, float8out, date_out, array_out, ...) write it
// with DateStyle ISO and extra_float_digits 1.
func appendText(b []byte, t *types.Type, v any) ([]byte, error) {
	if c := scalarCodec(t); c != nil {
		if out, ok := c.text(b, v); ok {
			return out, nil
		}
		return b, mismatch(t, v)
	}
	if t.Kind == types.KindArray && scalarCodec(t.Elem) != nil {
		return appendArrayText(b, t, v)
	}
	if pgTypeOf(t).OID == oidJSON {
		return appendJSON(b, t, v)
	}
	return b, mismatch(t, v)
}

// mismatch reports a value whose Go type breaks the representation documented in
// package types: an engine bug, surfaced as an internal error rather than a panic.
func mismatch(t *types.Type, v any) error {
	return fmt.Errorf("value of Go type %T cannot be sent as %s", v, t)
}

// appendFloat8 writes f like Postgres' float8out: the shortest representation that
// round-trips, in fixed notation for decimal exponents in [-4, 15) and in %e style
// ("1e+20", "1.5e-07") otherwise.
func appendFloat8(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(b, "-0"...)
		}
		return append(b, '0')
	}
	// The shortest %e form carries the decimal exponent that decides the notation.
	var scratch [32]byte
	e := strconv.AppendFloat(scratch[:0], f, 'e', -1, 64)
	i := bytes.LastIndexByte(e, 'e')
	exp, _ := strconv.Atoi(string(e[i+1:]))
	if exp >= -4 && exp < 15 {
		return strconv.AppendFloat(b, f, 'f', -1, 64)
	}
	return append(b, e...)
}

// appendNumeric writes d like numeric_out: plain notation, keeping the scale.
func appendNumeric(b []byte, d *apd.Decimal) []byte {
	switch d.Form {
	case apd.NaN, apd.NaNSignaling:
		return append(b, "NaN"...)
	case apd.Infinite:
		if d.Negative {
			return append(b, "-Infinity"...)
		}
		return append(b, "Infinity"...)
	}
	return d.Append(b, 'f')
}

// civil returns the calendar date and time of day of a millisecond Unix timestamp.
func civil(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// appendDate writes a DATE as date_out does with DateStyle ISO: YYYY-MM-DD, with
// " BC" for years before 1 AD.
func appendDate(b []byte, d types.Date) []byte {
	t := civil(int64(d) * 86_400_000)
	b, bc := appendYMD(b, t)
	if bc {
		b = append(b, " BC"...)
	}
	return b
}

// appendTimestamp writes a TIMESTAMP as timestamp_out does (sep ' '), or in the ISO
// 8601 form JSON uses (sep 'T').
func appendTimestamp(b []byte, ts types.Timestamp, sep byte) []byte {
	t := civil(int64(ts))
	b, bc := appendYMD(b, t)
	b = append(b, sep)
	ms := int64(ts) % 86_400_000
	if ms < 0 {
		ms += 86_400_000
	}
	b = appendTimeOfDay(b, ms)
	if bc {
		b = append(b, " BC"...)
	}
	return b
}

// appendYMD writes the date part of t and reports whether the year is BC.
func appendYMD(b []byte, t time.Time) ([]byte, bool) {
	y, m, d := t.Date()
	bc := y <= 0
	if bc {
		y = 1 - y // there is no year 0: 1 BC is astronomical year 0
	}
	b = appendPadded(b, int64(y), 4)
	b = append(b, '-')
	b = appendPadded(b, int64(m), 2)
	b = append(b, '-')
	return appendPadded(b, int64(d), 2), bc
}

// appendTimeOfDay writes milliseconds since midnight as time_out does:
// HH:MM:SS, then a fraction only when non-zero, without trailing zeros.
func appendTimeOfDay(b []byte, ms int64) []byte {
	b = appendPadded(b, ms/3_600_000, 2)
	b = append(b, ':')
	b = appendPadded(b, ms/60_000%60, 2)
	b = append(b, ':')
	b = appendPadded(b, ms/1000%60, 2)
	if frac := ms % 1000; frac != 0 {
		b = append(b, '.')
		b = appendPadded(b, frac, 3)
		for b[len(b)-1] == '0' {
			b = b[:len(b)-1]
		}
	}
	return b
}

// appendPadded writes a non-negative n with at least width digits.
func appendPadded(b []byte, n int64, width int) []byte {
	var scratch [20]byte
	s := strconv.AppendInt(scratch[:0], n, 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}
