package server

import (
	"math"
	"testing"

	"github.com/cockroachdb/apd/v3"
	"github.com/sluice-db/sluice/types"
)

func TestAppendText(t *testing.T) {
	tenth := 0.1 // a variable: a constant sum would be folded exactly
	dec := func(s string) *apd.Decimal {
		d, _, err := apd.NewFromString(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, tc := range []struct {
		typ  *types.Type
		v    any
		want string
	}{
		{types.DoubleType, 1.0, "1"},
		{types.DoubleType, tenth + 2*tenth, "0.30000000000000004"},
		{types.DoubleType, 1e15, "1e+15"},
		{types.DoubleType, 123456789012345.0, "123456789012345"},
		{types.DoubleType, 0.0001, "0.0001"},
		{types.DoubleType, 0.00001, "1e-05"},
		{types.DoubleType, math.Copysign(0, -1), "-0"},
		{types.DoubleType, math.NaN(), "NaN"},
		{types.DoubleType, math.Inf(-1), "-Infinity"},
		{types.NewDecimal(10, 3), dec("1.500"), "1.500"},
		{types.NewDecimal(10, 0), dec("1E+3"), "1000"},
		{types.DateType, types.Date(-719162), "0001-01-01"},
		{types.DateType, types.Date(-719163), "0001-12-31 BC"},
		{types.TimeType, types.Time(0), "00:00:00"},
		{types.TimeType, types.Time(1500), "00:00:01.5"},
		{types.TimestampType, types.Timestamp(-1), "1969-12-31 23:59:59.999"},
		{types.BytesType, []byte{}, `\x`},
		{types.NewArray(types.StringType), []any{}, "{}"},
		{types.NewArray(types.StringType), []any{"null", "a,b", "{x}", "ok"}, `{"null","a,b","{x}",ok}`},
		{types.NewArray(types.BytesType), []any{[]byte{1}}, `{"\\x01"}`},
		{types.NewArray(types.NewArray(types.IntType)), []any{[]any{int32(1)}, nil}, "[[1],null]"},
		{types.NewMap(types.StringType, types.DoubleType), &types.Map{Keys: []any{"a\"\n"}, Values: []any{math.NaN()}}, `{"a\"\n":"NaN"}`},
		{types.NewStruct(types.Field{Name: "T", Type: types.TimestampType}), types.Struct{types.Timestamp(0)}, `{"T":"1970-01-01T00:00:00"}`},
	} {
		got, err := appendText(nil, tc.typ, tc.v)
		if err != nil || string(got) != tc.want {
			t.Errorf("appendText(%s, %v) = %q, %v; want %q", tc.typ, tc.v, got, err, tc.want)
		}
	}
	if _, err := appendText(nil, types.IntType, int64(1)); err == nil {
		t.Error("an int64 for an INT column was accepted")
	}
}

func TestNumericBinaryRoundTrip(t *testing.T) {
	for _, s := range []string{"0", "0.00", "1", "-1", "10000", "12345.678", "0.0001", "-0.000012", "1E+8", "99999999.99990000", "NaN", "Infinity", "-Infinity"} {
		in, _, err := apd.NewFromString(s)
		if err != nil {
			t.Fatal(err)
		}
		out, err := decodeNumericBinary(appendNumericBinary(nil, in))
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if string(appendNumeric(nil, out)) != string(appendNumeric(nil, in)) {
			t.Errorf("%s round-tripped to %s", appendNumeric(nil, in), appendNumeric(nil, out))
		}
	}
}

func TestCharPosition(t *testing.T) {
	for _, tc := range []struct {
		sql  string
		off  int
		want int32
	}{
		{"SELECT x", -1, 0},
		{"SELECT x", 0, 1},
		{"SELECT x", 7, 8},
		{"'é' x", 5, 5}, // after a two-byte character
		{"'é' x", 2, 2}, // inside it: points at the character
		{"abc", 99, 4},  // clamped to the end
	} {
		if got := charPosition(tc.sql, tc.off); got != tc.want {
			t.Errorf("charPosition(%q, %d) = %d, want %d", tc.sql, tc.off, got, tc.want)
		}
	}
}

func TestParseText(t *testing.T) {
	for _, tc := range []struct {
		typ  *types.Type
		in   string
		want any
	}{
		{types.BooleanType, " yes ", true},
		{types.BooleanType, "F", false},
		{types.IntType, "-12", int32(-12)},
		{types.BigIntType, "9223372036854775807", int64(math.MaxInt64)},
		{types.DoubleType, "-Infinity", math.Inf(-1)},
		{types.BytesType, `\x00ff`, []byte{0, 0xff}},
		{types.BytesType, `a\\b\001`, []byte{'a', '\\', 'b', 1}},
		{types.DateType, "2024-02-29 23:00:00+05", types.Date(19782)},
		{types.TimeType, "12:34:56.789", types.Time(45296789)},
		{types.TimestampType, "2024-02-29T12:34:56.789Z", types.Timestamp(1709210096789)},
		{types.TimestampType, "2024-02-29 13:34:56.789+01:00", types.Timestamp(1709210096789)},
	} {
		got, err := parseText(tc.typ, tc.in)
		if err != nil {
			t.Errorf("parseText(%s, %q): %v", tc.typ, tc.in, err)
			continue
		}
		if b, ok := got.([]byte); ok {
			if string(b) != string(tc.want.([]byte)) {
				t.Errorf("parseText(%s, %q) = %v, want %v", tc.typ, tc.in, got, tc.want)
			}
		} else if got != tc.want {
			t.Errorf("parseText(%s, %q) = %v, want %v", tc.typ, tc.in, got, tc.want)
		}
	}
	for _, bad := range []struct {
		typ *types.Type
		in  string
	}{{types.IntType, "1.5"}, {types.IntType, "3000000000"}, {types.BooleanType, "maybe"}, {types.DateType, "yesterday"}} {
		if _, err := parseText(bad.typ, bad.in); err == nil {
			t.Errorf("parseText(%s, %q) succeeded", bad.typ, bad.in)
		}
	}
}
