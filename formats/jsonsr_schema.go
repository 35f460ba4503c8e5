package formats

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/sluice-db/sluice/types"
)

// JSONSchemaFor derives the JSON Schema ksqlDB registers for columns written with
// opts in the JSON_SR format, as Confluent's JsonSchemaData writes a Kafka Connect
// schema: several columns (or one wrapped value column) are an object with one
// property per column, each a oneOf of null and its type carrying the column's
// position as connect.index; a single unwrapped key or value is the oneOf alone.
// Integers and floats name their Connect type (connect.type int32, int64,
// float64), BYTES are strings with connect.type bytes, MAPs (STRING keys only)
// are objects with additionalProperties and connect.type map, and DECIMAL, DATE,
// TIME and TIMESTAMP carry Connect's logical names as the title with their
// parameters. Every nested field, element and map value is nullable, as ksqlDB's
// Connect schemas are. The text is compact JSON in ksqlDB's attribute order.
func JSONSchemaFor(cols []types.Column, opts Options) string {
	var b strings.Builder
	if !wrapped(cols, opts) && len(cols) == 1 {
		writeJSONNullable(&b, cols[0].Type, -1)
		return b.String()
	}
	writeJSONObject(&b, len(cols), func(i int) (string, *types.Type) { return cols[i].Name, cols[i].Type })
	return b.String()
}

func writeJSONObject(b *strings.Builder, n int, field func(int) (string, *types.Type)) {
	b.WriteString(`{"type":"object","properties":{`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		name, t := field(i)
		b.WriteString(quoteJSON(name))
		b.WriteByte(':')
		writeJSONNullable(b, t, i)
	}
	b.WriteString(`}}`)
}

// writeJSONNullable writes {"connect.index":i,"oneOf":[{"type":"null"},T]}; a
// negative index is left out.
func writeJSONNullable(b *strings.Builder, t *types.Type, index int) {
	b.WriteByte('{')
	if index >= 0 {
		b.WriteString(`"connect.index":`)
		b.WriteString(strconv.Itoa(index))
		b.WriteByte(',')
	}
	b.WriteString(`"oneOf":[{"type":"null"},`)
	writeJSONType(b, t)
	b.WriteString(`]}`)
}

// Connect's logical type names, which JSON Schema carries as titles.
const (
	connectDecimal   = "org.apache.kafka.connect.data.Decimal"
	connectDate      = "org.apache.kafka.connect.data.Date"
	connectTime      = "org.apache.kafka.connect.data.Time"
	connectTimestamp = "org.apache.kafka.connect.data.Timestamp"
)

func writeJSONType(b *strings.Builder, t *types.Type) {
	switch t.Kind {
	case types.KindBoolean:
		b.WriteString(`{"type":"boolean"}`)
	case types.KindInt:
		b.WriteString(`{"type":"integer","connect.type":"int32"}`)
	case types.KindBigInt:
		b.WriteString(`{"type":"integer","connect.type":"int64"}`)
	case types.KindDouble:
		b.WriteString(`{"type":"number","connect.type":"float64"}`)
	case types.KindString:
		b.WriteString(`{"type":"string"}`)
	case types.KindBytes:
		b.WriteString(`{"type":"string","connect.type":"bytes"}`)
	case types.KindDecimal:
		p, s := strconv.Itoa(t.Precision), strconv.Itoa(t.Scale)
		b.WriteString(`{"type":"number","title":"` + connectDecimal + `","connect.version":1,"connect.type":"bytes",` +
			`"connect.parameters":{"scale":"` + s + `","connect.decimal.precision":"` + p + `"}}`)
	case types.KindDate:
		b.WriteString(`{"type":"integer","title":"` + connectDate + `","connect.version":1,"connect.type":"int32"}`)
	case types.KindTime:
		b.WriteString(`{"type":"integer","title":"` + connectTime + `","connect.version":1,"connect.type":"int32"}`)
	case types.KindTimestamp:
		b.WriteString(`{"type":"integer","title":"` + connectTimestamp + `","connect.version":1,"connect.type":"int64"}`)
	case types.KindArray:
		b.WriteString(`{"type":"array","items":`)
		writeJSONNullable(b, t.Elem, -1)
		b.WriteByte('}')
	case types.KindMap:
		b.WriteString(`{"type":"object","additionalProperties":`)
		writeJSONNullable(b, t.Elem, -1)
		b.WriteString(`,"connect.type":"map"}`)
	case types.KindStruct:
		writeJSONObject(b, len(t.Fields), func(i int) (string, *types.Type) { return t.Fields[i].Name, t.Fields[i].Type })
	default:
		b.WriteString(`{"type":"null"}`)
	}
}

