package aggregate

import "github.com/sluice-db/sluice/types"

// histogramLimit is how many distinct values HISTOGRAM counts; values first seen
// after that are ignored, as in ksqlDB.
const histogramLimit = 1000

// HISTOGRAM(col) maps each distinct non-null STRING to how many rows held it. Its
// state is the map itself, in first-seen order; a retracted row decrements its
// value's count and a count that reaches zero removes the entry.
func buildHistogram(_ Config, c Call) (*Func, error) {
	if len(c.Args) != 1 || c.Args[0].Kind != types.KindString {
		return nil, noSignature("HISTOGRAM", c)
	}
	res := types.NewMap(types.StringType, types.BigIntType)
	count := func(m *types.Map, k any, n int64) {
		if i := indexOf(m.Keys, k); i >= 0 {
			m.Values[i] = m.Values[i].(int64) + n
		} else if m.Len() < histogramLimit {
			m.Keys = append(m.Keys, k)
			m.Values = append(m.Values, n)
		}
	}
	return &Func{
		Result: res,
		Init:   func() any { return &types.Map{} },
		Add: func(s any, args []any) any {
			m := s.(*types.Map)
			if args[0] != nil {
				count(m, args[0], 1)
			}
			return m
		},
		Undo: func(s any, args []any) any {
			m := s.(*types.Map)
			if args[0] == nil {
				return m
			}
			i := indexOf(m.Keys, args[0])
			if i < 0 {
				return m
			}
			if n := m.Values[i].(int64) - 1; n > 0 {
				m.Values[i] = n
				return m
			}
			return &types.Map{
				Keys:   append(m.Keys[:i:i], m.Keys[i+1:]...),
				Values: append(m.Values[:i:i], m.Values[i+1:]...),
			}
		},
		Merge: func(a, b any) any {
			m, o := a.(*types.Map), b.(*types.Map)
			for i, k := range o.Keys {
				count(m, k, o.Values[i].(int64))
			}
			return m
		},
		Final: func(s any) (any, error) {
			m := s.(*types.Map)
			return &types.Map{Keys: append([]any{}, m.Keys...), Values: append([]any{}, m.Values...)}, nil
		},
	}, nil
}
