package expr

import (
	"testing"

	"github.com/cockroachdb/apd/v3"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

func lit(v any, t *types.Type) Expr { return NewLiteral(v, t) }
func i32(v int32) Expr              { return lit(v, types.IntType) }
func i64(v int64) Expr              { return lit(v, types.BigIntType) }
func f64(v float64) Expr            { return lit(v, types.DoubleType) }
func str(s string) Expr             { return lit(s, types.StringType) }
func null() Expr                    { return lit(nil, types.UnknownType) }
func boolean(b bool) Expr           { return lit(b, types.BooleanType) }

func dec(t *testing.T, s string, p, sc int) Expr {
	t.Helper()
	d, _, err := apd.NewFromString(s)
	if err != nil {
		t.Fatal(err)
	}
	return lit(d, types.NewDecimal(p, sc))
}

// must returns a function that unwraps a constructor's result or fails the test.
func must(t *testing.T) func(Expr, error) Expr {
	return func(e Expr, err error) Expr {
		t.Helper()
		if err != nil {
			t.Fatalf("bind: %v", err)
		}
		return e
	}
}

// render shows a value with its Go type for decimals, so that scale differences
// are visible.
func render(v any) string {
	if v == nil {
		return "NULL"
	}
	return valueStringTyped(v, nil)
}

// check evaluates e on row and compares the rendered value and error.
func check(t *testing.T, name string, e Expr, row []any, want string, wantType string) {
	t.Helper()
	v, err := e.Eval(row)
	got := render(v)
	if err != nil {
		if _, ok := err.(*EvalError); !ok {
			t.Errorf("%s: error %T is not *EvalError", name, err)
		}
		got = "ERROR"
	}
	if got != want {
		t.Errorf("%s: got %s, want %s", name, got, want)
	}
	if wantType != "" && e.Type().String() != wantType {
		t.Errorf("%s: type %s, want %s", name, e.Type(), wantType)
	}
}

func wantCode(t *testing.T, name string, err error, code string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: expected error %s", name, code)
		return
	}
	if got := sqlerr.CodeOf(err); got != code {
		t.Errorf("%s: code %s (%v), want %s", name, got, err, code)
	}
}
