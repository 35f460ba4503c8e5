package aggregate

import (
	"github.com/cockroachdb/apd/v3"

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

// add returns a+b for two values of the same numeric type; integers wrap as Java's do.
func add(a, b any) any {
	switch x := a.(type) {
	case int32:
		return x + b.(int32)
	case int64:
		return x + b.(int64)
	case float64:
		return x + b.(float64)
	case *apd.Decimal:
		out := new(apd.Decimal)
		_, _ = decimalCtx.Add(out, x, b.(*apd.Decimal))
		return out
	}
	return a
}

// sub returns a-b.
func sub(a, b any) any {
	switch x := a.(type) {
	case int32:
		return x - b.(int32)
	case int64:
		return x - b.(int64)
	case float64:
		return x - b.(float64)
	case *apd.Decimal:
		out := new(apd.Decimal)
		_, _ = decimalCtx.Sub(out, x, b.(*apd.Decimal))
		return out
	}
	return a
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
