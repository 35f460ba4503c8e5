package types

import (
	"reflect"
	"testing"

	"github.com/cockroachdb/apd/v3"
)

func TestBinaryRoundTrip(t *testing.T) {
	d, _, _ := apd.NewFromString("-12.340")
	row := []any{nil, true, false, int32(-7), int64(1) << 40, 2.5, d, "héllo", []byte{0, 1},
		Date(19000), Time(3600000), Timestamp(1700000000000),
		[]any{int32(1), nil}, Struct{"a", int64(2)}, &Map{Keys: []any{"k"}, Values: []any{[]any{1.5}}}}
	b, err := AppendBinaryRow(nil, row)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadBinaryRow(b)
	if err != nil {
		t.Fatal(err)
	}
	if got[6].(*apd.Decimal).Text('f') != "-12.340" {
		t.Fatalf("decimal lost its scale: %s", got[6].(*apd.Decimal).Text('f'))
	}
	got[6], row[6] = nil, nil
	if !reflect.DeepEqual(got, row) {
		t.Fatalf("round trip:\n got %#v\nwant %#v", got, row)
	}
	// Every truncation fails cleanly instead of panicking.
	for i := 0; i < len(b)-1; i++ {
		if _, err := ReadBinaryRow(b[:i]); err == nil {
			t.Fatalf("truncated to %d bytes: no error", i)
		}
	}
}
