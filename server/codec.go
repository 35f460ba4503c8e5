package server

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// codec is everything the wire protocol does with one scalar Sluice kind: the
// Postgres type its values are presented as (and that type's array type), how a
// value is written in text, binary and inside json, how a parameter's text is
// parsed, and which Postgres types a client may send a parameter of this kind as,
// each with its binary decoder.
//
// The encoders take a value in package types' representation for the kind and
// return false, having appended nothing, when v has another Go type (an engine
// bug the caller reports as mismatch).
type codec struct {
	pg, array pgType
	// text is the type's output function (boolout, float8out, date_out, ...) with
	// DateStyle ISO and extra_float_digits 1.
	text func(b []byte, v any) ([]byte, bool)
	// binary is the type's send function.
	binary func(b []byte, v any) ([]byte, bool)
	// json is the value as an element of a json value (Postgres' to_json).
	json func(b []byte, v any) ([]byte, bool)
	// parse reads a value as the type's input function would; bad is the error
	// for input that is not the type's syntax.
	parse func(s string, bad func() error) (any, error)
	// param is the Sluice type a parameter sent as one of accepts decodes to.
	param *types.Type
	// accepts are the Postgres types a parameter of this kind may be declared as,
	// pg.OID first. Text input for any of them goes through parse.
	accepts []paramType
}

// paramType is a Postgres type a client may declare a parameter as, with the
// decoder of its binary form. recv returns errBadBinary for malformed data.
type paramType struct {
	oid  uint32
	recv func(b []byte) (any, error)
}

var errBadBinary = errors.New("incorrect binary data format")

