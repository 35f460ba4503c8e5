package aggregate

import (
	"fmt"

	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// TOPK(col, k) keeps the k largest non-null values of col, largest first, as a
// list state; equal values keep their arrival order. TOPK(col, other..., k)
// keeps whole rows ranked by col: each entry is a STRUCT<sort_col, col0, ...>.
// TOPKDISTINCT(col, k) keeps the k largest distinct values. None can retract a
// row: a value pushed out of the top k is gone.

// topKParam reads k, the trailing constant argument.
func topKParam(name string, c Call) (int, error) {
	if len(c.Consts) != 1 {
		return 0, sqlerr.Newf(sqlerr.InvalidParameterValue, "%s requires the number of values as its last argument, a literal such as %s(col, 3)", name, name)
	}
	var k int64
	switch v := c.Consts[0].(type) {
	case int32:
		k = int64(v)
	case int64:
		k = v
	default:
		return 0, sqlerr.Newf(sqlerr.DatatypeMismatch, "%s: the number of values must be an INT literal, not %v", name, c.Consts[0])
	}
	if k <= 0 {
		return 0, sqlerr.Newf(sqlerr.InvalidParameterValue, "%s must be called with a positive number of values, got %d", name, k)
	}
	return int(k), nil
}

func buildTopK(_ Config, c Call) (*Func, error) {
	if len(c.Args) == 0 || !comparable(c.Args[0]) {
		return nil, noSignature("TOPK", c)
	}
	k, err := topKParam("TOPK", c)
	if err != nil {
		return nil, err
	}
	elem := c.Args[0]
	key := func(e any) any { return e } // the sort value of an entry
	entry := func(args []any) any { return args[0] }
	if len(c.Args) > 1 {
		fields := []types.Field{{Name: "sort_col", Type: c.Args[0]}}
		for i, t := range c.Args[1:] {
			fields = append(fields, types.Field{Name: fmt.Sprintf("col%d", i), Type: t})
		}
		elem = types.NewStruct(fields...)
		key = func(e any) any { return e.(types.Struct)[0] }
		entry = func(args []any) any { return types.Struct(append([]any{}, args...)) }
	}
	// insert places e after every entry that ranks at least as high, and keeps k.
	insert := func(st []any, e any) []any {
		v := key(e)
		i := len(st)
		for i > 0 && compare(key(st[i-1]), v) < 0 {
			i--
		}
		if i >= k {
			return st
		}
		st = append(st, nil)
		copy(st[i+1:], st[i:])
		st[i] = e
		if len(st) > k {
			st = st[:k]
		}
		return st
	}
	return &Func{
		Result:       types.NewArray(elem),
		Intermediate: types.NewArray(elem),
		Init:         func() any { return []any{} },
		Add: func(s any, args []any) any {
			if args[0] == nil {
				return s
			}
			return insert(s.([]any), entry(args))
		},
		Merge: func(a, b any) any {
			st := a.([]any)
			for _, e := range b.([]any) {
				st = insert(st, e)
			}
			return st
		},
		Final: copyList,
	}, nil
}

func buildTopKDistinct(_ Config, c Call) (*Func, error) {
	if len(c.Args) != 1 || !comparable(c.Args[0]) {
		return nil, noSignature("TOPKDISTINCT", c)
	}
	k, err := topKParam("TOPKDISTINCT", c)
	if err != nil {
		return nil, err
	}
	insert := func(st []any, v any) []any {
		i := 0
		for i < len(st) {
			d := compare(st[i], v)
			if d == 0 {
				return st
			}
			if d < 0 {
				break
			}
			i++
		}
		if i >= k {
			return st
		}
		st = append(st, nil)
		copy(st[i+1:], st[i:])
		st[i] = v
		if len(st) > k {
			st = st[:k]
		}
		return st
	}
	return &Func{
		Result:       types.NewArray(c.Args[0]),
		Intermediate: types.NewArray(c.Args[0]),
		Init:         func() any { return []any{} },
		Add: func(s any, args []any) any {
			if args[0] == nil {
				return s
			}
			return insert(s.([]any), args[0])
		},
		Merge: func(a, b any) any {
			st := a.([]any)
			for _, v := range b.([]any) {
				st = insert(st, v)
			}
			return st
		},
		Final: copyList,
	}, nil
}
