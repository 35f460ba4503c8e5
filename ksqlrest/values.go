package ksqlrest

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/sluice-db/sluice/types"
)

// rowJSON converts a row's values to what encoding/json writes as ksqlDB's
// REST API does: numbers as numbers (DECIMAL exactly), BYTES as base64,
// DATE/TIME/TIMESTAMP as ISO-8601 text, STRUCT and MAP as objects, ARRAY as
// arrays.
func rowJSON(cols []types.Column, row []any) []any {
	out := make([]any, len(row))
	for i, v := range row {
		var t *types.Type
		if i < len(cols) {
			t = cols[i].Type
		}
		out[i] = valueJSON(v, t)
	}
	return out
}

func valueJSON(v any, t *types.Type) any {
	switch v := v.(type) {
	case nil:
		return nil
	case *apd.Decimal:
		return json.Number(v.Text('f'))
	case []byte:
		return base64.StdEncoding.EncodeToString(v)
	case types.Date:
		return time.UnixMilli(int64(v) * 86_400_000).UTC().Format("2006-01-02")
	case types.Time:
		return time.UnixMilli(int64(v)).UTC().Format("15:04:05.000")
	case types.Timestamp:
		return v.GoTime().Format("2006-01-02T15:04:05.000")
	case []any:
		var elem *types.Type
		if t != nil {
			elem = t.Elem
		}
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = valueJSON(x, elem)
		}
		return out
	case types.Struct:
		obj := orderedObject{}
		for i, x := range v {
			name, ft := "", (*types.Type)(nil)
			if t != nil && i < len(t.Fields) {
				name, ft = t.Fields[i].Name, t.Fields[i].Type
			}
			obj = append(obj, member{name, valueJSON(x, ft)})
		}
		return obj
	case *types.Map:
		var kt, vt *types.Type
		if t != nil {
			kt, vt = t.Key, t.Elem
		}
		obj := orderedObject{}
		for i, k := range v.Keys {
			key, _ := valueJSON(k, kt).(string)
			obj = append(obj, member{key, valueJSON(v.Values[i], vt)})
		}
		return obj
	}
	return v
}

// orderedObject is a JSON object whose members keep their order (a STRUCT's
// field order, a MAP's insertion order).
type orderedObject []member

type member struct {
	name  string
	value any
}

func (o orderedObject) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(m.name)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(m.value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// typeName is a column's type as ksqlDB's headers write it (INTEGER for INT).
func typeName(t *types.Type) string {
	if t == nil {
		return "STRING"
	}
	s := t.String()
	if s == "INT" {
		return "INTEGER"
	}
	return s
}

// quote doubles single quotes for a SQL string literal.
func quote(s string) string { return strings.ReplaceAll(s, "'", "''") }
