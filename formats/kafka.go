package formats

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// kafkaCodec writes at most one column with the Kafka client's primitive serdes
// (IntegerSerializer, LongSerializer, DoubleSerializer, StringSerializer,
// ByteArraySerializer). A NULL column, or no column at all, is written as nil
// bytes, as those serializers return null for null.
type kafkaCodec struct {
	typ *types.Type // nil when there is no column
}

func newKafkaCodec(cols []types.Column) kafkaCodec {
	if len(cols) == 0 {
		return kafkaCodec{}
	}
	return kafkaCodec{typ: cols[0].Type}
}

func (c kafkaCodec) Encode(dst []byte, vals []any) ([]byte, error) {
	if c.typ == nil || vals[0] == nil {
		return nil, nil
	}
	switch v := vals[0].(type) {
	case int32:
		return binary.BigEndian.AppendUint32(dst, uint32(v)), nil
	case int64:
		return binary.BigEndian.AppendUint64(dst, uint64(v)), nil
	case float64:
		bits := math.Float64bits(v)
		if v != v {
			bits = javaNaNBits // doubleToLongBits collapses every NaN to this one
		}
		return binary.BigEndian.AppendUint64(dst, bits), nil
	case string:
		return append(nonNil(dst), v...), nil
	case []byte:
		return append(nonNil(dst), v...), nil
	}
	return dst, errWrongGoType(vals[0], c.typ)
}

// javaNaNBits is Java's canonical NaN.
const javaNaNBits = 0x7ff8000000000000

// nonNil returns dst, or an empty non-nil slice: an empty STRING or BYTES is
// present, empty bytes, not the absent value that nil means.
func nonNil(dst []byte) []byte {
	if dst == nil {
		return []byte{}
	}
	return dst
}

func (c kafkaCodec) Decode(data []byte, dst []any) error {
	if c.typ == nil {
		return nil
	}
	switch c.typ.Kind {
	case types.KindInt:
		if len(data) != 4 {
			return sizeError("IntegerDeserializer", 4)
		}
		dst[0] = int32(binary.BigEndian.Uint32(data))
	case types.KindBigInt:
		if len(data) != 8 {
			return sizeError("LongDeserializer", 8)
		}
		dst[0] = int64(binary.BigEndian.Uint64(data))
	case types.KindDouble:
		if len(data) != 8 {
			return sizeError("DoubleDeserializer", 8)
		}
		dst[0] = math.Float64frombits(binary.BigEndian.Uint64(data))
	case types.KindString:
		dst[0] = decodeUTF8(data)
	case types.KindBytes:
		dst[0] = append([]byte(nil), data...)
	}
	return nil
}

// decodeUTF8 converts bytes to a string as Java's UTF-8 decoder does, replacing
// malformed sequences with U+FFFD so that the string can be re-encoded anywhere.
func decodeUTF8(data []byte) string {
	if utf8.Valid(data) {
		return string(data)
	}
	return strings.ToValidUTF8(string(data), "\uFFFD")
}

func sizeError(deserializer string, size int) error {
	return sqlerr.Newf(sqlerr.InvalidTextRepresentation,
		"Size of data received by %s is not %d", deserializer, size)
}

// errWrongGoType reports a value whose Go type does not represent the column type:
// a bug in the caller, not bad data.
func errWrongGoType(v any, t *types.Type) error {
	return sqlerr.New(sqlerr.InternalError, fmt.Sprintf("cannot encode %T as %s", v, t))
}
