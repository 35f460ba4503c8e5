package types

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/cockroachdb/apd/v3"
)

// The binary value encoding stores values in state stores. It is self-describing
// (a tag byte per value), so a stored row decodes without its schema, and compact:
// integers are varints. It is an internal format, not a wire format.

const (
	tagNull byte = iota
	tagFalse
	tagTrue
	tagInt
	tagBigInt
	tagDouble
	tagDecimal
	tagString
	tagBytes
	tagDate
	tagTime
	tagTimestamp
	tagArray
	tagMap
	tagStruct
)

// AppendBinary appends the encoding of v to buf.
func AppendBinary(buf []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(buf, tagNull), nil
	case bool:
		if x {
			return append(buf, tagTrue), nil
		}
		return append(buf, tagFalse), nil
	case int32:
		return binary.AppendVarint(append(buf, tagInt), int64(x)), nil
	case int64:
		return binary.AppendVarint(append(buf, tagBigInt), x), nil
	case float64:
		return binary.BigEndian.AppendUint64(append(buf, tagDouble), math.Float64bits(x)), nil
	case *apd.Decimal:
		s := x.Text('E')
		return append(binary.AppendUvarint(append(buf, tagDecimal), uint64(len(s))), s...), nil
	case string:
		return append(binary.AppendUvarint(append(buf, tagString), uint64(len(x))), x...), nil
	case []byte:
		return append(binary.AppendUvarint(append(buf, tagBytes), uint64(len(x))), x...), nil
	case Date:
		return binary.AppendVarint(append(buf, tagDate), int64(x)), nil
	case Time:
		return binary.AppendVarint(append(buf, tagTime), int64(x)), nil
	case Timestamp:
		return binary.AppendVarint(append(buf, tagTimestamp), int64(x)), nil
	case []any:
		return appendList(append(buf, tagArray), x)
	case Struct:
		return appendList(append(buf, tagStruct), x)
	case *Map:
		if x == nil {
			return append(buf, tagNull), nil
		}
		buf = binary.AppendUvarint(append(buf, tagMap), uint64(len(x.Keys)))
		var err error
		for i := range x.Keys {
			if buf, err = AppendBinary(buf, x.Keys[i]); err != nil {
				return nil, err
			}
			if buf, err = AppendBinary(buf, x.Values[i]); err != nil {
				return nil, err
			}
		}
		return buf, nil
	}
	return nil, fmt.Errorf("cannot encode value of Go type %T", v)
}

func appendList(buf []byte, xs []any) ([]byte, error) {
	buf = binary.AppendUvarint(buf, uint64(len(xs)))
	var err error
	for _, e := range xs {
		if buf, err = AppendBinary(buf, e); err != nil {
			return nil, err
		}
	}
	return buf, nil
}

var errCorrupt = errors.New("corrupt binary value")

// ReadBinary decodes one value from the start of b and returns the rest.
func ReadBinary(b []byte) (any, []byte, error) {
	if len(b) == 0 {
		return nil, nil, errCorrupt
	}
	tag, b := b[0], b[1:]
	varint := func() (int64, error) {
		v, n := binary.Varint(b)
		if n <= 0 {
			return 0, errCorrupt
		}
		b = b[n:]
		return v, nil
	}
	chunk := func() ([]byte, error) {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return nil, errCorrupt
		}
		out := b[k : k+int(n)]
		b = b[k+int(n):]
		return out, nil
	}
	switch tag {
	case tagNull:
		return nil, b, nil
	case tagFalse:
		return false, b, nil
	case tagTrue:
		return true, b, nil
	case tagInt, tagBigInt, tagDate, tagTime, tagTimestamp:
		v, err := varint()
		if err != nil {
			return nil, nil, err
		}
		switch tag {
		case tagInt:
			return int32(v), b, nil
		case tagBigInt:
			return v, b, nil
		case tagDate:
			return Date(v), b, nil
		case tagTime:
			return Time(v), b, nil
		}
		return Timestamp(v), b, nil
	case tagDouble:
		if len(b) < 8 {
			return nil, nil, errCorrupt
		}
		return math.Float64frombits(binary.BigEndian.Uint64(b)), b[8:], nil
	case tagDecimal:
		s, err := chunk()
		if err != nil {
			return nil, nil, err
		}
		d, _, err := apd.NewFromString(string(s))
		return d, b, err
	case tagString:
		s, err := chunk()
		return string(s), b, err
	case tagBytes:
		s, err := chunk()
		return append([]byte(nil), s...), b, err
	case tagArray, tagStruct:
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)) {
			return nil, nil, errCorrupt
		}
		b = b[k:]
		xs := make([]any, n)
		var err error
		for i := range xs {
			if xs[i], b, err = ReadBinary(b); err != nil {
				return nil, nil, err
			}
		}
		if tag == tagStruct {
			return Struct(xs), b, nil
		}
		return xs, b, nil
	case tagMap:
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)) {
			return nil, nil, errCorrupt
		}
		b = b[k:]
		m := &Map{Keys: make([]any, n), Values: make([]any, n)}
		var err error
		for i := range m.Keys {
			if m.Keys[i], b, err = ReadBinary(b); err != nil {
				return nil, nil, err
			}
			if m.Values[i], b, err = ReadBinary(b); err != nil {
				return nil, nil, err
			}
		}
		return m, b, nil
	}
	return nil, nil, errCorrupt
}

// AppendBinaryRow encodes a row (a list of values).
func AppendBinaryRow(buf []byte, row []any) ([]byte, error) { return appendList(buf, row) }

// ReadBinaryRow decodes a row written by AppendBinaryRow.
func ReadBinaryRow(b []byte) ([]any, error) {
	v, _, err := ReadBinary(append([]byte{tagArray}, b...))
	if err != nil {
		return nil, err
	}
	return v.([]any), nil
}
