package expr

import (
	"math"
	"math/big"
)

// Correctly rounded elementary functions. ksqlDB's results come from the JVM's
// Math.log/sin/cos/asin intrinsics, which return the correctly rounded double in
// practice; Go's math package is only accurate to about one ulp, so a result can
// differ from ksqlDB's in the last digit. These evaluate in double-double
// arithmetic (crmath_dd.go) and, when that cannot decide the rounding, with 128
// bits of big.Float precision, then round once to float64. They are slower than
// package math and are used only where ksqlDB's exact digits are observable (LN,
// LOG, GEO_DISTANCE).

const crPrec = 128

func crFloat(x float64) *big.Float { return new(big.Float).SetPrec(crPrec).SetFloat64(x) }

func crF64(f *big.Float) float64 { v, _ := f.Float64(); return v }

// crLn2 is ln 2 at crPrec bits: 2·atanh(1/3).
var crLn2 = func() *big.Float {
	third := new(big.Float).SetPrec(crPrec).Quo(crFloat(1), crFloat(3))
	return atanhSeries(third, 2)
}()

// crPi is π at crPrec bits (Machin: 16·atan(1/5) - 4·atan(1/239)).
var crPi = func() *big.Float {
	a := atanSeries(new(big.Float).SetPrec(crPrec).Quo(crFloat(1), crFloat(5)))
	b := atanSeries(new(big.Float).SetPrec(crPrec).Quo(crFloat(1), crFloat(239)))
	a.Mul(a, crFloat(16))
	b.Mul(b, crFloat(4))
	return a.Sub(a, b)
}()

// atanhSeries returns scale·atanh(z) for small |z|: scale·Σ z^(2k+1)/(2k+1).
func atanhSeries(z *big.Float, scale float64) *big.Float {
	z2 := new(big.Float).SetPrec(crPrec).Mul(z, z)
	term := new(big.Float).SetPrec(crPrec).Set(z)
	sum := new(big.Float).SetPrec(crPrec).Set(z)
	t := new(big.Float).SetPrec(crPrec)
	for k := 1; k < 400; k++ {
		term.Mul(term, z2)
		t.Quo(term, crFloat(float64(2*k+1)))
		if t.Sign() == 0 || t.MantExp(nil)-sum.MantExp(nil) < -crPrec-4 {
			break
		}
		sum.Add(sum, t)
	}
	return sum.Mul(sum, crFloat(scale))
}

// atanSeries returns atan(z) for small |z|: Σ (-1)^k z^(2k+1)/(2k+1).
func atanSeries(z *big.Float) *big.Float {
	z2 := new(big.Float).SetPrec(crPrec).Mul(z, z)
	z2.Neg(z2)
	term := new(big.Float).SetPrec(crPrec).Set(z)
	sum := new(big.Float).SetPrec(crPrec).Set(z)
	t := new(big.Float).SetPrec(crPrec)
	for k := 1; k < 400; k++ {
		term.Mul(term, z2)
		t.Quo(term, crFloat(float64(2*k+1)))
		if t.Sign() == 0 || t.MantExp(nil)-sum.MantExp(nil) < -crPrec-4 {
			break
		}
		sum.Add(sum, t)
	}
	return sum
}

// crLog is the correctly rounded natural logarithm (Java's Math.log).
func crLog(x float64) float64 {
	switch {
	case math.IsNaN(x) || x < 0:
		return math.NaN()
	case x == 0:
		return math.Inf(-1)
	case math.IsInf(x, 1):
		return x
	case x == 1:
		return 0
	}
	if r, ok := ddLog(x); ok {
		return r
	}
	return crF64(bigLog(x))
}

// bigLog is ln x at crPrec bits for finite x > 0.
func bigLog(x float64) *big.Float {
	// x = m·2^e with m in [1/√2, √2), ln x = e·ln2 + 2·atanh((m-1)/(m+1)).
	m, e := math.Frexp(x) // m in [0.5, 1)
	if m < math.Sqrt2/2 {
		m *= 2
		e--
	}
	bm := crFloat(m)
	num := new(big.Float).SetPrec(crPrec).Sub(bm, crFloat(1))
	den := new(big.Float).SetPrec(crPrec).Add(bm, crFloat(1))
	z := num.Quo(num, den)
	r := atanhSeries(z, 2)
	return r.Add(r, new(big.Float).SetPrec(crPrec).Mul(crLn2, crFloat(float64(e))))
}

