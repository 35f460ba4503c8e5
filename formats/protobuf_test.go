package formats

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/cockroachdb/apd/v3"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/sluice-db/sluice/types"
)

func TestProtobufSchemaFor(t *testing.T) {
	cols := []types.Column{
		{Name: "ID", Type: types.BigIntType},
		{Name: "S", Type: types.NewStruct(types.Field{Name: "F", Type: types.IntType},
			types.Field{Name: "T", Type: types.NewStruct(types.Field{Name: "X", Type: types.BooleanType})})},
		{Name: "A", Type: types.NewArray(types.StringType)},
		{Name: "M", Type: types.NewMap(types.StringType, types.DoubleType)},
		{Name: "B", Type: types.BytesType},
	}
	got := ProtobufSchemaFor(cols, "", "")
	want := `syntax = "proto3";

message ConnectDefault1 {
  int64 ID = 1;
  ConnectDefault2 S = 2;
  repeated string A = 3;
  map<string, double> M = 4;
  bytes B = 5;

  message ConnectDefault2 {
    int32 F = 1;
    ConnectDefault3 T = 2;

    message ConnectDefault3 {
      bool X = 1;
    }
  }
}
`
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	// The derived schema compiles, and inference reads the columns back.
	inferred, err := ProtobufSchemaType(got, "", false)
	if err != nil {
		t.Fatal(err)
	}
	if want := types.NewStruct(fieldsOf(cols)...); !inferred.Equal(want) {
		t.Fatalf("inferred %s, want %s", inferred, want)
	}
}

func TestProtobufInferenceKinds(t *testing.T) {
	got, err := ProtobufSchemaType(`syntax = "proto3"; message K {uint32 k1 = 1;} message V {float c1 = 1; uint64 c2 = 2; sint32 c3 = 3; E e = 4;} enum E {A = 0; B = 1;}`, "V", true)
	if err != nil {
		t.Fatal(err)
	}
	if want := "STRUCT<`C1` DOUBLE, `C2` BIGINT, `C3` INTEGER, `E` STRING>"; got.String() != want {
		t.Fatalf("inferred %s, want %s", got, want)
	}
	if _, err := ProtobufSchemaType(`syntax = "proto3"; message {`, "", true); err == nil {
		t.Fatal("a broken schema was accepted")
	}
}

func TestProtobufRoundTrip(t *testing.T) {
	m := &types.Map{}
	m.Put("a", 1.5)
	m.Put("b", 2.0)
	cols := []types.Column{
		{Name: "I", Type: types.IntType},
		{Name: "S", Type: types.StringType},
		{Name: "ST", Type: types.NewStruct(types.Field{Name: "X", Type: types.BooleanType}, types.Field{Name: "Y", Type: types.BytesType})},
		{Name: "A", Type: types.NewArray(types.BigIntType)},
		{Name: "M", Type: types.NewMap(types.StringType, types.DoubleType)},
		{Name: "NUL", Type: types.NewStruct(types.Field{Name: "Z", Type: types.IntType})},
	}
	row := []any{int32(-7), "x", types.Struct{true, []byte{1, 2}}, []any{int64(1), nil, int64(3)}, m, nil}
	for _, format := range []string{"PROTOBUF", "PROTOBUF_NOSR"} {
		c, err := NewCodec(format, cols, Options{Registry: &Registry{ID: 3}})
		if err != nil {
			t.Fatal(err)
		}
		b, err := c.Encode(nil, row)
		if err != nil {
			t.Fatal(err)
		}
		body := b
		if format == "PROTOBUF" {
			// Header with id 3, then the message indexes [0] as a single 0.
			if !bytes.HasPrefix(b, []byte{0, 0, 0, 0, 3, 0}) {
				t.Fatalf("%s header % x", format, b)
			}
			body = b[6:]
		}
		// Field 1 (I) is the varint -7: tag 0x08, then ten bytes of two's complement.
		if num, typ, n := protowire.ConsumeTag(body); n != 1 || num != 1 || typ != protowire.VarintType {
			t.Fatalf("%s first field % x", format, body)
		}
		got := make([]any, len(cols))
		if err := c.Decode(b, got); err != nil {
			t.Fatal(err)
		}
		// A NULL array element is written as the zero value, as protobuf has no nulls.
		want := []any{int32(-7), "x", types.Struct{true, []byte{1, 2}}, []any{int64(1), int64(0), int64(3)}, m, nil}
		for i := range want {
			if a, b := render(want[i]), render(got[i]); a != b {
				t.Errorf("%s column %s: want %s, read %s", format, cols[i].Name, a, b)
			}
		}
	}
	// A NULL scalar is absent on the wire and reads back as the zero value.
	c, _ := NewCodec("PROTOBUF_NOSR", cols[:2], Options{})
	b, err := c.Encode(nil, []any{nil, nil})
	if err != nil || len(b) != 0 {
		t.Fatalf("NULLs encoded to % x, %v", b, err)
	}
	got := make([]any, 2)
	if err := c.Decode(b, got); err != nil || got[0] != int32(0) || got[1] != "" {
		t.Fatalf("decoded %v, %v", got, err)
	}
}

