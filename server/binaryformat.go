package server

import (
	"encoding/binary"
	"math"

	"github.com/sluice-db/sluice/types"
)

// Postgres' binary date and timestamp formats count from 2000-01-01.
const (
	pgEpochDays   = 10_957          // days from 1970-01-01 to 2000-01-01
	pgEpochMillis = 946_684_800_000 // milliseconds from 1970-01-01 to 2000-01-01
)

// appendBinary appends the binary (typsend) form of v, a non-nil value of type t,
// for the Postgres type pgTypeOf(t).
func appendBinary(b []byte, t *types.Type, v any) ([]byte, error) {
	if c := scalarCodec(t); c != nil {
		if out, ok := c.binary(b, v); ok {
			return out, nil
		}
		return b, mismatch(t, v)
	}
	if t.Kind == types.KindArray && scalarCodec(t.Elem) != nil {
		return appendArrayBinary(b, t, v)
	}
	// json's binary form is its text.
	return appendJSON(b, t, v)
}

// appendArrayBinary appends a one-dimensional array in array_send's format: ndim,
// has-nulls flag, element OID, then (length, lower bound 1) and each element as
// int32 length (-1 for NULL) and bytes. An empty array has no dimensions.
func appendArrayBinary(b []byte, t *types.Type, v any) ([]byte, error) {
	elems, ok := v.([]any)
	if !ok {
		return b, mismatch(t, v)
	}
	hasNull := uint32(0)
	for _, e := range elems {
		if e == nil {
			hasNull = 1
		}
	}
	ndim := uint32(1)
	if len(elems) == 0 {
		ndim = 0
	}
	b = binary.BigEndian.AppendUint32(b, ndim)
	b = binary.BigEndian.AppendUint32(b, hasNull)
	b = binary.BigEndian.AppendUint32(b, pgTypeOf(t.Elem).OID)
	if ndim == 0 {
		return b, nil
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(elems)))
	b = binary.BigEndian.AppendUint32(b, 1)
	for _, e := range elems {
		if e == nil {
			b = binary.BigEndian.AppendUint32(b, math.MaxUint32) // -1
			continue
		}
		at := len(b)
		b = append(b, 0, 0, 0, 0)
		var err error
		if b, err = appendBinary(b, t.Elem, e); err != nil {
			return b, err
		}
		binary.BigEndian.PutUint32(b[at:], uint32(len(b)-at-4))
	}
	return b, nil
}
