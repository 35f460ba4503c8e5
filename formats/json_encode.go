package formats

import (
	"encoding/base64"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"
	"github.com/sluice-db/sluice/types"
)

// The encoder appends to a caller-owned buffer and switches on the value's Go type
// (types/doc.go), never on reflection: this is the sink's hot path. Its output is
// what ksqlDB's serializer (Kafka Connect's JsonConverter, decimals as numbers, on
// Jackson) writes: compact, fields in column order, Jackson's string escapes.

// appendJSON appends v, a value of type t, as JSON.
func appendJSON(dst []byte, v any, t *types.Type) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case bool:
		return strconv.AppendBool(dst, v), nil
	case int32:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(dst, v, 10), nil
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			// Jackson's QUOTE_NON_NUMERIC_NUMBERS: "NaN", "Infinity", "-Infinity".
			dst = append(dst, '"')
			dst = append(dst, types.FormatDouble(v)...)
			return append(dst, '"'), nil
		}
		return append(dst, types.FormatDouble(v)...), nil
	case *apd.Decimal:
		if v.Form == apd.Finite && v.Exponent > -int32(t.Scale) && v.Exponent <= 0 && !(v.Negative && v.Coeff.Sign() == 0) &&
			v.NumDigits()+int64(v.Exponent) <= int64(t.Precision-t.Scale) {
			// A value with fewer fraction digits than the column is written as it
			// is, without padding: ksqlDB's JSON serializer writes the BigDecimal it
			// has (GREATEST(DECIMAL(9,2), DECIMAL(7,6)) gives 1234567.89).
			return v.Append(dst, 'f'), nil
		}
		return appendDecimal(dst, v, t)
	case string:
		return appendJSONString(dst, v), nil
	case []byte:
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, v)
		return append(dst, '"'), nil
	case types.Date:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case types.Time:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case types.Timestamp:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case []any:
		if t.Kind != types.KindArray {
			break
		}
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendJSON(dst, e, t.Elem); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case *types.Map:
		if t.Kind != types.KindMap {
			break
		}
		dst = append(dst, '{')
		for i, k := range v.Keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			ks, ok := k.(string)
			if !ok && k == nil {
				ks, ok = "null", true // a NULL key is written as "null", as ksqlDB's serializer does
			}
			if !ok {
				return dst, errWrongGoType(k, t.Key)
			}
			dst = appendJSONString(dst, ks)
			dst = append(dst, ':')
			var err error
			if dst, err = appendJSON(dst, v.Values[i], t.Elem); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	case types.Struct:
		if t.Kind != types.KindStruct {
			break
		}
		return appendJSONStruct(dst, v, t)
	}
	return dst, errWrongGoType(v, t)
}

// appendJSONStruct appends an object with one field per field of t.
func appendJSONStruct(dst []byte, vals []any, t *types.Type) ([]byte, error) {
	if len(vals) != len(t.Fields) {
		return dst, errWrongGoType(vals, t)
	}
	dst = append(dst, '{')
	for i, f := range t.Fields {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, f.Name)
		dst = append(dst, ':')
		var err error
		if dst, err = appendJSON(dst, vals[i], f.Type); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

const upperHex = "0123456789ABCDEF"

// appendJSONString appends s quoted as Jackson writes it: '"' and '\\' escaped,
// \b \t \n \f \r short forms, other control characters as \u00XX (upper-case hex),
// everything else, non-ASCII included, as is. Invalid UTF-8 becomes U+FFFD so the
// output is always valid JSON.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, s[start:i]...)
				dst = append(dst, "\uFFFD"...)
				i++
				start = i
				continue
			}
			i += size
			continue
		}
		if c >= 0x20 && c != '"' && c != '\\' {
			i++
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\r':
			dst = append(dst, '\\', 'r')
		default:
			dst = append(dst, '\\', 'u', '0', '0', upperHex[c>>4], upperHex[c&0xF])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
