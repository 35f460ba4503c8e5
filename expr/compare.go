package expr

import (
	"bytes"
	"cmp"
	"strings"

	"github.com/cockroachdb/apd/v3"
	"github.com/sluice-db/sluice/types"
)

// Compare is a total order over non-NULL and NULL values of one type t, NULL first.
// Numbers of different Go types are compared by value (widened); DOUBLE NaN sorts
// after every other number, as Java's Double.compare does. Collections compare
// element by element, then by length.
func Compare(a, b any, t *types.Type) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	switch x := a.(type) {
	case bool:
		y, _ := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case int32:
		if y, ok := b.(int32); ok {
			return cmp.Compare(x, y)
		}
	case int64:
		if y, ok := b.(int64); ok {
			return cmp.Compare(x, y)
		}
	case float64:
		if y, ok := b.(float64); ok {
			return cmp.Compare(x, y)
		}
	case *apd.Decimal:
		if y, ok := b.(*apd.Decimal); ok {
			return x.Cmp(y)
		}
	case string:
		y, _ := b.(string)
		return strings.Compare(x, y)
	case []byte:
		y, _ := b.([]byte)
		return bytes.Compare(x, y)
	case types.Date:
		y, _ := b.(types.Date)
		return cmp.Compare(x, y)
	case types.Time:
		y, _ := b.(types.Time)
		return cmp.Compare(x, y)
	case types.Timestamp:
		y, _ := b.(types.Timestamp)
		return cmp.Compare(x, y)
	case []any:
		y, _ := b.([]any)
		for i := 0; i < len(x) && i < len(y); i++ {
			if c := Compare(x[i], y[i], elemOf(t)); c != 0 {
				return c
			}
		}
		return cmp.Compare(len(x), len(y))
	case types.Struct:
		y, _ := b.(types.Struct)
		for i := 0; i < len(x) && i < len(y); i++ {
			if c := Compare(x[i], y[i], nil); c != 0 {
				return c
			}
		}
		return cmp.Compare(len(x), len(y))
	case *types.Map:
		y, _ := b.(*types.Map)
		for i := 0; i < x.Len() && i < y.Len(); i++ {
			if c := Compare(x.Keys[i], y.Keys[i], nil); c != 0 {
				return c
			}
			if c := Compare(x.Values[i], y.Values[i], nil); c != 0 {
				return c
			}
		}
		return cmp.Compare(x.Len(), y.Len())
	}
	return compareNumbers(a, b)
}

// compareNumbers compares numbers of different representations by value.
func compareNumbers(a, b any) int {
	if x, ok := types.AsInt64(a); ok {
		if y, ok := types.AsInt64(b); ok {
			// The common case (INT/BIGINT columns and literals) needs no DECIMAL.
			return cmp.Compare(x, y)
		}
	}
	_, fa := a.(float64)
	_, fb := b.(float64)
	if fa || fb {
		return cmp.Compare(toFloat(a), toFloat(b))
	}
	da, err1 := toDecimal(a)
	db, err2 := toDecimal(b)
	if err1 != nil || err2 != nil {
		return 0
	}
	return da.Cmp(db)
}

// Equal reports whether two values are equal: NULL equals only NULL, numbers compare
// by value, DECIMALs ignore trailing zeros, collections compare deeply and maps
// ignore entry order.
func Equal(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	switch x := a.(type) {
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case types.Struct:
		y, ok := b.(types.Struct)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case *types.Map:
		y, ok := b.(*types.Map)
		if !ok || x.Len() != y.Len() {
			return false
		}
		for i, k := range x.Keys {
			j := mapIndex(y, k)
			if j < 0 || !Equal(x.Values[i], y.Values[j]) {
				return false
			}
		}
		return true
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case *apd.Decimal:
		if y, ok := b.(*apd.Decimal); ok {
			return x.Cmp(y) == 0
		}
		return isNumber(b) && compareNumbers(a, b) == 0
	case int32, int64, float64:
		if isNumber(b) {
			return compareNumbers(a, b) == 0
		}
		return false
	}
	return a == b
}

func isNumber(v any) bool {
	switch v.(type) {
	case int32, int64, float64, *apd.Decimal:
		return true
	}
	return false
}

// mapIndex finds a key by value equality (keys may be DECIMALs or collections).
func mapIndex(m *types.Map, key any) int {
	for i, k := range m.Keys {
		if Equal(k, key) {
			return i
		}
	}
	return -1
}
