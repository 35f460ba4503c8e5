package expr

import (
	"testing"

	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

func TestCast(t *testing.T) {
	st := types.NewStruct(types.Field{Name: "F0", Type: types.BigIntType}, types.Field{Name: "F1", Type: types.StringType})
	for _, tc := range []struct {
		name string
		e    Expr
		to   *types.Type
		want string
	}{
		{"double to string", f64(1e7), types.StringType, "1.0E7"},
		{"double to int truncates", f64(-1.9), types.IntType, "-1"},
		{"bigint to int wraps", i64(2147483648), types.IntType, "-2147483648"},
		{"decimal rescale", dec(t, "10.12", 4, 2), types.NewDecimal(5, 3), "10.120"},
		{"int to decimal overflow", i32(10), types.NewDecimal(2, 1), "ERROR"},
		{"double to decimal half up", f64(0.99), types.NewDecimal(2, 1), "1.0"},
		{"string to decimal", str("0.01"), types.NewDecimal(2, 1), "0.0"},
		{"decimal to int", dec(t, "10.01", 4, 2), types.IntType, "10"},
		{"decimal to string", dec(t, "0.00", 4, 2), types.StringType, "0.00"},
		{"string to int", str(" 42 "), types.IntType, "42"},
		{"bad string to int", str("x"), types.IntType, "ERROR"},
		{"string to boolean", str("Yes"), types.BooleanType, "true"},
		{"string to timestamp", str("2022-04-28T21:44:47.943Z"), types.TimestampType, "2022-04-28T21:44:47.943"},
		{"string to date", str("2022-02-02"), types.DateType, "2022-02-02"},
		{"timestamp to string", lit(types.Timestamp(1651182287943), types.TimestampType), types.StringType, "2022-04-28T21:44:47.943"},
		{"array to string", must(t)(NewArray([]Expr{i32(1), i32(3)})), types.StringType, "[1, 3]"},
		{"array elementwise", must(t)(NewArray([]Expr{i64(2147483648)})), types.NewArray(types.StringType), "[2147483648]"},
		{"struct to string", must(t)(NewStruct([]string{"F0", "f1"}, []Expr{i32(1), i32(3)})), types.StringType, "Struct{F0=1,f1=3}"},
		{"struct by name", must(t)(NewStruct([]string{"F0", "F1"}, []Expr{i64(1), str("3")})),
			types.NewStruct(types.Field{Name: "F0", Type: types.StringType}, types.Field{Name: "F3", Type: types.StringType}), "Struct{0=1}"},
		{"null to anything", null(), st, "NULL"},
	} {
		e, err := NewCast(tc.e, tc.to)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		check(t, tc.name, e, nil, tc.want, tc.to.String())
	}
	_, err := NewCast(str("x"), types.NewArray(types.IntType))
	wantCode(t, "string to array", err, sqlerr.DatatypeMismatch)
	if err != nil && err.Error() != "Cast of STRING to ARRAY<INTEGER> is not supported" {
		t.Errorf("message %q", err)
	}
}

func TestImplicitCast(t *testing.T) {
	col := func(tt *types.Type) Expr { return NewColumn(0, "C", tt) }
	for _, tc := range []struct {
		name string
		e    Expr
		to   *types.Type
		ok   bool
	}{
		{"int to bigint", col(types.IntType), types.BigIntType, true},
		{"int to decimal", col(types.IntType), types.NewDecimal(12, 2), true},
		{"bigint to double", col(types.BigIntType), types.DoubleType, true},
		{"decimal to double", col(types.NewDecimal(4, 2)), types.DoubleType, true},
		{"decimal narrowing", col(types.NewDecimal(4, 2)), types.NewDecimal(3, 2), false},
		{"double to int", col(types.DoubleType), types.IntType, false},
		{"bigint to int", col(types.BigIntType), types.IntType, false},
		{"null to struct", null(), types.NewStruct(), true},
		{"string literal to timestamp", str("2020-01-01"), types.TimestampType, true},
		{"string column to timestamp", col(types.StringType), types.TimestampType, false},
		{"string to int", str("1"), types.IntType, false},
		{"array<int> to array<bigint>", col(types.NewArray(types.IntType)), types.NewArray(types.BigIntType), true},
		{"empty struct to wider struct", col(types.NewStruct()), types.NewStruct(types.Field{Name: "A", Type: types.IntType}), true},
		{"struct fields by name", col(types.NewStruct(types.Field{Name: "B", Type: types.IntType})),
			types.NewStruct(types.Field{Name: "A", Type: types.IntType}, types.Field{Name: "B", Type: types.BigIntType}), true},
		{"struct field missing in target", col(types.NewStruct(types.Field{Name: "C", Type: types.IntType})),
			types.NewStruct(types.Field{Name: "A", Type: types.IntType}), false},
	} {
		_, err := ImplicitCast(tc.e, tc.to)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err=%v, want ok=%v", tc.name, err, tc.ok)
		}
		if err != nil {
			wantCode(t, tc.name, err, sqlerr.DatatypeMismatch)
		}
	}
}
