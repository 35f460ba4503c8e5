package pgeval

import (
	"crypto/md5"
	"encoding/hex"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"

	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// Pseudo argument types of the functions below: argNumber keeps an integer,
// float or numeric argument as it is (abs, mod); argFloatOrNumeric keeps a
// numeric and makes anything else float8, as Postgres picks float8 over numeric
// for integers (round, ceil, sqrt).
const (
	argNumber         uint32 = 1<<32 - 1
	argFloatOrNumeric uint32 = 1<<32 - 2
	// argKeep keeps the argument's type; an untyped literal is text.
	argKeep uint32 = 1<<32 - 3
)

// sqlFuncs are the scalar functions BI tools and ORMs use over data: date and
// time, math and string functions, with Postgres' result types.
func sqlFuncs() map[string]*Func {
	sameType := func(t []Type) Type { return Type{OID: finalType(t[0]).OID} }
	numericIn := func(t []Type) Type {
		if t[0].OID == Numeric {
			return Type{OID: Numeric}
		}
		return Type{OID: Float8}
	}
	now := func(*Ctx, []any) (any, error) { return time.Now().UTC().Truncate(time.Microsecond), nil }
	m := map[string]*Func{
		"now":                   {Ret: TimestampTZ, Eval: now},
		"transaction_timestamp": {Ret: TimestampTZ, Eval: now},
		"statement_timestamp":   {Ret: TimestampTZ, Eval: now},
		"clock_timestamp":       {Ret: TimestampTZ, Eval: now},
		// pg_sleep waits, and stops waiting when the statement is cancelled.
		"pg_sleep": {Ret: Void, MinArgs: 1, MaxArgs: 1, Args: []uint32{Float8}, Eval: func(ctx *Ctx, a []any) (any, error) {
			secs := a[0].(float64)
			d := time.Duration(math.MaxInt64) // a sleep beyond 292 years is as good as forever
			if secs < float64(math.MaxInt64/int64(time.Second)) {
				d = time.Duration(secs * float64(time.Second))
			}
			if !(secs > 0) {
				return "", nil
			}
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
				return "", nil
			case <-ctx.Context.Done():
				return nil, ctx.Context.Err()
			}
		}},
		"localtimestamp": {Ret: Timestamp, Eval: now},
		"localtime": {Ret: Time, Eval: func(*Ctx, []any) (any, error) {
			t := time.Now().UTC()
			return TimeOfDay(t.Sub(truncDay(t)).Microseconds()), nil
		}},
		"current_date": {Ret: Date, Eval: func(*Ctx, []any) (any, error) { return truncDay(time.Now().UTC()), nil }},
		"date_trunc": {MinArgs: 2, MaxArgs: 3, Args: []uint32{Text, Timestamp, Text}, Return: func(t []Type) Type {
			switch t[1].OID {
			case Timestamp, Interval_:
				return Type{OID: t[1].OID}
			}
			return Type{OID: TimestampTZ}
		}, Eval: func(_ *Ctx, a []any) (any, error) {
			if iv, ok := a[1].(Interval); ok {
				return truncInterval(a[0].(string), iv)
			}
			return dateTrunc(a[0].(string), a[1].(time.Time))
		}},
		"extract": {Ret: Numeric, MinArgs: 2, MaxArgs: 2, Args: []uint32{Text, Timestamp}, Return: func(t []Type) Type { return Type{OID: Numeric} }, Eval: func(_ *Ctx, a []any) (any, error) {
			return extractAny(a[0].(string), a[1])
		}},
		"extract date": {Ret: Numeric, MinArgs: 2, MaxArgs: 2, Args: []uint32{Text, Date}, Eval: func(_ *Ctx, a []any) (any, error) {
			d, err := extractAny(a[0].(string), a[1])
			if err != nil {
				return nil, err
			}
			return decRound(d, 0), nil
		}},
		"date_part date": {Ret: Float8, MinArgs: 2, MaxArgs: 2, Args: []uint32{Text, Date}, Eval: func(_ *Ctx, a []any) (any, error) {
			d, err := extractAny(a[0].(string), a[1])
			if err != nil {
				return nil, err
			}
			f, _ := d.Float64()
			return f, nil
		}},
		"date_part": {Ret: Float8, MinArgs: 2, MaxArgs: 2, Args: []uint32{Text, Timestamp}, Eval: func(_ *Ctx, a []any) (any, error) {
			d, err := extractAny(a[0].(string), a[1])
			if err != nil {
				return nil, err
			}
			f, _ := d.Float64()
			return f, nil
		}},
		"to_timestamp": {Ret: TimestampTZ, MinArgs: 1, MaxArgs: 2, Args: []uint32{argKeep, Text}, Eval: func(_ *Ctx, a []any) (any, error) {
			if len(a) == 2 {
				return parseFormatted(formatText(nil, a[0], Text), a[1].(string))
			}
			f, ok := toFloat(a[0])
			if !ok {
				if d, isDec := a[0].(*apd.Decimal); isDec {
					f, _ = d.Float64()
				} else {
					var err error
					if f, err = parseFloatText(formatText(nil, a[0], Text)); err != nil {
						return nil, sqlerr.Newf(sqlerr.InvalidTextRepresentation, "invalid input syntax for type double precision: %q", a[0])
					}
				}
			}
			sec := math.Floor(f)
			us := math.Round((f - sec) * 1e6)
			return time.Unix(int64(sec), int64(us)*1000).UTC(), nil
		}},
		"to_date": {Ret: Date, MinArgs: 2, MaxArgs: 2, Eval: func(_ *Ctx, a []any) (any, error) {
			t, err := parseFormatted(a[0].(string), a[1].(string))
			if err != nil {
				return nil, err
			}
			return truncDay(t), nil
		}},
		"to_char": {Ret: Text, MinArgs: 2, MaxArgs: 2, Args: []uint32{Timestamp, Text}, Eval: func(_ *Ctx, a []any) (any, error) {
			t, ok := a[0].(time.Time)
			if !ok {
				return nil, sqlerr.New(sqlerr.FeatureNotSupported, "to_char is supported for dates and timestamps only")
			}
			return formatWithPattern(t, a[1].(string)), nil
		}},
		"make_date": {Ret: Date, MinArgs: 3, MaxArgs: 3, Args: []uint32{Int4, Int4, Int4}, Eval: func(_ *Ctx, a []any) (any, error) {
			return time.Date(int(a[0].(int64)), time.Month(a[1].(int64)), int(a[2].(int64)), 0, 0, 0, 0, time.UTC), nil
		}},
		"timezone timestamp": {Ret: TimestampTZ, MinArgs: 2, MaxArgs: 2, Args: []uint32{argKeep, Timestamp}, Eval: func(_ *Ctx, a []any) (any, error) {
			t := a[1].(time.Time)
			loc, err := zoneOf(a[0])
			if err != nil {
				return nil, err
			}
			return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc).UTC(), nil
		}},
		"timezone timestamptz": {Ret: Timestamp, MinArgs: 2, MaxArgs: 2, Args: []uint32{argKeep, TimestampTZ}, Eval: func(_ *Ctx, a []any) (any, error) {
			loc, err := zoneOf(a[0])
			if err != nil {
				return nil, err
			}
			t := a[1].(time.Time).In(loc)
			return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC), nil
		}},
		"substring regex": {Ret: Text, MinArgs: 2, MaxArgs: 2, Eval: func(_ *Ctx, a []any) (any, error) {
			re, err := compileRegex(a[1].(string))
			if err != nil {
				return nil, err
			}
			m := re.FindStringSubmatch(a[0].(string))
			switch {
			case m == nil:
				return nil, nil
			case len(m) > 1:
				// The first parenthesized subexpression, when there is one.
				if m[1] == "" && re.FindStringSubmatchIndex(a[0].(string))[2] < 0 {
					return nil, nil
				}
				return m[1], nil
			}
			return m[0], nil
		}},
		"generate_series timestamp": {MinArgs: 3, MaxArgs: 3, Args: []uint32{argKeep, argKeep, Interval_}, Return: func(t []Type) Type {
			return Type{OID: t[0].OID}
		}, Set: func(_ *Ctx, a []any) ([]any, error) {
			from, to, step := a[0].(time.Time), a[1].(time.Time), a[2].(Interval)
			if step == (Interval{}) {
				return nil, sqlerr.New(sqlerr.InvalidParameterValue, "step size cannot equal zero")
			}
			up := addInterval(from, step, 1).After(from)
			var out []any
			for t := from; (up && !t.After(to)) || (!up && !t.Before(to)); t = addInterval(t, step, 1) {
				out = append(out, t)
				if len(out) > types.MaxCollectionElements {
					return nil, sqlerr.Newf(sqlerr.ProgramLimitExceeded, "generate_series is limited to %d rows here", types.MaxCollectionElements)
				}
			}
			return out, nil
		}},
		"width_bucket": {Ret: Int4, MinArgs: 4, MaxArgs: 4, Args: []uint32{Float8, Float8, Float8, Int4}, Eval: func(_ *Ctx, a []any) (any, error) {
			x, _ := toFloat(decFloat(a[0]))
			lo, _ := toFloat(decFloat(a[1]))
			hi, _ := toFloat(decFloat(a[2]))
			n, _ := intArg(a[3])
			if n <= 0 {
				return nil, sqlerr.New("2201G", "count must be greater than zero")
			}
			if lo == hi {
				return nil, sqlerr.New("2201G", "lower bound cannot equal upper bound")
			}
			var b float64
			switch {
			case lo < hi && x < lo, lo > hi && x > lo:
				return int64(0), nil
			case lo < hi && x >= hi, lo > hi && x <= hi:
				return n + 1, nil
			default:
				b = math.Floor(float64(n)*(x-lo)/(hi-lo)) + 1
			}
			return int64(b), nil
		}},
		"age": {Ret: Interval_, MinArgs: 2, MaxArgs: 2, Args: []uint32{Timestamp, Timestamp}, Eval: func(_ *Ctx, a []any) (any, error) {
			return subTimestamps(a[0].(time.Time), a[1].(time.Time)), nil
		}},

		"abs": {MinArgs: 1, MaxArgs: 1, Args: []uint32{argNumber}, Return: sameType, Eval: func(_ *Ctx, a []any) (any, error) {
			switch x := a[0].(type) {
			case int64:
				if x < 0 {
					return -x, nil
				}
				return x, nil
			case float64:
				return math.Abs(x), nil
			case *apd.Decimal:
				return new(apd.Decimal).Abs(x), nil
			}
			return nil, badNumber(a[0])
		}},
		"ceil":    {MinArgs: 1, MaxArgs: 1, Args: []uint32{argFloatOrNumeric}, Return: numericIn, Eval: rounder(math.Ceil, apd.RoundCeiling)},
		"ceiling": {MinArgs: 1, MaxArgs: 1, Args: []uint32{argFloatOrNumeric}, Return: numericIn, Eval: rounder(math.Ceil, apd.RoundCeiling)},
		"floor":   {MinArgs: 1, MaxArgs: 1, Args: []uint32{argFloatOrNumeric}, Return: numericIn, Eval: rounder(math.Floor, apd.RoundFloor)},
		"trunc":   {MinArgs: 1, MaxArgs: 1, Args: []uint32{argFloatOrNumeric}, Return: numericIn, Eval: rounder(math.Trunc, apd.RoundDown)},
		"round":   {MinArgs: 1, MaxArgs: 1, Args: []uint32{argFloatOrNumeric}, Return: numericIn, Eval: rounder(math.RoundToEven, apd.RoundHalfUp)},
		// The two-argument forms (compileFuncCall picks them by arity).
		"trunc numeric": {Ret: Numeric, MinArgs: 2, MaxArgs: 2, Args: []uint32{Numeric, Int4}, Eval: func(_ *Ctx, a []any) (any, error) {
			return scaleRound(a[0], a[1], apd.RoundDown)
		}},
		"round numeric": {Ret: Numeric, MinArgs: 2, MaxArgs: 2, Args: []uint32{Numeric, Int4}, Eval: func(_ *Ctx, a []any) (any, error) {
			return scaleRound(a[0], a[1], apd.RoundHalfUp)
		}},
		"sign": {MinArgs: 1, MaxArgs: 1, Args: []uint32{argFloatOrNumeric}, Return: numericIn, Eval: func(_ *Ctx, a []any) (any, error) {
			switch x := a[0].(type) {
			case *apd.Decimal:
				return apd.New(int64(x.Sign()), 0), nil
			}
			f, _ := toFloat(a[0])
			switch {
			case f > 0:
				return 1.0, nil
			case f < 0:
				return -1.0, nil
			}
			return 0.0, nil
		}},
		"mod": {MinArgs: 2, MaxArgs: 2, Args: []uint32{argNumber, argNumber}, Return: func(t []Type) Type {
			return Type{OID: arithType("%", t[0].OID, t[1].OID)}
		}, Eval: func(_ *Ctx, a []any) (any, error) { return arith("%", a[0], a[1]) }},
		"div": {Ret: Numeric, MinArgs: 2, MaxArgs: 2, Args: []uint32{Numeric, Numeric}, Eval: func(_ *Ctx, a []any) (any, error) {
			x, _ := toDecimal(a[0])
			y, _ := toDecimal(a[1])
			if y.IsZero() {
				return nil, sqlerr.New(sqlerr.DivisionByZero, "division by zero")
			}
			q := new(apd.Decimal)
			decCtx.QuoInteger(q, x, y)
			return q, nil
		}},
		"power": {MinArgs: 2, MaxArgs: 2, Args: []uint32{argFloatOrNumeric, argFloatOrNumeric}, Return: numericIn, Eval: floatFunc2(math.Pow)},
		"pow":   {MinArgs: 2, MaxArgs: 2, Args: []uint32{argFloatOrNumeric, argFloatOrNumeric}, Return: numericIn, Eval: floatFunc2(math.Pow)},
		"sqrt":  {MinArgs: 1, MaxArgs: 1, Args: []uint32{argFloatOrNumeric}, Return: numericIn, Eval: floatFunc(math.Sqrt)},
		"exp":   {MinArgs: 1, MaxArgs: 1, Args: []uint32{argFloatOrNumeric}, Return: numericIn, Eval: floatFunc(math.Exp)},
		"ln":    {MinArgs: 1, MaxArgs: 1, Args: []uint32{argFloatOrNumeric}, Return: numericIn, Eval: floatFunc(math.Log)},
		"log":   {MinArgs: 1, MaxArgs: 1, Args: []uint32{argFloatOrNumeric}, Return: numericIn, Eval: floatFunc(math.Log10)},
		"log10": {MinArgs: 1, MaxArgs: 1, Args: []uint32{argFloatOrNumeric}, Return: numericIn, Eval: floatFunc(math.Log10)},
		"cbrt":  {Ret: Float8, MinArgs: 1, MaxArgs: 1, Args: []uint32{Float8}, Eval: floatFunc(math.Cbrt)},
		"pi":    {Ret: Float8, Eval: func(*Ctx, []any) (any, error) { return math.Pi, nil }},
		"degrees": {Ret: Float8, MinArgs: 1, MaxArgs: 1, Args: []uint32{Float8}, Eval: floatFunc(func(x float64) float64 {
			return x * 180 / math.Pi
		})},
		"radians": {Ret: Float8, MinArgs: 1, MaxArgs: 1, Args: []uint32{Float8}, Eval: floatFunc(func(x float64) float64 {
			return x * math.Pi / 180
		})},

		"initcap": {Ret: Text, MinArgs: 1, MaxArgs: 1, Eval: func(_ *Ctx, a []any) (any, error) {
			var b strings.Builder
			prevAlnum := false
			for _, r := range a[0].(string) {
				if prevAlnum {
					b.WriteRune(unicode.ToLower(r))
				} else {
					b.WriteRune(unicode.ToUpper(r))
				}
				prevAlnum = unicode.IsLetter(r) || unicode.IsDigit(r)
			}
			return b.String(), nil
		}},
		"right": {Ret: Text, MinArgs: 2, MaxArgs: 2, Args: []uint32{Text, Int4}, Eval: func(_ *Ctx, a []any) (any, error) {
			r := []rune(a[0].(string))
			n, _ := intArg(a[1])
			if n < 0 {
				n = max(int64(len(r))+n, 0)
			}
			n = min(n, int64(len(r)))
			return string(r[int64(len(r))-n:]), nil
		}},
		"lpad": {Ret: Text, MinArgs: 2, MaxArgs: 3, Args: []uint32{Text, Int4, Text}, Eval: pad(true)},
		"rpad": {Ret: Text, MinArgs: 2, MaxArgs: 3, Args: []uint32{Text, Int4, Text}, Eval: pad(false)},
		"reverse": {Ret: Text, MinArgs: 1, MaxArgs: 1, Eval: func(_ *Ctx, a []any) (any, error) {
			r := []rune(a[0].(string))
			for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
				r[i], r[j] = r[j], r[i]
			}
			return string(r), nil
		}},
		"repeat": {Ret: Text, MinArgs: 2, MaxArgs: 2, Args: []uint32{Text, Int4}, Eval: func(_ *Ctx, a []any) (any, error) {
			n, _ := intArg(a[1])
			if n < 0 {
				n = 0
			}
			if n*int64(len(a[0].(string))) > types.MaxStringBytes {
				return nil, sqlerr.New(sqlerr.ProgramLimitExceeded, "requested length too large")
			}
			return strings.Repeat(a[0].(string), int(n)), nil
		}},
		"concat_ws": {Ret: Text, MinArgs: 1, MaxArgs: -1, NonStrict: true, Eval: func(ctx *Ctx, a []any) (any, error) {
			if a[0] == nil {
				return nil, nil
			}
			var parts []string
			for _, v := range a[1:] {
				if v != nil {
					parts = append(parts, formatText(ctx.Names, v, 0))
				}
			}
			return strings.Join(parts, formatText(ctx.Names, a[0], Text)), nil
		}},
		"starts_with": {Ret: Bool, MinArgs: 2, MaxArgs: 2, Eval: func(_ *Ctx, a []any) (any, error) {
			return strings.HasPrefix(a[0].(string), a[1].(string)), nil
		}},
		"octet_length": {Ret: Int4, MinArgs: 1, MaxArgs: 1, Eval: func(_ *Ctx, a []any) (any, error) {
			return int64(len(a[0].(string))), nil
		}},
		"character_length": {Ret: Int4, MinArgs: 1, MaxArgs: 1, Eval: func(_ *Ctx, a []any) (any, error) {
			return int64(len([]rune(a[0].(string)))), nil
		}},
		"ascii": {Ret: Int4, MinArgs: 1, MaxArgs: 1, Eval: func(_ *Ctx, a []any) (any, error) {
			for _, r := range a[0].(string) {
				return int64(r), nil
			}
			return int64(0), nil
		}},
		"chr": {Ret: Text, MinArgs: 1, MaxArgs: 1, Args: []uint32{Int4}, Eval: func(_ *Ctx, a []any) (any, error) {
			return string(rune(a[0].(int64))), nil
		}},
		"md5": {Ret: Text, MinArgs: 1, MaxArgs: 1, Eval: func(_ *Ctx, a []any) (any, error) {
			sum := md5.Sum([]byte(a[0].(string)))
			return hex.EncodeToString(sum[:]), nil
		}},
		"translate": {Ret: Text, MinArgs: 3, MaxArgs: 3, Eval: func(_ *Ctx, a []any) (any, error) {
			from, to := []rune(a[1].(string)), []rune(a[2].(string))
			var b strings.Builder
			for _, r := range a[0].(string) {
				i := strings.IndexRune(string(from), r)
				if i < 0 {
					b.WriteRune(r)
					continue
				}
				k := len([]rune(string(from)[:i]))
				if k < len(to) {
					b.WriteRune(to[k])
				}
			}
			return b.String(), nil
		}},
		"to_hex": {Ret: Text, MinArgs: 1, MaxArgs: 1, Args: []uint32{Int8}, Eval: func(_ *Ctx, a []any) (any, error) {
			return strconv.FormatUint(uint64(a[0].(int64)), 16), nil
		}},
	}
	return m
}

