package formats

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"
	"github.com/sluice-db/sluice/types"
)

// parseTypeForTest parses the type syntax used in testdata: INT, DECIMAL(6,4),
// ARRAY<T>, MAP<K,V>, STRUCT<A INT, `b` STRING>.
func parseTypeForTest(s string) (*types.Type, string, error) {
	s = strings.TrimSpace(s)
	word := s
	if i := strings.IndexAny(s, "<(,> "); i >= 0 {
		word = s[:i]
	}
	rest := s[len(word):]
	switch strings.ToUpper(word) {
	case "BOOLEAN":
		return types.BooleanType, rest, nil
	case "INT", "INTEGER":
		return types.IntType, rest, nil
	case "BIGINT":
		return types.BigIntType, rest, nil
	case "DOUBLE":
		return types.DoubleType, rest, nil
	case "STRING", "VARCHAR":
		return types.StringType, rest, nil
	case "BYTES":
		return types.BytesType, rest, nil
	case "DATE":
		return types.DateType, rest, nil
	case "TIME":
		return types.TimeType, rest, nil
	case "TIMESTAMP":
		return types.TimestampType, rest, nil
	case "DECIMAL":
		end := strings.IndexByte(rest, ')')
		var p, sc int
		if _, err := fmt.Sscanf(strings.ReplaceAll(rest[1:end], " ", ""), "%d,%d", &p, &sc); err != nil {
			return nil, "", err
		}
		return types.NewDecimal(p, sc), rest[end+1:], nil
	case "ARRAY":
		elem, r, err := parseTypeForTest(rest[1:])
		if err != nil {
			return nil, "", err
		}
		return types.NewArray(elem), strings.TrimSpace(r)[1:], nil
	case "MAP":
		k, r, err := parseTypeForTest(rest[1:])
		if err != nil {
			return nil, "", err
		}
		v, r, err := parseTypeForTest(strings.TrimSpace(r)[1:])
		if err != nil {
			return nil, "", err
		}
		return types.NewMap(k, v), strings.TrimSpace(r)[1:], nil
	case "STRUCT":
		var fields []types.Field
		r := rest[1:]
		for {
			r = strings.TrimSpace(r)
			if r[0] == '>' {
				return types.NewStruct(fields...), r[1:], nil
			}
			if r[0] == ',' {
				r = strings.TrimSpace(r[1:])
			}
			name, tail, _ := strings.Cut(r, " ")
			name = identForTest(name)
			t, tail, err := parseTypeForTest(tail)
			if err != nil {
				return nil, "", err
			}
			fields = append(fields, types.Field{Name: name, Type: t})
			r = tail
		}
	}
	return nil, "", fmt.Errorf("unknown type %q", s)
}

// identForTest upper-cases a bare identifier and keeps a back-quoted one as is.
func identForTest(s string) string {
	if strings.HasPrefix(s, "`") {
		return strings.Trim(s, "`")
	}
	return strings.ToUpper(s)
}

// parseColumnsForTest reads one "NAME TYPE" column per line.
func parseColumnsForTest(input string) ([]types.Column, error) {
	var cols []types.Column
	for _, line := range strings.Split(input, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, typ, _ := strings.Cut(line, " ")
		t, rest, err := parseTypeForTest(typ)
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(rest) != "" {
			return nil, fmt.Errorf("trailing text %q after type", rest)
		}
		cols = append(cols, types.Column{Name: identForTest(name), Type: t})
	}
	return cols, nil
}

// parseRowForTest reads a row written as a JSON array, one element per column,
// coerced to the column types by the JSON decoder's rules (DECIMAL as a string or
// number, BYTES as base64). A float written as "NaN" or "Infinity" is allowed.
func parseRowForTest(line string, cols []types.Column) ([]any, error) {
	var p jsonParser
	n, err := p.parseDocument([]byte(line))
	if err != nil {
		return nil, err
	}
	if n.kind != jsonArray || len(n.elems) != len(cols) {
		return nil, fmt.Errorf("want a JSON array of %d values: %s", len(cols), line)
	}
	row := make([]any, len(cols))
	for i, e := range n.elems {
		v, err := convertJSON(e, cols[i].Type)
		if err != nil {
			return nil, err
		}
		row[i] = v
	}
	return row, nil
}

// showBytesForTest renders encoded bytes: nil, printable text in backquotes-free
// Go quoting, or hex when not text.
func showBytesForTest(b []byte) string {
	if b == nil {
		return "<nil>"
	}
	if utf8.Valid(b) && !strings.ContainsFunc(string(b), func(r rune) bool {
		return !unicode.IsPrint(r) && r != '\t' && r != '\n' && r != '\r'
	}) {
		return strconv.Quote(string(b))
	}
	return "hex:" + hex.EncodeToString(b)
}

// parseBytesForTest reads a line written as showBytesForTest writes it.
func parseBytesForTest(line string) ([]byte, error) {
	if h, ok := strings.CutPrefix(line, "hex:"); ok {
		return hex.DecodeString(h)
	}
	s, err := strconv.Unquote(line)
	return []byte(s), err
}

// showRowForTest renders decoded values with their Go representation visible.
func showRowForTest(cols []types.Column, row []any) string {
	if len(cols) == 0 {
		return "(no columns)"
	}
	var b strings.Builder
	for i, v := range row {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(cols[i].Name)
		b.WriteString("=")
		showValueForTest(&b, v)
	}
	return b.String()
}

func showValueForTest(b *strings.Builder, v any) {
	switch v := v.(type) {
	case nil:
		b.WriteString("NULL")
	case bool:
		fmt.Fprintf(b, "%t", v)
	case int32:
		fmt.Fprintf(b, "%d:int", v)
	case int64:
		fmt.Fprintf(b, "%d:bigint", v)
	case float64:
		b.WriteString(types.FormatDouble(v) + ":double")
	case *apd.Decimal:
		b.WriteString(v.Text('f') + ":decimal")
	case string:
		b.WriteString(strconv.Quote(v))
	case []byte:
		b.WriteString("b64:" + base64.StdEncoding.EncodeToString(v))
	case types.Date:
		fmt.Fprintf(b, "%d:date", v)
	case types.Time:
		fmt.Fprintf(b, "%d:time", v)
	case types.Timestamp:
		fmt.Fprintf(b, "%d:timestamp", v)
	case []any:
		b.WriteString("[")
		for i, e := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			showValueForTest(b, e)
		}
		b.WriteString("]")
	case *types.Map:
		b.WriteString("map{")
		for i, k := range v.Keys {
			if i > 0 {
				b.WriteString(", ")
			}
			showValueForTest(b, k)
			b.WriteString(": ")
			showValueForTest(b, v.Values[i])
		}
		b.WriteString("}")
	case types.Struct:
		b.WriteString("struct{")
		for i, e := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			showValueForTest(b, e)
		}
		b.WriteString("}")
	default:
		fmt.Fprintf(b, "%T(%v)", v, v)
	}
}
