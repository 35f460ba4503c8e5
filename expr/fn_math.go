package expr

import (
	"math"
	"math/rand/v2"
	"strings"

	"github.com/cockroachdb/apd/v3"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

func registerMathFunctions(r *Registry) {
	num := func(name, desc string, os ...*overload) {
		r.add(&function{name: name, category: "MATHEMATICAL", description: desc, overloads: os})
	}
	decUnary := func(op func(ctx *apd.Context, d, x *apd.Decimal) error) func([]*types.Type, *types.Type) evalFn {
		return func(_ []*types.Type, ret *types.Type) evalFn {
			return func(a []any) (any, error) {
				out := new(apd.Decimal)
				if err := op(decimalContext(), out, a[0].(*apd.Decimal)); err != nil {
					return nil, evalErrorf("%v", err)
				}
				return fitAny(out, ret)
			}
		}
	}
	num("ABS", "Returns the absolute value.", numericOverloads("x",
		func(x int32) int32 { return max(x, -x) }, func(x int64) int64 { return max(x, -x) }, math.Abs,
		decUnary(func(c *apd.Context, d, x *apd.Decimal) error { _, err := c.Abs(d, x); return err }))...)
	num("CEIL", "Rounds up to the nearest integral value.", numericOverloads("x",
		func(x int32) int32 { return x }, func(x int64) int64 { return x }, math.Ceil,
		decUnary(func(c *apd.Context, d, x *apd.Decimal) error { _, err := c.Ceil(d, x); return err }))...)
	num("FLOOR", "Rounds down to the nearest integral value.", numericOverloads("x",
		func(x int32) int32 { return x }, func(x int64) int64 { return x }, math.Floor,
		decUnary(func(c *apd.Context, d, x *apd.Decimal) error { _, err := c.Floor(d, x); return err }))...)
	num("ROUND", "Rounds to the nearest integer (half up), or to a number of decimal places.",
		sig(tInt, func(a []any) (any, error) { return a[0], nil }, p("x", tInt)),
		sig(tBigInt, func(a []any) (any, error) { return a[0], nil }, p("x", tBigInt)),
		sig(tBigInt, func(a []any) (any, error) { return javaDoubleToLong(math.Floor(a[0].(float64) + 0.5)), nil }, p("x", tDouble)),
		sig(tDouble, func(a []any) (any, error) { return roundDouble(a[0].(float64), int(a[1].(int32))), nil }, p("x", tDouble), p("places", tInt)),
		&overload{params: []param{pg("x", "DECIMAL", isDecimal)}, bind: decimalRoundType, mk: decimalRound(false)},
		&overload{params: []param{pg("x", "DECIMAL", isDecimal), p("places", tInt)}, bind: sameAsArg(0), mk: decimalRound(true)})
	num("TRUNC", "Truncates toward zero, or to a number of decimal places.",
		sig(tInt, func(a []any) (any, error) { return a[0], nil }, p("x", tInt)),
		sig(tBigInt, func(a []any) (any, error) { return a[0], nil }, p("x", tBigInt)),
		sig(tBigInt, func(a []any) (any, error) { return javaDoubleToLong(math.Trunc(a[0].(float64))), nil }, p("x", tDouble)),
		sig(tDouble, func(a []any) (any, error) {
			s := math.Pow(10, float64(a[1].(int32)))
			return math.Trunc(a[0].(float64)*s) / s, nil
		}, p("x", tDouble), p("places", tInt)),
		&overload{params: []param{pg("x", "DECIMAL", isDecimal)}, bind: decimalRoundType, mk: decimalTrunc(false)},
		&overload{params: []param{pg("x", "DECIMAL", isDecimal), p("places", tInt)}, bind: sameAsArg(0), mk: decimalTrunc(true)})
	num("SIGN", "Returns -1, 0 or 1 by the sign of the argument.",
		sig(tInt, func(a []any) (any, error) { return int32(sign(toFloat(a[0]))), nil }, p("x", tInt)),
		sig(tInt, func(a []any) (any, error) { return int32(sign(toFloat(a[0]))), nil }, p("x", tBigInt)),
		sig(tInt, func(a []any) (any, error) { return int32(sign(a[0].(float64))), nil }, p("x", tDouble)),
		sig(tInt, func(a []any) (any, error) { return int32(a[0].(*apd.Decimal).Sign()), nil }, pg("x", "DECIMAL", isDecimal)))
	dbl := func(name, desc string, f func(float64) float64) {
		num(name, desc, sig(tDouble, func(a []any) (any, error) { return f(a[0].(float64)), nil }, p("x", tDouble)))
	}
	dbl("SQRT", "Square root.", math.Sqrt)
	dbl("CBRT", "Cube root.", math.Cbrt)
	dbl("EXP", "e raised to the argument.", math.Exp)
	dbl("LN", "Natural logarithm.", crLog)
	dbl("SIN", "Sine.", math.Sin)
	dbl("COS", "Cosine.", math.Cos)
	dbl("TAN", "Tangent.", math.Tan)
	dbl("ASIN", "Arc sine.", math.Asin)
	dbl("ACOS", "Arc cosine.", math.Acos)
	dbl("ATAN", "Arc tangent.", math.Atan)
	dbl("SINH", "Hyperbolic sine.", math.Sinh)
	dbl("COSH", "Hyperbolic cosine.", math.Cosh)
	dbl("TANH", "Hyperbolic tangent.", math.Tanh)
	dbl("COT", "Cotangent.", func(x float64) float64 { return 1 / math.Tan(x) })
	dbl("DEGREES", "Radians to degrees.", func(x float64) float64 { return x * 180 / math.Pi })
	dbl("RADIANS", "Degrees to radians.", func(x float64) float64 { return x / 180 * math.Pi })
	num("ATAN2", "Arc tangent of y/x.", sig(tDouble, func(a []any) (any, error) {
		return math.Atan2(a[0].(float64), a[1].(float64)), nil
	}, p("y", tDouble), p("x", tDouble)))
	num("POWER", "base raised to exponent.", sig(tDouble, func(a []any) (any, error) {
		return math.Pow(a[0].(float64), a[1].(float64)), nil
	}, p("base", tDouble), p("exponent", tDouble)))
	// LOG(value) is the natural logarithm in ksqlDB, despite its documentation.
	num("LOG", "Natural logarithm, or logarithm to a given base.",
		sig(tDouble, func(a []any) (any, error) { return crLog(a[0].(float64)), nil }, p("value", tDouble)),
		sig(tDouble, func(a []any) (any, error) { return logBase(a[0].(float64), a[1].(float64)), nil }, p("base", tDouble), p("value", tDouble)))
	num("PI", "The constant pi.", sig(tDouble, func([]any) (any, error) { return math.Pi, nil }))
	r.add(&function{name: "RANDOM", category: "MATHEMATICAL", nondeterministic: true,
		description: "A random DOUBLE in [0, 1).",
		overloads:   []*overload{sig(tDouble, func([]any) (any, error) { return rand.Float64(), nil })}})
	geo := func(a []any) (any, error) {
		for _, v := range a[:4] {
			if v == nil {
				return nil, nil
			}
		}
		units, _ := a[len(a)-1].(string)
		if len(a) == 4 {
			units = ""
		}
		return geoDistance(a[0].(float64), a[1].(float64), a[2].(float64), a[3].(float64), units)
	}
	num("GEO_DISTANCE", "Great-circle distance between two (lat, lon) points in decimal degrees (haversine), in KM or MI.",
		sig(tDouble, geo, p("lat1", tDouble), p("lon1", tDouble), p("lat2", tDouble), p("lon2", tDouble)),
		sig(tDouble, geo, p("lat1", tDouble), p("lon1", tDouble), p("lat2", tDouble), p("lon2", tDouble), p("units", tString)).acceptNulls())
	extreme := func(name, desc string, want int) {
		num(name, desc, (&overload{
			params: []param{pg("val", "T", anyType), pg("vals", "T", anyType)}, retDoc: "T",
			bind: extremeArgs(name),
			fn: func(a []any) (any, error) {
				var best any
				for _, v := range a {
					if v != nil && (best == nil || Compare(v, best, nil)*want > 0) {
						best = v
					}
				}
				return best, nil
			}}).variadicLast().acceptNulls())
	}
	extreme("GREATEST", "The largest non-null argument.", 1)
	extreme("LEAST", "The smallest non-null argument.", -1)
}

func sign(f float64) int {
	switch {
	case f > 0:
		return 1
	case f < 0:
		return -1
	}
	return 0
}

// logBase follows ksqlDB: a base <= 0 or 1 gives NaN; otherwise ln(v)/ln(base),
// so LOG(15, 0) is -Infinity and a negative value NaN.
func logBase(base, v float64) float64 {
	if base <= 0 || base == 1 {
		return math.NaN()
	}
	return crLog(v) / crLog(base)
}

// roundDouble rounds half toward positive infinity at the given decimal places,
// which is what ksqlDB's ROUND(DOUBLE, INT) produces (-1.5 -> -1.0).
func roundDouble(x float64, places int) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	d, err := decimalFromFloat(x)
	if err != nil {
		return x
	}
	out := roundHalfCeiling(d, places)
	f, _ := out.Float64()
	return f
}