func badNumber(v any) error {
	return sqlerr.Newf(sqlerr.DatatypeMismatch, "expected a number, got %T", v)
}

// rounder applies f to floats and rounds decimals to an integer with mode.
func rounder(f func(float64) float64, mode apd.Rounder) func(*Ctx, []any) (any, error) {
	return func(_ *Ctx, a []any) (any, error) {
		switch x := a[0].(type) {
		case *apd.Decimal:
			out := new(apd.Decimal)
			ctx := decCtx
			ctx.Rounding = mode
			ctx.Quantize(out, x, 0)
			return out, nil
		case int64:
			return float64(x), nil
		case float64:
			return f(x), nil
		}
		return nil, badNumber(a[0])
	}
}

// scaleRound is round(numeric, s) and trunc(numeric, s); floats have no such
// function in Postgres.
func scaleRound(v, s any, mode apd.Rounder) (any, error) {
	d, ok := v.(*apd.Decimal)
	if !ok {
		if _, isFloat := v.(float64); isFloat {
			return nil, sqlerr.New(sqlerr.UndefinedFunction, "function round(double precision, integer) does not exist")
		}
		if d, ok = toDecimal(v); !ok {
			return nil, badNumber(v)
		}
	}
	n, err := intArg(s)
	if err != nil {
		return nil, err
	}
	out := new(apd.Decimal)
	ctx := decCtx
	ctx.Rounding = mode
	ctx.Quantize(out, d, int32(-n))
	if n < 0 {
		r := new(apd.Decimal)
		ctx.Quantize(r, out, 0)
		out = r
	}
	return out, nil
}