// crSinCos returns the correctly rounded sine and cosine of x (|x| modest).
func crSinCos(x float64) (float64, float64) {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return math.NaN(), math.NaN()
	}
	if x == 0 {
		return x, 1
	}
	if math.Abs(x) <= 1e5 {
		if s, c, ok := ddSinCos(x); ok {
			return s, c
		}
	}
	return bigSinCos(x)
}

// bigSinCos is crSinCos at crPrec bits.
func bigSinCos(x float64) (float64, float64) {
	// Reduce by 2π so the Taylor series converge quickly.
	bx := crFloat(x)
	twoPi := new(big.Float).SetPrec(crPrec).Mul(crPi, crFloat(2))
	q := new(big.Float).SetPrec(crPrec).Quo(bx, twoPi)
	n, _ := q.Int(nil)
	if n.Sign() != 0 {
		bx.Sub(bx, new(big.Float).SetPrec(crPrec).Mul(twoPi, new(big.Float).SetPrec(crPrec).SetInt(n)))
	}
	x2 := new(big.Float).SetPrec(crPrec).Mul(bx, bx)
	x2.Neg(x2)
	sin := new(big.Float).SetPrec(crPrec).Set(bx)
	cos := crFloat(1)
	sTerm := new(big.Float).SetPrec(crPrec).Set(bx)
	cTerm := crFloat(1)
	for k := 1; k < 200; k++ {
		cTerm.Mul(cTerm, x2)
		cTerm.Quo(cTerm, crFloat(float64((2*k-1)*(2*k))))
		sTerm.Mul(sTerm, x2)
		sTerm.Quo(sTerm, crFloat(float64((2*k)*(2*k+1))))
		cos.Add(cos, cTerm)
		sin.Add(sin, sTerm)
		if cTerm.Sign() == 0 || cTerm.MantExp(nil) < -2*crPrec {
			break
		}
	}
	return crF64(sin), crF64(cos)
}

// crAsin is the correctly rounded arc sine.
func crAsin(x float64) float64 {
	switch {
	case math.IsNaN(x) || x > 1 || x < -1:
		return math.NaN()
	case x == 0:
		return x
	}
	if r, ok := ddAsin(x); ok {
		return r
	}
	return crF64(bigAsin(crFloat(x)))
}

func bigAsin(x *big.Float) *big.Float {
	if x.Sign() < 0 {
		r := bigAsin(new(big.Float).SetPrec(crPrec).Neg(x))
		return r.Neg(r)
	}
	half := crFloat(0.5)
	if x.Cmp(half) > 0 {
		// asin x = π/2 - 2·asin(√((1-x)/2))
		y := new(big.Float).SetPrec(crPrec).Sub(crFloat(1), x)
		y.Mul(y, half)
		y.Sqrt(y)
		r := bigAsin(y)
		r.Mul(r, crFloat(2))
		hp := new(big.Float).SetPrec(crPrec).Mul(crPi, half)
		return hp.Sub(hp, r)
	}
	// asin x = Σ c_k x^(2k+1)/(2k+1), c_0 = 1, c_k = c_(k-1)·(2k-1)/(2k).
	x2 := new(big.Float).SetPrec(crPrec).Mul(x, x)
	pow := new(big.Float).SetPrec(crPrec).Set(x)
	c := crFloat(1)
	sum := new(big.Float).SetPrec(crPrec).Set(x)
	t := new(big.Float).SetPrec(crPrec)
	for k := 1; k < 1000; k++ {
		c.Mul(c, crFloat(float64(2*k-1)))
		c.Quo(c, crFloat(float64(2*k)))
		pow.Mul(pow, x2)
		t.Mul(c, pow)
		t.Quo(t, crFloat(float64(2*k+1)))
		if t.Sign() == 0 || t.MantExp(nil)-sum.MantExp(nil) < -crPrec-4 {
			break
		}
		sum.Add(sum, t)
	}
	return sum
}
