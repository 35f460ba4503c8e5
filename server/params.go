package server

import (
	"encoding/hex"
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// decodeParam decodes a Bind parameter sent as Postgres type oid in format (0 text,
// 1 binary) into package types' representation of the matching Sluice type (see
// the accepts lists of codecs). Text for types Sluice does not know is passed on as a string.
func decodeParam(oid uint32, format int16, data []byte) (any, error) {
	if format == pgproto3.BinaryFormat {
		return decodeBinaryParam(oid, data)
	}
	return decodeTextParam(oid, string(data))
}

func decodeTextParam(oid uint32, s string) (any, error) {
	c, _ := paramCodec(oid)
	if c == nil {
		return s, nil
	}
	return parseText(c.param, s)
}

// parseText parses s as Postgres' input function for t's type would.
func parseText(t *types.Type, s string) (any, error) {
	c := scalarCodec(t)
	if c == nil {
		return nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "parameters of type %s are not supported", t)
	}
	return c.parse(s, func() error {
		return sqlerr.Newf(sqlerr.InvalidTextRepresentation, "invalid input syntax for type %s: %q", c.pg.Name, s)
	})
}

// timestampLayouts are the timestamp inputs accepted: ISO with space or T, an
// optional fraction and an optional zone (timestamptz parameters), or a date alone.
var timestampLayouts = [...]string{
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z07",
	"2006-01-02 15:04:05.999999999 Z07:00",
	"2006-01-02",
}

func rangeOrSyntax(err error, bad func() error, typ string) error {
	if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
		return sqlerr.Newf(sqlerr.NumericValueOutOfRange, "value %q is out of range for type %s", ne.Num, typ)
	}
	return bad()
}

// parseBytea reads bytea input: hex (\x0102) or the escape format (\\, \ooo).
func parseBytea(s string) (any, error) {
	if rest, ok := strings.CutPrefix(s, `\x`); ok {
		b, err := hex.DecodeString(rest)
		if err != nil {
			return nil, sqlerr.New(sqlerr.InvalidTextRepresentation, "invalid hexadecimal data")
		}
		return b, nil
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			out = append(out, s[i])
			continue
		}
		switch {
		case i+1 < len(s) && s[i+1] == '\\':
			out = append(out, '\\')
			i++
		case i+3 < len(s) && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) && s[i+1] <= '3':
			out = append(out, (s[i+1]-'0')<<6|(s[i+2]-'0')<<3|(s[i+3]-'0'))
			i += 3
		default:
			return nil, sqlerr.New(sqlerr.InvalidTextRepresentation, "invalid input syntax for type bytea")
		}
	}
	return out, nil
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

func decodeBinaryParam(oid uint32, b []byte) (any, error) {
	_, recv := paramCodec(oid)
	if recv == nil {
		return nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "binary parameters of type oid %d are not supported", oid)
	}
	v, err := recv(b)
	if errors.Is(err, errBadBinary) {
		return nil, sqlerr.Newf("22P03", "incorrect binary data format for type oid %d", oid)
	}
	return v, err
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// coerceParam converts a decoded parameter to the representation of want, the
// type the engine expects (nil: whatever was sent). It covers what drivers do in
// practice: sending int8 for an INT, text for anything, int for a DOUBLE.
func coerceParam(v any, want *types.Type) (any, error) {
	if want == nil || want.Kind == types.KindUnknown {
		return v, nil
	}
	if s, ok := v.(string); ok && want.Kind != types.KindString && scalarCodec(want) != nil {
		return parseText(want, s)
	}
	if s, ok := v.(string); ok && want.Kind == types.KindArray && scalarCodec(want.Elem) != nil {
		// An array sent as text of unknown type (psycopg's lists): array_in.
		return parseArrayText(want.Elem, s)
	}
	switch want.Kind {
	case types.KindInt:
		switch x := v.(type) {
		case int32:
			return x, nil
		case int64:
			if x < math.MinInt32 || x > math.MaxInt32 {
				return nil, sqlerr.New(sqlerr.NumericValueOutOfRange, "integer out of range")
			}
			return int32(x), nil
		}
	case types.KindBigInt:
		switch x := v.(type) {
		case int32:
			return int64(x), nil
		case int64:
			return x, nil
		}
	case types.KindDouble:
		switch x := v.(type) {
		case int32:
			return float64(x), nil
		case int64:
			return float64(x), nil
		case float64:
			return x, nil
		case *apd.Decimal:
			return x.Float64()
		}
	case types.KindDecimal:
		switch x := v.(type) {
		case int32:
			return apd.New(int64(x), 0), nil
		case int64:
			return apd.New(x, 0), nil
		case float64:
			d, err := new(apd.Decimal).SetFloat64(x)
			return d, err
		case *apd.Decimal:
			return x, nil
		}
	case types.KindString:
		if s, ok := v.(string); ok {
			return s, nil
		}
		t := types.ScalarTypeOf(v)
		if t != nil {
			b, err := appendText(nil, t, v)
			return string(b), err
		}
	case types.KindTimestamp:
		switch x := v.(type) {
		case types.Timestamp:
			return x, nil
		case types.Date:
			return types.Timestamp(int64(x) * 86_400_000), nil
		}
	case types.KindDate:
		switch x := v.(type) {
		case types.Date:
			return x, nil
		case types.Timestamp:
			return types.Date(floorDiv(int64(x), 86_400_000)), nil
		}
	default:
		if t := types.ScalarTypeOf(v); t != nil && t.Kind == want.Kind {
			return v, nil
		}
	}
	return nil, sqlerr.Newf(sqlerr.DatatypeMismatch, "parameter of type %s cannot take a value of type %s", want, types.ScalarTypeOf(v))
}
