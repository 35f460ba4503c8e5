package expr

import (
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"
	"github.com/sluice-db/sluice/types"
)

// converter turns a non-NULL value of one type into a value of another.
type converter func(v any) (any, error)

// Cast converts its operand to a target type. Explicit marks a user-written CAST
// (it prints as one); implicit casts print as their operand.
type Cast struct {
	E        Expr
	To       *types.Type
	Explicit bool
	conv     converter
}

func (c *Cast) Type() *types.Type { return c.To }

func (c *Cast) Eval(row []any) (any, error) {
	v, err := c.E.Eval(row)
	if err != nil || v == nil {
		return nil, err
	}
	return c.conv(v)
}

func (c *Cast) String() string {
	if !c.Explicit {
		return c.E.String()
	}
	return "CAST(" + c.E.String() + " AS " + c.To.String() + ")"
}

func (c *Cast) children() []Expr { return []Expr{c.E} }

// NewCast is an explicit CAST(e AS to) with ksqlDB's conversion rules: numbers to
// and from strings, DECIMAL rescaling HALF_UP, strings parsed as BOOLEAN, DATE, TIME
// or TIMESTAMP, anything to STRING, and ARRAY/MAP/STRUCT element by element.
func NewCast(e Expr, to *types.Type) (Expr, error) {
	from := e.Type()
	if from.Equal(to) {
		return &Cast{E: e, To: to, Explicit: true, conv: identity}, nil
	}
	conv, ok := explicitConverter(from, to)
	if !ok {
		return nil, mismatch("Cast of %s to %s is not supported", from, to)
	}
	return &Cast{E: e, To: to, Explicit: true, conv: conv}, nil
}

// ImplicitCast converts e to type to where ksqlDB coerces without a CAST: numeric
// widening INT -> BIGINT -> DECIMAL -> DOUBLE, NULL to anything, a constant string
// to DATE/TIME/TIMESTAMP, and collections whose elements coerce. It fails with
// SQLSTATE 42804 otherwise. When no conversion is needed it returns e itself.
func ImplicitCast(e Expr, to *types.Type) (Expr, error) {
	from := e.Type()
	if from.Equal(to) {
		return e, nil
	}
	if from.Kind == types.KindUnknown {
		return &Cast{E: e, To: to, conv: identity}, nil
	}
	conv, ok := implicitConverter(from, to, IsConstant(e))
	if !ok {
		return nil, mismatch("cannot coerce %s of type %s to %s", e, from, to)
	}
	return &Cast{E: e, To: to, conv: conv}, nil
}

// canCoerce reports whether ImplicitCast from -> to would succeed for a non-constant.
func canCoerce(from, to *types.Type) bool {
	if from.Equal(to) || from.Kind == types.KindUnknown {
		return true
	}
	_, ok := implicitConverter(from, to, false)
	return ok
}

func identity(v any) (any, error) { return v, nil }

func implicitConverter(from, to *types.Type, constant bool) (converter, bool) {
	if from.Equal(to) || from.Kind == types.KindUnknown {
		return identity, true
	}
	rf, rt := numericRank(from.Kind), numericRank(to.Kind)
	switch {
	case rf > 0 && rt > 0:
		if rf > rt || (rf == 3 && rt == 3 && !decimalWidens(from, to)) {
			return nil, false
		}
		return explicitConverter(from, to)
	case from.Kind == types.KindString && constant:
		switch to.Kind {
		case types.KindTimestamp, types.KindDate, types.KindTime:
			return explicitConverter(from, to)
		}
	case from.Kind == to.Kind && (from.Kind == types.KindArray || from.Kind == types.KindMap):
		if from.Key != nil && !canCoerceElem(from.Key, to.Key) || !canCoerceElem(from.Elem, to.Elem) {
			return nil, false
		}
		return explicitConverter(from, to)
	case from.Kind == types.KindStruct && to.Kind == types.KindStruct:
		// As ksqlDB's value coercer: every source field must exist in the target
		// (by name) and coerce; target fields the source lacks are NULL.
		for _, f := range from.Fields {
			j := to.FieldIndex(f.Name)
			if j < 0 || !canCoerceElem(f.Type, to.Fields[j].Type) {
				return nil, false
			}
		}
		return explicitConverter(from, to)
	}
	return nil, false
}

