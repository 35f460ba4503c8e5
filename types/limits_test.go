package types

import (
	"math"
	"math/big"
	"testing"
)

// TestCheckedInt64 compares the checked operations with exact big-integer
// arithmetic on the values where overflow happens.
func TestCheckedInt64(t *testing.T) {
	vals := []int64{0, 1, -1, 2, -2, 3, math.MaxInt64, math.MinInt64, math.MaxInt64 - 1, math.MinInt64 + 1,
		math.MaxInt32, math.MinInt32, 1 << 32, -(1 << 32), 3037000499, 3037000500, -3037000500}
	fits := func(z *big.Int) bool { return z.IsInt64() }
	for _, a := range vals {
		for _, b := range vals {
			A, B := big.NewInt(a), big.NewInt(b)
			check := func(name string, got int64, ok bool, want *big.Int) {
				t.Helper()
				if ok != fits(want) || ok && got != want.Int64() {
					t.Errorf("%s(%d, %d) = %d, %v; exact %s", name, a, b, got, ok, want)
				}
			}
			s, ok := AddInt64(a, b)
			check("Add", s, ok, new(big.Int).Add(A, B))
			d, ok := SubInt64(a, b)
			check("Sub", d, ok, new(big.Int).Sub(A, B))
			m, ok := MulInt64(a, b)
			check("Mul", m, ok, new(big.Int).Mul(A, B))
			if b != 0 {
				q, ok := DivInt64(a, b)
				check("Div", q, ok, new(big.Int).Quo(A, B))
			}
		}
	}
}
