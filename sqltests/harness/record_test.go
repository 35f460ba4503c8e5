package harness

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestParseRecord(t *testing.T) {
	for _, tc := range []struct {
		line string
		want Record
	}{
		{`value={"A": 1, "B": "x y"}`, Record{Partition: -1, Value: []byte(`{"A": 1, "B": "x y"}`)}},
		{`partition=2 ts=1000 key=int:7 value=bigint:-1`, Record{Partition: 2, Timestamp: 1000,
			Key: []byte{0, 0, 0, 7}, Value: []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}},
		{`key="a b" value=null`, Record{Partition: -1, Key: []byte(`"a b"`)}},
		{`value=double:1.5`, Record{Partition: -1, Value: []byte{0x3f, 0xf8, 0, 0, 0, 0, 0, 0}}},
		{`value=str:"1,hello world\n"`, Record{Partition: -1, Value: []byte("1,hello world\n")}},
		{`value=hex:0a0B`, Record{Partition: -1, Value: []byte{0x0a, 0x0b}}},
		{`value=hex:`, Record{Partition: -1, Value: []byte{}}},
		{`value=[1, {"a": "]"}]`, Record{Partition: -1, Value: []byte(`[1, {"a": "]"}]`)}},
		{`value=x headers=h1:v1,h2:hex:00ff,h3:null,h4:str:"a, b"`, Record{Partition: -1, Value: []byte("x"),
			Headers: []Header{{"h1", []byte("v1")}, {"h2", []byte{0, 0xff}}, {"h3", nil}, {"h4", []byte("a, b")}}}},
	} {
		got, err := ParseRecord(tc.line)
		if err != nil {
			t.Errorf("ParseRecord(%q): %v", tc.line, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseRecord(%q) =\n  %+v\nwant\n  %+v", tc.line, got, tc.want)
		}
	}
}

func TestParseRecordErrors(t *testing.T) {
	for _, line := range []string{
		`value`, `value=1 value=2`, `offset=3`, `ts=x`, `partition=-1`,
		`key=int:99999999999`, `value=hex:0g`, `value=str:"open`, `headers=nocolon`,
		`value={"a":1}x y`, `key=1 value=1,a b`,
	} {
		if rec, err := ParseRecord(line); err == nil {
			t.Errorf("ParseRecord(%q) = %+v, want an error", line, rec)
		}
	}
}

// TestFormatRoundTrip checks that every formatted record parses back to itself, which
// is what lets consume output be pasted as produce input.
func TestFormatRoundTrip(t *testing.T) {
	values := [][]byte{
		nil, {}, []byte("null"), []byte("int:5"), []byte("a b"), []byte(`{"A":"x y","B":[1,2]}`),
		[]byte(`"quoted"`), []byte("1,,x"), []byte("tab\there"), {0, 1, 2, 0xff}, []byte("ünïcode"),
		[]byte("a,b"), []byte(`{"unterminated`),
	}
	for _, k := range values {
		for _, v := range values {
			rec := Record{Partition: 3, Timestamp: -7, Key: k, Value: v,
				Headers: []Header{{"h", v}, {"g", k}}}
			line := rec.Format(true, DecodeAuto, DecodeAuto)
			got, err := ParseRecord(line)
			if err != nil {
				t.Fatalf("ParseRecord(%q): %v", line, err)
			}
			if !sameRecord(got, rec) {
				t.Fatalf("round trip of %q gave %+v, want %+v", line, got, rec)
			}
		}
	}
}

func sameRecord(a, b Record) bool {
	eq := func(x, y []byte) bool { return (x == nil) == (y == nil) && bytes.Equal(x, y) }
	if a.Partition != b.Partition || a.Timestamp != b.Timestamp || !eq(a.Key, b.Key) ||
		!eq(a.Value, b.Value) || len(a.Headers) != len(b.Headers) {
		return false
	}
	for i := range a.Headers {
		if a.Headers[i].Key != b.Headers[i].Key || !eq(a.Headers[i].Value, b.Headers[i].Value) {
			return false
		}
	}
	return true
}

func TestFormatValueDecodings(t *testing.T) {
	for _, tc := range []struct {
		b    []byte
		as   Decoding
		want string
	}{
		{[]byte{0, 0, 0, 7}, DecodeInt, "int:7"},
		{[]byte{0xff, 0xff, 0xff, 0xfe}, DecodeInt, "int:-2"},
		{[]byte{0, 0, 0, 0, 0, 0, 0, 9}, DecodeBigint, "bigint:9"},
		{[]byte{0x3f, 0xf8, 0, 0, 0, 0, 0, 0}, DecodeDouble, "double:1.5"},
		{[]byte{0, 7}, DecodeInt, "hex:0007"}, // wrong length: shown raw
		{[]byte("abc"), DecodeHex, "hex:616263"},
		{[]byte("a\x01"), DecodeString, `str:"a\x01"`},
		{[]byte("a\x01"), DecodeAuto, "hex:6101"},
		{[]byte(`{"A":1}`), DecodeAuto, `{"A":1}`},
		{[]byte("x y"), DecodeAuto, `str:"x y"`},
	} {
		if got := FormatValue(tc.b, tc.as, " "); got != tc.want {
			t.Errorf("FormatValue(%q, %q) = %s, want %s", tc.b, tc.as, got, tc.want)
		}
	}
	if _, err := ParseDecoding("float"); err == nil || !strings.Contains(err.Error(), "unknown format") {
		t.Errorf("ParseDecoding(float) = %v, want an unknown-format error", err)
	}
}
