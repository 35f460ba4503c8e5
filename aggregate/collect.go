package aggregate

import "github.com/sluice-db/sluice/types"

// COLLECT_LIST and COLLECT_SET keep their values as a list state in arrival
// order, NULLs included, up to a limit (0 for none); values past the limit are
// ignored. A session merge appends the later window's values to the earlier's,
// within the same limit.

func buildCollectList(cfg Config, c Call) (*Func, error) {
	if len(c.Args) != 1 {
		return nil, noSignature("COLLECT_LIST", c)
	}
	limit := cfg.CollectListLimit
	full := func(st []any) bool { return limit > 0 && len(st) >= limit }
	f := &Func{
		Result:       types.NewArray(c.Args[0]),
		Intermediate: types.NewArray(c.Args[0]),
		Init:         func() any { return []any{} },
		Add: func(s any, args []any) any {
			st := s.([]any)
			if full(st) {
				return st
			}
			return append(st, args[0])
		},
		// Undo removes the last occurrence of the value, as List.lastIndexOf.
		Undo: func(s any, args []any) any {
			st := s.([]any)
			if i := lastIndexOf(st, args[0]); i >= 0 {
				st = append(st[:i:i], st[i+1:]...)
			}
			return st
		},
		Merge: func(a, b any) any {
			st := a.([]any)
			for _, v := range b.([]any) {
				if full(st) {
					break
				}
				st = append(st, v)
			}
			return st
		},
		Final: copyList,
	}
	return f, nil
}

func buildCollectSet(cfg Config, c Call) (*Func, error) {
	if len(c.Args) != 1 {
		return nil, noSignature("COLLECT_SET", c)
	}
	limit := cfg.CollectSetLimit
	add := func(st []any, v any) []any {
		if (limit > 0 && len(st) >= limit) || indexOf(st, v) >= 0 {
			return st
		}
		return append(st, v)
	}
	return &Func{
		Result:       types.NewArray(c.Args[0]),
		Intermediate: types.NewArray(c.Args[0]),
		Init:         func() any { return []any{} },
		Add:          func(s any, args []any) any { return add(s.([]any), args[0]) },
		// No Undo: a set does not remember how many rows held a value.
		Merge: func(a, b any) any {
			st := a.([]any)
			for _, v := range b.([]any) {
				st = add(st, v)
			}
			return st
		},
		Final: copyList,
	}, nil
}

// copyList returns a list state as a result that later updates of the state
// cannot change.
func copyList(s any) (any, error) { return append([]any{}, s.([]any)...), nil }
