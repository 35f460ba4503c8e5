package aggregate

import (
	"math"

	"github.com/sluice-db/sluice/types"
)

// CORRELATION(x, y) is the Pearson correlation coefficient from running sums,
// with the single-pass formula ksqlDB uses; rows where x or y is NULL are
// skipped. Its state is [Σx, Σy, Σx², Σy², Σxy, n]. Fewer than two points, or a
// constant column, give NaN (0/0).
func buildCorrelation(_ Config, c Call) (*Func, error) {
	if len(c.Args) != 2 || !isNumeric(c.Args[0]) || !isNumeric(c.Args[1]) {
		return nil, noSignature("CORRELATION", c)
	}
	fold := func(s any, args []any, sign float64) any {
		st := s.([]any)
		if args[0] == nil || args[1] == nil {
			return st
		}
		x, y := toFloat(args[0]), toFloat(args[1])
		st[0] = st[0].(float64) + sign*x
		st[1] = st[1].(float64) + sign*y
		st[2] = st[2].(float64) + sign*x*x
		st[3] = st[3].(float64) + sign*y*y
		st[4] = st[4].(float64) + sign*x*y
		st[5] = st[5].(int64) + int64(sign)
		return st
	}
	return &Func{
		Result: types.DoubleType,
		Intermediate: types.NewStruct(
			types.Field{Name: "X_SUM", Type: types.DoubleType},
			types.Field{Name: "Y_SUM", Type: types.DoubleType},
			types.Field{Name: "X_SQUARED_SUM", Type: types.DoubleType},
			types.Field{Name: "Y_SQUARED_SUM", Type: types.DoubleType},
			types.Field{Name: "XY_SUM", Type: types.DoubleType},
			types.Field{Name: "COUNT", Type: types.BigIntType}),
		Init: func() any { return []any{0.0, 0.0, 0.0, 0.0, 0.0, int64(0)} },
		Add:  func(s any, args []any) any { return fold(s, args, 1) },
		Undo: func(s any, args []any) any { return fold(s, args, -1) },
		Merge: func(a, b any) any {
			x, y := a.([]any), b.([]any)
			for i := 0; i < 5; i++ {
				x[i] = x[i].(float64) + y[i].(float64)
			}
			x[5] = x[5].(int64) + y[5].(int64)
			return x
		},
		Final: func(s any) (any, error) {
			st := s.([]any)
			sx, sy, sxx, syy, sxy := st[0].(float64), st[1].(float64), st[2].(float64), st[3].(float64), st[4].(float64)
			n := float64(st[5].(int64))
			num := n*sxy - sx*sy
			dx := n*sxx - sx*sx
			dy := n*syy - sy*sy
			return num / math.Sqrt(dx*dy), nil
		},
	}, nil
}

func isNumeric(t *types.Type) bool {
	switch t.Kind {
	case types.KindInt, types.KindBigInt, types.KindDouble, types.KindDecimal:
		return true
	}
	return false
}

// STDDEV_SAMPLE(col) is the sample standard deviation, sqrt(M2 / (n-1)), where
// M2, the sum of squared deviations from the mean, is updated per row with the
// Youngs-Cramer recurrence so that rows can also be retracted and session states
// merged. STDDEV_SAMP(col) is, as ksqlDB documents it (aggregate-functions.md),
// the square of that, the sample variance M2 / (n-1): variance selects it. Fewer
// than two values give 0.0. Its state is [sum, n, M2]; the sum has the column's
// type and wraps like SUM.
func buildStddev(name string, variance bool) func(Config, Call) (*Func, error) {
	return func(_ Config, c Call) (*Func, error) {
		if len(c.Args) != 1 {
			return nil, noSignature(name, c)
		}
		t := c.Args[0]
		switch t.Kind {
		case types.KindInt, types.KindBigInt, types.KindDouble:
		default:
			return nil, noSignature(name, c)
		}
		// delta is n*v - sum for the count n and sum that include v, computed in
		// the column's arithmetic as ksqlDB does.
		// A product or sum beyond BIGINT's range (a wide sum) is computed in
		// DOUBLE instead of wrapping.
		delta := func(v, sum any, n int64) float64 {
			if x, ok := v.(float64); ok {
				return x*float64(n) - sum.(float64)
			}
			x, xok := types.AsInt64(v)
			s, sok := types.AsInt64(sum)
			if xok && sok {
				if p, ok := types.MulInt64(x, n); ok {
					if d, ok := types.SubInt64(p, s); ok {
						return float64(d)
					}
				}
			}
			return toFloat(v)*float64(n) - toFloat(sum)
		}
		return &Func{
			Result: types.DoubleType,
			Intermediate: types.NewStruct(
				types.Field{Name: "SUM", Type: t},
				types.Field{Name: "COUNT", Type: types.BigIntType},
				types.Field{Name: "M2", Type: types.DoubleType}),
			Init: func() any { return []any{zeroOf(t), int64(0), 0.0} },
			Add: func(s any, args []any) any {
				st := s.([]any)
				v := args[0]
				if v == nil {
					return st
				}
				n := st[1].(int64) + 1
				sum := add(t.Kind, st[0], v)
				if n > 1 {
					d := delta(v, sum, n)
					st[2] = st[2].(float64) + d*d/float64(n*(n-1))
				}
				st[0], st[1] = sum, n
				return st
			},
			Undo: func(s any, args []any) any {
				st := s.([]any)
				v := args[0]
				if v == nil {
					return st
				}
				n := st[1].(int64)
				if n-1 > 0 {
					d := delta(v, st[0], n)
					st[2] = st[2].(float64) - d*d/float64(n*(n-1))
				} else {
					st[2] = 0.0
				}
				st[0], st[1] = sub(t.Kind, st[0], v), n-1
				return st
			},
			Merge: func(a, b any) any {
				x, y := a.([]any), b.([]any)
				na, nb := x[1].(int64), y[1].(int64)
				m2 := x[2].(float64) + y[2].(float64)
				if na > 0 && nb > 0 {
					d := toFloat(x[0])/float64(na) - toFloat(y[0])/float64(nb)
					m2 += float64(na) * float64(nb) * d * d / float64(na+nb)
				}
				return []any{add(t.Kind, x[0], y[0]), na + nb, m2}
			},
			Final: func(s any) (any, error) {
				st := s.([]any)
				n := st[1].(int64)
				if n < 2 {
					return 0.0, nil
				}
				v := st[2].(float64) / float64(n-1)
				if variance {
					return v, nil
				}
				return math.Sqrt(v), nil
			},
		}, nil
	}
}
