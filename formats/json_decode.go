package formats

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// Coercion of a parsed JSON tree to column types follows ksqlDB's
// KsqlJsonDeserializer: numbers are accepted from strings, any JSON becomes a
// STRING (objects as compact JSON, arrays as "[a, b]", scalars as their text),
// struct fields are matched exactly and then against the upper-cased JSON name,
// missing fields are NULL, and a value of the wrong shape is an error naming the
// Jackson node type and the path, e.g.
// "Can't convert type. sourceType: TextNode, requiredType: BOOLEAN, path: $.FLAG".

// coercionError is a failed coercion; path is built from the innermost value out.
type coercionError struct {
	msg  string
	path string
}

func (e *coercionError) Error() string { return e.msg + ", path: " + e.path }

// within prefixes err's path with part when err is a coercion error.
func within(err error, part string) error {
	if ce, ok := err.(*coercionError); ok {
		return &coercionError{msg: ce.msg, path: part + ce.path}
	}
	return err
}

// userError turns a coercion failure into the error Decode returns.
func userError(err error) error {
	if ce, ok := err.(*coercionError); ok {
		return sqlerr.New(sqlerr.InvalidTextRepresentation, ce.msg+", path: $"+ce.path)
	}
	return err
}

// convertJSONStruct fills dst with the fields of t read from object n.
func convertJSONStruct(n jsonNode, t *types.Type, dst []any) error {
	if n.kind != jsonObject {
		return userError(cantConvert(n, t))
	}
	if err := fillStruct(n, t, dst); err != nil {
		return userError(err)
	}
	return nil
}

// convertJSONTop converts a whole document holding one bare value.
func convertJSONTop(n jsonNode, t *types.Type) (any, error) {
	v, err := convertJSON(n, t)
	return v, userError(err)
}

func fillStruct(n jsonNode, t *types.Type, dst []any) error {
	for i, f := range t.Fields {
		m := lookupMember(n.members, f.Name)
		if m == nil {
			dst[i] = nil
			continue
		}
		v, err := convertJSON(*m, f.Type)
		if err != nil {
			return within(err, "."+f.Name)
		}
		dst[i] = v
	}
	return nil
}

// lookupMember finds the member named name, else the one whose upper-cased name is
// name. The last of duplicates wins, as in Jackson's ObjectNode.
func lookupMember(members []jsonMember, name string) *jsonNode {
	for i := len(members) - 1; i >= 0; i-- {
		if members[i].name == name {
			return &members[i].value
		}
	}
	for i := len(members) - 1; i >= 0; i-- {
		if strings.ToUpper(members[i].name) == name {
			return &members[i].value
		}
	}
	return nil
}

// convertJSON coerces n to type t.
func convertJSON(n jsonNode, t *types.Type) (any, error) {
	if n.kind == jsonNull {
		return nil, nil
	}
	switch t.Kind {
	case types.KindBoolean:
		if n.kind == jsonBool {
			return n.b, nil
		}
	case types.KindInt, types.KindDate, types.KindTime:
		var v int32
		switch n.kind {
		case jsonNumber:
			v = int32(javaNarrow(n.text, n.isFloat))
		case jsonString:
			var ok bool
			if v, ok = javaParseInt(n.text); !ok {
				return nil, cantCoerce(t)
			}
		default:
			return nil, cantConvert(n, t)
		}
		switch t.Kind {
		case types.KindDate:
			return types.Date(v), nil
		case types.KindTime:
			return types.Time(v), nil
		}
		return v, nil
	case types.KindBigInt, types.KindTimestamp:
		var v int64
		switch n.kind {
		case jsonNumber:
			v = javaNarrow(n.text, n.isFloat)
		case jsonString:
			var ok bool
			if v, ok = javaParseLong(n.text); !ok {
				return nil, cantCoerce(t)
			}
		default:
			return nil, cantConvert(n, t)
		}
		if t.Kind == types.KindTimestamp {
			return types.Timestamp(v), nil
		}
		return v, nil
	case types.KindDouble:
		switch n.kind {
		case jsonNumber:
			f, err := strconv.ParseFloat(n.text, 64)
			if err != nil && !isRangeErr(err) {
				return nil, cantCoerce(t)
			}
			return f, nil
		case jsonString:
			f, ok := javaParseDouble(n.text)
			if !ok {
				return nil, cantCoerce(t)
			}
			return f, nil
		}
	case types.KindDecimal:
		if n.kind == jsonNumber || n.kind == jsonString {
			d, err := parseDecimal(n.text, t)
			if err != nil {
				return nil, &coercionError{msg: err.Error()}
			}
			return d, nil
		}
	case types.KindString:
		return jsonText(n), nil
	case types.KindBytes:
		if n.kind == jsonString {
			b, err := decodeBase64(n.text)
			if err != nil {
				return nil, &coercionError{msg: "Value is not a valid Base64 encoded string: " + n.text}
			}
			return b, nil
		}
	case types.KindArray:
		if n.kind == jsonArray {
			out := make([]any, len(n.elems))
			for i, e := range n.elems {
				v, err := convertJSON(e, t.Elem)
				if err != nil {
					return nil, within(err, "["+strconv.Itoa(i)+"]")
				}
				out[i] = v
			}
			return out, nil
		}
	case types.KindMap:
		if n.kind == jsonObject {
			m := &types.Map{Keys: make([]any, 0, len(n.members)), Values: make([]any, 0, len(n.members))}
			for _, e := range n.members {
				v, err := convertJSON(e.value, t.Elem)
				if err != nil {
					return nil, within(err, "."+e.name+".value")
				}
				m.Put(e.name, v)
			}
			return m, nil
		}
	case types.KindStruct:
		if n.kind == jsonObject {
			s := make(types.Struct, len(t.Fields))
			if err := fillStruct(n, t, s); err != nil {
				return nil, err
			}
			return s, nil
		}
	}
	return nil, cantConvert(n, t)
}

