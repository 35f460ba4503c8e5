package server

import "github.com/sluice-db/sluice/types"

// Postgres type OIDs (pg_type.oid) that Sluice values are presented as, plus the
// ones clients may name for parameters. Values match Postgres' pg_type.dat.
const (
	oidBool         uint32 = 16
	oidBytea        uint32 = 17
	oidName         uint32 = 19
	oidInt8         uint32 = 20
	oidInt2         uint32 = 21
	oidInt4         uint32 = 23
	oidText         uint32 = 25
	oidOID          uint32 = 26
	oidJSON         uint32 = 114
	oidFloat4       uint32 = 700
	oidFloat8       uint32 = 701
	oidUnknown      uint32 = 705
	oidBoolArr      uint32 = 1000
	oidByteaArr     uint32 = 1001
	oidInt4Arr      uint32 = 1007
	oidTextArr      uint32 = 1009
	oidInt8Arr      uint32 = 1016
	oidFloat8Arr    uint32 = 1022
	oidBPChar       uint32 = 1042
	oidVarchar      uint32 = 1043
	oidDate         uint32 = 1082
	oidTime         uint32 = 1083
	oidTimestamp    uint32 = 1114
	oidTimestampArr uint32 = 1115
	oidDateArr      uint32 = 1182
	oidTimeArr      uint32 = 1183
	oidTimestampTZ  uint32 = 1184
	oidNumericArr   uint32 = 1231
	oidNumeric      uint32 = 1700
	oidInterval     uint32 = 1186
)

// pgType is how a Sluice type appears to a Postgres client: the pg_type row a
// RowDescription or ParameterDescription refers to. Catalog emulation
// (pg_type, pg_attribute) must use the same mapping so that clients agree.
type pgType struct {
	OID  uint32
	Name string // pg_type.typname
	Size int16  // pg_type.typlen: -1 for variable length
	// Elem is the element OID of an array type, 0 otherwise.
	Elem uint32
}

var (
	pgJSON    = pgType{oidJSON, "json", -1, 0}
	pgUnknown = pgType{oidText, "text", -1, 0} // an untyped NULL column reads as text
)

// pgTypeOf returns the Postgres type a column of type t is presented as. Arrays of
// scalars become Postgres arrays; nested arrays, maps and structs become json.
func pgTypeOf(t *types.Type) pgType {
	if t == nil {
		return pgUnknown
	}
	if c := scalarCodec(t); c != nil {
		return c.pg
	}
	if t.Kind == types.KindArray {
		if c := scalarCodec(t.Elem); c != nil {
			return c.array
		}
	}
	if t.Kind == types.KindUnknown {
		return pgUnknown
	}
	return pgJSON
}

// typmodOf returns the pg_attribute.atttypmod of a column of type t: Postgres
// encodes numeric(p, s) as ((p << 16) | s) + VARHDRSZ; everything else is -1.
func typmodOf(t *types.Type) int32 {
	if t != nil && t.Kind == types.KindDecimal && t.Precision > 0 {
		return int32(t.Precision<<16|t.Scale) + 4
	}
	return -1
}
