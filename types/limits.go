package types

import "math"

// MaxStringBytes bounds a string or BYTES value that a function builds (LPAD,
// RPAD, REPEAT and the like): 64 MiB, far beyond any Kafka record, so a single
// call cannot take a node's memory.
const MaxStringBytes = 64 << 20

// MaxCollectionElements bounds an ARRAY or MAP a function builds
// (GENERATE_SERIES, ARRAY_UNION, ...).
const MaxCollectionElements = 1_000_000

// Checked integer arithmetic: ok is false when the exact result does not fit,
// where Go (and Java) would wrap.

func AddInt64(a, b int64) (int64, bool) {
	c := a + b
	return c, (c > a) == (b > 0)
}

func SubInt64(a, b int64) (int64, bool) {
	c := a - b
	return c, (c < a) == (b > 0)
}

func MulInt64(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	c := a * b
	if (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) || c/b != a {
		return c, false
	}
	return c, true
}

// DivInt64 is a / b for b != 0; MinInt64 / -1 does not fit.
func DivInt64(a, b int64) (int64, bool) {
	if a == math.MinInt64 && b == -1 {
		return a, false
	}
	return a / b, true
}

// Int32Of narrows an exact int64 result to an INT.
func Int32Of(v int64) (int32, bool) {
	return int32(v), v >= math.MinInt32 && v <= math.MaxInt32
}

// AsInt64 widens an INT or BIGINT value to an int64; ok is false for any
// other value.
func AsInt64(v any) (n int64, ok bool) {
	switch x := v.(type) {
	case int32:
		return int64(x), true
	case int64:
		return x, true
	}
	return 0, false
}
