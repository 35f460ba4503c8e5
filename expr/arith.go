package expr

import (
	"math"

	"github.com/cockroachdb/apd/v3"
	"github.com/sluice-db/sluice/types"
)

// arithmeticType is ksqlDB's result type for l op r on numbers. DECIMAL follows
// ksqlDB's DecimalUtil rules (the SQL Server ones):
//
//   - -  scale max(s1,s2), precision scale + max(p1-s1, p2-s2) + 1
//   - scale s1+s2,      precision p1+p2+1
//     /    scale max(6, s1+p2+1), precision p1-s1+s2+scale
//     %    scale max(s1,s2), precision min(p1-s1, p2-s2) + scale
func arithmeticType(op string, a, b *types.Type) *types.Type {
	ra, rb := numericRank(a.Kind), numericRank(b.Kind)
	switch {
	case ra == 4 || rb == 4:
		return types.DoubleType
	case ra == 3 || rb == 3:
		da, db := asDecimalType(a), asDecimalType(b)
		p1, s1, p2, s2 := da.Precision, da.Scale, db.Precision, db.Scale
		switch op {
		case "+", "-":
			s := max(s1, s2)
			return types.NewDecimal(s+max(p1-s1, p2-s2)+1, s)
		case "*":
			return types.NewDecimal(p1+p2+1, s1+s2)
		case "/":
			s := max(6, s1+p2+1)
			return types.NewDecimal(p1-s1+s2+s, s)
		default:
			s := max(s1, s2)
			return types.NewDecimal(min(p1-s1, p2-s2)+s, s)
		}
	case ra == 2 || rb == 2:
		return types.BigIntType
	}
	return types.IntType
}

func newArithmetic(op string, l, r Expr) (Expr, error) {
	lt, rt := l.Type(), r.Type()
	// An untyped NULL operand gives the operation no type to take: ksqlDB
	// rejects it, and CAST(NULL AS type) says which is meant.
	if lt.Kind == types.KindUnknown || rt.Kind == types.KindUnknown {
		return nil, mismatch("Error processing expression: (%s %s %s). Arithmetic on types %s and %s are not supported.",
			l, op, r, arithTypeName(lt), arithTypeName(rt))
	}
	if !lt.IsNumeric() || !rt.IsNumeric() {
		return nil, mismatch("Error processing expression: %s %s %s. Unsupported arithmetic types. %s %s",
			l, op, r, l.Type(), r.Type())
	}
	res := arithmeticType(op, lt, rt)
	var fn func(a, b any) (any, error)
	switch res.Kind {
	case types.KindInt:
		fn = intOp(op)
	case types.KindBigInt:
		fn = bigintOp(op)
		l, r = coerceBoth(l, r, types.BigIntType)
	case types.KindDouble:
		fn = doubleOp(op)
		l, r = coerceBoth(l, r, types.DoubleType)
	case types.KindDecimal:
		fn = decimalOp(op, res)
		l, r = widen(l, asDecimalType(lt)), widen(r, asDecimalType(rt))
	}
	return &Binary{Op: op, L: l, R: r, T: res, fn: fn}, nil
}

func arithTypeName(t *types.Type) string {
	if t.Kind == types.KindUnknown {
		return "null"
	}
	return t.String()
}

// Integer arithmetic whose exact result does not fit its type is an
// evaluation error, as division and modulo by zero are (logged to the
// processing log, the expression NULL): a count or a sum that wrapped to a
// negative number would be a wrong answer given silently. (Java, and so
// ksqlDB, wraps.)
func intOp(op string) func(a, b any) (any, error) {
	wide := bigintOp(op)
	return func(a, b any) (any, error) {
		v, err := wide(int64(a.(int32)), int64(b.(int32)))
		if err != nil {
			return nil, err
		}
		n, ok := types.Int32Of(v.(int64))
		if !ok {
			return nil, evalErrorf("integer overflow: %d %s %d does not fit in INT", a, op, b)
		}
		return n, nil
	}
}

func bigintOp(op string) func(a, b any) (any, error) {
	var f func(a, b int64) (int64, bool)
	switch op {
	case "+":
		f = types.AddInt64
	case "-":
		f = types.SubInt64
	case "*":
		f = types.MulInt64
	case "/":
		f = types.DivInt64
	default:
		f = func(a, b int64) (int64, bool) { return a % b, true } // a remainder always fits
	}
	return func(a, b any) (any, error) {
		x, y := a.(int64), b.(int64)
		if y == 0 && (op == "/" || op == "%") {
			return nil, evalErrorf("/ by zero")
		}
		v, ok := f(x, y)
		if !ok {
			return nil, evalErrorf("integer overflow: %d %s %d does not fit in BIGINT", x, op, y)
		}
		return v, nil
	}
}

// DOUBLE arithmetic is IEEE: x/0 is ±Infinity or NaN, % is Java's fmod.
func doubleOp(op string) func(a, b any) (any, error) {
	switch op {
	case "+":
		return func(a, b any) (any, error) { return a.(float64) + b.(float64), nil }
	case "-":
		return func(a, b any) (any, error) { return a.(float64) - b.(float64), nil }
	case "*":
		return func(a, b any) (any, error) { return a.(float64) * b.(float64), nil }
	case "/":
		return func(a, b any) (any, error) { return a.(float64) / b.(float64), nil }
	}
	return func(a, b any) (any, error) { return math.Mod(a.(float64), b.(float64)), nil }
}

func decimalOp(op string, res *types.Type) func(a, b any) (any, error) {
	return func(a, b any) (any, error) {
		x, err := toDecimal(a)
		if err != nil {
			return nil, err
		}
		y, err := toDecimal(b)
		if err != nil {
			return nil, err
		}
		ctx := decimalContext()
		out := new(apd.Decimal)
		switch op {
		case "+":
			_, err = ctx.Add(out, x, y)
		case "-":
			_, err = ctx.Sub(out, x, y)
		case "*":
			_, err = ctx.Mul(out, x, y)
		case "/", "%":
			if y.IsZero() {
				return nil, evalErrorf("Division by zero")
			}
			if op == "/" {
				_, err = ctx.Quo(out, x, y)
			} else {
				_, err = ctx.Rem(out, x, y)
			}
		}
		if err != nil {
			return nil, evalErrorf("decimal %s: %v", op, err)
		}
		return fitAny(out, res)
	}
}