func roundHalfCeiling(d *apd.Decimal, places int) *apd.Decimal {
	ctx := decimalContext()
	if d.Negative {
		ctx.Rounding = apd.RoundHalfDown
	}
	out := new(apd.Decimal)
	_, _ = ctx.Quantize(out, d, int32(-places))
	return out
}

// decimalRoundType is ROUND/TRUNC(DECIMAL(p, s)): DECIMAL(p - s, 0), as ksqlDB
// declares it (math.json: DECIMAL(33,16) -> DECIMAL(17,0)).
func decimalRoundType(args []Expr) ([]Expr, *types.Type, error) {
	t := args[0].Type()
	return args, types.NewDecimal(max(t.Precision-t.Scale, 1), 0), nil
}

func decimalRound(withPlaces bool) func([]*types.Type, *types.Type) evalFn {
	return func(_ []*types.Type, ret *types.Type) evalFn {
		return func(a []any) (any, error) {
			places := 0
			if withPlaces {
				places = int(a[1].(int32))
			}
			return fitAny(roundHalfCeiling(a[0].(*apd.Decimal), places), ret)
		}
	}
}

func decimalTrunc(withPlaces bool) func([]*types.Type, *types.Type) evalFn {
	return func(_ []*types.Type, ret *types.Type) evalFn {
		return func(a []any) (any, error) {
			places := 0
			if withPlaces {
				places = int(a[1].(int32))
			}
			ctx := decimalContext()
			ctx.Rounding = apd.RoundDown
			out := new(apd.Decimal)
			if _, err := ctx.Quantize(out, a[0].(*apd.Decimal), int32(-places)); err != nil {
				return nil, evalErrorf("%v", err)
			}
			return fitAny(out, ret)
		}
	}
}