// codecs is the wire protocol's type table, indexed by scalar kind. A kind
// without an entry (arrays, maps, structs) is presented as a Postgres array of
// its element's type or as json (pgTypeOf).
var codecs = [...]codec{
	types.KindBoolean: {
		pg: pgType{oidBool, "bool", 1, 0}, array: pgType{oidBoolArr, "_bool", -1, oidBool},
		text: textBool,
		binary: func(b []byte, v any) ([]byte, bool) {
			x, ok := v.(bool)
			if !ok {
				return b, false
			}
			if x {
				return append(b, 1), true
			}
			return append(b, 0), true
		},
		json: textBool,
		parse: func(s string, bad func() error) (any, error) {
			switch strings.ToLower(strings.TrimSpace(s)) {
			case "t", "true", "y", "yes", "on", "1":
				return true, nil
			case "f", "false", "n", "no", "off", "0":
				return false, nil
			}
			return nil, bad()
		},
		param:   types.BooleanType,
		accepts: []paramType{{oidBool, fixed(1, func(b []byte) any { return b[0] != 0 })}},
	},
	types.KindInt: {
		pg: pgType{oidInt4, "int4", 4, 0}, array: pgType{oidInt4Arr, "_int4", -1, oidInt4},
		text: textInt,
		binary: func(b []byte, v any) ([]byte, bool) {
			x, ok := v.(int32)
			if !ok {
				return b, false
			}
			return binary.BigEndian.AppendUint32(b, uint32(x)), true
		},
		json: textInt,
		parse: func(s string, bad func() error) (any, error) {
			n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 32)
			if err != nil {
				return nil, rangeOrSyntax(err, bad, "integer")
			}
			return int32(n), nil
		},
		param: types.IntType,
		accepts: []paramType{
			{oidInt4, fixed(4, func(b []byte) any { return int32(binary.BigEndian.Uint32(b)) })},
			{oidInt2, fixed(2, func(b []byte) any { return int32(int16(binary.BigEndian.Uint16(b))) })},
		},
	},
	types.KindBigInt: {
		pg: pgType{oidInt8, "int8", 8, 0}, array: pgType{oidInt8Arr, "_int8", -1, oidInt8},
		text: textBigInt,
		binary: func(b []byte, v any) ([]byte, bool) {
			x, ok := v.(int64)
			if !ok {
				return b, false
			}
			return binary.BigEndian.AppendUint64(b, uint64(x)), true
		},
		json: textBigInt,
		parse: func(s string, bad func() error) (any, error) {
			n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
			if err != nil {
				return nil, rangeOrSyntax(err, bad, "bigint")
			}
			return n, nil
		},
		param: types.BigIntType,
		accepts: []paramType{
			{oidInt8, fixed(8, func(b []byte) any { return int64(binary.BigEndian.Uint64(b)) })},
			{oidOID, fixed(4, func(b []byte) any { return int64(binary.BigEndian.Uint32(b)) })},
		},
	},
	types.KindDouble: {
		pg: pgType{oidFloat8, "float8", 8, 0}, array: pgType{oidFloat8Arr, "_float8", -1, oidFloat8},
		text: func(b []byte, v any) ([]byte, bool) {
			x, ok := v.(float64)
			if !ok {
				return b, false
			}
			return appendFloat8(b, x), true
		},
		binary: func(b []byte, v any) ([]byte, bool) {
			x, ok := v.(float64)
			if !ok {
				return b, false
			}
			return binary.BigEndian.AppendUint64(b, math.Float64bits(x)), true
		},
		json: func(b []byte, v any) ([]byte, bool) {
			f, ok := v.(float64)
			if !ok {
				return b, false
			}
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return appendJSONString(b, string(appendFloat8(nil, f))), true
			}
			return appendFloat8(b, f), true
		},
		parse: func(s string, bad func() error) (any, error) {
			f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil && !strings.Contains(err.Error(), "range") {
				return nil, bad()
			}
			return f, nil
		},
		param: types.DoubleType,
		accepts: []paramType{
			{oidFloat8, fixed(8, func(b []byte) any { return math.Float64frombits(binary.BigEndian.Uint64(b)) })},
			{oidFloat4, fixed(4, func(b []byte) any { return float64(math.Float32frombits(binary.BigEndian.Uint32(b))) })},
		},
	},
	types.KindDecimal: {
		pg: pgType{oidNumeric, "numeric", -1, 0}, array: pgType{oidNumericArr, "_numeric", -1, oidNumeric},
		text: func(b []byte, v any) ([]byte, bool) {
			x, ok := v.(*apd.Decimal)
			if !ok || x == nil {
				return b, false
			}
			return appendNumeric(b, x), true
		},
		binary: func(b []byte, v any) ([]byte, bool) {
			x, ok := v.(*apd.Decimal)
			if !ok || x == nil {
				return b, false
			}
			return appendNumericBinary(b, x), true
		},
		json: func(b []byte, v any) ([]byte, bool) {
			d, ok := v.(*apd.Decimal)
			if !ok || d == nil {
				return b, false
			}
			if d.Form != apd.Finite {
				return appendJSONString(b, string(appendNumeric(nil, d))), true
			}
			return appendNumeric(b, d), true
		},
		parse: func(s string, bad func() error) (any, error) {
			d, _, err := apd.NewFromString(strings.TrimSpace(s))
			if err != nil {
				return nil, bad()
			}
			return d, nil
		},
		param: types.NewDecimal(0, 0),
		accepts: []paramType{{oidNumeric, func(b []byte) (any, error) {
			d, err := decodeNumericBinary(b)
			if err != nil {
				return nil, sqlerr.Wrap("22P03", err, "incorrect binary data format")
			}
			return d, nil
		}}},
	},
	types.KindString: {
		pg: pgType{oidText, "text", -1, 0}, array: pgType{oidTextArr, "_text", -1, oidText},
		text: func(b []byte, v any) ([]byte, bool) {
			x, ok := v.(string)
			if !ok {
				return b, false
			}
			return append(b, x...), true
		},
		binary: func(b []byte, v any) ([]byte, bool) {
			x, ok := v.(string)
			if !ok {
				return b, false
			}
			return append(b, x...), true
		},
		json: func(b []byte, v any) ([]byte, bool) {
			s, ok := v.(string)
			if !ok {
				return b, false
			}
			return appendJSONString(b, s), true
		},
		parse: func(s string, _ func() error) (any, error) { return s, nil },
		param: types.StringType,
		accepts: []paramType{
			{oidText, recvString}, {oidVarchar, recvString}, {oidBPChar, recvString},
			{oidName, recvString}, {oidUnknown, recvString}, {oidJSON, recvString},
		},
	},
	types.KindBytes: {
		pg: pgType{oidBytea, "bytea", -1, 0}, array: pgType{oidByteaArr, "_bytea", -1, oidBytea},
		text: func(b []byte, v any) ([]byte, bool) {
			x, ok := v.([]byte)
			if !ok {
				return b, false
			}
			b = append(b, `\x`...)
			return hex.AppendEncode(b, x), true
		},
		binary: func(b []byte, v any) ([]byte, bool) {
			x, ok := v.([]byte)
			if !ok {
				return b, false
			}
			return append(b, x...), true
		},
		json: func(b []byte, v any) ([]byte, bool) {
			x, ok := v.([]byte)
			if !ok {
				return b, false
			}
			b = append(b, '"')
			b = base64.StdEncoding.AppendEncode(b, x)
			return append(b, '"'), true
		},
		parse: func(s string, _ func() error) (any, error) { return parseBytea(s) },
		param: types.BytesType,
		accepts: []paramType{{oidBytea, func(b []byte) (any, error) {
			return b, nil // b is this message's own buffer, never reused
		}}},
	},
	types.KindDate: {
		pg: pgType{oidDate, "date", 4, 0}, array: pgType{oidDateArr, "_date", -1, oidDate},
		text: textDate,
		binary: func(b []byte, v any) ([]byte, bool) {
			x, ok := v.(types.Date)
			if !ok {
				return b, false
			}
			return binary.BigEndian.AppendUint32(b, uint32(int32(x)-pgEpochDays)), true
		},
		json: quotedJSON(textDate),
		parse: func(s string, bad func() error) (any, error) {
			// Like date_in, accept a full timestamp and keep its date.
			for _, layout := range timestampLayouts {
				if tm, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
					y, m, d := tm.Date() // the date as written, whatever the zone
					return types.Date(floorDiv(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix(), 86400)), nil
				}
			}
			return nil, bad()
		},
		param: types.DateType,
		accepts: []paramType{{oidDate, fixed(4, func(b []byte) any {
			return types.Date(int32(binary.BigEndian.Uint32(b)) + pgEpochDays)
		})}},
	},
	types.KindTime: {
		pg: pgType{oidTime, "time", 8, 0}, array: pgType{oidTimeArr, "_time", -1, oidTime},
		text: textTime,
		binary: func(b []byte, v any) ([]byte, bool) {
			x, ok := v.(types.Time)
			if !ok {
				return b, false
			}
			return binary.BigEndian.AppendUint64(b, uint64(int64(x)*1000)), true
		},
		json: quotedJSON(textTime),
		parse: func(s string, bad func() error) (any, error) {
			tm, err := time.Parse("15:04:05.999999999", strings.TrimSpace(s))
			if err != nil {
				return nil, bad()
			}
			return types.Time(tm.Hour()*3_600_000 + tm.Minute()*60_000 + tm.Second()*1000 + tm.Nanosecond()/1e6), nil
		},
		param: types.TimeType,
		accepts: []paramType{{oidTime, fixed(8, func(b []byte) any {
			return types.Time(int64(binary.BigEndian.Uint64(b)) / 1000)
		})}},
	},
	types.KindTimestamp: {
		pg: pgType{oidTimestamp, "timestamp", 8, 0}, array: pgType{oidTimestampArr, "_timestamp", -1, oidTimestamp},
		text: func(b []byte, v any) ([]byte, bool) {
			x, ok := v.(types.Timestamp)
			if !ok {
				return b, false
			}
			return appendTimestamp(b, x, ' '), true
		},
		binary: func(b []byte, v any) ([]byte, bool) {
			x, ok := v.(types.Timestamp)
			if !ok {
				return b, false
			}
			return binary.BigEndian.AppendUint64(b, uint64((int64(x)-pgEpochMillis)*1000)), true
		},
		json: func(b []byte, v any) ([]byte, bool) {
			ts, ok := v.(types.Timestamp)
			if !ok {
				return b, false
			}
			return appendJSONString(b, string(appendTimestamp(nil, ts, 'T'))), true
		},
		parse: func(s string, bad func() error) (any, error) {
			for _, layout := range timestampLayouts {
				if tm, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
					return types.Timestamp(tm.UnixMilli()), nil
				}
			}
			return nil, bad()
		},
		param:   types.TimestampType,
		accepts: []paramType{{oidTimestamp, recvTimestamp}, {oidTimestampTZ, recvTimestamp}},
	},
}