// decodeBase64 accepts standard base64 with or without padding, as Jackson's
// default (MIME-no-linefeeds) variant reads it.
func decodeBase64(s string) ([]byte, error) {
	if strings.HasSuffix(s, "=") || len(s)%4 == 0 {
		return base64.StdEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// jsonText is a node's text as a STRING column receives it.
func jsonText(n jsonNode) string {
	switch n.kind {
	case jsonString:
		return n.text
	case jsonBool:
		return strconv.FormatBool(n.b)
	case jsonNumber:
		return numberText(n)
	case jsonArray:
		// ksqlDB joins the elements' string forms: ["a", 1, null] -> "[a, 1, null]".
		var b strings.Builder
		b.WriteByte('[')
		for i, e := range n.elems {
			if i > 0 {
				b.WriteString(", ")
			}
			if e.kind == jsonNull {
				b.WriteString("null")
			} else {
				b.WriteString(jsonText(e))
			}
		}
		b.WriteByte(']')
		return b.String()
	case jsonObject:
		return string(appendCompactJSON(nil, n))
	}
	return ""
}

// numberText renders a number as Jackson's asText does: integers as written,
// others as BigDecimal.toString (which uses E notation for large exponents).
func numberText(n jsonNode) string {
	if !n.isFloat {
		return strings.TrimPrefix(n.text, "+")
	}
	d, _, err := apd.NewFromString(n.text)
	if err != nil {
		return n.text
	}
	return d.String()
}

// appendCompactJSON re-serializes a tree without blanks, as Jackson's
// writeValueAsString does for the Map it reads an object into.
func appendCompactJSON(dst []byte, n jsonNode) []byte {
	switch n.kind {
	case jsonNull:
		return append(dst, "null"...)
	case jsonBool:
		return strconv.AppendBool(dst, n.b)
	case jsonNumber:
		return append(dst, numberText(n)...)
	case jsonString:
		return appendJSONString(dst, n.text)
	case jsonArray:
		dst = append(dst, '[')
		for i, e := range n.elems {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendCompactJSON(dst, e)
		}
		return append(dst, ']')
	default:
		dst = append(dst, '{')
		for i, m := range dedupMembers(n.members) {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, m.name)
			dst = append(dst, ':')
			dst = appendCompactJSON(dst, m.value)
		}
		return append(dst, '}')
	}
}

// dedupMembers keeps the first position and the last value of duplicate names, as
// a LinkedHashMap filled in order does.
func dedupMembers(ms []jsonMember) []jsonMember {
	dup := false
	for i := range ms {
		for j := 0; j < i; j++ {
			if ms[i].name == ms[j].name {
				dup = true
			}
		}
	}
	if !dup {
		return ms
	}
	var out []jsonMember
next:
	for _, m := range ms {
		for i := range out {
			if out[i].name == m.name {
				out[i].value = m.value
				continue next
			}
		}
		out = append(out, m)
	}
	return out
}

// cantConvert is ksqlDB's error for a JSON value of the wrong shape.
func cantConvert(n jsonNode, t *types.Type) error {
	return &coercionError{msg: "Can't convert type. sourceType: " + jacksonNodeType(n) +
		", requiredType: " + requiredTypeName(t)}
}

// cantCoerce is ksqlDB's error for a string that does not parse as the number type.
func cantCoerce(t *types.Type) error {
	return &coercionError{msg: "Can't coerce string to type. targetType: " + requiredTypeName(t)}
}

func requiredTypeName(t *types.Type) string {
	switch t.Kind {
	case types.KindBoolean, types.KindInt, types.KindBigInt, types.KindDouble,
		types.KindDate, types.KindTime, types.KindTimestamp:
		return baseTypeName(t)
	}
	return t.String()
}

// jacksonNodeType names the Jackson node class a value would have been parsed to.
func jacksonNodeType(n jsonNode) string {
	switch n.kind {
	case jsonBool:
		return "BooleanNode"
	case jsonString:
		return "TextNode"
	case jsonArray:
		return "ArrayNode"
	case jsonObject:
		return "ObjectNode"
	case jsonNumber:
		if n.isFloat {
			return "DecimalNode"
		}
		if _, err := strconv.ParseInt(n.text, 10, 32); err == nil {
			return "IntNode"
		}
		if _, err := strconv.ParseInt(n.text, 10, 64); err == nil {
			return "LongNode"
		}
		return "BigIntegerNode"
	}
	return "NullNode"
}
