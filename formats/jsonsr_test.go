package formats

import (
	"encoding/json"
	"testing"

	"github.com/cockroachdb/apd/v3"

	"github.com/sluice-db/sluice/types"
)

func TestJSONSchemaForValue(t *testing.T) {
	cols := []types.Column{
		{Name: "FOO", Type: types.IntType},
		{Name: "S", Type: types.NewStruct(types.Field{Name: "F1", Type: types.StringType})},
		{Name: "D", Type: types.NewDecimal(4, 2)},
		{Name: "M", Type: types.NewMap(types.StringType, types.DoubleType)},
		{Name: "A", Type: types.NewArray(types.BigIntType)},
		{Name: "TS", Type: types.TimestampType},
		{Name: "B", Type: types.BytesType},
	}
	got := JSONSchemaFor(cols, Options{})
	want := `{"type":"object","properties":{` +
		`"FOO":{"connect.index":0,"oneOf":[{"type":"null"},{"type":"integer","connect.type":"int32"}]},` +
		`"S":{"connect.index":1,"oneOf":[{"type":"null"},{"type":"object","properties":{"F1":{"connect.index":0,"oneOf":[{"type":"null"},{"type":"string"}]}}}]},` +
		`"D":{"connect.index":2,"oneOf":[{"type":"null"},{"type":"number","title":"org.apache.kafka.connect.data.Decimal","connect.version":1,"connect.type":"bytes","connect.parameters":{"scale":"2","connect.decimal.precision":"4"}}]},` +
		`"M":{"connect.index":3,"oneOf":[{"type":"null"},{"type":"object","additionalProperties":{"oneOf":[{"type":"null"},{"type":"number","connect.type":"float64"}]},"connect.type":"map"}]},` +
		`"A":{"connect.index":4,"oneOf":[{"type":"null"},{"type":"array","items":{"oneOf":[{"type":"null"},{"type":"integer","connect.type":"int64"}]}}]},` +
		`"TS":{"connect.index":5,"oneOf":[{"type":"null"},{"type":"integer","title":"org.apache.kafka.connect.data.Timestamp","connect.version":1,"connect.type":"int64"}]},` +
		`"B":{"connect.index":6,"oneOf":[{"type":"null"},{"type":"string","connect.type":"bytes"}]}}}`
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if !json.Valid([]byte(got)) {
		t.Fatal("not JSON")
	}
	// A single key, like an unwrapped single value, is the nullable type alone.
	key := JSONSchemaFor(cols[:1], Options{IsKey: true})
	if want := `{"oneOf":[{"type":"null"},{"type":"integer","connect.type":"int32"}]}`; key != want {
		t.Fatalf("single key: %s", key)
	}
	unwrap := false
	if v := JSONSchemaFor(cols[:1], Options{WrapSingle: &unwrap}); v != key {
		t.Fatalf("unwrapped value: %s", v)
	}
}

// Inference reads back what derivation writes, and the schemas other writers
// register: bare types, type lists, no connect.index.
func TestJSONSchemaTypeInference(t *testing.T) {
	cols := []types.Column{
		{Name: "I", Type: types.IntType},
		{Name: "L", Type: types.BigIntType},
		{Name: "DBL", Type: types.DoubleType},
		{Name: "BOOL", Type: types.BooleanType},
		{Name: "STR", Type: types.StringType},
		{Name: "BY", Type: types.BytesType},
		{Name: "DEC", Type: types.NewDecimal(10, 3)},
		{Name: "DT", Type: types.DateType},
		{Name: "TM", Type: types.TimeType},
		{Name: "TS", Type: types.TimestampType},
		{Name: "A", Type: types.NewArray(types.StringType)},
		{Name: "M", Type: types.NewMap(types.StringType, types.IntType)},
		{Name: "ST", Type: types.NewStruct(types.Field{Name: "X", Type: types.IntType}, types.Field{Name: "Y", Type: types.StringType})},
	}
	got, err := JSONSchemaType(JSONSchemaFor(cols, Options{}), false)
	if err != nil {
		t.Fatal(err)
	}
	want := types.NewStruct(fieldsOf(cols)...)
	if !got.Equal(want) {
		t.Fatalf("inferred %s, want %s", got, want)
	}

	for _, c := range []struct{ schema, want string }{
		{`{"type":"integer","connect.type":"int32"}`, "INTEGER"},
		{`{"type":"integer"}`, "BIGINT"},
		{`{"type":["null","number"]}`, "DOUBLE"},
		{`{"anyOf":[{"type":"string"},{"type":"null"}]}`, "STRING"},
		// Properties follow connect.index, not their order in the text.
		{`{"type":"object","properties":{"b":{"connect.index":1,"type":"boolean"},"a":{"connect.index":0,"type":"string"}}}`, "STRUCT<`A` STRING, `B` BOOLEAN>"},
		// Without it, their order in the text.
		{`{"type":"object","properties":{"z":{"type":"boolean"},"y":{"type":"string"}}}`, "STRUCT<`Z` BOOLEAN, `Y` STRING>"},
		{`{"type":"object","additionalProperties":{"type":"number"}}`, "MAP<STRING, DOUBLE>"},
	} {
		got, err := JSONSchemaType(c.schema, true)
		if err != nil {
			t.Errorf("%s: %v", c.schema, err)
			continue
		}
		if got.String() != c.want {
			t.Errorf("%s: inferred %s, want %s", c.schema, got, c.want)
		}
	}
	for _, bad := range []string{`{"oneOf":[{"type":"string"},{"type":"integer"}]}`, `true`, `{"type":"integer"`, `{}`} {
		if got, err := JSONSchemaType(bad, true); err == nil {
			t.Errorf("%s: inferred %s, want an error", bad, got)
		}
	}
}

