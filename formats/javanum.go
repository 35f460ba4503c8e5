package formats

import (
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Text-to-number conversions with the syntax of Java's Integer.parseInt,
// Long.parseLong and Double.parseDouble, which ksqlDB applies to DELIMITED fields
// and to JSON strings in numeric columns. They report only success: callers word
// the error.

func javaParseInt(s string) (int32, bool) {
	v, err := strconv.ParseInt(s, 10, 32)
	return int32(v), err == nil && isJavaInteger(s)
}

func javaParseLong(s string) (int64, bool) {
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil && isJavaInteger(s)
}

// isJavaInteger rejects what strconv accepts and Java does not (underscores).
func isJavaInteger(s string) bool {
	return !strings.ContainsRune(s, '_')
}

// javaParseDouble follows Double.parseDouble: surrounding blanks (any char <= ' ')
// ignored, an optional float-type suffix (f, F, d, D), "NaN" and "Infinity" spelled
// exactly, hexadecimal floats with a binary exponent.
func javaParseDouble(s string) (float64, bool) {
	s = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	if s == "" || strings.ContainsRune(s, '_') {
		return 0, false
	}
	body := s
	neg := false
	if body[0] == '+' || body[0] == '-' {
		neg = body[0] == '-'
		body = body[1:]
	}
	switch body {
	case "NaN":
		return math.NaN(), true
	case "Infinity":
		if neg {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	}
	if body == "" || !(body[0] >= '0' && body[0] <= '9' || body[0] == '.') {
		return 0, false // rejects Go's "inf", "nan" and friends
	}
	isHex := len(body) > 1 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')
	if last := s[len(s)-1]; !isHex && (last == 'f' || last == 'F' || last == 'd' || last == 'D') {
		s = s[:len(s)-1]
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !isRangeErr(err) {
		return 0, false
	}
	return f, true
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// javaNarrow returns the low 64 bits, in two's complement, of the integer part of
// a JSON number literal: what Jackson's intValue and longValue give for any
// numeric node (Java narrowing truncates toward zero, then drops high bits).
func javaNarrow(lit string, isFloat bool) int64 {
	if !isFloat {
		if v, err := strconv.ParseInt(lit, 10, 64); err == nil {
			return v
		}
		b, ok := new(big.Int).SetString(lit, 10)
		if !ok {
			return 0
		}
		return lowBits(b)
	}
	mant, exp := lit, 0
	if i := strings.IndexAny(lit, "eE"); i >= 0 {
		mant = lit[:i]
		e, err := strconv.Atoi(lit[i+1:])
		if err != nil {
			// An exponent beyond int: the value is 0 or a multiple of 2^64.
			return 0
		}
		exp = e
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := intPart + frac
	exp -= len(frac)
	neg := strings.HasPrefix(digits, "-")
	digits = strings.TrimPrefix(digits, "-")
	switch {
	case exp >= 64:
		return 0 // a multiple of 10^64, hence of 2^64
	case exp < 0:
		if -exp >= len(digits) {
			return 0
		}
		digits = digits[:len(digits)+exp]
		exp = 0
	}
	b, ok := new(big.Int).SetString(digits, 10)
	if !ok {
		return 0
	}
	if exp > 0 {
		b.Mul(b, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exp)), nil))
	}
	if neg {
		b.Neg(b)
	}
	return lowBits(b)
}

// lowBits returns b's low 64 bits in two's complement, as BigInteger.longValue.
func lowBits(b *big.Int) int64 {
	mask := new(big.Int).SetUint64(math.MaxUint64)
	lo := new(big.Int).And(new(big.Int).Abs(b), mask).Uint64()
	if b.Sign() < 0 {
		lo = -lo
	}
	return int64(lo)
}