func floatFunc(f func(float64) float64) func(*Ctx, []any) (any, error) {
	return func(_ *Ctx, a []any) (any, error) {
		if d, ok := a[0].(*apd.Decimal); ok {
			x, _ := d.Float64()
			r, _ := toDecimal(f(x))
			return r, nil
		}
		x, ok := toFloat(a[0])
		if !ok {
			return nil, badNumber(a[0])
		}
		return f(x), nil
	}
}

func floatFunc2(f func(float64, float64) float64) func(*Ctx, []any) (any, error) {
	return func(_ *Ctx, a []any) (any, error) {
		_, dec := a[0].(*apd.Decimal)
		x, ok1 := toFloat(decFloat(a[0]))
		y, ok2 := toFloat(decFloat(a[1]))
		if !ok1 || !ok2 {
			return nil, badNumber(a[0])
		}
		if dec {
			r, _ := toDecimal(f(x, y))
			return r, nil
		}
		return f(x, y), nil
	}
}

func decFloat(v any) any {
	if d, ok := v.(*apd.Decimal); ok {
		f, _ := d.Float64()
		return f
	}
	return v
}

func pad(left bool) func(*Ctx, []any) (any, error) {
	return func(_ *Ctx, a []any) (any, error) {
		s := []rune(a[0].(string))
		n, _ := intArg(a[1])
		fill := []rune(" ")
		if len(a) == 3 {
			fill = []rune(a[2].(string))
		}
		if n <= int64(len(s)) {
			return string(s[:max(n, 0)]), nil
		}
		if len(fill) == 0 {
			return string(s), nil
		}
		if n > types.MaxStringBytes/utf8.UTFMax {
			return nil, sqlerr.New(sqlerr.ProgramLimitExceeded, "requested length too large")
		}
		var p []rune
		for int64(len(p)+len(s)) < n {
			p = append(p, fill[len(p)%len(fill)])
		}
		if left {
			return string(p) + string(s), nil
		}
		return string(s) + string(p), nil
	}
}