func fieldsOf(cols []types.Column) []types.Field {
	fs := make([]types.Field, len(cols))
	for i, c := range cols {
		fs[i] = types.Field{Name: c.Name, Type: c.Type}
	}
	return fs
}

func TestJSONSRRoundTrip(t *testing.T) {
	cols := []types.Column{
		{Name: "I", Type: types.IntType},
		{Name: "D", Type: types.NewDecimal(5, 2)},
		{Name: "ST", Type: types.NewStruct(types.Field{Name: "X", Type: types.BooleanType})},
		{Name: "NUL", Type: types.StringType},
	}
	d, _, _ := apd.NewFromString("-12.30")
	row := []any{int32(7), d, types.Struct{true}, nil}
	c, err := NewCodec("JSON_SR", cols, Options{Registry: &Registry{ID: 258}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Encode(nil, row)
	if err != nil {
		t.Fatal(err)
	}
	// Confluent's header (id 258 = 0x102), then the JSON the JSON format writes.
	if want := "\x00\x00\x00\x01\x02" + `{"I":7,"D":-12.30,"ST":{"X":true},"NUL":null}`; string(b) != want {
		t.Fatalf("encoded %q, want %q", b, want)
	}
	got := make([]any, len(cols))
	if err := c.Decode(b, got); err != nil {
		t.Fatal(err)
	}
	for i := range row {
		if a, b := render(row[i]), render(got[i]); a != b {
			t.Errorf("column %s: wrote %s, read %s", cols[i].Name, a, b)
		}
	}
	// Any schema id reads, as ksqlDB's deserializer does not consult the schema;
	// the JSON format's coercions apply (a number into a STRING column).
	if err := c.Decode([]byte("\x00\x00\x00\x00\x09"+`{"I":1,"NUL":5}`), got); err != nil {
		t.Fatal(err)
	}
	if got[0] != int32(1) || got[3] != "5" {
		t.Fatalf("decoded %v", got)
	}
	if err := c.Decode([]byte(`{"I":1}`), got); err == nil {
		t.Error("JSON without the header was accepted")
	}

	// A single unwrapped NULL is a null record, not a header and "null".
	unwrap := false
	single, err := NewCodec("JSON_SR", cols[:1], Options{WrapSingle: &unwrap, Registry: &Registry{ID: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := single.Encode(nil, []any{nil}); err != nil || b != nil {
		t.Fatalf("unwrapped NULL encoded to %q, %v", b, err)
	}
	if b, err := single.Encode(nil, []any{int32(3)}); err != nil || string(b) != "\x00\x00\x00\x00\x013" {
		t.Fatalf("unwrapped 3 encoded to %q, %v", b, err)
	}
}

func TestJSONSRSchemaChecks(t *testing.T) {
	_, err := NewCodec("JSON_SR", []types.Column{{Name: "M", Type: types.NewMap(types.IntType, types.IntType)}}, Options{})
	if err == nil || err.Error() != "JSON only supports MAP types with STRING keys" {
		t.Fatalf("non-string map keys: %v", err)
	}
	wrap := true
	if _, err := NewCodec("JSON_SR", []types.Column{{Name: "V", Type: types.IntType}}, Options{WrapSingle: &wrap}); err != nil {
		t.Fatalf("WRAP_SINGLE_VALUE=true: %v", err)
	}
}
