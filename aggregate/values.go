package aggregate

import (
	"bytes"
	"math"

	"github.com/cockroachdb/apd/v3"

	"github.com/sluice-db/sluice/types"
)

// equal reports whether two SQL values are equal the way ksqlDB's Java
// collections see them (List.indexOf, Set.contains): NULL equals NULL, doubles
// compare by bits with every NaN alike, decimals need the same value and scale,
// maps ignore entry order.
func equal(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case float64:
		y, ok := b.(float64)
		if !ok {
			return false
		}
		if math.IsNaN(x) {
			return math.IsNaN(y)
		}
		return math.Float64bits(x) == math.Float64bits(y)
	case *apd.Decimal:
		y, ok := b.(*apd.Decimal)
		return ok && x.Exponent == y.Exponent && x.Cmp(y) == 0
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case []any:
		y, ok := b.([]any)
		return ok && equalLists(x, y)
	case types.Struct:
		y, ok := b.(types.Struct)
		return ok && equalLists(x, y)
	case *types.Map:
		y, ok := b.(*types.Map)
		if !ok || x.Len() != y.Len() {
			return false
		}
		for i, k := range x.Keys {
			j := indexOf(y.Keys, k)
			if j < 0 || !equal(x.Values[i], y.Values[j]) {
				return false
			}
		}
		return true
	}
	return a == b
}

func equalLists(x, y []any) bool {
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if !equal(x[i], y[i]) {
			return false
		}
	}
	return true
}

// indexOf returns the index of the first element of xs equal to v, or -1.
func indexOf(xs []any, v any) int {
	for i, x := range xs {
		if equal(x, v) {
			return i
		}
	}
	return -1
}

// lastIndexOf returns the index of the last element of xs equal to v, or -1.
func lastIndexOf(xs []any, v any) int {
	for i := len(xs) - 1; i >= 0; i-- {
		if equal(xs[i], v) {
			return i
		}
	}
	return -1
}

// FNV-1a, 64 bit.
const (
	fnvOffset uint64 = 14695981039346656037
	fnvPrime  uint64 = 1099511628211
)

func fnvBytes(h uint64, b []byte) uint64 {
	for _, c := range b {
		h = (h ^ uint64(c)) * fnvPrime
	}
	return h
}

func fnvUint(h, v uint64) uint64 {
	for i := 0; i < 8; i++ {
		h = (h ^ (v & 0xff)) * fnvPrime
		v >>= 8
	}
	return h
}

// mix64 is the SplitMix64 finalizer: it spreads FNV's output over all 64 bits,
// which HyperLogLog's register index and rank need.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// hashValue is a hash of a SQL value that is stable across processes (states
// that hold hashes are persisted) and consistent with equal: equal values hash
// alike, whatever a map's entry order.
func hashValue(v any) uint64 { return mix64(hashInto(fnvOffset, v)) }

func hashInto(h uint64, v any) uint64 {
	switch x := v.(type) {
	case nil:
		return fnvUint(h, 0)
	case bool:
		if x {
			return fnvUint(h^1, 1)
		}
		return fnvUint(h^1, 0)
	case int32:
		return fnvUint(h^2, uint64(x))
	case int64:
		return fnvUint(h^3, uint64(x))
	case float64:
		if math.IsNaN(x) {
			x = math.NaN()
		}
		return fnvUint(h^4, math.Float64bits(x))
	case *apd.Decimal:
		return fnvBytes(h^5, []byte(x.String()))
	case string:
		return fnvUint(fnvBytes(h^6, []byte(x)), uint64(len(x)))
	case []byte:
		return fnvUint(fnvBytes(h^7, x), uint64(len(x)))
	case types.Date:
		return fnvUint(h^8, uint64(x))
	case types.Time:
		return fnvUint(h^9, uint64(x))
	case types.Timestamp:
		return fnvUint(h^10, uint64(x))
	case []any:
		h = fnvUint(h^11, uint64(len(x)))
		for _, e := range x {
			h = hashInto(h, e)
		}
		return h
	case types.Struct:
		h = fnvUint(h^12, uint64(len(x)))
		for _, e := range x {
			h = hashInto(h, e)
		}
		return h
	case *types.Map:
		// Entries combine by addition so that entry order does not matter.
		var sum uint64
		for i := range x.Keys {
			sum += mix64(hashInto(hashInto(fnvOffset, x.Keys[i]), x.Values[i]))
		}
		return fnvUint(h^13, sum)
	}
	return h
}
