package pgcatalog

import (
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

// sluiceType returns the Sluice type a catalog result column of Postgres type oid
// is sent as, and converts values accordingly. OIDs, names and reg* values keep
// their text or numeric value; the wire type becomes the nearest Sluice type
// (oid as int8, name and "char" as text, int2 as int4).
func sluiceType(oid uint32) *types.Type {
	switch oid {
	case pgeval.Bool:
		return types.BooleanType
	case pgeval.Int2, pgeval.Int4:
		return types.IntType
	case pgeval.Int8, pgeval.OID:
		return types.BigIntType
	case pgeval.Float4, pgeval.Float8, pgeval.Numeric:
		return types.DoubleType
	case pgeval.Int2Vector, pgeval.OIDVector:
		return types.StringType
	}
	if elem := pgeval.ElemOf(oid); elem != 0 {
		et := sluiceType(elem)
		return types.NewArray(et)
	}
	return types.StringType
}

// sluiceValue converts an evaluator value of Postgres type oid to the
// representation of sluiceType(oid).
func sluiceValue(v any, oid uint32, names pgeval.Names) any {
	if v == nil {
		return nil
	}
	t := sluiceType(oid)
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