// extractAny is extract(field FROM v) for a timestamp, date or interval.
func extractAny(field string, v any) (*apd.Decimal, error) {
	switch x := v.(type) {
	case time.Time:
		return extractField(field, x, false)
	case Interval:
		return extractInterval(field, x)
	case TimeOfDay:
		t := time.Unix(0, int64(x)*1000).UTC()
		return extractField(field, t, false)
	}
	return nil, sqlerr.Newf(sqlerr.UndefinedFunction, "function extract(unknown, %T) does not exist", v)
}

func truncInterval(field string, iv Interval) (any, error) {
	switch strings.ToLower(field) {
	case "year":
		return Interval{Months: iv.Months / 12 * 12}, nil
	case "month":
		return Interval{Months: iv.Months}, nil
	case "day":
		return Interval{Months: iv.Months, Days: iv.Days}, nil
	case "hour":
		return Interval{iv.Months, iv.Days, iv.Micros / 3600e6 * 3600e6}, nil
	case "minute":
		return Interval{iv.Months, iv.Days, iv.Micros / 60e6 * 60e6}, nil
	case "second":
		return Interval{iv.Months, iv.Days, iv.Micros / 1e6 * 1e6}, nil
	}
	return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "unit %q not supported for type interval", field)
}

// patternTokens are the to_char/to_timestamp template patterns supported, longest
// first so that HH24 wins over HH.
var patternTokens = []string{"YYYY", "HH24", "HH12", "MONTH", "Month", "month", "DDD", "MON", "Mon", "mon", "DAY", "Day", "day",
	"AM", "PM", "am", "pm", "YY", "MM", "DD", "HH", "MI", "SS", "MS", "US", "Dy", "DY", "dy", "TZ", "Q", "D"}

