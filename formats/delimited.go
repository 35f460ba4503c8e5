package formats

import (
	"encoding/base64"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// delimitedCodec is the DELIMITED format: one CSV record, one field per column.
// Scalars only. Values are written as ksqlDB's KsqlDelimitedSerializer hands them
// to Commons CSV: DOUBLE as Java's Double.toString, DECIMAL in plain notation at
// the column's scale, BYTES as base64, DATE as epoch days, TIME and TIMESTAMP as
// milliseconds; NULL as an empty field. Reading, an empty field is NULL whatever
// the type, so an empty STRING does not survive a round trip unless it is the
// first field (which is written quoted).
type delimitedCodec struct {
	cols  []types.Column
	delim rune
}

func newDelimitedCodec(cols []types.Column, delim rune) *delimitedCodec {
	return &delimitedCodec{cols: cols, delim: delim}
}

// Encode writes one record without a line terminator. A key without columns is
// nil bytes.
func (c *delimitedCodec) Encode(dst []byte, vals []any) ([]byte, error) {
	if len(c.cols) == 0 {
		return nil, nil
	}
	if dst == nil {
		// A record of NULLs is empty but present: not the same as nil bytes.
		dst = make([]byte, 0, 16)
	}
	for i, v := range vals {
		if i > 0 {
			dst = appendRune(dst, c.delim)
		}
		if v == nil {
			continue
		}
		start := len(dst)
		var err error
		if dst, err = appendDelimitedValue(dst, v, c.cols[i].Type); err != nil {
			return dst, err
		}
		dst = quoteCSVField(dst, start, c.delim, i == 0)
	}
	return dst, nil
}

func appendRune(dst []byte, r rune) []byte {
	if r < 0x80 {
		return append(dst, byte(r))
	}
	return append(dst, string(r)...)
}

func appendDelimitedValue(dst []byte, v any, t *types.Type) ([]byte, error) {
	switch v := v.(type) {
	case bool:
		return strconv.AppendBool(dst, v), nil
	case int32:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(dst, v, 10), nil
	case float64:
		return append(dst, types.FormatDouble(v)...), nil
	case *apd.Decimal:
		return appendDecimal(dst, v, t)
	case string:
		return append(dst, v...), nil
	case []byte:
		return base64.StdEncoding.AppendEncode(dst, v), nil
	case types.Date:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case types.Time:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case types.Timestamp:
		return strconv.AppendInt(dst, int64(v), 10), nil
	}
	return dst, errWrongGoType(v, t)
}

// Decode reads the first CSV record of data. The number of fields must equal the
// number of columns.
func (c *delimitedCodec) Decode(data []byte, dst []any) error {
	if len(c.cols) == 0 {
		return nil
	}
	var scratch [8]string
	fields, err := splitCSVRecord(data, c.delim, scratch[:0])
	if err != nil {
		return err
	}
	if len(fields) != len(c.cols) {
		return sqlerr.Newf(sqlerr.InvalidTextRepresentation,
			"Unexpected field count, csvFields:%d schemaFields:%d", len(fields), len(c.cols))
	}
	for i, f := range fields {
		if f == "" {
			dst[i] = nil
			continue
		}
		v, err := parseDelimitedField(f, c.cols[i].Type)
		if err != nil {
			return sqlerr.Wrap(sqlerr.InvalidTextRepresentation, err,
				"Error deserializing delimited field "+types.QuoteIdent(c.cols[i].Name))
		}
		dst[i] = v
	}
	return nil
}

// parseDelimitedField parses a non-empty field as ksqlDB's KsqlDelimitedDeserializer
// does: Java's parse methods, so BOOLEAN is true only for "true" in any case.
func parseDelimitedField(f string, t *types.Type) (any, error) {
	switch t.Kind {
	case types.KindBoolean:
		return len(f) == 4 && (f[0]|0x20) == 't' && (f[1]|0x20) == 'r' && (f[2]|0x20) == 'u' && (f[3]|0x20) == 'e', nil
	case types.KindInt, types.KindDate, types.KindTime:
		v, ok := javaParseInt(f)
		if !ok {
			return nil, badNumber(f)
		}
		switch t.Kind {
		case types.KindDate:
			return types.Date(v), nil
		case types.KindTime:
			return types.Time(v), nil
		}
		return v, nil
	case types.KindBigInt, types.KindTimestamp:
		v, ok := javaParseLong(f)
		if !ok {
			return nil, badNumber(f)
		}
		if t.Kind == types.KindTimestamp {
			return types.Timestamp(v), nil
		}
		return v, nil
	case types.KindDouble:
		v, ok := javaParseDouble(f)
		if !ok {
			return nil, badNumber(f)
		}
		return v, nil
	case types.KindDecimal:
		return parseDecimal(f, t)
	case types.KindString:
		if !utf8.ValidString(f) {
			// Java decodes the record as UTF-8 with replacement characters.
			return strings.ToValidUTF8(f, "\uFFFD"), nil
		}
		return f, nil
	case types.KindBytes:
		b, err := decodeBase64(f)
		if err != nil {
			return nil, sqlerr.Newf(sqlerr.InvalidTextRepresentation,
				"Value is not a valid Base64 encoded string: %s", f)
		}
		return b, nil
	}
	return nil, sqlerr.Newf(sqlerr.FeatureNotSupported,
		"The 'DELIMITED' format does not support type '%s'", baseTypeName(t))
}

// badNumber is Java's NumberFormatException message.
func badNumber(f string) error {
	return sqlerr.Newf(sqlerr.InvalidTextRepresentation, "For input string: %q", f)
}
