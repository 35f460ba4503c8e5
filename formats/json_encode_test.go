package formats

import (
	"testing"

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
