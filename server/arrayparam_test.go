package server

import (
	"fmt"
	"testing"

	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// TestArrayTextParameters: text arrays as array_in reads them, the form
// psycopg sends a Python list in (pgcli's relkind = ANY(%s)).
func TestArrayTextParameters(t *testing.T) {
	for _, tc := range []struct {
		in   string
		elem *types.Type
		want string
	}{
		{`{r,p,f}`, types.StringType, `[r p f]`},
		{` { a , "b c" , NULL, "NULL", "q\"x", e\,f } `, types.StringType, `[a b c <nil> NULL q"x e,f]`},
		{`{}`, types.StringType, `[]`},
		{`{1, 2,-3}`, types.BigIntType, `[1 2 -3]`},
	} {
		v, err := coerceParam(tc.in, types.NewArray(tc.elem))
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if got := fmt.Sprint(v); got != tc.want {
			t.Errorf("%q: got %s, want %s", tc.in, got, tc.want)
		}
	}
	for in, code := range map[string]string{
		`{a,"b}`:    sqlerr.InvalidTextRepresentation,
		`a,b`:       sqlerr.InvalidTextRepresentation,
		`{{1},{2}}`: sqlerr.FeatureNotSupported,
		`{1,x}`:     sqlerr.InvalidTextRepresentation,
		`{"a" "b"}`: sqlerr.InvalidTextRepresentation,
	} {
		elem := types.StringType
		if in == `{1,x}` {
			elem = types.BigIntType
		}
		if _, err := coerceParam(in, types.NewArray(elem)); sqlerr.CodeOf(err) != code {
			t.Errorf("%q: error %v, want SQLSTATE %s", in, err, code)
		}
	}
}
