package expr

import (
	"sort"
	"unicode/utf16"

	"github.com/sluice-db/sluice/types"
)

// The higher-order functions receive their lambda argument as a *lambdaValue.

func registerLambdaFunctions(r *Registry) {
	arr := pg("array", "ARRAY<T>", isArray)
	m := pg("map", "MAP<K, V>", isMap)
	r.add(&function{
		name: "TRANSFORM", category: "LAMBDA",
		description: "Applies a lambda to each element of an array, or to each key and value of a map.",
		lambdaParams: func(i int, args []Expr) ([]*types.Type, error) {
			if len(args) == 0 {
				return nil, mismatch("TRANSFORM needs a collection first")
			}
			t := args[0].Type()
			if t.Kind == types.KindArray {
				return []*types.Type{t.Elem}, nil
			}
			if t.Kind == types.KindMap {
				return []*types.Type{t.Key, t.Elem}, nil
			}
			return nil, mismatch("TRANSFORM expects an ARRAY or MAP, got %s", t)
		},
		overloads: []*overload{
			{params: []param{arr, pl("function", "T => U")},
				bind: func(args []Expr) ([]Expr, *types.Type, error) { return args, types.NewArray(args[1].Type()), nil },
				fn: func(a []any) (any, error) {
					xs, f := a[0].([]any), a[1].(*lambdaValue)
					out := make([]any, len(xs))
					for i, x := range xs {
						v, err := f.call(x)
						if err != nil {
							return nil, err
						}
						out[i] = v
					}
					return out, nil
				}},
			{params: []param{m, pl("keyFunction", "(K, V) => K1"), pl("valueFunction", "(K, V) => V1")},
				bind: func(args []Expr) ([]Expr, *types.Type, error) {
					return args, types.NewMap(args[1].Type(), args[2].Type()), nil
				},
				fn: func(a []any) (any, error) {
					in, kf, vf := a[0].(*types.Map), a[1].(*lambdaValue), a[2].(*lambdaValue)
					out := &types.Map{}
					for i, k := range in.Keys {
						nk, err := kf.call(k, in.Values[i])
						if err != nil {
							return nil, err
						}
						nv, err := vf.call(k, in.Values[i])
						if err != nil {
							return nil, err
						}
						// Two entries mapped to one key is an error, as in ksqlDB, rather
						// than a silent choice of one of the values.
						if _, dup := out.Get(nk); dup {
							return nil, evalErrorf("TRANSFORM: the key function gives the key %s for two entries of the map", ValueString(nk))
						}
						out.Put(nk, nv)
					}
					return out, nil
				}},
		},
	})
	r.add(&function{
		name: "FILTER", category: "LAMBDA",
		description: "Keeps the elements (or map entries) for which the lambda is true.",
		lambdaParams: func(i int, args []Expr) ([]*types.Type, error) {
			return r.funcs["TRANSFORM"].lambdaParams(i, args)
		},
		overloads: []*overload{
			{params: []param{arr, pl("function", "T => BOOLEAN")}, bind: boolLambda,
				fn: func(a []any) (any, error) {
					xs, f := a[0].([]any), a[1].(*lambdaValue)
					out := []any{}
					for _, x := range xs {
						v, err := f.call(x)
						if err != nil {
							return nil, err
						}
						if v == true {
							out = append(out, x)
						}
					}
					return out, nil
				}},
			{params: []param{m, pl("function", "(K, V) => BOOLEAN")}, bind: boolLambda,
				fn: func(a []any) (any, error) {
					in, f := a[0].(*types.Map), a[1].(*lambdaValue)
					out := &types.Map{}
					for i, k := range in.Keys {
						v, err := f.call(k, in.Values[i])
						if err != nil {
							return nil, err
						}
						if v == true {
							out.Put(k, in.Values[i])
						}
					}
					return out, nil
				}},
		},
	})
	r.add(&function{
		name: "REDUCE", category: "LAMBDA",
		description: "Folds an array (or map) into a state with a lambda, starting from initial.",
		lambdaParams: func(i int, args []Expr) ([]*types.Type, error) {
			if len(args) < 2 {
				return nil, mismatch("REDUCE needs a collection and an initial state first")
			}
			t, s := args[0].Type(), args[1].Type()
			switch t.Kind {
			case types.KindArray:
				return []*types.Type{s, t.Elem}, nil
			case types.KindMap:
				return []*types.Type{s, t.Key, t.Elem}, nil
			}
			return nil, mismatch("REDUCE expects an ARRAY or MAP, got %s", t)
		},
		overloads: []*overload{
			(&overload{params: []param{arr, pg("initialState", "S", anyType), pl("function", "(S, T) => S")}, bind: reduceBind,
				fn: func(a []any) (any, error) {
					if a[0] == nil || a[1] == nil {
						return a[1], nil
					}
					state, f := a[1], a[2].(*lambdaValue)
					for _, x := range a[0].([]any) {
						var err error
						if state, err = f.call(state, x); err != nil {
							return nil, err
						}
					}
					return state, nil
				}}).acceptNulls(),
			(&overload{params: []param{m, pg("initialState", "S", anyType), pl("function", "(S, K, V) => S")}, bind: reduceBind,
				fn: func(a []any) (any, error) {
					if a[0] == nil || a[1] == nil {
						return a[1], nil
					}
					in, state, f := a[0].(*types.Map), a[1], a[2].(*lambdaValue)
					for _, i := range javaHashMapOrder(in) {
						var err error
						if state, err = f.call(state, in.Keys[i], in.Values[i]); err != nil {
							return nil, err
						}
					}
					return state, nil
				}}).acceptNulls(),
		},
	})
}

