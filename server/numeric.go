package server

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/cockroachdb/apd/v3"
)

// Postgres' binary numeric (numeric_send/numeric_recv): int16 ndigits, int16 weight,
// uint16 sign, int16 dscale, then ndigits base-10000 digits, most significant
// first; the value is sum(digit[i] * 10000^(weight-i)).
const (
	numericPos  = 0x0000
	numericNeg  = 0x4000
	numericNaN  = 0xC000
	numericPInf = 0xD000
	numericNInf = 0xF000
)

// appendNumericBinary appends d in numeric_send's format.
func appendNumericBinary(b []byte, d *apd.Decimal) []byte {
	switch d.Form {
	case apd.NaN, apd.NaNSignaling:
		return binary.BigEndian.AppendUint64(b, uint64(numericNaN)<<16)
	case apd.Infinite:
		sign := uint64(numericPInf)
		if d.Negative {
			sign = numericNInf
		}
		return binary.BigEndian.AppendUint64(b, sign<<16)
	}
	// Value = digits * 10^exp. Align digits to groups of four around the point.
	digits := d.Coeff.Text(10)
	exp := int(d.Exponent)
	dscale := max(0, -exp)
	if exp > 0 {
		digits += strings.Repeat("0", exp)
		exp = 0
	}
	frac := -exp
	if pad := (4 - frac%4) % 4; pad > 0 {
		digits += strings.Repeat("0", pad)
		frac += pad
	}
	intLen := len(digits) - frac
	if intLen < 0 {
		digits = strings.Repeat("0", -intLen) + digits
		intLen = 0
	}
	if pad := (4 - intLen%4) % 4; pad > 0 {
		digits = strings.Repeat("0", pad) + digits
		intLen += pad
	}
	groups := make([]int16, 0, len(digits)/4)
	for i := 0; i < len(digits); i += 4 {
		g := int16(0)
		for _, c := range digits[i : i+4] {
			g = g*10 + int16(c-'0')
		}
		groups = append(groups, g)
	}
	weight := intLen/4 - 1
	for len(groups) > 0 && groups[0] == 0 {
		groups = groups[1:]
		weight--
	}
	for len(groups) > 0 && groups[len(groups)-1] == 0 {
		groups = groups[:len(groups)-1]
	}
	if len(groups) == 0 {
		weight = 0
	}
	sign := uint16(numericPos)
	if d.Negative && len(groups) > 0 {
		sign = numericNeg
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(groups)))
	b = binary.BigEndian.AppendUint16(b, uint16(int16(weight)))
	b = binary.BigEndian.AppendUint16(b, sign)
	b = binary.BigEndian.AppendUint16(b, uint16(dscale))
	for _, g := range groups {
		b = binary.BigEndian.AppendUint16(b, uint16(g))
	}
	return b
}

// decodeNumericBinary parses numeric_send's format into a decimal with the sent
// display scale.
func decodeNumericBinary(src []byte) (*apd.Decimal, error) {
	if len(src) < 8 {
		return nil, fmt.Errorf("numeric: %d bytes, want at least 8", len(src))
	}
	ndigits := int(binary.BigEndian.Uint16(src))
	weight := int(int16(binary.BigEndian.Uint16(src[2:])))
	sign := binary.BigEndian.Uint16(src[4:])
	dscale := int(int16(binary.BigEndian.Uint16(src[6:])))
	switch sign {
	case numericNaN:
		return &apd.Decimal{Form: apd.NaN}, nil
	case numericPInf:
		return &apd.Decimal{Form: apd.Infinite}, nil
	case numericNInf:
		return &apd.Decimal{Form: apd.Infinite, Negative: true}, nil
	case numericPos, numericNeg:
	default:
		return nil, fmt.Errorf("numeric: invalid sign 0x%x", sign)
	}
	if len(src) != 8+2*ndigits || dscale < 0 {
		return nil, fmt.Errorf("numeric: malformed value")
	}
	var sb strings.Builder
	for i := range ndigits {
		g := binary.BigEndian.Uint16(src[8+2*i:])
		if g > 9999 {
			return nil, fmt.Errorf("numeric: invalid digit %d", g)
		}
		fmt.Fprintf(&sb, "%04d", g)
	}
	if ndigits == 0 {
		sb.WriteByte('0')
	}
	// digits * 10^exp with exp at the last group's position.
	exp := (weight - ndigits + 1) * 4
	if ndigits == 0 {
		exp = 0
	}
	d, _, err := apd.NewFromString(fmt.Sprintf("%sE%d", sb.String(), exp))
	if err != nil {
		return nil, fmt.Errorf("numeric: %w", err)
	}
	d.Negative = sign == numericNeg && !d.IsZero()
	// Trailing zero groups beyond dscale are dropped; zeros inside dscale kept.
	ctx := apd.BaseContext.WithPrecision(uint32(max(len(sb.String())+dscale+4, 16)))
	if _, err := ctx.Quantize(d, d, int32(-dscale)); err != nil {
		return nil, fmt.Errorf("numeric: %w", err)
	}
	return d, nil
}
