package aggregate

import (
	"github.com/cockroachdb/apd/v3"

	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// decimalCtx is wide enough for any DECIMAL ksqlDB allows (precision <= 38) plus
// the digits a long sum accumulates.
var decimalCtx = apd.BaseContext.WithPrecision(100)

// zeroOf returns the additive identity of a numeric type.
func zeroOf(t *types.Type) any {
	switch t.Kind {
	case types.KindInt:
		return int32(0)
	case types.KindBigInt:
		return int64(0)
	case types.KindDouble:
		return 0.0
	case types.KindDecimal:
		return new(apd.Decimal)
	}
	return nil
}

// INT and BIGINT sums are exact. A sum that leaves its type's range, where
// Java's arithmetic (and so ksqlDB) would wrap, is held as an *apd.Decimal
// until later rows bring it back within range: retractions (aggregations over
// tables) and session merges then stay exact, and the function's result is an
// error while the sum is outside its range (sumResult). DOUBLE sums are IEEE,
// DECIMAL sums exact in decimalCtx.

// add returns a+b for a state or argument a and b of the numeric type k, either
// of which may be a wide INT or BIGINT sum.
func add(k types.Kind, a, b any) any {
	switch x := a.(type) {
	case int32:
		if y, ok := b.(int32); ok {
			return narrowInt(int64(x) + int64(y))
		}
	case int64:
		if y, ok := b.(int64); ok {
			if v, ok := types.AddInt64(x, y); ok {
				return v
			}
		}
	case float64:
		return x + b.(float64)
	}
	out := new(apd.Decimal)
	_, _ = decimalCtx.Add(out, asDecimal(a), asDecimal(b))
	return narrowDecimal(k, out)
}

// sub returns a-b, as add does a+b.
func sub(k types.Kind, a, b any) any {
	switch x := a.(type) {
	case int32:
		if y, ok := b.(int32); ok {
			return narrowInt(int64(x) - int64(y))
		}
	case int64:
		if y, ok := b.(int64); ok {
			if v, ok := types.SubInt64(x, y); ok {
				return v
			}
		}
	case float64:
		return x - b.(float64)
	}
	out := new(apd.Decimal)
	_, _ = decimalCtx.Sub(out, asDecimal(a), asDecimal(b))
	return narrowDecimal(k, out)
}

// narrowInt returns an exact INT sum v as an int32, or as a wide sum when it
// is beyond INT's range.
func narrowInt(v int64) any {
	if n, ok := types.Int32Of(v); ok {
		return n
	}
	return apd.New(v, 0)
}

// narrowDecimal returns an INT or BIGINT sum held as a decimal in its own type
// when it fits, and d itself otherwise (and for DECIMAL sums).
func narrowDecimal(k types.Kind, d *apd.Decimal) any {
	switch k {
	case types.KindInt, types.KindBigInt:
		v, err := d.Int64()
		if err != nil {
			return d
		}
		if k == types.KindBigInt {
			return v
		}
		return narrowInt(v)
	}
	return d
}

func asDecimal(v any) *apd.Decimal {
	switch x := v.(type) {
	case int32:
		return apd.New(int64(x), 0)
	case int64:
		return apd.New(x, 0)
	case *apd.Decimal:
		return x
	}
	return new(apd.Decimal)
}

// sumResult is the result of an INT or BIGINT sum, or an error (SQLSTATE
// 22003) while it is beyond its type's range.
func sumResult(name string, k types.Kind, s any) (any, error) {
	if d, ok := s.(*apd.Decimal); ok && (k == types.KindInt || k == types.KindBigInt) {
		return nil, sqlerr.Newf(sqlerr.NumericValueOutOfRange, "integer overflow: %s is %s, which does not fit in %s", name, d, typeName(k))
	}
	return s, nil
}

func typeName(k types.Kind) string {
	if k == types.KindInt {
		return "INT"
	}
	return "BIGINT"
}

// toFloat converts a numeric value to float64.
func toFloat(v any) float64 {
	switch x := v.(type) {
	case int32:
		return float64(x)
	case int64:
		return float64(x)
	case float64:
		return x
	case *apd.Decimal:
		f, _ := x.Float64()
		return f
	}
	return 0
}

// compare orders two non-null values of the same comparable type.
func compare(a, b any) int {
	switch x := a.(type) {
	case int32:
		return cmp3(x, b.(int32))
	case int64:
		return cmp3(x, b.(int64))
	case float64:
		return cmp3(x, b.(float64))
	case string:
		return cmp3(x, b.(string))
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case types.Date:
		return cmp3(x, b.(types.Date))
	case types.Time:
		return cmp3(x, b.(types.Time))
	case types.Timestamp:
		return cmp3(x, b.(types.Timestamp))
	case *apd.Decimal:
		return x.Cmp(b.(*apd.Decimal))
	case []byte:
		y := b.([]byte)
		for i := 0; i < len(x) && i < len(y); i++ {
			if x[i] != y[i] {
				return cmp3(x[i], y[i])
			}
		}
		return cmp3(len(x), len(y))
	}
	return 0
}

func cmp3[T int | int32 | int64 | float64 | string | byte | types.Date | types.Time | types.Timestamp](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
