package formats

import (
	"github.com/cockroachdb/apd/v3"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// maxDecimalDigits bounds the working precision of decimal rescaling. ksqlDB caps
// DECIMAL precision well below it, so rescaling a value that fits never rounds.
const maxDecimalDigits = 1000

// parseDecimal parses text as Java's new BigDecimal(String) does (no NaN or
// infinities, no surrounding spaces) and fits it to the column type.
func parseDecimal(text string, t *types.Type) (*apd.Decimal, error) {
	d, _, err := apd.NewFromString(text)
	if err != nil || d.Form != apd.Finite || !isDecimalText(text) {
		return nil, sqlerr.Newf(sqlerr.InvalidTextRepresentation, "Invalid DECIMAL value: %q", text)
	}
	return fitDecimal(d, t)
}

// isDecimalText rejects what apd accepts but BigDecimal does not: words such as
// "Inf" and "NaN", and anything but sign, digits, one dot and an exponent.
func isDecimalText(s string) bool {
	digits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' || c == '+' || c == '-' || c == 'e' || c == 'E':
		default:
			return false
		}
	}
	return digits > 0
}

// fitDecimal returns d at the column's scale, as ksqlDB's DecimalUtil.ensureFit
// does: padding with zeros is fine, dropping non-zero digits or exceeding the
// precision is an error.
func fitDecimal(d *apd.Decimal, t *types.Type) (*apd.Decimal, error) {
	if d.Form != apd.Finite {
		return nil, sqlerr.Newf(sqlerr.NumericValueOutOfRange,
			"Cannot fit decimal '%s' into %s", d.String(), t)
	}
	res := d
	if d.Exponent != int32(-t.Scale) {
		res = new(apd.Decimal)
		ctx := apd.BaseContext.WithPrecision(maxDecimalDigits)
		cond, err := ctx.Quantize(res, d, int32(-t.Scale))
		if err != nil || cond.Inexact() {
			return nil, sqlerr.Newf(sqlerr.NumericValueOutOfRange,
				"Cannot fit decimal '%s' into DECIMAL(%d, %d) without rounding. (Requires %d,%d)",
				d.Text('f'), t.Precision, t.Scale, d.NumDigits(), max(-d.Exponent, 0))
		}
	}
	if res.Coeff.Sign() != 0 && res.NumDigits() > int64(t.Precision) {
		digits := t.Precision - t.Scale
		return nil, sqlerr.Newf(sqlerr.NumericValueOutOfRange,
			"Numeric field overflow: A field with precision %d and scale %d must round to an "+
				"absolute value less than 10^%d. Got %s", t.Precision, t.Scale, digits, d.Text('f'))
	}
	if res.Negative && res.Coeff.Sign() == 0 {
		// BigDecimal has no negative zero.
		if res == d {
			res = new(apd.Decimal).Set(d)
		}
		res.Negative = false
	}
	return res, nil
}

// appendDecimal appends d in plain notation (BigDecimal.toPlainString) at the
// column's scale. Values are normally already at that scale; others are rescaled.
func appendDecimal(dst []byte, d *apd.Decimal, t *types.Type) ([]byte, error) {
	if d.Exponent != int32(-t.Scale) || (d.Negative && d.Coeff.Sign() == 0) {
		fit, err := fitDecimal(d, t)
		if err != nil {
			return dst, err
		}
		d = fit
	}
	return d.Append(dst, 'f'), nil
}