// geoDistance is ksqlDB's GEO_DISTANCE: the haversine great-circle distance on a
// sphere of radius 6371 km (or 3959 miles when units is mi/mile/miles).
func geoDistance(lat1, lon1, lat2, lon2 float64, units string) (any, error) {
	if lat1 < -90 || lat2 < -90 || lat1 > 90 || lat2 > 90 {
		return nil, evalErrorf("valid latitude values for GeoDistance function are in the range of -90 to 90 decimal degrees")
	}
	if lon1 < -180 || lon2 < -180 || lon1 > 180 || lon2 > 180 {
		return nil, evalErrorf("valid longitude values for GeoDistance function are in the range of -180 to +180 decimal degrees")
	}
	radius := 6371.0
	switch strings.ToLower(strings.TrimSpace(units)) {
	case "", "km", "kilometer", "kilometers", "kilometre", "kilometres":
	case "mi", "mile", "miles":
		radius = 3959
	default:
		return nil, evalErrorf("GeoDistance function units parameter must be one of mi, mile, miles, km, kilometer, kilometers, kilometre or kilometres. Values are case-insensitive.")
	}
	// Java's Math.toRadians (angdeg / 180 * PI) and correctly rounded trig, so the
	// digits are ksqlDB's.
	toRad := func(d float64) float64 { return d / 180.0 * math.Pi }
	hav := func(v float64) float64 { s, _ := crSinCos(v / 2); return s * s }
	_, cos1 := crSinCos(toRad(lat1))
	_, cos2 := crSinCos(toRad(lat2))
	// float64(...) keeps the compiler from fusing the multiply-add (FMA), as Java does.
	a := hav(toRad(lat2-lat1)) + float64(hav(toRad(lon2-lon1))*cos1*cos2)
	return 2 * crAsin(math.Sqrt(a)) * radius, nil
}

