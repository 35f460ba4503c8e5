package expr

import (
	"sort"
	"strings"

	"github.com/sluice-db/sluice/types"
)

// arrayElem is a bind that checks argument 0 is an ARRAY, coerces argument 1 (when
// present) to its element type, and returns ret(elem).
func arrayElemBind(ret func(elem *types.Type) *types.Type) func([]Expr) ([]Expr, *types.Type, error) {
	return func(args []Expr) ([]Expr, *types.Type, error) {
		at := args[0].Type()
		if at.Kind == types.KindUnknown {
			return nil, nil, mismatch("cannot infer the array type of a NULL argument")
		}
		elem := at.Elem
		if len(args) > 1 && args[1].Type().Kind != types.KindArray {
			c, err := ImplicitCast(args[1], elem)
			if err != nil {
				return nil, nil, err
			}
			args = append([]Expr{args[0], c}, args[2:]...)
		}
		return args, ret(elem), nil
	}
}

// arrayRemoveBind coerces the value to the element type and returns the array type.
func arrayRemoveBind(args []Expr) ([]Expr, *types.Type, error) {
	out, _, err := arrayElemBind(func(e *types.Type) *types.Type { return e })(args)
	if err != nil {
		return nil, nil, err
	}
	return out, out[0].Type(), nil
}

func sameArrayBind(args []Expr) ([]Expr, *types.Type, error) {
	out, t, err := commonArgs(args)
	if err != nil {
		return nil, nil, err
	}
	if t.Kind != types.KindArray {
		return nil, nil, mismatch("expected ARRAY arguments, got %s", typeList(exprTypes(args)))
	}
	return out, t, nil
}