func canCoerceElem(from, to *types.Type) bool {
	_, ok := implicitConverter(from, to, false)
	return ok
}

// decimalWidens reports whether every value of DECIMAL from fits DECIMAL to.
func decimalWidens(from, to *types.Type) bool {
	return to.Scale >= from.Scale && to.Precision-to.Scale >= from.Precision-from.Scale
}

func explicitConverter(from, to *types.Type) (converter, bool) {
	if from.Equal(to) || from.Kind == types.KindUnknown {
		return identity, true
	}
	switch to.Kind {
	case types.KindString:
		switch from.Kind {
		case types.KindBytes:
			return nil, false
		}
		return func(v any) (any, error) { return valueStringTyped(v, from), nil }, true
	case types.KindBoolean:
		if from.Kind == types.KindString {
			return func(v any) (any, error) { return parseBoolean(v.(string)) }, true
		}
	case types.KindInt, types.KindBigInt, types.KindDouble, types.KindDecimal:
		if from.IsNumeric() {
			return numericConverter(from, to), true
		}
		if from.Kind == types.KindString {
			return stringToNumber(to), true
		}
	case types.KindTimestamp:
		switch from.Kind {
		case types.KindString:
			return func(v any) (any, error) { return wrapTS(parseTimestampText(v.(string))) }, true
		case types.KindDate:
			return func(v any) (any, error) { return types.Timestamp(int64(v.(types.Date)) * msPerDay), nil }, true
		}
	case types.KindDate:
		switch from.Kind {
		case types.KindString:
			return func(v any) (any, error) {
				d, err := parseDateText(v.(string))
				if err != nil {
					return nil, err
				}
				return d, nil
			}, true
		case types.KindTimestamp:
			return func(v any) (any, error) { return timestampToDate(v.(types.Timestamp)), nil }, true
		}
	case types.KindTime:
		switch from.Kind {
		case types.KindString:
			return func(v any) (any, error) {
				t, err := parseTimeText(v.(string))
				if err != nil {
					return nil, err
				}
				return t, nil
			}, true
		case types.KindTimestamp:
			return func(v any) (any, error) { return timestampToTime(v.(types.Timestamp)), nil }, true
		}
	case types.KindArray:
		if from.Kind == types.KindArray {
			ec, ok := explicitConverter(from.Elem, to.Elem)
			if !ok {
				return nil, false
			}
			return func(v any) (any, error) { return convertSlice(v.([]any), ec) }, true
		}
	case types.KindMap:
		if from.Kind == types.KindMap {
			kc, ok1 := explicitConverter(from.Key, to.Key)
			vc, ok2 := explicitConverter(from.Elem, to.Elem)
			if !ok1 || !ok2 {
				return nil, false
			}
			return func(v any) (any, error) { return convertMap(v.(*types.Map), kc, vc) }, true
		}
	case types.KindStruct:
		if from.Kind == types.KindStruct {
			return structConverter(from, to)
		}
	}
	return nil, false
}

func wrapTS(ts types.Timestamp, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return ts, nil
}

