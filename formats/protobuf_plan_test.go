package formats

import (
	"bytes"
	"testing"

	"github.com/cockroachdb/apd/v3"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/sluice-db/sluice/types"
)

// TestProtobufPlanMatchesDynamicpb decodes the same records with the compiled
// wire plan and with dynamicpb (the general decoder) and requires the same
// values: derived schemas with every column kind, and a foreign schema with the
// scalar kinds ksqlDB reads, packed and unpacked repeated fields, unknown
// fields, a scalar written twice (the last wins) and a message written twice
// (merged: the plan hands that record to dynamicpb).
func TestProtobufPlanMatchesDynamicpb(t *testing.T) {
	dec, _, _ := apd.NewFromString("12.34")
	m := &types.Map{}
	m.Put("b", int64(2))
	m.Put("a", int64(1))
	cols := []types.Column{
		{Name: "I", Type: types.IntType}, {Name: "L", Type: types.BigIntType}, {Name: "D", Type: types.DoubleType},
		{Name: "B", Type: types.BooleanType}, {Name: "S", Type: types.StringType}, {Name: "Y", Type: types.BytesType},
		{Name: "TS", Type: types.TimestampType}, {Name: "DT", Type: types.DateType}, {Name: "TM", Type: types.TimeType},
		{Name: "DEC", Type: types.NewDecimal(4, 2)},
		{Name: "ST", Type: types.NewStruct(types.Field{Name: "X", Type: types.IntType}, types.Field{Name: "IN", Type: types.NewStruct(types.Field{Name: "Z", Type: types.StringType})})},
		{Name: "A", Type: types.NewArray(types.BigIntType)}, {Name: "AS", Type: types.NewArray(types.StringType)},
		{Name: "AST", Type: types.NewArray(types.NewStruct(types.Field{Name: "X", Type: types.IntType}))},
		{Name: "M", Type: types.NewMap(types.StringType, types.BigIntType)},
	}
	rows := [][]any{
		{int32(-5), int64(1) << 40, 2.5, true, "s", []byte{1, 2}, types.Timestamp(-750), types.Date(10956), types.Time(47655016), dec,
			types.Struct{int32(1), types.Struct{"z"}}, []any{int64(1), int64(-2)}, []any{"x", ""}, []any{types.Struct{int32(3)}, types.Struct{nil}}, m},
		make([]any, 15),
		{nil, nil, nil, nil, nil, nil, types.Timestamp(5), nil, nil, nil, types.Struct{nil, nil}, []any{}, nil, nil, &types.Map{}},
	}
	for _, rep := range []string{"", ProtobufOptional, ProtobufWrapper} {
		for _, projected := range []bool{false, true} {
			opts := Options{ProtobufNullable: rep}
			var use *Projection
			if projected {
				use = &Projection{Columns: make([]bool, len(cols))}
				for i := range cols {
					use.Columns[i] = i%2 == 0
				}
			}
			compareDecoders(t, ProtobufNoSR, cols, opts, use, rows)
		}
	}

	// A foreign schema: every scalar kind, and hand-written records.
	schema := `syntax = "proto3";
message V {
  sint32 a = 1; sint64 b = 2; uint32 c = 3; fixed32 d = 4; sfixed64 e = 5; float f = 6;
  E g = 7; repeated int32 h = 8; message N { string z = 1; int32 w = 2; } N n = 9; optional int64 o = 10;
  enum E { ZERO = 0; ONE = 1; }
}`
	fcols := []types.Column{
		{Name: "a", Type: types.IntType}, {Name: "b", Type: types.BigIntType}, {Name: "c", Type: types.BigIntType},
		{Name: "d", Type: types.BigIntType}, {Name: "e", Type: types.BigIntType}, {Name: "f", Type: types.DoubleType},
		{Name: "g", Type: types.StringType}, {Name: "h", Type: types.NewArray(types.IntType)},
		{Name: "n", Type: types.NewStruct(types.Field{Name: "z", Type: types.StringType}, types.Field{Name: "w", Type: types.IntType})},
		{Name: "o", Type: types.BigIntType},
	}
	var rec []byte
	rec = protowire.AppendTag(rec, 1, protowire.VarintType)
	rec = protowire.AppendVarint(rec, protowire.EncodeZigZag(-3))
	rec = protowire.AppendTag(rec, 2, protowire.VarintType)
	rec = protowire.AppendVarint(rec, protowire.EncodeZigZag(-1<<40))
	rec = protowire.AppendTag(rec, 3, protowire.VarintType)
	rec = protowire.AppendVarint(rec, 4000000000)
	rec = protowire.AppendTag(rec, 4, protowire.Fixed32Type)
	rec = protowire.AppendFixed32(rec, 7)
	rec = protowire.AppendTag(rec, 5, protowire.Fixed64Type)
	rec = protowire.AppendFixed64(rec, uint64(1<<63|5))
	rec = protowire.AppendTag(rec, 6, protowire.Fixed32Type)
	rec = protowire.AppendFixed32(rec, 0x3fc00000) // 1.5
	rec = protowire.AppendTag(rec, 7, protowire.VarintType)
	rec = protowire.AppendVarint(rec, 1)
	rec = protowire.AppendTag(rec, 8, protowire.BytesType) // packed 1, 2
	rec = protowire.AppendBytes(rec, []byte{1, 2})
	rec = protowire.AppendTag(rec, 8, protowire.VarintType) // then unpacked 3
	rec = protowire.AppendVarint(rec, 3)
	rec = protowire.AppendTag(rec, 99, protowire.BytesType) // unknown
	rec = protowire.AppendBytes(rec, []byte("skip me"))
	rec = protowire.AppendTag(rec, 1, protowire.VarintType) // a written again: the last wins
	rec = protowire.AppendVarint(rec, protowire.EncodeZigZag(9))
	rec = protowire.AppendTag(rec, 10, protowire.VarintType)
	rec = protowire.AppendVarint(rec, 0)
	nested := protowire.AppendTag(nil, 1, protowire.BytesType)
	nested = protowire.AppendBytes(nested, []byte("z"))
	once := append(protowire.AppendTag(append([]byte(nil), rec...), 9, protowire.BytesType), protowire.AppendBytes(nil, nested)...)
	other := protowire.AppendTag(nil, 2, protowire.VarintType)
	other = protowire.AppendVarint(other, 8)
	twice := append(protowire.AppendTag(append([]byte(nil), once...), 9, protowire.BytesType), protowire.AppendBytes(nil, other)...)
	plan, err := NewCodec(Protobuf, fcols, Options{Registry: &Registry{ID: 1, Schema: schema}})
	if err != nil {
		t.Fatal(err)
	}
	general, _ := NewCodec(Protobuf, fcols, Options{Registry: &Registry{ID: 1, Schema: schema}})
	general.(*protobufCodec).dynamicOnly = true
	header := appendMessageIndexes(appendConfluentHeader(nil, 1), plan.(*protobufCodec).msg)
	for name, body := range map[string][]byte{"once": once, "twice": twice, "empty": {}} {
		data := append(append([]byte(nil), header...), body...)
		a, b := make([]any, len(fcols)), make([]any, len(fcols))
		errA, errB := plan.Decode(data, a), general.Decode(data, b)
		if (errA == nil) != (errB == nil) || render(a) != render(b) {
			t.Errorf("%s: plan read %s (%v), dynamicpb %s (%v)", name, render(a), errA, render(b), errB)
		}
	}
	p := plan.(*protobufCodec).plan(plan.(*protobufCodec).msg)
	if p == nil {
		t.Fatal("no plan for a schema of scalars, enums, repeated scalars and messages")
	}
	if err := p.decode(once, make([]any, len(fcols))); err != nil {
		t.Errorf("plan decode: %v", err)
	}
	if err := p.decode(twice, make([]any, len(fcols))); err != errProtoFallback {
		t.Errorf("a message written twice: %v, want the general decoder", err)
	}
}

