package types

import (
	"math"
	"testing"
)

func TestFormatDouble(t *testing.T) {
	a, b := 0.1, 0.2 // variables: a constant sum would be folded exactly
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{225, "225.0"},
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{0.001, "0.001"},
		{0.0001, "1.0E-4"},
		{1e7, "1.0E7"},
		{math.SmallestNonzeroFloat64, "4.9E-324"},
		{-math.SmallestNonzeroFloat64, "-4.9E-324"},
		{2.2250738585072014e-308, "2.2250738585072014E-308"},
		{math.MaxFloat64, "1.7976931348623157E308"},
		{9999999, "9999999.0"},
		{1.946195068359375e15, "1.946195068359375E15"},
		{-1.5, "-1.5"},
		{a + b, "0.30000000000000004"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "Infinity"},
		{math.Inf(-1), "-Infinity"},
		{1.2345678e-7, "1.2345678E-7"},
	} {
		if got := FormatDouble(tc.in); got != tc.want {
			t.Errorf("FormatDouble(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