func registerCollectionFunctions(r *Registry) {
	coll := func(name, desc string, os ...*overload) {
		r.add(&function{name: name, category: "ARRAY", description: desc, overloads: os})
	}
	arr := pg("array", "ARRAY<T>", isArray)
	coll("ARRAY_LENGTH", "Number of elements.",
		sig(tInt, func(a []any) (any, error) { return int32(len(a[0].([]any))), nil }, arr))
	coll("ARRAY_CONTAINS", "Whether the array contains the value.",
		(&overload{params: []param{arr, pg("value", "T", anyType)}, bind: arrayElemBind(func(*types.Type) *types.Type { return tBool }),
			fn: func(a []any) (any, error) {
				if a[0] == nil {
					return false, nil
				}
				return indexOf(a[0].([]any), a[1]) >= 0, nil
			}}).acceptNulls())
	coll("ARRAY_DISTINCT", "Distinct elements, in first-seen order.",
		&overload{params: []param{arr}, bind: sameAsArg(0), fn: func(a []any) (any, error) { return distinct(a[0].([]any)), nil }})
	// ARRAY_JOIN's "array elements are limited to primitive ksqlDB types"
	// (scalar-functions.md): an ARRAY, MAP or STRUCT element fails the call (an
	// evaluation error: NULL), NULL elements and an empty array do not.
	joinFn := func(args []*types.Type, _ *types.Type) evalFn {
		elem := args[0].Elem
		return func(a []any) (any, error) {
			if a[0] == nil {
				return nil, nil
			}
			d := ","
			if len(a) > 1 {
				d = ""
				if a[1] != nil {
					d = a[1].(string)
				}
			}
			xs := a[0].([]any)
			if !isPrimitiveElem(elem) && nonNullCount(xs) > 0 {
				return nil, evalErrorf("ARRAY_JOIN does not support elements of type %s: only primitive types are supported", elem)
			}
			return arrayJoin(xs, d), nil
		}
	}
	coll("ARRAY_JOIN", "Joins the elements' string forms with a delimiter (default ','); the elements must be of a primitive type.",
		&overload{params: []param{arr}, ret: tString, mk: joinFn},
		(&overload{params: []param{arr, p("delimiter", tString)}, ret: tString, mk: joinFn}).acceptNulls())
	// ARRAY_MAX, ARRAY_MIN and ARRAY_SORT compare elements by their natural order;
	// "arrays of other arrays, arrays of maps, arrays of structs ... aren't
	// supported" (scalar-functions.md): comparing two such elements fails the
	// call, while an array with fewer than two non-null elements needs no
	// comparison and is returned as it is.
	extreme := func(name string, want int) func([]*types.Type, *types.Type) evalFn {
		return func(args []*types.Type, _ *types.Type) evalFn {
			elem := args[0].Elem
			return func(a []any) (any, error) {
				xs := a[0].([]any)
				if !isPrimitiveElem(elem) && nonNullCount(xs) > 1 {
					return nil, unorderedElements(name, elem)
				}
				var best any
				for _, v := range xs {
					if v != nil && (best == nil || Compare(v, best, nil)*want > 0) {
						best = v
					}
				}
				return best, nil
			}
		}
	}
	elemRet := arrayElemBind(func(e *types.Type) *types.Type { return e })
	coll("ARRAY_MAX", "Largest non-null element.", &overload{params: []param{arr}, bind: elemRet, mk: extreme("ARRAY_MAX", 1)})
	coll("ARRAY_MIN", "Smallest non-null element.", &overload{params: []param{arr}, bind: elemRet, mk: extreme("ARRAY_MIN", -1)})
	// The direction is ASC or DESC (ksqlDB also takes ASCENDING and DESCENDING),
	// in any case; any other direction gives NULL, as in ksqlDB.
	sortFn := func(args []*types.Type, _ *types.Type) evalFn {
		elem := args[0].Elem
		return func(a []any) (any, error) {
			desc := false
			if len(a) > 1 {
				switch strings.ToUpper(a[1].(string)) {
				case "ASC", "ASCENDING":
				case "DESC", "DESCENDING":
					desc = true
				default:
					return nil, nil
				}
			}
			if !isPrimitiveElem(elem) && nonNullCount(a[0].([]any)) > 1 {
				return nil, unorderedElements("ARRAY_SORT", elem)
			}
			out := append([]any{}, a[0].([]any)...)
			sort.SliceStable(out, func(i, j int) bool {
				// NULLs always last.
				if out[i] == nil || out[j] == nil {
					return out[j] == nil && out[i] != nil
				}
				c := Compare(out[i], out[j], nil)
				if desc {
					return c > 0
				}
				return c < 0
			})
			return out, nil
		}
	}
	coll("ARRAY_SORT", "Sorts the array ('ASC' or 'DESC'), NULLs last.",
		&overload{params: []param{arr}, bind: sameAsArg(0), mk: sortFn},
		&overload{params: []param{arr, p("direction", tString)}, bind: sameAsArg(0), mk: sortFn})
	coll("ARRAY_UNION", "Distinct elements of both arrays.",
		&overload{params: []param{arr, arr}, bind: sameArrayBind, fn: func(a []any) (any, error) {
			return distinct(append(append([]any{}, a[0].([]any)...), a[1].([]any)...)), nil
		}})
	coll("ARRAY_INTERSECT", "Distinct elements present in both arrays.",
		&overload{params: []param{arr, arr}, bind: sameArrayBind, fn: func(a []any) (any, error) {
			out := []any{}
			for _, v := range distinct(a[0].([]any)) {
				if indexOf(a[1].([]any), v) >= 0 {
					out = append(out, v)
				}
			}
			return out, nil
		}})
	coll("ARRAY_EXCEPT", "Distinct elements of the first array not in the second.",
		&overload{params: []param{arr, arr}, bind: sameArrayBind, fn: func(a []any) (any, error) {
			out := []any{}
			for _, v := range distinct(a[0].([]any)) {
				if indexOf(a[1].([]any), v) < 0 {
					out = append(out, v)
				}
			}
			return out, nil
		}})
	coll("ARRAY_REMOVE", "Removes every element equal to the value.",
		(&overload{params: []param{arr, pg("value", "T", anyType)}, bind: arrayRemoveBind, fn: func(a []any) (any, error) {
			if a[0] == nil {
				return nil, nil
			}
			out := []any{}
			for _, v := range a[0].([]any) {
				if !Equal(v, a[1]) {
					out = append(out, v)
				}
			}
			return out, nil
		}}).acceptNulls())
	coll("ARRAY_CONCAT", "Concatenates two arrays; a NULL array counts as empty.",
		(&overload{params: []param{arr, arr}, bind: sameArrayBind, fn: func(a []any) (any, error) {
			if a[0] == nil && a[1] == nil {
				return nil, nil
			}
			out := []any{}
			for _, x := range a {
				if x != nil {
					out = append(out, x.([]any)...)
				}
			}
			return out, nil
		}}).acceptNulls())
	coll("SLICE", "Elements from index 'from' to 'to' inclusive (1-based).",
		&overload{params: []param{arr, p("from", tInt), p("to", tInt)}, bind: sameAsArg(0), fn: func(a []any) (any, error) {
			xs := a[0].([]any)
			from, to := max(int(a[1].(int32)), 1), min(int(a[2].(int32)), len(xs))
			if from > to {
				return []any{}, nil
			}
			return append([]any{}, xs[from-1:to]...), nil
		}})
	coll("GENERATE_SERIES", "Array of numbers from start to end inclusive, with an optional step.",
		sig(types.NewArray(tInt), series[int32], p("start", tInt), p("end", tInt)),
		sig(types.NewArray(tInt), series[int32], p("start", tInt), p("end", tInt), p("step", tInt)),
		sig(types.NewArray(tBigInt), series[int64], p("start", tBigInt), p("end", tBigInt)),
		sig(types.NewArray(tBigInt), series[int64], p("start", tBigInt), p("end", tBigInt), p("step", tInt)))
	coll("ELT", "Returns the n-th (1-based) of the following strings.",
		(&overload{params: []param{p("n", tInt), p("args", tString)}, ret: tString, fn: func(a []any) (any, error) {
			if a[0] == nil {
				return nil, nil
			}
			n := int(a[0].(int32))
			if n < 1 || n >= len(a) {
				return nil, nil
			}
			return a[n], nil
		}}).variadicLast().acceptNulls())
	coll("FIELD", "1-based position of str among the following strings, 0 if absent.",
		(&overload{params: []param{p("str", tString), p("args", tString)}, ret: tInt, fn: func(a []any) (any, error) {
			if a[0] == nil {
				return int32(0), nil
			}
			for i, v := range a[1:] {
				if v == a[0] {
					return int32(i + 1), nil
				}
			}
			return int32(0), nil
		}}).variadicLast().acceptNulls())
	mapf := func(name, desc string, os ...*overload) {
		r.add(&function{name: name, category: "MAP", description: desc, overloads: os})
	}
	m := pg("map", "MAP<K, V>", isMap)
	mapf("MAP_KEYS", "The map's keys.",
		&overload{params: []param{m}, bind: mapBind(func(t *types.Type) *types.Type { return types.NewArray(t.Key) }),
			fn: func(a []any) (any, error) { return append([]any{}, a[0].(*types.Map).Keys...), nil }})
	mapf("MAP_VALUES", "The map's values.",
		&overload{params: []param{m}, bind: mapBind(func(t *types.Type) *types.Type { return types.NewArray(t.Elem) }),
			fn: func(a []any) (any, error) { return append([]any{}, a[0].(*types.Map).Values...), nil }})
	mapf("MAP_UNION", "Merges two maps; the second wins on duplicate keys.",
		(&overload{params: []param{m, m}, bind: commonArgs, fn: func(a []any) (any, error) {
			if a[0] == nil && a[1] == nil {
				return nil, nil
			}
			out := &types.Map{}
			for _, x := range a {
				if x != nil {
					mm := x.(*types.Map)
					for i, k := range mm.Keys {
						out.Put(k, mm.Values[i])
					}
				}
			}
			return out, nil
		}}).acceptNulls())
	mapf("AS_MAP", "Builds a map from an array of keys and an array of values.",
		&overload{params: []param{pg("keys", "ARRAY<STRING>", isArray), pg("values", "ARRAY<V>", isArray)},
			bind: func(args []Expr) ([]Expr, *types.Type, error) {
				return args, types.NewMap(args[0].Type().Elem, args[1].Type().Elem), nil
			},
			fn: func(a []any) (any, error) {
				ks, vs := a[0].([]any), a[1].([]any)
				out := &types.Map{}
				for i, k := range ks {
					var v any
					if i < len(vs) {
						v = vs[i]
					}
					out.Put(k, v)
				}
				return out, nil
			}})
	mapf("ENTRIES", "The map's entries as an array of STRUCT<K, V>, optionally sorted by key.",
		&overload{params: []param{m, p("sorted", tBool)},
			bind: mapBind(func(t *types.Type) *types.Type {
				return types.NewArray(types.NewStruct(types.Field{Name: "K", Type: t.Key}, types.Field{Name: "V", Type: t.Elem}))
			}),
			fn: func(a []any) (any, error) {
				mm := a[0].(*types.Map)
				out := make([]any, mm.Len())
				for i, k := range mm.Keys {
					out[i] = types.Struct{k, mm.Values[i]}
				}
				if a[1].(bool) {
					sort.SliceStable(out, func(i, j int) bool {
						return Compare(out[i].(types.Struct)[0], out[j].(types.Struct)[0], nil) < 0
					})
				}
				return out, nil
			}})
}