// JSONSchemaType maps a JSON Schema (as a registry holds it) to the SQL type ksqlDB
// infers for it, as Confluent's JsonSchemaData reads a schema into Connect's: a
// oneOf (or anyOf, or a type list) of null and one other schema is that schema,
// integers are INT for connect.type int8, int16 and int32 and BIGINT otherwise,
// numbers DOUBLE, titled Connect logical types DECIMAL, DATE, TIME and TIMESTAMP,
// objects with properties STRUCTs ordered by connect.index (then by position) and
// objects with only additionalProperties MAP<STRING, V>. upper upper-cases struct
// field names, as ksqlDB names inferred columns.
func JSONSchemaType(text string, upper bool) (*types.Type, error) {
	n, err := parseOrdered([]byte(text))
	if err != nil {
		return nil, err
	}
	return jsonSchemaNode(n, upper, 0)
}

func jsonSchemaNode(n *jsNode, upper bool, depth int) (*types.Type, error) {
	if depth > 64 {
		return nil, errors.New("schema nests too deep")
	}
	if n.kind == jsBool {
		return nil, errors.New("boolean schemas are not supported")
	}
	if n.kind != jsObject {
		return nil, fmt.Errorf("not a schema: %s", n.raw)
	}
	for _, comb := range []string{"oneOf", "anyOf"} {
		if alts := n.get(comb); alts != nil {
			var rest []*jsNode
			for _, a := range alts.items {
				if t := a.get("type"); t != nil && t.str == "null" {
					continue
				}
				rest = append(rest, a)
			}
			if len(rest) != 1 {
				return nil, fmt.Errorf("%s of %d non-null schemas is not supported", comb, len(rest))
			}
			return jsonSchemaNode(rest[0], upper, depth+1)
		}
	}
	typ := ""
	if t := n.get("type"); t != nil {
		switch t.kind {
		case jsString:
			typ = t.str
		case jsArray:
			for _, it := range t.items {
				if it.str != "null" {
					if typ != "" {
						return nil, errors.New("a type list of several non-null types is not supported")
					}
					typ = it.str
				}
			}
		}
	}
	connectType := n.getString("connect.type")
	title := n.getString("title")
	switch typ {
	case "boolean":
		return types.BooleanType, nil
	case "integer":
		switch title {
		case connectDate:
			return types.DateType, nil
		case connectTime:
			return types.TimeType, nil
		case connectTimestamp:
			return types.TimestampType, nil
		}
		switch connectType {
		case "int8", "int16", "int32":
			return types.IntType, nil
		}
		return types.BigIntType, nil
	case "number":
		if title == connectDecimal {
			params := n.get("connect.parameters")
			p, s := 64, 0
			if params != nil {
				if v, err := strconv.Atoi(params.getString("connect.decimal.precision")); err == nil {
					p = v
				}
				if v, err := strconv.Atoi(params.getString("scale")); err == nil {
					s = v
				}
			}
			return types.NewDecimal(p, s), nil
		}
		return types.DoubleType, nil
	case "string":
		if connectType == "bytes" {
			return types.BytesType, nil
		}
		return types.StringType, nil
	case "array":
		items := n.get("items")
		if items == nil {
			return nil, errors.New("an array without items is not supported")
		}
		elem, err := jsonSchemaNode(items, upper, depth+1)
		if err != nil {
			return nil, err
		}
		if connectType == "map" && elem.Kind == types.KindStruct && len(elem.Fields) == 2 &&
			strings.EqualFold(elem.Fields[0].Name, "key") && strings.EqualFold(elem.Fields[1].Name, "value") {
			// Connect writes a map whose keys are not strings as an array of entries.
			return types.NewMap(elem.Fields[0].Type, elem.Fields[1].Type), nil
		}
		return types.NewArray(elem), nil
	case "object", "":
		props := n.get("properties")
		if add := n.get("additionalProperties"); add != nil && add.kind == jsObject && (props == nil || len(props.keys) == 0) {
			val, err := jsonSchemaNode(add, upper, depth+1)
			if err != nil {
				return nil, err
			}
			return types.NewMap(types.StringType, val), nil
		}
		if props == nil {
			if typ == "" {
				return nil, errors.New("a schema without a type is not supported")
			}
			return types.NewStruct(), nil
		}
		type prop struct {
			name  string
			index int
			pos   int
			schem *jsNode
		}
		ps := make([]prop, len(props.keys))
		for i, k := range props.keys {
			s := props.items[i]
			idx := i
			if ci := s.get("connect.index"); ci != nil && ci.kind == jsNumber {
				if v, err := strconv.Atoi(ci.str); err == nil {
					idx = v
				}
			}
			ps[i] = prop{k, idx, i, s}
		}
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].index < ps[j].index })
		fields := make([]types.Field, len(ps))
		for i, p := range ps {
			ft, err := jsonSchemaNode(p.schem, upper, depth+1)
			if err != nil {
				return nil, fmt.Errorf("property %s: %w", p.name, err)
			}
			name := p.name
			if upper {
				name = strings.ToUpper(name)
			}
			fields[i] = types.Field{Name: name, Type: ft}
		}
		return types.NewStruct(fields...), nil
	}
	return nil, fmt.Errorf("JSON Schema type %q is not supported", typ)
}

