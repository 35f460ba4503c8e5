package server

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