// formatWithPattern is to_char(timestamp, pattern).
func formatWithPattern(t time.Time, pattern string) string {
	var b strings.Builder
	for i := 0; i < len(pattern); {
		if pattern[i] == '"' {
			j := strings.IndexByte(pattern[i+1:], '"')
			if j < 0 {
				b.WriteString(pattern[i+1:])
				break
			}
			b.WriteString(pattern[i+1 : i+1+j])
			i += j + 2
			continue
		}
		tok := ""
		for _, p := range patternTokens {
			if strings.HasPrefix(pattern[i:], p) {
				tok = p
				break
			}
		}
		if tok == "" {
			b.WriteByte(pattern[i])
			i++
			continue
		}
		i += len(tok)
		h12 := t.Hour() % 12
		if h12 == 0 {
			h12 = 12
		}
		switch tok {
		case "YYYY":
			b.WriteString(pad0(t.Year(), 4))
		case "YY":
			b.WriteString(pad0(t.Year()%100, 2))
		case "MM":
			b.WriteString(pad0(int(t.Month()), 2))
		case "DD":
			b.WriteString(pad0(t.Day(), 2))
		case "DDD":
			b.WriteString(pad0(t.YearDay(), 3))
		case "HH24":
			b.WriteString(pad0(t.Hour(), 2))
		case "HH12", "HH":
			b.WriteString(pad0(h12, 2))
		case "MI":
			b.WriteString(pad0(t.Minute(), 2))
		case "SS":
			b.WriteString(pad0(t.Second(), 2))
		case "MS":
			b.WriteString(pad0(t.Nanosecond()/1e6, 3))
		case "US":
			b.WriteString(pad0(t.Nanosecond()/1e3, 6))
		case "AM", "PM":
			if t.Hour() < 12 {
				b.WriteString("AM")
			} else {
				b.WriteString("PM")
			}
		case "am", "pm":
			if t.Hour() < 12 {
				b.WriteString("am")
			} else {
				b.WriteString("pm")
			}
		case "MONTH":
			b.WriteString(padRight(strings.ToUpper(t.Month().String()), 9))
		case "Month":
			b.WriteString(padRight(t.Month().String(), 9))
		case "month":
			b.WriteString(padRight(strings.ToLower(t.Month().String()), 9))
		case "MON":
			b.WriteString(strings.ToUpper(t.Month().String()[:3]))
		case "Mon":
			b.WriteString(t.Month().String()[:3])
		case "mon":
			b.WriteString(strings.ToLower(t.Month().String()[:3]))
		case "DAY":
			b.WriteString(padRight(strings.ToUpper(t.Weekday().String()), 9))
		case "Day":
			b.WriteString(padRight(t.Weekday().String(), 9))
		case "day":
			b.WriteString(padRight(strings.ToLower(t.Weekday().String()), 9))
		case "DY":
			b.WriteString(strings.ToUpper(t.Weekday().String()[:3]))
		case "Dy":
			b.WriteString(t.Weekday().String()[:3])
		case "dy":
			b.WriteString(strings.ToLower(t.Weekday().String()[:3]))
		case "D":
			b.WriteString(strconv.Itoa(int(t.Weekday()) + 1))
		case "Q":
			b.WriteString(strconv.Itoa((int(t.Month())-1)/3 + 1))
		case "TZ":
			b.WriteString("UTC")
		}
	}
	return b.String()
}

