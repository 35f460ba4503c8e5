package expr

import (
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"
	"github.com/sluice-db/sluice/types"
)

// formatShortFloat is the shortest decimal text that round-trips f, in plain or
// exponent form (apd and strconv both accept it).
func formatShortFloat(f float64) string {
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// FormatLiteral renders a value as a SQL literal of type t, for String() and EXPLAIN.
func FormatLiteral(v any, t *types.Type) string {
	if v == nil {
		return "null"
	}
	switch x := v.(type) {
	case string:
		return "'" + strings.ReplaceAll(x, "'", "''") + "'"
	case []any:
		var b strings.Builder
		b.WriteString("ARRAY[")
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(FormatLiteral(e, elemType(t)))
		}
		b.WriteString("]")
		return b.String()
	}
	return ValueString(v)
}

func elemType(t *types.Type) *types.Type {
	if t == nil || t.Elem == nil {
		return types.UnknownType
	}
	return t.Elem
}

// ValueString renders a value the way ksqlDB's CAST(x AS STRING) does (Java's
// toString of the value): DOUBLE as Double.toString, DECIMAL in plain notation,
// TIMESTAMP as yyyy-MM-ddTHH:mm:ss.SSS, ARRAY as [a, b], MAP as {k=v}, STRUCT as
// Struct{F=v}. NULL renders as "null" (callers handle SQL NULL before this).
func ValueString(v any) string {
	var b strings.Builder
	writeValue(&b, v, nil)
	return b.String()
}

// valueStringTyped is ValueString with struct field names from t.
func valueStringTyped(v any, t *types.Type) string {
	var b strings.Builder
	writeValue(&b, v, t)
	return b.String()
}

func writeValue(b *strings.Builder, v any, t *types.Type) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int32:
		b.WriteString(strconv.FormatInt(int64(x), 10))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		b.WriteString(types.FormatDouble(x))
	case *apd.Decimal:
		b.WriteString(x.Text('f'))
	case string:
		b.WriteString(x)
	case []byte:
		b.WriteString(encodeBase64(x))
	case types.Date:
		b.WriteString(formatDate(x))
	case types.Time:
		b.WriteString(formatTime(x))
	case types.Timestamp:
		b.WriteString(formatTimestamp(x))
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeValue(b, e, elemOf(t))
		}
		b.WriteByte(']')
	case *types.Map:
		b.WriteByte('{')
		for i := range x.Keys {
			if i > 0 {
				b.WriteString(", ")
			}
			writeValue(b, x.Keys[i], keyOf(t))
			b.WriteByte('=')
			writeValue(b, x.Values[i], elemOf(t))
		}
		b.WriteByte('}')
	case types.Struct:
		b.WriteString("Struct{")
		first := true
		for i, f := range x {
			if f == nil {
				continue // Connect's Struct.toString omits null fields
			}
			if !first {
				b.WriteByte(',')
			}
			first = false
			if t != nil && i < len(t.Fields) {
				b.WriteString(t.Fields[i].Name)
			} else {
				b.WriteString(strconv.Itoa(i))
			}
			b.WriteByte('=')
			var ft *types.Type
			if t != nil && i < len(t.Fields) {
				ft = t.Fields[i].Type
			}
			writeValue(b, f, ft)
		}
		b.WriteByte('}')
	case *lambdaValue:
		b.WriteString("<lambda>")
	default:
		b.WriteString("?")
	}
}

func elemOf(t *types.Type) *types.Type {
	if t == nil {
		return nil
	}
	return t.Elem
}

func keyOf(t *types.Type) *types.Type {
	if t == nil {
		return nil
	}
	return t.Key
}
