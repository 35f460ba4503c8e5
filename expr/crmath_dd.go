package expr

import (
	"math"
	"math/big"
)

// Fast paths for the correctly rounded functions of crmath.go: the same series
// evaluated in double-double arithmetic (about 106 bits), which decides the
// rounding of almost every argument in well under a microsecond. When the
// double-double result lies too close to a rounding boundary to decide, the
// caller falls back to the big.Float evaluation (Ziv's strategy).

// dd is an unevaluated sum hi + lo with |lo| <= ulp(hi)/2.
type dd struct{ hi, lo float64 }

func twoSum(a, b float64) dd {
	s := a + b
	bb := s - a
	return dd{s, (a - (s - bb)) + (b - bb)}
}

func quickTwoSum(a, b float64) dd {
	s := a + b
	return dd{s, b - (s - a)}
}

func twoProd(a, b float64) dd {
	p := a * b
	return dd{p, math.FMA(a, b, -p)}
}

func (x dd) add(y dd) dd {
	s := twoSum(x.hi, y.hi)
	t := twoSum(x.lo, y.lo)
	s.lo += t.hi
	s = quickTwoSum(s.hi, s.lo)
	s.lo += t.lo
	return quickTwoSum(s.hi, s.lo)
}

func (x dd) neg() dd { return dd{-x.hi, -x.lo} }

func (x dd) mul(y dd) dd {
	p := twoProd(x.hi, y.hi)
	p.lo += x.hi*y.lo + x.lo*y.hi
	return quickTwoSum(p.hi, p.lo)
}

func (x dd) mulF(f float64) dd {
	p := twoProd(x.hi, f)
	p.lo += x.lo * f
	return quickTwoSum(p.hi, p.lo)
}

func (x dd) div(y dd) dd {
	q1 := x.hi / y.hi
	r := x.add(y.mulF(q1).neg())
	q2 := r.hi / y.hi
	r = r.add(y.mulF(q2).neg())
	q3 := r.hi / y.hi
	return quickTwoSum(q1, q2).add(dd{q3, 0})
}

func (x dd) divF(f float64) dd { return x.div(dd{f, 0}) }

// round returns the double nearest x, and whether that is certain: false when x
// is within a tiny relative distance of the midpoint between two doubles.
func (x dd) round() (float64, bool) {
	s := quickTwoSum(x.hi, x.lo)
	if s.hi == 0 || math.IsInf(s.hi, 0) || math.IsNaN(s.hi) {
		return s.hi, true
	}
	ulp := math.Nextafter(math.Abs(s.hi), math.Inf(1)) - math.Abs(s.hi)
	// |lo| <= ulp/2 after normalisation; the result is doubtful when lo sits
	// near ±ulp/2 within the double-double error (≈2^-100 relative).
	margin := math.Abs(s.hi) * 0x1p-98
	if math.Abs(math.Abs(s.lo)-ulp/2) <= margin {
		return s.hi, false
	}
	return s.hi, true
}

var (
	ddLn2  = dd{0.6931471805599453, 2.3190468138462996e-17}
	ddPiO2 = dd{1.5707963267948966, 6.123233995736766e-17}
)

// ddLog is ln x for finite x > 0 (not 1), by 2·atanh((m-1)/(m+1)) + e·ln2.
func ddLog(x float64) (float64, bool) {
	m, e := math.Frexp(x)
	if m < math.Sqrt2/2 {
		m *= 2
		e--
	}
	z := dd{m - 1, 0}.div(twoSum(m, 1))
	// atanh z = z·Σ z^(2k)/(2k+1), |z| <= 0.1716, by Horner.
	r := horner(ddAtanhCoeffs, z.mul(z)).mul(z)
	r = r.mulF(2).add(ddLn2.mulF(float64(e)))
	return r.round()
}

// horner evaluates Σ c[i]·y^i.
func horner(c []dd, y dd) dd {
	acc := c[len(c)-1]
	for i := len(c) - 2; i >= 0; i-- {
		acc = acc.mul(y).add(c[i])
	}
	return acc
}