// jsNode is a parsed JSON value that keeps the order of object members, which a
// struct's fields follow when the schema gives no connect.index.
type jsNode struct {
	kind  jsKind
	str   string    // a string's value, a number's text
	keys  []string  // object member names
	items []*jsNode // object member values, array elements
	raw   string    // for messages
}

type jsKind uint8

const (
	jsNull jsKind = iota
	jsBool
	jsNumber
	jsString
	jsArray
	jsObject
)

func (n *jsNode) get(key string) *jsNode {
	if n == nil || n.kind != jsObject {
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.items[i]
		}
	}
	return nil
}

func (n *jsNode) getString(key string) string {
	if v := n.get(key); v != nil && v.kind == jsString {
		return v.str
	}
	return ""
}

func parseOrdered(data []byte) (*jsNode, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := parseOrderedValue(dec)
	if err != nil {
		return nil, fmt.Errorf("invalid JSON Schema: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("invalid JSON Schema: text after the schema")
	}
	return n, nil
}

func parseOrderedValue(dec *json.Decoder) (*jsNode, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			n := &jsNode{kind: jsObject, raw: "object"}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				val, err := parseOrderedValue(dec)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k)
				n.items = append(n.items, val)
			}
			_, err := dec.Token()
			return n, err
		case '[':
			n := &jsNode{kind: jsArray, raw: "array"}
			for dec.More() {
				val, err := parseOrderedValue(dec)
				if err != nil {
					return nil, err
				}
				n.items = append(n.items, val)
			}
			_, err := dec.Token()
			return n, err
		}
		return nil, fmt.Errorf("unexpected %v", v)
	case string:
		return &jsNode{kind: jsString, str: v, raw: strconv.Quote(v)}, nil
	case json.Number:
		return &jsNode{kind: jsNumber, str: v.String(), raw: v.String()}, nil
	case bool:
		return &jsNode{kind: jsBool, str: strconv.FormatBool(v), raw: strconv.FormatBool(v)}, nil
	case nil:
		return &jsNode{kind: jsNull, raw: "null"}, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}