func mapBind(ret func(*types.Type) *types.Type) func([]Expr) ([]Expr, *types.Type, error) {
	return func(args []Expr) ([]Expr, *types.Type, error) {
		if args[0].Type().Kind != types.KindMap {
			return nil, nil, mismatch("expected a MAP, got %s", args[0].Type())
		}
		return args, ret(args[0].Type()), nil
	}
}

func series[T int32 | int64](a []any) (any, error) {
	start, end := a[0].(T), a[1].(T)
	step := T(1)
	if start > end {
		step = -1
	}
	if len(a) > 2 {
		step = T(a[2].(int32))
	}
	if step == 0 || (end > start) != (step > 0) && end != start {
		return nil, evalErrorf("GENERATE_SERIES step has the wrong sign or is zero")
	}
	// The length is known before anything is allocated; computed in float64
	// so that a span of the whole int64 range does not overflow.
	if n := (float64(end)-float64(start))/float64(step) + 1; n > types.MaxCollectionElements {
		return nil, evalErrorf("GENERATE_SERIES of %.0f elements is over the limit of %d", n, types.MaxCollectionElements)
	}
	out := []any{}
	for v := start; (step > 0 && v <= end) || (step < 0 && v >= end); v += step {
		out = append(out, v)
		if next := v + step; (step > 0) != (next > v) {
			break // the next value would wrap past the type's end
		}
	}
	return out, nil
}

func indexOf(xs []any, v any) int {
	for i, x := range xs {
		if Equal(x, v) {
			return i
		}
	}
	return -1
}

func distinct(xs []any) []any {
	out := []any{}
	for _, x := range xs {
		if indexOf(out, x) < 0 {
			out = append(out, x)
		}
	}
	return out
}

// isPrimitiveElem reports whether array elements of type t are of a primitive
// type, one with a natural order and a plain string form: not an ARRAY, MAP or
// STRUCT. A nil t (the elements of an untyped NULL) counts as primitive.
func isPrimitiveElem(t *types.Type) bool {
	if t == nil {
		return true
	}
	switch t.Kind {
	case types.KindArray, types.KindMap, types.KindStruct:
		return false
	}
	return true
}

func nonNullCount(xs []any) int {
	n := 0
	for _, x := range xs {
		if x != nil {
			n++
		}
	}
	return n
}

func unorderedElements(name string, elem *types.Type) *EvalError {
	return evalErrorf("%s does not support elements of type %s: only arrays of primitive values can be compared", name, elem)
}

func arrayJoin(xs []any, delim string) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		if x == nil {
			parts[i] = "null"
		} else {
			parts[i] = ValueString(x)
		}
	}
	return strings.Join(parts, delim)
}