// compareDecoders encodes rows and checks the plan and dynamicpb decode them alike.
func compareDecoders(t *testing.T, format string, cols []types.Column, opts Options, use *Projection, rows [][]any) {
	t.Helper()
	enc, err := NewCodec(format, cols, opts)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := NewDecoder(format, cols, opts, use)
	if err != nil {
		t.Fatal(err)
	}
	general, _ := NewDecoder(format, cols, opts, use)
	general.(*protobufCodec).dynamicOnly = true
	for r, row := range rows {
		data, err := enc.Encode(nil, row)
		if err != nil {
			t.Fatal(err)
		}
		a, b := make([]any, len(cols)), make([]any, len(cols))
		if err := plan.Decode(data, a); err != nil {
			t.Fatal(err)
		}
		if err := general.Decode(data, b); err != nil {
			t.Fatal(err)
		}
		if use != nil {
			for i := range b {
				if !use.Columns[i] {
					b[i] = nil // a projected reader may leave unused columns NULL
					a[i] = nil
				}
			}
		}
		if render(a) != render(b) {
			t.Errorf("%q row %d (projected %v):\nplan     %s\ndynamicpb %s", opts.ProtobufNullable, r, use != nil, render(a), render(b))
		}
		// The plan itself read the record (Decode falls back silently).
		pc := plan.(*protobufCodec)
		p := pc.plan(pc.msg)
		if p == nil {
			t.Fatal("no plan")
		}
		if err := p.decode(data, make([]any, len(cols))); err != nil {
			t.Errorf("row %d: plan decode: %v", r, err)
		}
	}
}

