package expr

import (
	"math"
	"testing"

	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

func TestBinary(t *testing.T) {
	for _, tc := range []struct {
		name     string
		op       string
		l, r     Expr
		want     string
		wantType string
	}{
		{"int add", "+", i32(2), i32(3), "5", "INTEGER"},
		{"int overflow is an error", "+", i32(math.MaxInt32), i32(1), "ERROR", "INTEGER"},
		{"int underflow is an error", "-", i32(math.MinInt32), i32(1), "ERROR", "INTEGER"},
		{"int product overflow", "*", i32(65536), i32(65536), "ERROR", "INTEGER"},
		{"int at its limit", "+", i32(math.MaxInt32 - 1), i32(1), "2147483647", "INTEGER"},
		{"bigint overflow is an error", "+", i64(math.MaxInt64), i64(1), "ERROR", "BIGINT"},
		{"bigint product overflow", "*", i64(math.MaxInt64/2 + 1), i64(2), "ERROR", "BIGINT"},
		{"min bigint % -1", "%", i64(math.MinInt64), i64(-1), "0", "BIGINT"},
		{"int div is integer", "/", i32(7), i32(2), "3", "INTEGER"},
		{"int div zero", "/", i32(7), i32(0), "ERROR", "INTEGER"},
		{"int mod zero", "%", i32(7), i32(0), "ERROR", "INTEGER"},
		{"min int / -1 does not fit", "/", i32(math.MinInt32), i32(-1), "ERROR", "INTEGER"},
		{"min bigint / -1 does not fit", "/", i64(math.MinInt64), i64(-1), "ERROR", "BIGINT"},
		{"int + bigint", "+", i32(1), i64(2), "3", "BIGINT"},
		{"bigint * double", "*", i64(2), f64(1.5), "3.0", "DOUBLE"},
		{"double div zero", "/", f64(1), f64(0), "Infinity", "DOUBLE"},
		{"double 0/0", "/", f64(0), f64(0), "NaN", "DOUBLE"},
		{"double mod", "%", f64(-7.5), f64(2), "-1.5", "DOUBLE"},
		{"null propagates", "+", i32(1), lit(nil, types.IntType), "NULL", "INTEGER"},
		{"string plus concatenates", "+", str("a"), str("b"), "ab", "STRING"},
		{"pipes concatenate", "||", str("a"), str("b"), "ab", "STRING"},
		{"eq widened", "=", i32(1), f64(1.0), "true", "BOOLEAN"},
		{"lt strings", "<", str("a"), str("b"), "true", "BOOLEAN"},
		{"ne", "<>", i64(1), i32(1), "false", "BOOLEAN"},
		{"compare null column", "=", lit(nil, types.IntType), i32(1), "false", "BOOLEAN"},
		{"compare null bytes", ">", lit([]byte("a"), types.BytesType), lit(nil, types.BytesType), "false", "BOOLEAN"},
		{"ne null", "<>", lit(nil, types.BigIntType), i32(1), "false", "BOOLEAN"},
		{"timestamp vs string", ">", lit(types.Timestamp(1651182287943), types.TimestampType), str("2022-04-28T21:44:47"), "true", "BOOLEAN"},
		{"date vs timestamp", "=", lit(types.Date(1), types.DateType), lit(types.Timestamp(86400000), types.TimestampType), "true", "BOOLEAN"},
		{"and null false", "AND", null(), boolean(false), "false", "BOOLEAN"},
		{"and null true", "AND", null(), boolean(true), "NULL", "BOOLEAN"},
		{"or null true", "OR", null(), boolean(true), "true", "BOOLEAN"},
		{"or null false", "OR", boolean(false), null(), "NULL", "BOOLEAN"},
		{"array eq", "=", must(t)(NewArray([]Expr{i32(1)})), must(t)(NewArray([]Expr{i64(1)})), "true", "BOOLEAN"},
	} {
		e, err := NewBinary(tc.op, tc.l, tc.r)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		check(t, tc.name, e, nil, tc.want, tc.wantType)
	}
	_, err := NewBinary("<>", null(), null())
	wantCode(t, "NULL <> NULL", err, sqlerr.DatatypeMismatch)
	// An untyped NULL leaves arithmetic without a type (ksqlDB: "Arithmetic on
	// types INTEGER and null are not supported").
	_, err = NewBinary("+", i32(1), null())
	wantCode(t, "1 + NULL", err, sqlerr.DatatypeMismatch)
	_, err = NewBinary("/", null(), f64(1))
	wantCode(t, "NULL / 1.0E0", err, sqlerr.DatatypeMismatch)

	// ROWTIME compared with a string literal reads it as a timestamp.
	rowtime := NewColumn(0, "ROWTIME", types.BigIntType)
	for _, tc := range []struct {
		e    Expr
		row  int64
		want string
	}{
		{must(t)(NewBinary(">=", rowtime, str("2018"))), 1514764800000, "true"},
		{must(t)(NewBinary(">=", rowtime, str("2018"))), 1514764799999, "false"},
		{must(t)(NewBinary(">", rowtime, str("2019-01-01T00:00:00+0445"))), 1546300800000, "true"},
		{must(t)(NewBetween(rowtime, str("2018-01-01T00:00:00.001"), str("2018-01-01T00:00:01"), false)), 1514764800000, "false"},
		{must(t)(NewBetween(rowtime, str("2018-01-01T00:00:00.001"), str("2018-01-01T00:00:01"), false)), 1514764800001, "true"},
	} {
		check(t, tc.e.String(), tc.e, []any{tc.row}, tc.want, "BOOLEAN")
	}
	_, err = NewBinary("=", rowtime, str("yesterday"))
	wantCode(t, "ROWTIME = 'yesterday'", err, sqlerr.DatatypeMismatch)
}

func TestDecimalArithmetic(t *testing.T) {
	// Expectations from ksqlDB's decimal.json: DECIMAL(4,2) op DECIMAL(4,2).
	for _, tc := range []struct {
		op       string
		a, b     string
		want     string
		wantType string
	}{
		{"+", "10.01", "5.10", "15.11", "DECIMAL(5, 2)"},
		{"-", "10.10", "5.10", "5.00", "DECIMAL(5, 2)"},
		{"*", "10.10", "2.00", "20.2000", "DECIMAL(9, 4)"},
		{"/", "10.10", "2.00", "5.0500000", "DECIMAL(11, 7)"},
		{"/", "10.10", "0.00", "ERROR", "DECIMAL(11, 7)"},
		{"%", "10.10", "-2.00", "0.10", "DECIMAL(4, 2)"},
		{"%", "10.10", "0.00", "ERROR", "DECIMAL(4, 2)"},
	} {
		e := must(t)(NewBinary(tc.op, dec(t, tc.a, 4, 2), dec(t, tc.b, 4, 2)))
		check(t, tc.a+tc.op+tc.b, e, nil, tc.want, tc.wantType)
	}
	e := must(t)(NewBinary("+", dec(t, "10.01", 4, 2), i32(5)))
	check(t, "decimal + int", e, nil, "15.01", "DECIMAL(13, 2)")
	e = must(t)(NewBinary("+", dec(t, "10.01", 4, 2), f64(5.1)))
	check(t, "decimal + double", e, nil, "15.11", "DOUBLE")
	e = must(t)(NewUnary("-", dec(t, "10.12345", 7, 5)))
	check(t, "negation", e, nil, "-10.12345", "DECIMAL(7, 5)")
}

func TestBindErrors(t *testing.T) {
	_, err := NewBinary("+", str("a"), i32(1))
	wantCode(t, "string + int", err, sqlerr.DatatypeMismatch)
	_, err = NewBinary("<", must(t)(NewArray([]Expr{i32(1)})), must(t)(NewArray([]Expr{i32(1)})))
	wantCode(t, "array <", err, sqlerr.DatatypeMismatch)
	_, err = NewBinary("AND", i32(1), boolean(true))
	wantCode(t, "int AND", err, sqlerr.DatatypeMismatch)
	_, err = NewBinary("=", str("a"), i32(1))
	wantCode(t, "string = int", err, sqlerr.DatatypeMismatch)
}

func TestPredicates(t *testing.T) {
	row := []any{"barfoobaz", "%", nil}
	col := NewColumn(0, "V", types.StringType)
	pct := NewColumn(1, "P", types.StringType)
	nul := NewColumn(2, "N", types.IntType)
	for _, tc := range []struct {
		name string
		e    Expr
		want string
	}{
		{"like literal", must(t)(NewLike(col, str("%foo%"), nil, false)), "true"},
		{"like underscore", must(t)(NewLike(str("foo"), str("f_o"), nil, false)), "true"},
		{"not like", must(t)(NewLike(col, str("foo%"), nil, true)), "true"},
		{"like escape", must(t)(NewLike(pct, str("!%"), str("!"), false)), "true"},
		{"like escape literal", must(t)(NewLike(str("x"), str("!%"), str("!"), false)), "false"},
		{"like dynamic pattern", must(t)(NewLike(str("foobar"), NewColumn(0, "P", types.StringType), nil, false)), "false"},
		{"like null", must(t)(NewLike(lit(nil, types.StringType), str("%"), nil, false)), "NULL"},
		{"is null", NewIsNull(nul, false), "true"},
		{"is not null", NewIsNull(col, true), "true"},
		{"distinct nulls", must(t)(NewIsDistinct(nul, null(), false)), "false"},
		{"not distinct values", must(t)(NewIsDistinct(i32(1), i64(1), true)), "true"},
		{"between", must(t)(NewBetween(i32(5), i32(1), f64(5.0), false)), "true"},
		{"not between", must(t)(NewBetween(str("b"), str("c"), str("d"), true)), "true"},
		{"between null", must(t)(NewBetween(nul, i32(1), i32(2), false)), "false"},
		{"not between null", must(t)(NewBetween(nul, i32(1), i32(2), true)), "true"},
		{"in", must(t)(NewIn(i32(2), []Expr{i64(1), i64(2)}, false)), "true"},
		{"not in", must(t)(NewIn(i32(3), []Expr{i64(1), i64(2)}, true)), "true"},
		{"in with null no match", must(t)(NewIn(i32(3), []Expr{i32(1), null()}, false)), "false"},
		{"null in", must(t)(NewIn(nul, []Expr{i32(1)}, false)), "false"},
		{"null not in", must(t)(NewIn(nul, []Expr{i32(1)}, true)), "true"},
		{"in with null match", must(t)(NewIn(i32(1), []Expr{i32(1), null()}, false)), "true"},
	} {
		check(t, tc.name, tc.e, row, tc.want, "BOOLEAN")
	}
}

func TestCase(t *testing.T) {
	units := NewColumn(0, "ORDERUNITS", types.DoubleType)
	lt := func(v float64) Expr { return must(t)(NewBinary("<", units, f64(v))) }
	searched := must(t)(NewCase(nil, []Expr{lt(2), lt(4)}, []Expr{str("small"), null()}, str("large")))
	for _, tc := range []struct {
		in   any
		want string
	}{{6.0, "large"}, {3.0, "NULL"}, {1.0, "small"}, {nil, "large"}} {
		check(t, "searched", searched, []any{tc.in}, tc.want, "STRING")
	}
	simple := must(t)(NewCase(i32(2), []Expr{i32(1), i64(2)}, []Expr{i32(10), dec(t, "2.5", 2, 1)}, nil))
	check(t, "simple", simple, nil, "2.5", "DECIMAL(11, 1)")
	_, err := NewCase(nil, []Expr{boolean(true)}, []Expr{null()}, null())
	wantCode(t, "all null", err, sqlerr.DatatypeMismatch)
	_, err = NewCase(nil, []Expr{boolean(true)}, []Expr{str("a")}, i32(1))
	wantCode(t, "mixed", err, sqlerr.DatatypeMismatch)
}

func TestCollections(t *testing.T) {
	arr := must(t)(NewArray([]Expr{i32(1), i32(2), i32(3)}))
	m := must(t)(NewMap([]Expr{str("a")}, []Expr{i32(1)}))
	s := must(t)(NewStruct([]string{"A", "B"}, []Expr{i32(1), str("x")}))
	for _, tc := range []struct {
		name string
		e    Expr
		want string
	}{
		{"array", arr, "[1, 2, 3]"},
		{"first", must(t)(NewSubscript(arr, i32(1))), "1"},
		{"last by negative", must(t)(NewSubscript(arr, i32(-1))), "3"},
		{"zero out of range", must(t)(NewSubscript(arr, i32(0))), "NULL"},
		{"past end", must(t)(NewSubscript(arr, i64(4))), "NULL"},
		{"map get", must(t)(NewSubscript(m, str("a"))), "1"},
		{"map missing", must(t)(NewSubscript(m, str("b"))), "NULL"},
		{"deref", must(t)(NewDeref(s, "B")), "x"},
		{"struct", s, "Struct{0=1,1=x}"},
	} {
		check(t, tc.name, tc.e, nil, tc.want, "")
	}
	if got := s.Type().String(); got != "STRUCT<`A` INTEGER, `B` STRING>" {
		t.Errorf("struct type %s", got)
	}
	_, err := NewDeref(s, "C")
	wantCode(t, "missing field", err, sqlerr.UndefinedColumn)
	_, err = NewArray([]Expr{null()})
	wantCode(t, "all-null array", err, sqlerr.DatatypeMismatch)
	if !IsConstant(arr) || IsConstant(NewColumn(0, "X", types.IntType)) {
		t.Error("IsConstant")
	}
}
