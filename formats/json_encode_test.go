package formats

import (
	"testing"

	"github.com/cockroachdb/apd/v3"
	"github.com/sluice-db/sluice/types"
)

// TestJSONMapNullKey: MAP(k := v, NULL := v) serializes its NULL key as "null"
// (create_map.json).
func TestJSONMapNullKey(t *testing.T) {
	m := &types.Map{Keys: []any{"foo", nil}, Values: []any{int32(10), int32(10)}}
	got, err := appendJSON(nil, m, types.NewMap(types.StringType, types.IntType))
	if err != nil || string(got) != `{"foo":10,"null":10}` {
		t.Fatalf("got %s, %v", got, err)
	}
}

// TestJSONDecimalKeepsSmallerScale: a DECIMAL value with fewer fraction digits
// than its column is written unpadded (greatest.json "test decimal widening");
// one with more is still fitted to the column.
func TestJSONDecimalKeepsSmallerScale(t *testing.T) {
	for _, tc := range []struct {
		in   string
		p, s int
		want string
	}{
		{"1234567.89", 13, 6, "1234567.89"},
		{"10", 6, 4, "10"},
		{"10.12345", 6, 4, "error"},
		{"10.1", 3, 2, "error"}, // 10.10 needs 4 digits
		{"10.1000", 6, 4, "10.1000"},
	} {
		d, _, _ := apd.NewFromString(tc.in)
		got, err := appendJSON(nil, d, types.NewDecimal(tc.p, tc.s))
		g := string(got)
		if err != nil {
			g = "error"
		}
		if g != tc.want {
			t.Errorf("%s as DECIMAL(%d, %d): got %s, want %s", tc.in, tc.p, tc.s, g, tc.want)
		}
	}
}
