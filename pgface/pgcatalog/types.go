package pgcatalog

import (
	"strconv"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/sluice-db/sluice/pgface/pgeval"
	"github.com/sluice-db/sluice/types"
)

// scalarOIDs are the Postgres types Sluice's scalar kinds are presented as. They
// must match the wire protocol's RowDescription types (server/pgtypes.go); a
// server test checks that they do.
var scalarOIDs = map[types.Kind]uint32{
	types.KindBoolean:   pgeval.Bool,
	types.KindInt:       pgeval.Int4,
	types.KindBigInt:    pgeval.Int8,
	types.KindDouble:    pgeval.Float8,
	types.KindDecimal:   pgeval.Numeric,
	types.KindString:    pgeval.Text,
	types.KindBytes:     pgeval.Bytea,
	types.KindDate:      pgeval.Date,
	types.KindTime:      pgeval.Time,
	types.KindTimestamp: pgeval.Timestamp,
}

// TypeOID returns the Postgres type a column of Sluice type t is presented as:
// scalars map one to one, arrays of scalars to Postgres arrays, and nested
// arrays, maps and structs to json.
func TypeOID(t *types.Type) uint32 {
	if t == nil || t.Kind == types.KindUnknown {
		return pgeval.Text
	}
	if oid, ok := scalarOIDs[t.Kind]; ok {
		return oid
	}
	if t.Kind == types.KindArray && t.Elem != nil {
		if oid, ok := scalarOIDs[t.Elem.Kind]; ok {
			return pgeval.ArrayOf(oid)
		}
	}
	return pgeval.JSON
}

// TypeMod returns the atttypmod of a column of type t: numeric(p, s) is
// ((p << 16) | s) + 4; everything else -1.
func TypeMod(t *types.Type) int32 {
	if t != nil && t.Kind == types.KindDecimal && t.Precision > 0 {
		return int32(t.Precision<<16|t.Scale) + 4
	}
	return -1
}

// sluiceType returns the Sluice type a result column of Postgres type oid is sent
// as, and the Postgres type it is presented as when that differs from the Sluice
// type's own (types.Column.PGType): int2 travels as INT presented as int2,
// timestamptz as TIMESTAMP presented as timestamptz, name and varchar as STRING
// presented as such. reg* values are sent as their names in text columns, and
// types Sluice cannot carry (records, vectors) as text.
func sluiceType(oid uint32) (*types.Type, uint32) {
	switch oid {
	case pgeval.Bool:
		return types.BooleanType, 0
	case pgeval.Int2:
		return types.IntType, pgeval.Int2
	case pgeval.Int4:
		return types.IntType, 0
	case pgeval.Int8:
		return types.BigIntType, 0
	case pgeval.OID:
		return types.BigIntType, pgeval.OID
	case pgeval.Float4:
		return types.DoubleType, pgeval.Float4
	case pgeval.Float8:
		return types.DoubleType, 0
	case pgeval.Numeric:
		return types.NewDecimal(0, 0), 0
	case pgeval.Date:
		return types.DateType, 0
	case pgeval.Time:
		return types.TimeType, 0
	case pgeval.Timestamp:
		return types.TimestampType, 0
	case pgeval.TimestampTZ:
		return types.TimestampType, pgeval.TimestampTZ
	case pgeval.Interval_:
		return types.StringType, pgeval.Interval_
	case pgeval.Bytea:
		return types.BytesType, 0
	case pgeval.Name, pgeval.Varchar, pgeval.BPChar, pgeval.Char:
		return types.StringType, oid
	case pgeval.Int2Vector, pgeval.OIDVector:
		return types.StringType, oid
	}
	if elem := pgeval.ElemOf(oid); elem != 0 {
		et, pt := sluiceType(elem)
		if pt != 0 {
			// Arrays of presented types travel as arrays of their Sluice type.
			return types.NewArray(et), 0
		}
		return types.NewArray(et), 0
	}
	if oid == pgeval.JSON {
		return types.StringType, pgeval.JSON
	}
	return types.StringType, 0
}

// sluiceValue converts an evaluator value of Postgres type oid to the
// representation of sluiceType(oid).
func sluiceValue(v any, oid uint32, names pgeval.Names) any {
	if v == nil {
		return nil
	}
	t, _ := sluiceType(oid)
	switch t.Kind {
	case types.KindBoolean:
		if b, ok := v.(bool); ok {
			return b
		}
	case types.KindInt:
		if n, ok := v.(int64); ok {
			return int32(n)
		}
	case types.KindBigInt:
		if n, ok := v.(int64); ok {
			return n
		}
	case types.KindDouble:
		switch x := v.(type) {
		case float64:
			return x
		case int64:
			return float64(x)
		case *apd.Decimal:
			f, _ := x.Float64()
			return f
		}
	case types.KindDecimal:
		switch x := v.(type) {
		case *apd.Decimal:
			return x
		case int64:
			return apd.New(x, 0)
		case float64:
			d, _, err := apd.NewFromString(strconv.FormatFloat(x, 'f', -1, 64))
			if err == nil {
				return d
			}
		}
	case types.KindTimestamp:
		if x, ok := v.(time.Time); ok {
			return types.Timestamp(x.UnixMilli())
		}
	case types.KindDate:
		if x, ok := v.(time.Time); ok {
			return types.Date(x.Unix() / 86400)
		}
	case types.KindTime:
		if x, ok := v.(pgeval.TimeOfDay); ok {
			return types.Time(int64(x) / 1000)
		}
	case types.KindBytes:
		if x, ok := v.([]byte); ok {
			return x
		}
		if x, ok := v.(string); ok {
			return []byte(x)
		}
	case types.KindArray:
		if list, ok := v.([]any); ok {
			elem := pgeval.ElemOf(oid)
			out := make([]any, len(list))
			for i, e := range list {
				out[i] = sluiceValue(e, elem, names)
			}
			return out
		}
	}
	return pgeval.FormatText(names, v, oid)
}
