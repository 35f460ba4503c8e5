package expr

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/cockroachdb/apd/v3"
	"github.com/sluice-db/sluice/types"
)

func registerJSONFunctions(r *Registry) {
	js := func(name, desc string, os ...*overload) {
		r.add(&function{name: name, category: "JSON", description: desc, overloads: os})
	}
	js("EXTRACTJSONFIELD", "Extracts the value at a JSONPath ($.a.b[0]) as a string.",
		sig(tString, func(a []any) (any, error) {
			v, ok := jsonPath(a[0].(string), a[1].(string))
			if !ok || v == nil {
				return nil, nil
			}
			if s, isStr := v.(string); isStr {
				return s, nil
			}
			return compactJSON(v), nil
		}, p("json", tString), p("path", tString)))
	js("IS_JSON_STRING", "Whether the string is valid JSON.",
		(&overload{params: []param{p("json", tString)}, ret: tBool, fn: func(a []any) (any, error) {
			if a[0] == nil {
				return false, nil
			}
			return json.Valid([]byte(a[0].(string))), nil
		}}).acceptNulls())
	js("JSON_ARRAY_LENGTH", "Length of a JSON array, NULL if not an array.",
		sig(tInt, func(a []any) (any, error) {
			v, ok := decodeJSON(a[0].(string))
			if arr, isArr := v.([]any); ok && isArr {
				return int32(len(arr)), nil
			}
			return nil, nil
		}, p("json", tString)))
	js("JSON_KEYS", "Keys of a JSON object, NULL if not an object.",
		sig(types.NewArray(tString), func(a []any) (any, error) {
			keys, ok := objectKeys(a[0].(string))
			if !ok {
				return nil, nil
			}
			out := make([]any, len(keys))
			for i, k := range keys {
				out[i] = k
			}
			return out, nil
		}, p("json", tString)))
	js("JSON_RECORDS", "Entries of a JSON object as a map of key to JSON text.",
		sig(types.NewMap(tString, tString), func(a []any) (any, error) {
			if _, ok := decodeJSON(a[0].(string)); !ok {
				return nil, nil
			}
			keys, vals, ok := objectEntries(a[0].(string))
			if !ok {
				return nil, nil
			}
			out := &types.Map{}
			for i, k := range keys {
				// A string value is its text (JsonNode.asText); others are JSON.
				var str string
				if err := json.Unmarshal(vals[i], &str); err == nil {
					out.Put(k, str)
					continue
				}
				out.Put(k, compactRaw(vals[i]))
			}
			return out, nil
		}, p("json", tString)))
	js("JSON_ITEMS", "Elements of a JSON array as JSON texts.",
		sig(types.NewArray(tString), func(a []any) (any, error) {
			v, ok := decodeJSON(a[0].(string))
			if _, isArr := v.([]any); !ok || !isArr {
				return nil, nil
			}
			var arr []json.RawMessage
			if err := json.Unmarshal([]byte(a[0].(string)), &arr); err != nil {
				return nil, nil
			}
			out := make([]any, len(arr))
			for i, x := range arr {
				out[i] = compactRaw(x)
			}
			return out, nil
		}, p("json", tString)))
	js("JSON_CONCAT", "Merges JSON objects, or concatenates JSON arrays (wrapping scalars).",
		(&overload{params: []param{p("json", tString)}, ret: tString, fn: jsonConcat}).variadicLast())
	js("JSON_ARRAY_CONTAINS", "Whether a JSON array contains a value.",
		&overload{params: []param{p("json", tString), pg("value", "T", anyType)}, ret: tBool, nullable: true,
			fn: func(a []any) (any, error) {
				if a[0] == nil {
					return false, nil
				}
				v, ok := decodeJSON(a[0].(string))
				arr, isArr := v.([]any)
				if !ok || !isArr {
					return false, nil
				}
				want := toJSONValue(a[1])
				for _, x := range arr {
					if jsonEqual(x, want) {
						return true, nil
					}
				}
				return false, nil
			}})
	js("TO_JSON_STRING", "Serializes any value to JSON text.",
		(&overload{params: []param{pg("input", "T", anyType)}, ret: tString, mk: func(args []*types.Type, _ *types.Type) evalFn {
			t := args[0]
			return func(a []any) (any, error) { return toJSONText(a[0], t), nil }
		}}).acceptNulls())
}

// decodeJSON parses JSON keeping numbers exact.
func decodeJSON(s string) (any, bool) {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil || d.More() {
		return nil, false
	}
	return v, true
}

// objectKeys returns an object's keys in document order.
func objectKeys(s string) ([]string, bool) {
	d := json.NewDecoder(strings.NewReader(s))
	tok, err := d.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, false
	}
	var keys []string
	for d.More() {
		k, err := d.Token()
		if err != nil {
			return nil, false
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil {
			return nil, false
		}
	}
	return keys, true
}

func compactJSON(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSuffix(buf.String(), "\n")
}

