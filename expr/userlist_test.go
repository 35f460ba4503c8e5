package expr

import (
	"testing"

	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// TestUserLists pins ksqlDB's common-type rules for ARRAY and MAP constructors
// (create_array.json, create_map.json).
func TestUserLists(t *testing.T) {
	a := NewColumn(0, "A", types.IntType)
	b := NewColumn(1, "B", types.BigIntType)
	k := NewColumn(2, "K", types.StringType)
	v := NewColumn(3, "V", types.BooleanType)
	row := []any{int32(30), int64(40), "a", true}
	st := func(names []string, es ...Expr) Expr { return must(t)(NewStruct(names, es)) }
	for _, tc := range []struct {
		name     string
		e        func() (Expr, error)
		want     string
		wantType string
	}{
		{"numbers and a numeric string", func() (Expr, error) { return NewArray([]Expr{null(), i32(10), str("2e1"), a, b}) },
			"[null, 10, 20, 30, 40]", "ARRAY<DECIMAL(19, 0)>"},
		{"structs merge fields", func() (Expr, error) {
			return NewArray([]Expr{null(), st([]string{"X", "Y"}, a, b), st([]string{"Y", "Z"}, a, b)})
		}, "[null, Struct{0=40,2=30}, Struct{0=30,1=40}]", "ARRAY<STRUCT<`Y` BIGINT, `Z` BIGINT, `X` INTEGER>>"},
		{"literal key and values coerce", func() (Expr, error) {
			return NewMap([]Expr{k, str("b"), i32(10)}, []Expr{v, str("true"), str("no")})
		}, "{a=true, b=true, 10=false}", "MAP<STRING, BOOLEAN>"},
	} {
		e, err := tc.e()
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		check(t, tc.name, e, row, tc.want, tc.wantType)
	}
	for name, f := range map[string]func() (Expr, error){
		"empty array":           func() (Expr, error) { return NewArray(nil) },
		"all null":              func() (Expr, error) { return NewArray([]Expr{null(), null()}) },
		"not a number":          func() (Expr, error) { return NewArray([]Expr{i32(1), str("x")}) },
		"column string and int": func() (Expr, error) { return NewArray([]Expr{k, a}) },
	} {
		_, err := f()
		wantCode(t, name, err, sqlerr.DatatypeMismatch)
	}
}

// TestNestedErrors: a failure inside a function argument that is a call or a
// CAST, or inside a constructor element, is NULL there (ksqlDB's nested error
// handling); at the top it is still an error for the processing log.
func TestNestedErrors(t *testing.T) {
	reg := NewRegistry(Config{})
	bad := must(t)(reg.Call("PARSE_DATE", []Expr{str("abcd"), str("yyyy-MM-dd")}))
	check(t, "top-level failure", bad, nil, "ERROR", "DATE")
	asString := must(t)(NewCast(bad, types.StringType))
	check(t, "ifnull over cast", must(t)(reg.Call("IFNULL", []Expr{asString, str("1900-01-01")})), nil, "1900-01-01", "STRING")
	check(t, "coalesce over call", must(t)(reg.Call("COALESCE", []Expr{bad, lit(types.Date(3), types.DateType)})), nil, "1970-01-04", "DATE")
	check(t, "struct field", must(t)(NewStruct([]string{"A", "B"}, []Expr{str("moo"), bad})), nil, "Struct{0=moo}", "")
	check(t, "map value", must(t)(NewMap([]Expr{str("boo"), str("shoe")}, []Expr{bad, lit(types.Date(3), types.DateType)})), nil, "{boo=null, shoe=1970-01-04}", "")
	div := must(t)(NewBinary("/", i32(1), i32(0)))
	check(t, "arithmetic argument still fails", must(t)(reg.Call("ABS", []Expr{div})), nil, "ERROR", "INTEGER")
}