// TestProtobufEncodePlanMatchesDynamicpb requires the compiled encoder to write
// the bytes the deterministic dynamicpb marshaller writes, for every column kind,
// NULLs, zero values, negative numbers, NULL elements and map values, unsorted and
// duplicate map keys, and messages longer than 127 bytes (a two-byte length).
func TestProtobufEncodePlanMatchesDynamicpb(t *testing.T) {
	m := &types.Map{}
	m.Put("b", int64(2))
	m.Put("a", nil)
	m.Put("", int64(-1))
	im := &types.Map{}
	im.Put(int32(-3), "x")
	im.Put(int32(2), "")
	long := make([]byte, 300)
	for i := range long {
		long[i] = 'a' + byte(i%26)
	}
	cols := []types.Column{
		{Name: "I", Type: types.IntType}, {Name: "L", Type: types.BigIntType}, {Name: "D", Type: types.DoubleType},
		{Name: "B", Type: types.BooleanType}, {Name: "S", Type: types.StringType}, {Name: "Y", Type: types.BytesType},
		{Name: "TS", Type: types.TimestampType}, {Name: "DT", Type: types.DateType}, {Name: "TM", Type: types.TimeType},
		{Name: "ST", Type: types.NewStruct(types.Field{Name: "X", Type: types.IntType}, types.Field{Name: "IN", Type: types.NewStruct(types.Field{Name: "Z", Type: types.StringType})})},
		{Name: "A", Type: types.NewArray(types.BigIntType)}, {Name: "AS", Type: types.NewArray(types.StringType)},
		{Name: "AST", Type: types.NewArray(types.NewStruct(types.Field{Name: "X", Type: types.IntType}))},
		{Name: "M", Type: types.NewMap(types.StringType, types.BigIntType)}, {Name: "IM", Type: types.NewMap(types.IntType, types.StringType)},
		{Name: "DEC", Type: types.NewDecimal(6, 2)},
	}
	dec, _, _ := apd.NewFromString("-1234.5")
	zero, _, _ := apd.NewFromString("0")
	rows := [][]any{
		{int32(-5), int64(1) << 40, -2.5, true, "s€", []byte{1, 2}, types.Timestamp(-750), types.Date(10956), types.Time(47655016),
			types.Struct{int32(1), types.Struct{string(long)}}, []any{int64(1), nil, int64(-2)}, []any{"x", nil, ""},
			[]any{types.Struct{int32(3)}, nil, types.Struct{nil}}, m, im, dec},
		make([]any, 16),
		{int32(0), int64(0), 0.0, false, "", []byte{}, types.Timestamp(0), types.Date(0), types.Time(0),
			types.Struct{nil, nil}, []any{}, []any{}, []any{}, &types.Map{}, &types.Map{}, zero},
		{nil, nil, nil, nil, string(long), long, types.Timestamp(1436918400123), nil, nil, types.Struct{int32(-1), nil}, nil, nil, nil, nil, nil, nil},
	}
	for _, rep := range []string{"", ProtobufOptional, ProtobufWrapper} {
		for _, format := range []string{Protobuf, ProtobufNoSR} {
			opts := Options{ProtobufNullable: rep, Registry: &Registry{ID: 4}}
			plan, err := NewCodec(format, cols, opts)
			if err != nil {
				t.Fatal(err)
			}
			if plan.(*protobufCodec).encPlan == nil {
				t.Fatalf("%s %q: no encoding plan", format, rep)
			}
			general, _ := NewCodec(format, cols, opts)
			general.(*protobufCodec).dynamicOnly = true
			for r, row := range rows {
				a, errA := plan.Encode(nil, row)
				b, errB := general.Encode(nil, row)
				if errA != nil || errB != nil || !bytes.Equal(a, b) {
					t.Errorf("%s %q row %d:\nplan      % x (%v)\ndynamicpb % x (%v)", format, rep, r, a, errA, b, errB)
				}
				// The plan wrote them itself (Encode falls back silently).
				pc := plan.(*protobufCodec)
				var head []byte
				if pc.framed {
					head = appendMessageIndexes(appendConfluentHeader(nil, pc.id), pc.msg)
				}
				direct, err := pc.encPlan.encode(head, row)
				if err != nil || !bytes.Equal(direct, b) && len(b) > 0 {
					t.Errorf("%s %q row %d: plan alone wrote % x (%v)", format, rep, r, direct, err)
				}
			}
		}
	}
}