func pad0(n, width int) string {
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}

func padRight(s string, width int) string {
	for len(s) < width {
		s += " "
	}
	return s
}

// parseFormatted is to_timestamp(text, pattern) for the numeric patterns.
func parseFormatted(s, pattern string) (time.Time, error) {
	bad := sqlerr.Newf("22007", "invalid value %q for pattern %q", s, pattern)
	year, month, day, hour, min, sec, us := 1, 1, 1, 0, 0, 0, 0
	pm, h12 := false, false
	i := 0
	num := func(maxDigits int) (int, bool) {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		j := i
		for j < len(s) && j-i < maxDigits && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == i {
			return 0, false
		}
		n, _ := strconv.Atoi(s[i:j])
		i = j
		return n, true
	}
	for p := 0; p < len(pattern); {
		tok := ""
		for _, t := range patternTokens {
			if strings.HasPrefix(pattern[p:], t) {
				tok = t
				break
			}
		}
		if tok == "" {
			p++
			if i < len(s) {
				i++
			}
			continue
		}
		p += len(tok)
		var ok bool
		switch tok {
		case "YYYY":
			year, ok = num(4)
		case "YY":
			var y int
			y, ok = num(2)
			year = 2000 + y
			if y >= 70 {
				year = 1900 + y
			}
		case "MM":
			month, ok = num(2)
		case "DD":
			day, ok = num(2)
		case "HH24":
			hour, ok = num(2)
		case "HH12", "HH":
			hour, ok = num(2)
			h12 = true
		case "MI":
			min, ok = num(2)
		case "SS":
			sec, ok = num(2)
		case "MS":
			var ms int
			ms, ok = num(3)
			us = ms * 1000
		case "US":
			start := i
			us, ok = num(6)
			for k := i - start; k < 6; k++ {
				us *= 10
			}
		case "AM", "PM", "am", "pm":
			if i+2 <= len(s) {
				pm = strings.EqualFold(s[i:i+2], "PM")
				i += 2
				ok = true
			}
		default:
			return time.Time{}, sqlerr.Newf(sqlerr.FeatureNotSupported, "pattern %s is not supported in to_timestamp", tok)
		}
		if !ok {
			return time.Time{}, bad
		}
	}
	if h12 {
		hour %= 12
		if pm {
			hour += 12
		}
	}
	return time.Date(year, time.Month(month), day, hour, min, sec, us*1000, time.UTC), nil
}