// Series coefficients in double-double, computed once from big.Float values.
var (
	// 1/(2k+1), k = 0..22: atanh z / z in powers of z² (|z|² <= 0.0295).
	ddAtanhCoeffs = ddCoeffs(23, func(k int, f *big.Float) { f.Quo(crFloat(1), crFloat(float64(2*k+1))) })
	// (-1)^i/(2i+1)! and (-1)^i/(2i)!, i = 0..14: sin r / r and cos r in powers of r² (|r| <= π/4).
	ddSinCoeffs = ddCoeffs(15, func(i int, f *big.Float) { invFactorial(f, 2*i+1, i%2 == 1) })
	ddCosCoeffs = ddCoeffs(15, func(i int, f *big.Float) { invFactorial(f, 2*i, i%2 == 1) })
	// (2k)!/(4^k (k!)² (2k+1)), k = 0..60: asin x / x in powers of x² (x² <= 1/4).
	ddAsinCoeffs = ddCoeffs(61, func(k int, f *big.Float) {
		c := crFloat(1)
		for j := 1; j <= k; j++ {
			c.Mul(c, crFloat(float64(2*j-1)))
			c.Quo(c, crFloat(float64(2*j)))
		}
		f.Quo(c, crFloat(float64(2*k+1)))
	})
)

func ddCoeffs(n int, set func(i int, f *big.Float)) []dd {
	out := make([]dd, n)
	for i := range out {
		f := new(big.Float).SetPrec(crPrec)
		set(i, f)
		hi, _ := f.Float64()
		lo, _ := new(big.Float).SetPrec(crPrec).Sub(f, crFloat(hi)).Float64()
		out[i] = dd{hi, lo}
	}
	return out
}

func invFactorial(f *big.Float, n int, negative bool) {
	f.SetFloat64(1)
	for j := 2; j <= n; j++ {
		f.Quo(f, crFloat(float64(j)))
	}
	if negative {
		f.Neg(f)
	}
}

// ddSinCos is sin and cos of x for |x| <= 1e5.
func ddSinCos(x float64) (s, c float64, ok bool) {
	// x = k·π/2 + r with |r| <= π/4; π/2 in three parts keeps k·π/2 exact enough.
	const p1, p2, p3 = 1.5707963267948966, 6.123233995736766e-17, -1.4973849048591698e-33
	k := math.Round(x / p1)
	r := dd{x, 0}.add(twoProd(k, p1).neg()).add(twoProd(k, p2).neg()).add(dd{-k * p3, 0})
	r2 := r.mul(r)
	sinSum := horner(ddSinCoeffs, r2).mul(r)
	cosSum := horner(ddCosCoeffs, r2)
	switch q := int64(k) & 3; q {
	case 1:
		sinSum, cosSum = cosSum, sinSum.neg()
	case 2:
		sinSum, cosSum = sinSum.neg(), cosSum.neg()
	case 3:
		sinSum, cosSum = cosSum.neg(), sinSum
	}
	s, ok1 := sinSum.round()
	c, ok2 := cosSum.round()
	return s, c, ok1 && ok2
}

// ddAsin is asin x for 0 < |x| <= 1.
func ddAsin(x float64) (float64, bool) {
	neg := x < 0
	ax := math.Abs(x)
	var r dd
	if ax <= 0.5 {
		r = ddAsinSeries(dd{ax, 0})
	} else {
		// asin x = π/2 - 2·asin(√((1-x)/2)); 1-x and /2 are exact here.
		t := (1 - ax) / 2
		sq := math.Sqrt(t)
		var y dd
		if sq != 0 {
			y = quickTwoSum(sq, math.FMA(-sq, sq, t)/(2*sq))
		}
		r = ddPiO2.add(ddAsinSeries(y).mulF(-2))
	}
	if neg {
		r = r.neg()
	}
	return r.round()
}

// ddAsinSeries is asin x for 0 <= x <= 1/2 by its Taylor series.
func ddAsinSeries(x dd) dd {
	return horner(ddAsinCoeffs, x.mul(x)).mul(x)
}
