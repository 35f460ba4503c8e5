package server

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/sluice-db/sluice/types"
)

// presentation is a Postgres type a column may be presented as instead of its
// Sluice type's own (types.Column.PGType): Postgres-dialect queries return int2,
// name, varchar, timestamptz, ... columns whose values have the nearest Sluice
// representation. text and binary encode such a value; binary is nil when the
// type's binary form is not supported (the value is then refused).
type presentation struct {
	pg     pgType
	text   func(b []byte, v any) ([]byte, bool)
	binary func(b []byte, v any) ([]byte, bool)
}

func rawString(b []byte, v any) ([]byte, bool) {
	s, ok := v.(string)
	return append(b, s...), ok
}

var presentations = map[uint32]presentation{
	oidInt2: {pgType{oidInt2, "int2", 2, 0}, textInt, func(b []byte, v any) ([]byte, bool) {
		x, ok := v.(int32)
		return binary.BigEndian.AppendUint16(b, uint16(int16(x))), ok
	}},
	oidOID: {pgType{oidOID, "oid", 4, 0}, textBigInt, func(b []byte, v any) ([]byte, bool) {
		x, ok := v.(int64)
		return binary.BigEndian.AppendUint32(b, uint32(x)), ok
	}},
	oidName: {pgType{oidName, "name", 64, 0}, rawString, rawString},
	// int2vector and oidvector (pg_index.indkey, pg_proc.proargtypes) travel as
	// their text, space-separated numbers; their binary form is a
	// one-dimensional array with lower bound 0.
	22:         {pgType{22, "int2vector", -1, 0}, rawString, vectorBinary(21, 2)},
	30:         {pgType{30, "oidvector", -1, 0}, rawString, vectorBinary(26, 4)},
	oidJSON:    {pgJSON, rawString, rawString},
	18:         {pgType{18, "char", 1, 0}, rawString, rawString},
	oidVarchar: {pgType{oidVarchar, "varchar", -1, 0}, rawString, rawString},
	oidBPChar:  {pgType{oidBPChar, "bpchar", -1, 0}, rawString, rawString},
	oidFloat4: {pgType{oidFloat4, "float4", 4, 0}, func(b []byte, v any) ([]byte, bool) {
		x, ok := v.(float64)
		if !ok {
			return b, false
		}
		switch {
		case math.IsNaN(x):
			return append(b, "NaN"...), true
		case math.IsInf(x, 1):
			return append(b, "Infinity"...), true
		case math.IsInf(x, -1):
			return append(b, "-Infinity"...), true
		}
		return strconv.AppendFloat(b, x, 'g', -1, 32), true
	}, func(b []byte, v any) ([]byte, bool) {
		x, ok := v.(float64)
		return binary.BigEndian.AppendUint32(b, math.Float32bits(float32(x))), ok
	}},
	oidTimestampTZ: {pgType{oidTimestampTZ, "timestamptz", 8, 0}, func(b []byte, v any) ([]byte, bool) {
		ts, ok := v.(types.Timestamp)
		if !ok {
			return b, false
		}
		return append(appendTimestamp(b, ts, ' '), "+00"...), true
	}, func(b []byte, v any) ([]byte, bool) { return codecs[types.KindTimestamp].binary(b, v) }},
	oidInterval: {pgType{oidInterval, "interval", 16, 0}, rawString, func(b []byte, v any) ([]byte, bool) {
		s, ok := v.(string)
		if !ok {
			return b, false
		}
		months, days, micros, ok := parseIntervalText(s)
		if !ok {
			return b, false
		}
		b = binary.BigEndian.AppendUint64(b, uint64(micros))
		b = binary.BigEndian.AppendUint32(b, uint32(int32(days)))
		return binary.BigEndian.AppendUint32(b, uint32(int32(months))), true
	}},
}

// columnPGType is the Postgres type col is presented as.
func columnPGType(col types.Column) pgType {
	if p, ok := presentations[col.PGType]; ok {
		return p.pg
	}
	return pgTypeOf(col.Type)
}

// appendColumnValue encodes non-nil v of column col in format (0 text, 1 binary).
func appendColumnValue(b []byte, col types.Column, format int16, v any) ([]byte, error) {
	p, ok := presentations[col.PGType]
	if !ok {
		return appendValue(b, col.Type, format, v)
	}
	enc := p.text
	if format == 1 {
		enc = p.binary
		if enc == nil {
			return b, fmt.Errorf("binary format of type %s is not supported: ask for text", p.pg.Name)
		}
	}
	out, ok := enc(b, v)
	if !ok {
		return b, fmt.Errorf("value of Go type %T cannot be sent as %s", v, p.pg.Name)
	}
	return out, nil
}

// parseIntervalText reads an interval in interval_out's postgres style ("1 year 2
// mons -3 days +04:05:06.5"), the form interval columns carry, for its binary
// form (microseconds, days, months).
func parseIntervalText(s string) (months, days, micros int64, ok bool) {
	f := strings.Fields(s)
	for i := 0; i < len(f); i++ {
		if strings.Contains(f[i], ":") {
			t := f[i]
			neg := strings.HasPrefix(t, "-")
			t = strings.TrimLeft(t, "+-")
			hms := strings.Split(t, ":")
			if len(hms) != 3 {
				return 0, 0, 0, false
			}
			h, err1 := strconv.ParseInt(hms[0], 10, 64)
			m, err2 := strconv.ParseInt(hms[1], 10, 64)
			sec, err3 := strconv.ParseFloat(hms[2], 64)
			if err1 != nil || err2 != nil || err3 != nil {
				return 0, 0, 0, false
			}
			us := h*3_600_000_000 + m*60_000_000 + int64(math.Round(sec*1e6))
			if neg {
				us = -us
			}
			micros += us
			continue
		}
		if i+1 >= len(f) {
			return 0, 0, 0, false
		}
		n, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return 0, 0, 0, false
		}
		i++
		switch strings.TrimSuffix(f[i], "s") {
		case "year":
			months += 12 * n
		case "mon":
			months += n
		case "day":
			days += n
		default:
			return 0, 0, 0, false
		}
	}
	return months, days, micros, true
}

// vectorBinary encodes an int2vector or oidvector given as its text in the
// array binary format: one dimension, no NULLs, elements of type elem and
// size bytes, lower bound 0.
func vectorBinary(elem uint32, size int) func(b []byte, v any) ([]byte, bool) {
	return func(b []byte, v any) ([]byte, bool) {
		s, ok := v.(string)
		if !ok {
			return b, false
		}
		nums := strings.Fields(s)
		b = binary.BigEndian.AppendUint32(b, 1) // dimensions
		b = binary.BigEndian.AppendUint32(b, 0) // no NULLs
		b = binary.BigEndian.AppendUint32(b, elem)
		b = binary.BigEndian.AppendUint32(b, uint32(len(nums)))
		b = binary.BigEndian.AppendUint32(b, 0) // lower bound
		for _, f := range nums {
			n, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				return b, false
			}
			b = binary.BigEndian.AppendUint32(b, uint32(size))
			if size == 2 {
				b = binary.BigEndian.AppendUint16(b, uint16(n))
			} else {
				b = binary.BigEndian.AppendUint32(b, uint32(n))
			}
		}
		return b, true
	}
}