// spreadAgg returns the variance or standard deviation aggregate name is, over
// the non-NULL inputs: numeric for integer and numeric inputs (with the scale
// Postgres' numeric division gives), float8 for floats.
func spreadAgg(name string) (func(vals []any) (any, error), bool) {
	var sample, root bool
	switch name {
	case "stddev", "stddev_samp":
		sample, root = true, true
	case "stddev_pop":
		root = true
	case "variance", "var_samp":
		sample = true
	case "var_pop":
	default:
		return nil, false
	}
	return func(v []any) (any, error) { return spread(v, sample, root) }, true
}

func spread(vals []any, sample, root bool) (any, error) {
	n := int64(len(vals))
	if n == 0 || (sample && n == 1) {
		return nil, nil
	}
	if _, ok := vals[0].(float64); ok {
		// Youngs-Cramer, as Postgres' float8_accum: the sum and the sum of
		// squared deviations, updated per value (so the last digits agree).
		var cnt, sum, sxx float64
		for _, v := range vals {
			f := v.(float64)
			cnt++
			sum += f
			if cnt > 1 {
				d := f*cnt - sum
				sxx += d * d / (cnt * (cnt - 1))
			}
		}
		num, den := sxx, cnt
		if sample {
			den = cnt - 1
		}
		r := math.Max(num/den, 0)
		if root {
			r = math.Sqrt(r)
		}
		return r, nil
	}
	sum, sumSq := apd.New(0, 0), apd.New(0, 0)
	for _, v := range vals {
		d, ok := toDecimal(v)
		if !ok {
			return nil, badNumber(v)
		}
		sq := new(apd.Decimal)
		decCtx.Mul(sq, d, d)
		decCtx.Add(sumSq, sumSq, sq)
		decCtx.Add(sum, sum, d)
	}
	dn := apd.New(n, 0)
	num := new(apd.Decimal)
	decCtx.Mul(num, dn, sumSq)
	s2 := new(apd.Decimal)
	decCtx.Mul(s2, sum, sum)
	decCtx.Sub(num, num, s2)
	den := new(apd.Decimal)
	if sample {
		decCtx.Mul(den, dn, apd.New(n-1, 0))
	} else {
		decCtx.Mul(den, dn, dn)
	}
	if num.Sign() <= 0 {
		return apd.New(0, 0), nil
	}
	scale := divScale(num, den)
	q := new(apd.Decimal)
	ctx := decCtx
	ctx.Precision = 60
	ctx.Quo(q, num, den)
	if root {
		r := new(apd.Decimal)
		ctx.Sqrt(r, q)
		q = r
	}
	return decRound(q, scale), nil
}

