package formats

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/cockroachdb/apd/v3"

	"github.com/sluice-db/sluice/types"
)

func TestAvroSchemaForValue(t *testing.T) {
	cols := []types.Column{
		{Name: "ID", Type: types.BigIntType},
		{Name: "S", Type: types.NewStruct(types.Field{Name: "F", Type: types.IntType})},
		{Name: "D", Type: types.NewDecimal(4, 2)},
	}
	got := AvroSchemaFor(cols, Options{}, "")
	want := `{"type":"record","name":"KsqlDataSourceSchema","namespace":"io.confluent.ksql.avro_schemas","fields":[` +
		`{"name":"ID","type":["null","long"],"default":null},` +
		`{"name":"S","type":["null",{"type":"record","name":"KsqlDataSourceSchema_S","fields":[{"name":"F","type":["null","int"],"default":null}],"connect.name":"io.confluent.ksql.avro_schemas.KsqlDataSourceSchema_S"}],"default":null},` +
		`{"name":"D","type":["null",{"type":"bytes","scale":2,"precision":4,"connect.version":1,"connect.parameters":{"scale":"2","connect.decimal.precision":"4"},"connect.name":"org.apache.kafka.connect.data.Decimal","logicalType":"decimal"}],"default":null}],` +
		`"connect.name":"io.confluent.ksql.avro_schemas.KsqlDataSourceSchema"}`
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if !json.Valid([]byte(got)) {
		t.Fatal("not JSON")
	}
	if key := AvroSchemaFor(cols[:1], Options{IsKey: true}, ""); key != `"long"` {
		t.Fatalf("single key: %s", key)
	}
}

func TestAvroRoundTrip(t *testing.T) {
	m := &types.Map{}
	m.Put("a", int32(1))
	m.Put("b", nil)
	cols := []types.Column{
		{Name: "I", Type: types.IntType},
		{Name: "S", Type: types.StringType},
		{Name: "D", Type: types.NewDecimal(5, 2)},
		{Name: "N", Type: types.NewDecimal(5, 2)},
		{Name: "DT", Type: types.DateType},
		{Name: "TS", Type: types.TimestampType},
		{Name: "A", Type: types.NewArray(types.DoubleType)},
		{Name: "M", Type: types.NewMap(types.StringType, types.IntType)},
		{Name: "ST", Type: types.NewStruct(types.Field{Name: "X", Type: types.BooleanType}, types.Field{Name: "Y", Type: types.BytesType})},
		{Name: "NUL", Type: types.StringType},
	}
	d, _, _ := apd.NewFromString("-12.30")
	n, _, _ := apd.NewFromString("127.99")
	row := []any{int32(7), "x", d, n, types.Date(19000), types.Timestamp(1700000000000), []any{1.5, nil},
		m, types.Struct{true, []byte{1, 2}}, nil}
	c, err := NewCodec("AVRO", cols, Options{Registry: &Registry{ID: 42}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Encode(nil, row)
	if err != nil {
		t.Fatal(err)
	}
	if b[0] != 0 || b[1] != 0 || b[2] != 0 || b[3] != 0 || b[4] != 42 {
		t.Fatalf("header % x", b[:5])
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
	if err := c.Decode([]byte{1, 0, 0, 0, 42, 0}, got); err == nil {
		t.Error("a bad magic byte was accepted")
	}
	if err := c.Decode([]byte{0, 0, 0, 0, 9, 0}, got); err == nil {
		t.Error("an unknown schema id was accepted")
	}
}

func TestAvroUnwrappedKey(t *testing.T) {
	cols := []types.Column{{Name: "K", Type: types.StringType}}
	c, err := NewCodec("AVRO", cols, Options{IsKey: true, Registry: &Registry{ID: 1}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Encode(nil, []any{"hello"})
	if err != nil {
		t.Fatal(err)
	}
	// magic, id, then the string: zigzag length 5 (0x0a) and the bytes.
	if want := "\x00\x00\x00\x00\x01\x0ahello"; string(b) != want {
		t.Fatalf("% x", b)
	}
}

func TestAvroRejectsNonStringMapKeys(t *testing.T) {
	cols := []types.Column{{Name: "M", Type: types.NewMap(types.IntType, types.IntType)}}
	if _, err := NewCodec("AVRO", cols, Options{}); err == nil {
		t.Fatal("accepted")
	}
}

// render prints a column value with its Go type, so equal renderings mean equal values.
func render(v any) string {
	switch x := v.(type) {
	case *apd.Decimal:
		return "decimal " + x.String()
	case *types.Map:
		out := "map{"
		for i := range x.Keys {
			out += render(x.Keys[i]) + ":" + render(x.Values[i]) + ","
		}
		return out + "}"
	case types.Struct:
		out := "struct{"
		for _, e := range x {
			out += render(e) + ","
		}
		return out + "}"
	case []any:
		out := "["
		for _, e := range x {
			out += render(e) + ","
		}
		return out + "]"
	}
	return fmt.Sprintf("%T %v", v, v)
}
