package pgeval

import (
	"math"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/sluice-db/sluice/sqlerr"
)

// numeric values are *apd.Decimal: exact, with the display scale Postgres keeps
// (the exponent), so 12.50 + 1 is 13.50 as in Postgres.

// decCtx is the context of numeric arithmetic: more digits than any value needs.
var decCtx = apd.Context{Precision: 1000, MaxExponent: apd.MaxExponent, MinExponent: apd.MinExponent, Rounding: apd.RoundHalfUp, Traps: apd.DefaultTraps}

// toDecimal converts a numeric-family value (int64, float64, *apd.Decimal, or
// numeric text) to a decimal.
func toDecimal(v any) (*apd.Decimal, bool) {
	switch x := v.(type) {
	case *apd.Decimal:
		return x, true
	case int64:
		return apd.New(x, 0), true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, false
		}
		d, _, err := apd.NewFromString(strconv.FormatFloat(x, 'f', -1, 64))
		return d, err == nil
	case string:
		d, _, err := apd.NewFromString(strings.TrimSpace(x))
		return d, err == nil
	}
	return nil, false
}

func parseNumeric(s string) (any, error) {
	t := strings.TrimSpace(s)
	switch strings.ToLower(t) {
	case "nan":
		return &apd.Decimal{Form: apd.NaN}, nil
	}
	d, _, err := apd.NewFromString(t)
	if err != nil {
		return nil, sqlerr.Newf(sqlerr.InvalidTextRepresentation, "invalid input syntax for type numeric: %q", s)
	}
	return d, nil
}

// decArith applies + - * / % to decimals with Postgres' result scales.
func decArith(op string, a, b *apd.Decimal) (any, error) {
	out := new(apd.Decimal)
	var err error
	switch op {
	case "+":
		_, err = decCtx.Add(out, a, b)
	case "-":
		_, err = decCtx.Sub(out, a, b)
	case "*":
		_, err = decCtx.Mul(out, a, b)
	case "/":
		if b.IsZero() {
			return nil, sqlerr.New(sqlerr.DivisionByZero, "division by zero")
		}
		return decDiv(a, b, divScale(a, b))
	case "%":
		if b.IsZero() {
			return nil, sqlerr.New(sqlerr.DivisionByZero, "division by zero")
		}
		_, err = decCtx.Rem(out, a, b)
	case "^":
		af, _ := a.Float64()
		bf, _ := b.Float64()
		d, _ := toDecimal(math.Pow(af, bf))
		return d, nil
	default:
		return nil, sqlerr.Newf(sqlerr.UndefinedFunction, "operator does not exist: numeric %s numeric", op)
	}
	if err != nil {
		return nil, sqlerr.Newf(sqlerr.NumericValueOutOfRange, "numeric %s: %v", op, err)
	}
	return out, nil
}

// decDiv divides rounding half away from zero to scale digits.
func decDiv(a, b *apd.Decimal, scale int32) (*apd.Decimal, error) {
	q := new(apd.Decimal)
	ctx := decCtx
	ctx.Precision = 1000
	if _, err := ctx.Quo(q, a, b); err != nil {
		return nil, sqlerr.Newf(sqlerr.NumericValueOutOfRange, "numeric division: %v", err)
	}
	return decRound(q, scale), nil
}

// decRound rounds d half away from zero to scale digits after the point.
func decRound(d *apd.Decimal, scale int32) *apd.Decimal {
	out := new(apd.Decimal)
	ctx := decCtx
	ctx.Rounding = apd.RoundHalfUp
	ctx.Quantize(out, d, -scale)
	return out
}

// divScale is the display scale of a numeric division as Postgres' select_div_scale
// picks it: at least 16 significant digits, and no less than either input's scale.
func divScale(a, b *apd.Decimal) int32 {
	w1, f1 := nbaseWeight(a)
	w2, f2 := nbaseWeight(b)
	qweight := w1 - w2
	if f1 <= f2 {
		qweight--
	}
	rscale := 16 - qweight*4
	rscale = max(rscale, decScale(a), decScale(b), 0)
	return min(rscale, 1000)
}

// decScale is a decimal's display scale: its digits after the point.
func decScale(d *apd.Decimal) int32 {
	if d.Exponent < 0 {
		return -d.Exponent
	}
	return 0
}

// nbaseWeight returns the weight (in base-10000 digits, Postgres' NBASE) and the
// first base-10000 digit of a non-zero decimal's absolute value.
func nbaseWeight(d *apd.Decimal) (weight int32, first int64) {
	if d.IsZero() {
		return 0, 0
	}
	s := d.Coeff.String()
	// value = s * 10^exp; the integer part has len(s)+exp digits.
	intDigits := int32(len(s)) + d.Exponent
	// Position of the first significant decimal digit relative to the point:
	// digit index k (0-based from the left of s) has power intDigits-1-k.
	p := intDigits - 1 // power of ten of the leading digit
	// NBASE digit holding power p: weight = floor(p / 4).
	weight = floorDiv(p, 4)
	// The first NBASE digit covers powers weight*4 .. weight*4+3.
	lo := weight * 4
	first = 0
	for pow := lo + 3; pow >= lo; pow-- {
		k := intDigits - 1 - pow
		digit := int64(0)
		if k >= 0 && k < int32(len(s)) {
			digit = int64(s[k] - '0')
		}
		first = first*10 + digit
	}
	return weight, first
}

func floorDiv(a, b int32) int32 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// decToInt rounds a decimal half away from zero to an integer, as numeric -> int.
func decToInt(d *apd.Decimal) (int64, error) {
	r := decRound(d, 0)
	n, err := r.Int64()
	if err != nil {
		return 0, sqlerr.New(sqlerr.NumericValueOutOfRange, "bigint out of range")
	}
	return n, nil
}

// formatNumeric writes a numeric as numeric_out does.
func formatNumeric(d *apd.Decimal) string {
	switch d.Form {
	case apd.NaN, apd.NaNSignaling:
		return "NaN"
	case apd.Infinite:
		if d.Negative {
			return "-Infinity"
		}
		return "Infinity"
	}
	if d.Exponent > 0 {
		r := new(apd.Decimal)
		decCtx.Quantize(r, d, 0)
		d = r
	}
	return d.Text('f')
}

// numericTypmod applies numeric(p, s): round to s digits and check the precision.
func numericTypmod(d *apd.Decimal, prec, scale int32) (*apd.Decimal, error) {
	r := decRound(d, scale)
	if prec > 0 {
		digits := int32(len(r.Coeff.String())) + r.Exponent
		if !r.IsZero() && digits > prec-scale {
			return nil, sqlerr.Newf(sqlerr.NumericValueOutOfRange, "numeric field overflow: a field with precision %d, scale %d must round to an absolute value less than 10^%d", prec, scale, prec-scale)
		}
	}
	return r, nil
}
