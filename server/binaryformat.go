package server

import (
	"encoding/binary"
	"math"

	"github.com/cockroachdb/apd/v3"
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
	switch t.Kind {
	case types.KindBoolean:
		x, ok := v.(bool)
		if !ok {
			return b, mismatch(t, v)
		}
		if x {
			return append(b, 1), nil
		}
		return append(b, 0), nil
	case types.KindInt:
		x, ok := v.(int32)
		if !ok {
			return b, mismatch(t, v)
		}
		return binary.BigEndian.AppendUint32(b, uint32(x)), nil
	case types.KindBigInt:
		x, ok := v.(int64)
		if !ok {
			return b, mismatch(t, v)
		}
		return binary.BigEndian.AppendUint64(b, uint64(x)), nil
	case types.KindDouble:
		x, ok := v.(float64)
		if !ok {
			return b, mismatch(t, v)
		}
		return binary.BigEndian.AppendUint64(b, math.Float64bits(x)), nil
	case types.KindDecimal:
		x, ok := v.(*apd.Decimal)
		if !ok || x == nil {
			return b, mismatch(t, v)
		}
		return appendNumericBinary(b, x), nil
	case types.KindString:
		x, ok := v.(string)
		if !ok {
			return b, mismatch(t, v)
		}
		return append(b, x...), nil
	case types.KindBytes:
		x, ok := v.([]byte)
		if !ok {
			return b, mismatch(t, v)
		}
		return append(b, x...), nil
	case types.KindDate:
		x, ok := v.(types.Date)
		if !ok {
			return b, mismatch(t, v)
		}
		return binary.BigEndian.AppendUint32(b, uint32(int32(x)-pgEpochDays)), nil
	case types.KindTime:
		x, ok := v.(types.Time)
		if !ok {
			return b, mismatch(t, v)
		}
		return binary.BigEndian.AppendUint64(b, uint64(int64(x)*1000)), nil
	case types.KindTimestamp:
		x, ok := v.(types.Timestamp)
		if !ok {
			return b, mismatch(t, v)
		}
		return binary.BigEndian.AppendUint64(b, uint64((int64(x)-pgEpochMillis)*1000)), nil
	case types.KindArray:
		if isPGScalar(t.Elem) {
			return appendArrayBinary(b, t, v)
		}
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