// scalarCodec returns the codec of t's kind, or nil when t has no scalar
// Postgres counterpart.
func scalarCodec(t *types.Type) *codec {
	if t == nil || int(t.Kind) >= len(codecs) || codecs[t.Kind].text == nil {
		return nil
	}
	return &codecs[t.Kind]
}

// paramCodec returns the codec a parameter declared as Postgres type oid
// decodes with, and its binary decoder; nil when Sluice does not know oid.
func paramCodec(oid uint32) (*codec, func([]byte) (any, error)) {
	for i := range codecs {
		for _, p := range codecs[i].accepts {
			if p.oid == oid {
				return &codecs[i], p.recv
			}
		}
	}
	return nil, nil
}

// fixed is a binary decoder for a type of n bytes.
func fixed(n int, decode func(b []byte) any) func([]byte) (any, error) {
	return func(b []byte) (any, error) {
		if len(b) != n {
			return nil, errBadBinary
		}
		return decode(b), nil
	}
}

func recvString(b []byte) (any, error) { return string(b), nil }

func recvTimestamp(b []byte) (any, error) {
	if len(b) != 8 {
		return nil, errBadBinary
	}
	us := int64(binary.BigEndian.Uint64(b))
	return types.Timestamp(floorDiv(us, 1000) + pgEpochMillis), nil
}

// quotedJSON writes a value inside json as a string of its text form.
func quotedJSON(text func([]byte, any) ([]byte, bool)) func([]byte, any) ([]byte, bool) {
	return func(b []byte, v any) ([]byte, bool) {
		s, ok := text(nil, v)
		if !ok {
			return b, false
		}
		return appendJSONString(b, string(s)), true
	}
}

func textBool(b []byte, v any) ([]byte, bool) {
	x, ok := v.(bool)
	if !ok {
		return b, false
	}
	if x {
		return append(b, 't'), true
	}
	return append(b, 'f'), true
}

func textInt(b []byte, v any) ([]byte, bool) {
	x, ok := v.(int32)
	if !ok {
		return b, false
	}
	return strconv.AppendInt(b, int64(x), 10), true
}

func textBigInt(b []byte, v any) ([]byte, bool) {
	x, ok := v.(int64)
	if !ok {
		return b, false
	}
	return strconv.AppendInt(b, x, 10), true
}

func textDate(b []byte, v any) ([]byte, bool) {
	x, ok := v.(types.Date)
	if !ok {
		return b, false
	}
	return appendDate(b, x), true
}

func textTime(b []byte, v any) ([]byte, bool) {
	x, ok := v.(types.Time)
	if !ok {
		return b, false
	}
	return appendTimeOfDay(b, int64(x)), true
}
