package expr

import "github.com/sluice-db/sluice/types"

func registerNullFunctions(r *Registry) {
	registerAsValue(r)
	r.add(&function{
		name: "COALESCE", category: "OTHER",
		description: "Returns the first non-null argument.",
		overloads: []*overload{
			(&overload{params: []param{pg("first", "T", anyType), pg("others", "T", anyType)}, retDoc: "T",
				bind: commonArgs, fn: firstNonNull}).variadicLast().acceptNulls(),
		},
	})
	r.add(&function{
		name: "IFNULL", category: "OTHER",
		description: "Returns expression if it is not null, else altValue.",
		overloads: []*overload{
			(&overload{params: []param{pg("expression", "T", anyType), pg("altValue", "T", anyType)}, retDoc: "T",
				bind: commonArgs, fn: firstNonNull}).acceptNulls(),
		},
	})
	r.add(&function{
		name: "NULLIF", category: "OTHER",
		description: "Returns NULL if expr1 equals expr2, else expr1.",
		overloads: []*overload{
			(&overload{params: []param{pg("expr1", "T", anyType), pg("expr2", "T", anyType)}, retDoc: "T",
				bind: commonArgs, fn: func(a []any) (any, error) {
					if a[0] != nil && Equal(a[0], a[1]) {
						return nil, nil
					}
					return a[0], nil
				}}).acceptNulls(),
		},
	})
}

// asValue registers AS_VALUE, which returns its argument. The planner gives it
// meaning: a key column wrapped in AS_VALUE is copied into the record value
// instead of forming the key, because the call does not match the key expression.
func registerAsValue(r *Registry) {
	r.add(&function{
		name: "AS_VALUE", category: "OTHER",
		description: "Used exclusively in the projection of a query to allow a key column to be copied into the value schema. Has no effect if used anywhere else.",
		overloads: []*overload{
			(&overload{params: []param{pg("source", "T", anyType)}, retDoc: "T",
				bind: func(args []Expr) ([]Expr, *types.Type, error) { return args, args[0].Type(), nil },
				fn:   func(a []any) (any, error) { return a[0], nil }}),
		},
	})
}

func firstNonNull(a []any) (any, error) {
	for _, v := range a {
		if v != nil {
			return v, nil
		}
	}
	return nil, nil
}
