package pgface

import "testing"

func TestBindLiterals(t *testing.T) {
	for _, tc := range []struct {
		sql    string
		params []any
		want   string
	}{
		{"SELECT a FROM s WHERE id = $1 AND c = $2 EMIT CHANGES LIMIT 1", []any{int64(2), "b'o"}, "SELECT a FROM s WHERE id = 2 AND c = 'b''o' EMIT CHANGES LIMIT 1"},
		{"SELECT '$1', $1 FROM s", []any{nil}, "SELECT '$1', NULL FROM s"},
		{"SELECT $2 FROM s", []any{true, int32(7)}, "SELECT 7 FROM s"},
	} {
		got, ok := bindLiterals(tc.sql, tc.params)
		if !ok || got != tc.want {
			t.Errorf("bindLiterals(%q) = %q, %v; want %q", tc.sql, got, ok, tc.want)
		}
	}
	if _, ok := bindLiterals("SELECT 1", nil); ok {
		t.Error("a statement without parameters needs no binding")
	}
}

func TestMaxParam(t *testing.T) {
	for sql, want := range map[string]int{
		"SELECT 1":                             0,
		"SELECT $2, $1 FROM s EMIT CHANGES":    2,
		"SELECT '$3' FROM s WHERE a = $1":      1,
		"SELECT * FROM s WHERE a = $12 -- $40": 12,
	} {
		if got := maxParam(sql); got != want {
			t.Errorf("maxParam(%q) = %d, want %d", sql, got, want)
		}
	}
}