func convertSlice(in []any, c converter) (any, error) {
	out := make([]any, len(in))
	for i, e := range in {
		if e == nil {
			continue
		}
		v, err := c(e)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func convertMap(in *types.Map, kc, vc converter) (any, error) {
	out := &types.Map{Keys: make([]any, 0, in.Len()), Values: make([]any, 0, in.Len())}
	for i, k := range in.Keys {
		var err error
		if k != nil {
			if k, err = kc(k); err != nil {
				return nil, err
			}
		}
		v := in.Values[i]
		if v != nil {
			if v, err = vc(v); err != nil {
				return nil, err
			}
		}
		out.Put(k, v)
	}
	return out, nil
}

// structConverter matches fields by name; target fields missing from the source
// become NULL, as in ksqlDB.
func structConverter(from, to *types.Type) (converter, bool) {
	src := make([]int, len(to.Fields))
	convs := make([]converter, len(to.Fields))
	for i, f := range to.Fields {
		j := from.FieldIndex(f.Name)
		src[i] = j
		if j < 0 {
			continue
		}
		c, ok := explicitConverter(from.Fields[j].Type, f.Type)
		if !ok {
			return nil, false
		}
		convs[i] = c
	}
	return func(v any) (any, error) {
		in := v.(types.Struct)
		out := make(types.Struct, len(src))
		for i, j := range src {
			if j < 0 || in[j] == nil {
				continue
			}
			fv, err := convs[i](in[j])
			if err != nil {
				return nil, err
			}
			out[i] = fv
		}
		return out, nil
	}, true
}

// numericConverter converts between numeric types with Java's semantics: narrowing
// integer casts wrap, DOUBLE -> integer truncates and saturates, DECIMAL targets
// round HALF_UP and fail when the precision overflows.
func numericConverter(from, to *types.Type) converter {
	switch to.Kind {
	case types.KindInt:
		if from.Kind == types.KindDouble {
			return func(v any) (any, error) { return javaDoubleToInt(v.(float64)), nil }
		}
		return func(v any) (any, error) { return int32(toInt64(v)), nil }
	case types.KindBigInt:
		return func(v any) (any, error) { return toInt64(v), nil }
	case types.KindDouble:
		return func(v any) (any, error) { return toFloat(v), nil }
	}
	// DECIMAL target.
	return func(v any) (any, error) {
		d, err := toDecimal(v)
		if err != nil {
			return nil, err
		}
		return fitAny(d, to)
	}
}

// toDecimal converts any numeric value to an exact decimal.
func toDecimal(v any) (*apd.Decimal, error) {
	switch x := v.(type) {
	case int32:
		return apd.New(int64(x), 0), nil
	case int64:
		return apd.New(x, 0), nil
	case float64:
		return decimalFromFloat(x)
	case *apd.Decimal:
		return x, nil
	}
	return nil, evalErrorf("not a number: %v", v)
}

func stringToNumber(to *types.Type) converter {
	return func(v any) (any, error) {
		s := strings.TrimSpace(v.(string))
		switch to.Kind {
		case types.KindInt:
			n, err := strconv.ParseInt(s, 10, 32)
			if err != nil {
				return nil, evalErrorf("For input string: \"%s\"", v)
			}
			return int32(n), nil
		case types.KindBigInt:
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, evalErrorf("For input string: \"%s\"", v)
			}
			return n, nil
		case types.KindDouble:
			f, err := parseJavaDouble(s)
			if err != nil {
				return nil, evalErrorf("For input string: \"%s\"", v)
			}
			return f, nil
		}
		d, _, err := apd.NewFromString(s)
		if err != nil || d.Form != apd.Finite {
			return nil, evalErrorf("Cannot convert \"%s\" to DECIMAL", v)
		}
		return fitAny(d, to)
	}
}

// parseJavaDouble accepts what Double.parseDouble does for ordinary input,
// including NaN and Infinity, and rejects Go-only spellings such as "inf" or hex.
func parseJavaDouble(s string) (float64, error) {
	t := strings.TrimSuffix(strings.TrimSuffix(s, "d"), "D")
	t = strings.TrimSuffix(strings.TrimSuffix(t, "f"), "F")
	switch strings.TrimLeft(t, "+-") {
	case "NaN", "Infinity":
	default:
		if strings.ContainsAny(t, "xXnNiI_") {
			return 0, strconv.ErrSyntax
		}
	}
	return strconv.ParseFloat(strings.Replace(t, "Infinity", "Inf", 1), 64)
}

// parseBoolean follows ksqlDB's SqlBooleans: true/t/yes/y and false/f/no/n, any case.
// literalBoolean reads a string literal coerced to BOOLEAN (type-coercion.md,
// literal rules): true, false, yes, no, or any prefix of one of them, in any
// case.
func literalBoolean(s string) (bool, bool) {
	l := strings.ToLower(strings.TrimSpace(s))
	if l == "" {
		return false, false
	}
	for _, w := range []string{"true", "yes"} {
		if strings.HasPrefix(w, l) {
			return true, true
		}
	}
	for _, w := range []string{"false", "no"} {
		if strings.HasPrefix(w, l) {
			return false, true
		}
	}
	return false, false
}

func parseBoolean(s string) (any, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "t", "yes", "y":
		return true, nil
	case "false", "f", "no", "n":
		return false, nil
	}
	return nil, evalErrorf("Cannot convert \"%s\" to BOOLEAN", s)
}