func boolLambda(args []Expr) ([]Expr, *types.Type, error) {
	if k := args[1].Type().Kind; k != types.KindBoolean && k != types.KindUnknown {
		return nil, nil, mismatch("FILTER lambda must return BOOLEAN, got %s", args[1].Type())
	}
	return args, args[0].Type(), nil
}

func reduceBind(args []Expr) ([]Expr, *types.Type, error) {
	s, body := args[1].Type(), args[2].Type()
	if !canCoerce(body, s) {
		return nil, nil, mismatch("REDUCE lambda returns %s but the state is %s", body, s)
	}
	return args, s, nil
}

// javaHashMapOrder returns the entry indexes of m in the order ksqlDB iterates the
// same map, which matters to an order-sensitive REDUCE. ksqlDB holds maps in a
// java.util.HashMap sized for its entries (new HashMap<>(n)): iteration goes bucket
// by bucket, entries of one bucket in insertion order. STRING and INTEGER/BIGINT
// keys are placed by their Java hashCode; for other key types, or a map with such
// keys mixed in, the insertion order is kept.
func javaHashMapOrder(m *types.Map) []int {
	n := m.Len()
	idx := make([]int, n)
	buckets := make([]uint32, n)
	capacity := uint32(1)
	for capacity < uint32(n) {
		capacity <<= 1
	}
	for n > int(float64(capacity)*0.75) {
		capacity <<= 1
	}
	for i, k := range m.Keys {
		idx[i] = i
		h, ok := javaHashCode(k)
		if !ok {
			return idx
		}
		buckets[i] = (h ^ h>>16) & (capacity - 1)
	}
	sort.SliceStable(idx, func(a, b int) bool { return buckets[idx[a]] < buckets[idx[b]] })
	return idx
}

// javaHashCode is Object.hashCode for the key types it knows.
func javaHashCode(k any) (uint32, bool) {
	switch x := k.(type) {
	case nil:
		return 0, true // HashMap puts the null key in bucket 0
	case string:
		var h uint32
		for _, u := range utf16.Encode([]rune(x)) {
			h = 31*h + uint32(u)
		}
		return h, true
	case int32:
		return uint32(x), true
	case int64:
		return uint32(uint64(x) ^ uint64(x)>>32), true
	}
	return 0, false
}