func TestProtobufMessageIndexes(t *testing.T) {
	fd, err := compileProto(`syntax = "proto3"; message A {int32 x = 1;} message B {message C {string y = 1;}}`)
	if err != nil {
		t.Fatal(err)
	}
	c := fd.Messages().Get(1).Messages().Get(0)
	b := appendMessageIndexes(nil, c)
	// Two indexes, 1 and 0, each a zigzag varint: 04 02 00.
	if !bytes.Equal(b, []byte{4, 2, 0}) {
		t.Fatalf("indexes of B.C: % x", b)
	}
	md, rest, err := readMessageIndexes(append(b, 0xff), fd)
	if err != nil || md != c || !bytes.Equal(rest, []byte{0xff}) {
		t.Fatalf("read %v, % x, %v", md, rest, err)
	}
	if md, _, err := readMessageIndexes([]byte{0}, fd); err != nil || md.Name() != "A" {
		t.Fatalf("[0]: %v, %v", md, err)
	}
	if _, _, err := readMessageIndexes([]byte{2, 10}, fd); err == nil {
		t.Fatal("an index out of range was accepted")
	}
}

func TestProtobufChecks(t *testing.T) {
	for _, c := range []struct {
		cols []types.Column
		opts Options
	}{
		{[]types.Column{{Name: "M", Type: types.NewMap(types.DoubleType, types.IntType)}}, Options{}},
		{[]types.Column{{Name: "AA", Type: types.NewArray(types.NewArray(types.IntType))}}, Options{}},
		{[]types.Column{{Name: "AM", Type: types.NewArray(types.NewMap(types.StringType, types.IntType))}}, Options{}},
		{[]types.Column{{Name: "MAA", Type: types.NewMap(types.StringType, types.NewArray(types.NewArray(types.IntType)))}}, Options{}},
		{[]types.Column{{Name: "V", Type: types.IntType}}, Options{WrapSingle: new(bool)}},
	} {
		if _, err := NewCodec("PROTOBUF", c.cols, c.opts); err == nil {
			t.Errorf("%v accepted", c.cols)
		}
	}
}

