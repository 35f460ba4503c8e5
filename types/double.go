package types

import (
	"math"
	"strconv"
	"strings"
)

// FormatDouble renders f the way Java's Double.toString does, which is what ksqlDB
// writes for DOUBLE in JSON, DELIMITED and string casts: "225.0", "0.001",
// "1.0E7", "1.946195068359375E15", "NaN", "Infinity".
func FormatDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	abs := math.Abs(f)
	if abs >= 1e-3 && abs < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.ContainsRune(s, '.') {
			s += ".0"
		}
		return s
	}
	// Scientific: shortest digits, mantissa always with a fractional part.
	s := strconv.FormatFloat(f, 'e', -1, 64) // e.g. 1.946195068359375e+15, 1e-05
	if !strings.ContainsRune(s, '.') {
		// Java always prints two significant digits and picks the closest pair:
		// Double.MIN_VALUE is 4.9E-324, not 5.0E-324 (only subnormals differ).
		s = strconv.FormatFloat(f, 'e', 1, 64)
	}
	mant, exp, _ := strings.Cut(s, "e")
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}
