package expr

import "github.com/sluice-db/sluice/types"

// Helpers that keep the function tables short and readable.

var (
	tBool   = types.BooleanType
	tInt    = types.IntType
	tBigInt = types.BigIntType
	tDouble = types.DoubleType
	tString = types.StringType
	tBytes  = types.BytesType
	tDate   = types.DateType
	tTime   = types.TimeType
	tTS     = types.TimestampType
)

// p is a parameter of a concrete type; arguments are coerced to it.
func p(name string, t *types.Type) param { return param{name: name, t: t} }

// pg is a generic parameter: any argument type match accepts is taken as is.
func pg(name, doc string, match func(*types.Type) bool) param {
	return param{name: name, doc: doc, match: match}
}

// pl is a lambda parameter.
func pl(name, doc string) param { return param{name: name, doc: doc, lambda: true} }

// sig is an overload with a fixed return type and a NULL-in/NULL-out body.
func sig(ret *types.Type, fn evalFn, ps ...param) *overload {
	return &overload{params: ps, ret: ret, fn: fn}
}

// variadic marks the last parameter as repeating.
func (o *overload) variadicLast() *overload { o.variadic = true; return o }

// acceptNulls lets the body see NULL arguments.
func (o *overload) acceptNulls() *overload { o.nullable = true; return o }

func anyType(*types.Type) bool { return true }

func isKind(k types.Kind) func(*types.Type) bool {
	return func(t *types.Type) bool { return t.Kind == k }
}

var (
	isArray   = isKind(types.KindArray)
	isMap     = isKind(types.KindMap)
	isStruct  = isKind(types.KindStruct)
	isDecimal = isKind(types.KindDecimal)
)

func isNumericType(t *types.Type) bool { return t.IsNumeric() }

// numericOverloads returns INT, BIGINT, DOUBLE and DECIMAL overloads of a
// one-argument function that keeps its argument's type.
func numericOverloads(name string, fi func(int32) int32, fl func(int64) int64, fd func(float64) float64, fdec func(args []*types.Type, ret *types.Type) evalFn) []*overload {
	return []*overload{
		sig(tInt, func(a []any) (any, error) { return fi(a[0].(int32)), nil }, p(name, tInt)),
		sig(tBigInt, func(a []any) (any, error) { return fl(a[0].(int64)), nil }, p(name, tBigInt)),
		sig(tDouble, func(a []any) (any, error) { return fd(a[0].(float64)), nil }, p(name, tDouble)),
		{params: []param{pg(name, "DECIMAL", isDecimal)}, bind: sameAsArg(0), mk: fdec},
	}
}

// sameAsArg is a bind that returns the type of argument i.
func sameAsArg(i int) func(args []Expr) ([]Expr, *types.Type, error) {
	return func(args []Expr) ([]Expr, *types.Type, error) {
		t := args[i].Type()
		if t.Kind == types.KindUnknown {
			return nil, nil, mismatch("cannot infer a type from a NULL argument")
		}
		return args, t, nil
	}
}

// commonArgs coerces all arguments to their common type and returns it.
func commonArgs(args []Expr) ([]Expr, *types.Type, error) {
	t, ok := commonType(exprTypes(args))
	if !ok {
		return nil, nil, mismatch("arguments have incompatible types (%s)", typeList(exprTypes(args)))
	}
	if t.Kind == types.KindUnknown {
		return args, t, nil
	}
	out, err := coerceAll(args, t)
	return out, t, err
}