// jsonPath follows a $.a.b[0] path (also $['a']).
func jsonPath(doc, path string) (any, bool) {
	v, ok := decodeJSON(doc)
	if !ok {
		return nil, false
	}
	path = strings.TrimPrefix(strings.TrimSpace(path), "$")
	for path != "" {
		switch path[0] {
		case '.':
			path = path[1:]
			end := strings.IndexAny(path, ".[")
			if end < 0 {
				end = len(path)
			}
			obj, isObj := v.(map[string]any)
			if !isObj {
				return nil, false
			}
			v, path = obj[path[:end]], path[end:]
		case '[':
			end := strings.IndexByte(path, ']')
			if end < 0 {
				return nil, false
			}
			key := path[1:end]
			path = path[end+1:]
			if strings.HasPrefix(key, "'") || strings.HasPrefix(key, "\"") {
				obj, isObj := v.(map[string]any)
				if !isObj {
					return nil, false
				}
				v = obj[strings.Trim(key, "'\"")]
				continue
			}
			arr, isArr := v.([]any)
			n := 0
			for _, c := range key {
				if c < '0' || c > '9' {
					return nil, false
				}
				n = n*10 + int(c-'0')
			}
			if !isArr || n >= len(arr) {
				return nil, false
			}
			v = arr[n]
		default:
			return nil, false
		}
	}
	return v, true
}

func jsonConcat(a []any) (any, error) {
	var acc any
	for i, x := range a {
		v, ok := decodeJSON(x.(string))
		if !ok {
			return nil, nil
		}
		if i == 0 {
			acc = v
			continue
		}
		accObj, ok1 := acc.(map[string]any)
		vObj, ok2 := v.(map[string]any)
		if ok1 && ok2 {
			for k, val := range vObj {
				accObj[k] = val
			}
			continue
		}
		acc = append(asJSONArray(acc), asJSONArray(v)...)
	}
	return compactJSON(acc), nil
}

func asJSONArray(v any) []any {
	if arr, ok := v.([]any); ok {
		return arr
	}
	return []any{v}
}

func jsonEqual(a, b any) bool { return compactJSON(a) == compactJSON(b) }

// toJSONValue maps a SQL value onto what encoding/json writes.
func toJSONValue(v any) any {
	switch x := v.(type) {
	case *apd.Decimal:
		return json.Number(x.Text('f'))
	case float64:
		return json.Number(types.FormatDouble(x))
	case types.Date:
		return json.Number(formatInt(int64(x)))
	case types.Time:
		return json.Number(formatInt(int64(x)))
	case types.Timestamp:
		return json.Number(formatInt(int64(x)))
	case []byte:
		return encodeBase64(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = toJSONValue(e)
		}
		return out
	}
	return v
}

// toJSONText serializes a value with its type (struct field names, map keys).
func toJSONText(v any, t *types.Type) string {
	var b strings.Builder
	writeJSON(&b, v, t)
	return b.String()
}

func writeJSON(b *strings.Builder, v any, t *types.Type) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case float64:
		s := types.FormatDouble(x)
		if s == "NaN" || strings.HasSuffix(s, "Infinity") {
			s = `"` + s + `"`
		}
		b.WriteString(s)
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, e, elemOf(t))
		}
		b.WriteByte(']')
	case *types.Map:
		b.WriteByte('{')
		for i, k := range x.Keys {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(compactJSON(ValueString(k)))
			b.WriteByte(':')
			writeJSON(b, x.Values[i], elemOf(t))
		}
		b.WriteByte('}')
	case types.Struct:
		b.WriteByte('{')
		for i, f := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			name := ""
			var ft *types.Type
			if t != nil && i < len(t.Fields) {
				name, ft = t.Fields[i].Name, t.Fields[i].Type
			}
			b.WriteString(compactJSON(name))
			b.WriteByte(':')
			writeJSON(b, f, ft)
		}
		b.WriteByte('}')
	case types.Date:
		b.WriteString(compactJSON(formatDate(x)))
	case types.Time:
		b.WriteString(compactJSON(formatTime(x)))
	case types.Timestamp:
		b.WriteString(compactJSON(formatTimestamp(x)))
	default:
		b.WriteString(compactJSON(toJSONValue(v)))
	}
}

// objectEntries returns an object's keys and raw values in document order.
func objectEntries(s string) ([]string, []json.RawMessage, bool) {
	d := json.NewDecoder(strings.NewReader(s))
	tok, err := d.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, nil, false
	}
	var keys []string
	var vals []json.RawMessage
	for d.More() {
		k, err := d.Token()
		if err != nil {
			return nil, nil, false
		}
		var raw json.RawMessage
		if err := d.Decode(&raw); err != nil {
			return nil, nil, false
		}
		keys, vals = append(keys, k.(string)), append(vals, raw)
	}
	return keys, vals, true
}

// compactRaw re-serializes raw JSON without spaces, keeping object key order
// (Jackson's JsonNode.toString).
func compactRaw(raw json.RawMessage) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return string(raw)
	}
	return buf.String()
}