// zoneOf is the zone of AT TIME ZONE and timezone(): a zone name (IANA, from
// the system's zoneinfo), a numeric offset ("+02", "-05:30", POSIX: west of
// Greenwich is positive), or an interval (east of Greenwich is positive).
func zoneOf(z any) (*time.Location, error) {
	switch x := z.(type) {
	case Interval:
		if x.Months != 0 || x.Days != 0 {
			return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "interval time zone must not include months or days")
		}
		return time.FixedZone("", int(x.Micros/1e6)), nil
	case string:
		switch strings.ToLower(x) {
		case "utc", "gmt", "z", "zulu", "universal":
			return time.UTC, nil
		}
		if len(x) > 1 && (x[0] == '+' || x[0] == '-') {
			// A numeric zone text is POSIX: positive is west of Greenwich.
			for _, layout := range []string{"-07:00", "-07"} {
				if t, err := time.Parse(layout, x); err == nil {
					_, off := t.Zone()
					return time.FixedZone("", -off), nil
				}
			}
		}
		if loc, err := time.LoadLocation(x); err == nil && !strings.HasPrefix(x, "Local") {
			return loc, nil
		}
		return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "time zone %q not recognized", x)
	}
	return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "time zone %v not recognized", z)
}

// compileRegex compiles a POSIX regular expression as Go's RE2 reads it (no
// back references or lookaround).
func compileRegex(pattern string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, sqlerr.Newf("2201B", "invalid regular expression: %v", err)
	}
	return re, nil
}
