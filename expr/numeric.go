package expr

import (
	"math"

	"github.com/cockroachdb/apd/v3"
	"github.com/sluice-db/sluice/types"
)

// numericRank orders the numeric kinds by ksqlDB's implicit widening
// INT -> BIGINT -> DECIMAL -> DOUBLE; 0 for non-numeric kinds.
func numericRank(k types.Kind) int {
	switch k {
	case types.KindInt:
		return 1
	case types.KindBigInt:
		return 2
	case types.KindDecimal:
		return 3
	case types.KindDouble:
		return 4
	}
	return 0
}

// asDecimalType is the DECIMAL that holds every value of an exact numeric type:
// INT fits DECIMAL(10, 0), BIGINT fits DECIMAL(19, 0).
func asDecimalType(t *types.Type) *types.Type {
	switch t.Kind {
	case types.KindInt:
		return types.NewDecimal(10, 0)
	case types.KindBigInt:
		return types.NewDecimal(19, 0)
	}
	return t
}

// widerNumeric is the type two numeric operands are widened to before comparing.
// Two DECIMALs widen to one that holds both.
func widerNumeric(a, b *types.Type) *types.Type {
	ra, rb := numericRank(a.Kind), numericRank(b.Kind)
	if ra == 3 || rb == 3 {
		if ra == 4 || rb == 4 {
			return types.DoubleType
		}
		da, db := asDecimalType(a), asDecimalType(b)
		scale := max(da.Scale, db.Scale)
		intDigits := max(da.Precision-da.Scale, db.Precision-db.Scale)
		return types.NewDecimal(intDigits+scale, scale)
	}
	if ra >= rb {
		return a
	}
	return b
}

// decimalContext is the arithmetic context for DECIMAL work: wide enough that
// intermediate results are exact before they are rounded HALF_UP to the result scale.
func decimalContext() *apd.Context {
	c := apd.BaseContext.WithPrecision(100)
	c.Rounding = apd.RoundHalfUp
	return c
}

// fitDecimal rounds d HALF_UP to the type's scale and fails if the result needs more
// digits than the type's precision, as ksqlDB does ("Numeric field overflow").
func fitDecimal(d *apd.Decimal, t *types.Type) (*apd.Decimal, error) {
	out := new(apd.Decimal)
	if _, err := decimalContext().Quantize(out, d, int32(-t.Scale)); err != nil {
		return nil, evalErrorf("cannot fit %s into %s: %v", d.Text('f'), t, err)
	}
	if out.IsZero() {
		out.Negative = false
	}
	digits := int(out.NumDigits())
	if out.IsZero() {
		digits = t.Scale // 0.00 needs no integer digit
	}
	if digits > t.Precision {
		return nil, evalErrorf("Numeric field overflow: A field with precision %d and scale %d must round to an absolute value less than 10^%d. Got %s",
			t.Precision, t.Scale, t.Precision-t.Scale, d.Text('f'))
	}
	return out, nil
}

// decimalFromFloat converts the way Java's BigDecimal.valueOf(double) does: through
// the shortest decimal text of the double.
func decimalFromFloat(f float64) (*apd.Decimal, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, evalErrorf("cannot convert %s to DECIMAL", types.FormatDouble(f))
	}
	d, _, err := apd.NewFromString(formatShortFloat(f))
	if err != nil {
		return nil, evalErrorf("cannot convert %v to DECIMAL", f)
	}
	return d, nil
}

// decimalToFloat converts a DECIMAL to the nearest DOUBLE.
func decimalToFloat(d *apd.Decimal) float64 {
	f, _ := d.Float64()
	return f
}

// decimalToInt64 truncates toward zero and keeps the low 64 bits, like Java's
// BigDecimal.longValue().
func decimalToInt64(d *apd.Decimal) int64 {
	var integ apd.Decimal
	_, _ = decimalContext().RoundToIntegralValue(&integ, truncTowardZero(d))
	if i, err := integ.Int64(); err == nil {
		return i
	}
	// Out of int64 range: take the low 64 bits of the two's complement integer.
	var coeff apd.BigInt
	coeff.Set(&integ.Coeff)
	for e := integ.Exponent; e > 0; e-- {
		coeff.Mul(&coeff, apd.NewBigInt(10))
	}
	u := coeff.MathBigInt().Uint64() // low 64 bits of |x|
	if integ.Negative {
		u = -u
	}
	return int64(u)
}

func truncTowardZero(d *apd.Decimal) *apd.Decimal {
	var integ, frac apd.Decimal
	d.Modf(&integ, &frac)
	return &integ
}

// javaDoubleToLong converts like Java's (long) cast: truncation, saturating, NaN -> 0.
func javaDoubleToLong(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

// javaDoubleToInt converts like Java's (int) cast.
func javaDoubleToInt(f float64) int32 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt32:
		return math.MaxInt32
	case f <= math.MinInt32:
		return math.MinInt32
	}
	return int32(f)
}

// toFloat converts any numeric value to float64.
func toFloat(v any) float64 {
	switch x := v.(type) {
	case int32:
		return float64(x)
	case int64:
		return float64(x)
	case float64:
		return x
	case *apd.Decimal:
		return decimalToFloat(x)
	}
	return math.NaN()
}

// toInt64 converts an INT or BIGINT value to int64.
func toInt64(v any) int64 {
	switch x := v.(type) {
	case int32:
		return int64(x)
	case int64:
		return x
	case float64:
		return javaDoubleToLong(x)
	case *apd.Decimal:
		return decimalToInt64(x)
	}
	return 0
}

// fitAny is fitDecimal for callers returning a value as any: an error yields a
// nil interface, never a typed nil pointer.
func fitAny(d *apd.Decimal, t *types.Type) (any, error) {
	out, err := fitDecimal(d, t)
	if err != nil {
		return nil, err
	}
	return out, nil
}