func TestProtobufWellKnownTypes(t *testing.T) {
	cols := []types.Column{
		{Name: "TS", Type: types.TimestampType},
		{Name: "D", Type: types.DateType},
		{Name: "T", Type: types.TimeType},
		{Name: "DEC", Type: types.NewDecimal(6, 2)},
	}
	schema := ProtobufSchemaFor(cols, "io.test.Value", "")
	want := `syntax = "proto3";
package io.test;

import "confluent/meta.proto";
import "confluent/type/decimal.proto";
import "google/protobuf/timestamp.proto";
import "google/type/date.proto";
import "google/type/timeofday.proto";

message Value {
  google.protobuf.Timestamp TS = 1;
  google.type.Date D = 2;
  google.type.TimeOfDay T = 3;
  confluent.type.Decimal DEC = 4 [(confluent.field_meta) = {params: [{key: "precision", value: "6"}, {key: "scale", value: "2"}]}];
}
`
	if schema != want {
		t.Fatalf("got\n%s\nwant\n%s", schema, want)
	}
	inferred, err := ProtobufSchemaType(schema, "io.test.Value", false)
	if err != nil {
		t.Fatal(err)
	}
	if w := types.NewStruct(fieldsOf(cols)...); !inferred.Equal(w) {
		t.Fatalf("inferred %s, want %s", inferred, w)
	}
	dec, _, _ := apd.NewFromString("-1234.50")
	// 1969-12-31T23:59:59.250Z, 1999-12-31, 13:14:15.016.
	row := []any{types.Timestamp(-750), types.Date(10956), types.Time(47655016), dec}
	c, err := NewCodec("PROTOBUF", cols, Options{FullName: "io.test.Value", Registry: &Registry{ID: 9}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Encode(nil, row)
	if err != nil {
		t.Fatal(err)
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
}

// A schema importing another subject's schema compiles with the reference, and
// the codec fetches references from the registry when it needs them.
func TestProtobufReferences(t *testing.T) {
	main := "syntax = \"proto3\";\nimport \"event.proto\";\nmessage Logistics {\n Event EVENT = 1;\n}"
	ref := SchemaRef{Name: "event.proto", Schema: "syntax = \"proto3\";\nmessage Event {\n int64 TIMESTAMP = 1;\n}"}
	if _, err := ProtobufSchemaType(main, "", true); err == nil {
		t.Fatal("an unresolved import compiled")
	}
	got, err := ProtobufSchemaType(main, "", true, ref)
	if err != nil {
		t.Fatal(err)
	}
	if want := "STRUCT<`EVENT` STRUCT<`TIMESTAMP` BIGINT>>"; got.String() != want {
		t.Fatalf("inferred %s, want %s", got, want)
	}
	cols := []types.Column{{Name: "EVENT", Type: types.NewStruct(types.Field{Name: "TIMESTAMP", Type: types.BigIntType})}}
	lookup := fakeLookup{5: {main, []SchemaRef{ref}}}
	c, err := NewCodec("PROTOBUF", cols, Options{Registry: &Registry{ID: 5, Schema: main, Lookup: lookup}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Encode(nil, []any{types.Struct{int64(1234)}})
	if err != nil {
		t.Fatal(err)
	}
	row := make([]any, 1)
	if err := c.Decode(b, row); err != nil || render(row[0]) != render(types.Struct{int64(1234)}) {
		t.Fatalf("decoded %v, %v", row, err)
	}
}

type fakeLookup map[int]struct {
	text string
	refs []SchemaRef
}

func (f fakeLookup) SchemaByID(id int) (string, []SchemaRef, error) {
	s, ok := f[id]
	if !ok {
		return "", nil, fmt.Errorf("no schema %d", id)
	}
	return s.text, s.refs, nil
}

// TestProtobufNullableRepresentation derives ksqlDB's schemas for
// *_PROTOBUF_NULLABLE_REPRESENTATION (proto3 optional, or google.protobuf
// wrappers) and checks NULL and zero values survive a round trip apart, while the
// default representation reads a NULL back as the zero value (as ksqlDB does).
func TestProtobufNullableRepresentation(t *testing.T) {
	cols := []types.Column{
		{Name: "I", Type: types.IntType},
		{Name: "L", Type: types.BigIntType},
		{Name: "D", Type: types.DoubleType},
		{Name: "B", Type: types.BooleanType},
		{Name: "S", Type: types.StringType},
		{Name: "N", Type: types.NewStruct(types.Field{Name: "X", Type: types.IntType})},
	}
	schemas := map[string]string{
		"": `syntax = "proto3";

message ConnectDefault1 {
  int32 I = 1;
  int64 L = 2;
  double D = 3;
  bool B = 4;
  string S = 5;
  ConnectDefault2 N = 6;

  message ConnectDefault2 {
    int32 X = 1;
  }
}
`,
		ProtobufOptional: `syntax = "proto3";

message ConnectDefault1 {
  optional int32 I = 1;
  optional int64 L = 2;
  optional double D = 3;
  optional bool B = 4;
  optional string S = 5;
  ConnectDefault2 N = 6;

  message ConnectDefault2 {
    optional int32 X = 1;
  }
}
`,
		ProtobufWrapper: `syntax = "proto3";

import "google/protobuf/wrappers.proto";

message ConnectDefault1 {
  google.protobuf.Int32Value I = 1;
  google.protobuf.Int64Value L = 2;
  google.protobuf.DoubleValue D = 3;
  google.protobuf.BoolValue B = 4;
  google.protobuf.StringValue S = 5;
  ConnectDefault2 N = 6;

  message ConnectDefault2 {
    google.protobuf.Int32Value X = 1;
  }
}
`,
	}
	rows := [][]any{
		{nil, int64(0), nil, false, nil, types.Struct{nil}},
		{int32(0), nil, 0.0, nil, "", types.Struct{int32(0)}},
	}
	zeroed := [][]any{
		{int32(0), int64(0), 0.0, false, "", types.Struct{int32(0)}},
		{int32(0), int64(0), 0.0, false, "", types.Struct{int32(0)}},
	}
	for _, rep := range []string{"", ProtobufOptional, ProtobufWrapper} {
		for _, format := range []string{Protobuf, ProtobufNoSR} {
			opts := Options{ProtobufNullable: rep}
			if format == Protobuf {
				opts.Registry = &Registry{ID: 3}
			}
			if got := DerivedSchema(format, cols, opts); got != schemas[rep] {
				t.Fatalf("%s %q schema:\n%s\nwant\n%s", format, rep, got, schemas[rep])
			}
			c, err := NewCodec(format, cols, opts)
			if err != nil {
				t.Fatal(err)
			}
			for r, row := range rows {
				b, err := c.Encode(nil, row)
				if err != nil {
					t.Fatal(err)
				}
				got := make([]any, len(cols))
				if err := c.Decode(b, got); err != nil {
					t.Fatal(err)
				}
				want := row
				if rep == "" {
					want = zeroed[r]
				}
				if render(got) != render(want) {
					t.Errorf("%s %q row %d: read %s, want %s", format, rep, r, render(got), render(want))
				}
			}
		}
		// Inference reads optional fields as their scalar types, and wrappers,
		// as ksqlDB does without the property, as STRUCTs of their value.
		inferred, err := ProtobufSchemaType(schemas[rep], "", false)
		if err != nil {
			t.Fatal(err)
		}
		want := types.NewStruct(fieldsOf(cols)...).String()
		if rep == ProtobufWrapper {
			want = "STRUCT<`I` STRUCT<`value` INTEGER>, `L` STRUCT<`value` BIGINT>, `D` STRUCT<`value` DOUBLE>, `B` STRUCT<`value` BOOLEAN>, `S` STRUCT<`value` STRING>, `N` STRUCT<`X` STRUCT<`value` INTEGER>>>"
		}
		if inferred.String() != want {
			t.Fatalf("%q: inferred %s, want %s", rep, inferred, want)
		}
	}
	// A STRUCT column reads the wrapper as a message.
	wopts := Options{ProtobufNullable: ProtobufWrapper, Registry: &Registry{ID: 1}}
	sc, err := NewCodec(Protobuf, cols[:1], wopts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sc.Encode(nil, []any{int32(5)})
	if err != nil {
		t.Fatal(err)
	}
	wcols := []types.Column{{Name: "I", Type: types.NewStruct(types.Field{Name: "value", Type: types.IntType})}}
	got := make([]any, 1)
	if err := structReader(t, DerivedSchema(Protobuf, cols[:1], wopts), wcols).Decode(b, got); err != nil || render(got[0]) != render(types.Struct{int32(5)}) {
		t.Fatalf("wrapper read as a STRUCT: %s, %v", render(got), err)
	}
}

// structReader is a PROTOBUF codec over schema (as registered, id 1) for cols.
func structReader(t *testing.T, schema string, cols []types.Column) Codec {
	t.Helper()
	c, err := NewCodec(Protobuf, cols, Options{Registry: &Registry{ID: 1, Schema: schema}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestProtobufMapsOfCollections: a MAP whose values are ARRAYs or MAPs has no
// proto3 map form; it is written as Confluent's converter writes it, a repeated
// ConnectDefaultNEntry message with a key and a (repeated) value field, and
// inference reads such entry lists back as MAPs.
func TestProtobufMapsOfCollections(t *testing.T) {
	cols := []types.Column{
		{Name: "MA", Type: types.NewMap(types.StringType, types.NewArray(types.IntType))},
		{Name: "MM", Type: types.NewMap(types.StringType, types.NewMap(types.StringType, types.BigIntType))},
		{Name: "S", Type: types.NewStruct(types.Field{Name: "X", Type: types.IntType})},
	}
	want := `syntax = "proto3";

message ConnectDefault1 {
  repeated ConnectDefault2Entry MA = 1;
  repeated ConnectDefault3Entry MM = 2;
  ConnectDefault4 S = 3;

  message ConnectDefault2Entry {
    string key = 1;
    repeated int32 value = 2;
  }

  message ConnectDefault3Entry {
    string key = 1;
    map<string, int64> value = 2;
  }

  message ConnectDefault4 {
    int32 X = 1;
  }
}
`
	if got := ProtobufSchemaFor(cols, "", ""); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	inferred, err := ProtobufSchemaType(want, "", false)
	if err != nil {
		t.Fatal(err)
	}
	if w := types.NewStruct(fieldsOf(cols)...); !inferred.Equal(w) {
		t.Fatalf("inferred %s, want %s", inferred, w)
	}
	ma := &types.Map{}
	ma.Put("a", []any{int32(1), int32(2)})
	ma.Put("b", []any{})
	inner := &types.Map{}
	inner.Put("x", int64(7))
	mm := &types.Map{}
	mm.Put("m", inner)
	row := []any{ma, mm, types.Struct{int32(3)}}
	c, err := NewCodec(ProtobufNoSR, cols, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Encode(nil, row)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]any, len(cols))
	if err := c.Decode(b, got); err != nil {
		t.Fatal(err)
	}
	if render(got) != render(row) {
		t.Fatalf("read %s, wrote %s", render(got), render(row))
	}
}