// extremeFamilies are the overloads ksqlDB declares for GREATEST and LEAST, one
// per type (the DECIMAL one takes any precision and scale).
var extremeFamilies = []*types.Type{tInt, tBigInt, tDouble, tString, types.NewDecimal(1, 0), tBytes, tDate, tTime, tTS}

// extremeArgs resolves GREATEST/LEAST the way ksqlDB resolves a function with
// several variadic overloads: the overload every argument matches exactly, else
// the one they all convert to implicitly; when two overloads qualify the call is
// ambiguous (GREATEST(INT, BIGINT) could be BIGINT, DECIMAL or DOUBLE). NULLs
// match any overload, so all-NULL arguments are ambiguous too. DECIMAL values keep
// their own scale; the result type widens to hold every argument.
func extremeArgs(name string) func(args []Expr) ([]Expr, *types.Type, error) {
	return func(args []Expr) ([]Expr, *types.Type, error) {
		accepts := func(fam *types.Type, exact bool) bool {
			for _, a := range args {
				t := a.Type()
				switch {
				case t.Kind == types.KindUnknown:
				case fam.Kind == types.KindDecimal:
					if t.Kind != types.KindDecimal && (exact || (t.Kind != types.KindInt && t.Kind != types.KindBigInt)) {
						return false
					}
				case exact:
					if !t.Equal(fam) {
						return false
					}
				default:
					if _, ok := implicitConverter(t, fam, IsConstant(a)); !ok {
						return false
					}
				}
			}
			return true
		}
		var chosen []*types.Type
		for _, exact := range []bool{true, false} {
			for _, fam := range extremeFamilies {
				if accepts(fam, exact) {
					chosen = append(chosen, fam)
				}
			}
			if len(chosen) > 0 {
				break
			}
		}
		switch {
		case len(chosen) > 1:
			return nil, nil, mismatch("Function '%s' cannot be resolved due to ambiguous method parameters (%s).", name, argTypeList(args))
		case len(chosen) == 0:
			return nil, nil, sqlerr.Newf(sqlerr.UndefinedFunction, "Function '%s' does not accept parameters (%s).", name, argTypeList(args))
		}
		fam := chosen[0]
		if fam.Kind == types.KindDecimal {
			var ret *types.Type
			for _, a := range args {
				if t := a.Type(); t.Kind != types.KindUnknown {
					if ret == nil {
						ret = asDecimalType(t)
					} else {
						ret = widerNumeric(ret, asDecimalType(t))
					}
				}
			}
			out := make([]Expr, len(args))
			for i, a := range args {
				out[i] = a
				if t := a.Type(); t.Kind != types.KindDecimal && t.Kind != types.KindUnknown {
					c, err := ImplicitCast(a, asDecimalType(t))
					if err != nil {
						return nil, nil, err
					}
					out[i] = c
				}
			}
			return out, ret, nil
		}
		out, err := coerceAll(args, fam)
		return out, fam, err
	}
}

// argTypeList renders argument types as ksqlDB's resolution errors do, NULL as null.
func argTypeList(args []Expr) string {
	parts := make([]string, len(args))
	for i, a := range args {
		if t := a.Type(); t.Kind == types.KindUnknown {
			parts[i] = "null"
		} else {
			parts[i] = t.String()
		}
	}
	return strings.Join(parts, ", ")
}
