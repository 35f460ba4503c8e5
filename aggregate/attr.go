package aggregate

import "github.com/sluice-db/sluice/types"

// buildAttr is ATTR(col): the group's one value, or NULL when the group holds
// more than one distinct value (ksqlDB's ATTR, for a column that should have a
// single value per key). NULL is a value like any other: a group of NULL and 1
// has two. Its state is the multiset of the group's values, a list of
// [value, count] pairs in first-seen order, so that a table update can retract a
// row and sessions can merge; a pair whose count falls to 0 stays, inert.
func buildAttr(_ Config, c Call) (*Func, error) {
	if len(c.Args) != 1 {
		return nil, noSignature("ATTR", c)
	}
	t := c.Args[0]
	update := func(s any, v any, n int64) any {
		list, _ := s.([]any)
		for i, e := range list {
			pair := e.([]any)
			if equal(pair[0], v) {
				list[i] = []any{pair[0], max(0, pair[1].(int64)+n)}
				return list
			}
		}
		if n > 0 {
			list = append(list, []any{v, n})
		}
		return list
	}
	return &Func{
		Result: t,
		Intermediate: types.NewArray(types.NewStruct(
			types.Field{Name: "VALUE", Type: t},
			types.Field{Name: "COUNT", Type: types.IntType})),
		Init: func() any { return []any{} },
		Add:  func(s any, args []any) any { return update(s, args[0], 1) },
		Undo: func(s any, args []any) any { return update(s, args[0], -1) },
		Merge: func(a, b any) any {
			other, _ := b.([]any)
			for _, e := range other {
				pair := e.([]any)
				a = update(a, pair[0], pair[1].(int64))
			}
			return a
		},
		Final: func(s any) (any, error) {
			list, _ := s.([]any)
			var only any
			seen := 0
			for _, e := range list {
				if pair := e.([]any); pair[1].(int64) > 0 {
					only = pair[0]
					seen++
				}
			}
			if seen != 1 {
				return nil, nil
			}
			return only, nil
		},
	}, nil
}
