package aggregate

import (
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
	"sort"
)

// builtins are every aggregate function, in the order SHOW FUNCTIONS lists them.
func builtins() []*definition {
	return []*definition{
		{name: "ATTR", description: "Returns the one value a column holds in the group, or NULL when the group holds more than one distinct value (NULL counts as a value).",
			signatures: []string{"ATTR(T) -> T"}, build: buildAttr},
		{name: "AVG", description: "Returns the average value of a numeric column, ignoring NULLs; 0.0 for no values.",
			signatures: []string{"AVG(INT) -> DOUBLE", "AVG(BIGINT) -> DOUBLE", "AVG(DOUBLE) -> DOUBLE", "AVG(DECIMAL) -> DOUBLE"}, build: buildAvg},
		{name: "COLLECT_LIST", description: "Returns an array of every value of a column, NULLs included, in arrival order; at most ksql.functions.collect_list.limit values.",
			signatures: []string{"COLLECT_LIST(T) -> ARRAY<T>"}, build: buildCollectList},
		{name: "COLLECT_SET", description: "Returns an array of the distinct values of a column, in first-seen order; at most ksql.functions.collect_set.limit values. Streams only.",
			signatures: []string{"COLLECT_SET(T) -> ARRAY<T>"}, build: buildCollectSet},
		{name: "CORRELATION", description: "Returns the Pearson correlation coefficient of two numeric columns over the rows where both are non-null; NaN for fewer than two points.",
			signatures: []string{"CORRELATION(DOUBLE, DOUBLE) -> DOUBLE"}, build: buildCorrelation},
		{name: "COUNT", description: "Counts records; COUNT(col) counts non-null values, COUNT(*) every row.",
			signatures: []string{"COUNT(*) -> BIGINT", "COUNT(ANY) -> BIGINT"}, build: buildCount},
		{name: "COUNT_DISTINCT", description: "Returns the approximate number of distinct non-null values of a column (HyperLogLog; exact for small counts). Streams only.",
			signatures: []string{"COUNT_DISTINCT(T) -> BIGINT"}, build: buildCountDistinct},
		{name: "EARLIEST_BY_OFFSET", description: "The value of the earliest record by offset; with n, the earliest n values; ignoreNulls (default true) skips NULLs.",
			signatures: []string{"EARLIEST_BY_OFFSET(T [, ignoreNulls]) -> T", "EARLIEST_BY_OFFSET(T, n [, ignoreNulls]) -> ARRAY<T>"}, maxConsts: 2, build: buildByOffset(false)},
		{name: "HISTOGRAM", description: "Returns a map from each distinct non-null value of a string column to how many rows held it; at most 1000 entries.",
			signatures: []string{"HISTOGRAM(VARCHAR) -> MAP<VARCHAR, BIGINT>"}, build: buildHistogram},
		{name: "LATEST_BY_OFFSET", description: "The value of the latest record by offset; with n, the latest n values; ignoreNulls (default true) skips NULLs.",
			signatures: []string{"LATEST_BY_OFFSET(T [, ignoreNulls]) -> T", "LATEST_BY_OFFSET(T, n [, ignoreNulls]) -> ARRAY<T>"}, maxConsts: 2, build: buildByOffset(true)},
		{name: "MAX", description: "The largest non-null value. Streams only.", signatures: []string{"MAX(T) -> T for any comparable T"}, build: buildMinMax(1)},
		{name: "MIN", description: "The smallest non-null value. Streams only.", signatures: []string{"MIN(T) -> T for any comparable T"}, build: buildMinMax(-1)},
		{name: "STDDEV_SAMP", description: "Returns the square of the sample standard deviation (the sample variance) of a numeric column, ignoring NULLs; 0.0 for fewer than two values. STDDEV_SAMPLE returns the standard deviation.",
			signatures: []string{"STDDEV_SAMP(INT) -> DOUBLE", "STDDEV_SAMP(BIGINT) -> DOUBLE", "STDDEV_SAMP(DOUBLE) -> DOUBLE"}, build: buildStddev("STDDEV_SAMP", true)},
		{name: "STDDEV_SAMPLE", description: "Returns the sample standard deviation of a numeric column, ignoring NULLs; 0.0 for fewer than two values.",
			signatures: []string{"STDDEV_SAMPLE(INT) -> DOUBLE", "STDDEV_SAMPLE(BIGINT) -> DOUBLE", "STDDEV_SAMPLE(DOUBLE) -> DOUBLE"}, build: buildStddev("STDDEV_SAMPLE", false)},
		{name: "SUM", description: "Sums a numeric column, ignoring NULLs; a DECIMAL sum keeps the column's precision and scale.",
			signatures: []string{"SUM(INT) -> INT", "SUM(BIGINT) -> BIGINT", "SUM(DOUBLE) -> DOUBLE", "SUM(DECIMAL(p, s)) -> DECIMAL(p, s)"}, build: buildSum},
		{name: "SUM_LIST", description: "Sums the non-null elements of a numeric array column over all rows.",
			signatures: []string{"SUM_LIST(ARRAY<INT>) -> INT", "SUM_LIST(ARRAY<BIGINT>) -> BIGINT", "SUM_LIST(ARRAY<DOUBLE>) -> DOUBLE"}, build: buildSumList},
		{name: "TOPK", description: "Returns the k largest non-null values of a column, largest first; with other columns, the k top rows as STRUCT<sort_col, col0, ...>. Streams only.",
			signatures: []string{"TOPK(T, k) -> ARRAY<T>", "TOPK(T, C0, ..., k) -> ARRAY<STRUCT<sort_col T, col0 C0, ...>>"}, maxConsts: 1, build: buildTopK},
		{name: "TOPKDISTINCT", description: "Returns the k largest distinct non-null values of a column, largest first. Streams only.",
			signatures: []string{"TOPKDISTINCT(T, k) -> ARRAY<T>"}, maxConsts: 1, build: buildTopKDistinct},
	}
}

func buildCount(_ Config, c Call) (*Func, error) {
	if len(c.Args) > 1 {
		return nil, noSignature("COUNT", c)
	}
	star := len(c.Args) == 0
	counts := func(args []any) bool { return star || args[0] != nil }
	return &Func{
		Result: types.BigIntType,
		Init:   func() any { return int64(0) },
		Add: func(s any, args []any) any {
			if counts(args) {
				return s.(int64) + 1
			}
			return s
		},
		Undo: func(s any, args []any) any {
			if counts(args) {
				return s.(int64) - 1
			}
			return s
		},
		Merge: func(a, b any) any { return a.(int64) + b.(int64) },
		Final: func(s any) (any, error) { return s, nil },
	}, nil
}

func numericArg(name string, c Call) (*types.Type, error) {
	if len(c.Args) != 1 {
		return nil, noSignature(name, c)
	}
	switch c.Args[0].Kind {
	case types.KindInt, types.KindBigInt, types.KindDouble, types.KindDecimal:
		return c.Args[0], nil
	}
	return nil, noSignature(name, c)
}

func buildSum(_ Config, c Call) (*Func, error) {
	t, err := numericArg("SUM", c)
	if err != nil {
		return nil, err
	}
	return &Func{
		Result: t,
		Init:   func() any { return zeroOf(t) },
		Add: func(s any, args []any) any {
			if args[0] == nil {
				return s
			}
			return add(t.Kind, s, args[0])
		},
		Undo: func(s any, args []any) any {
			if args[0] == nil {
				return s
			}
			return sub(t.Kind, s, args[0])
		},
		Merge: func(a, b any) any { return add(t.Kind, a, b) },
		Final: func(s any) (any, error) { return sumResult("SUM", t.Kind, s) },
	}, nil
}

// SUM_LIST sums the non-null elements of each row's array; its state is the sum.
func buildSumList(_ Config, c Call) (*Func, error) {
	if len(c.Args) != 1 || c.Args[0].Kind != types.KindArray {
		return nil, noSignature("SUM_LIST", c)
	}
	t := c.Args[0].Elem
	switch t.Kind {
	case types.KindInt, types.KindBigInt, types.KindDouble:
	default:
		return nil, noSignature("SUM_LIST", c)
	}
	fold := func(s any, arg any, op func(k types.Kind, a, b any) any) any {
		list, _ := arg.([]any)
		for _, v := range list {
			if v != nil {
				s = op(t.Kind, s, v)
			}
		}
		return s
	}
	return &Func{
		Result: t,
		Init:   func() any { return zeroOf(t) },
		Add:    func(s any, args []any) any { return fold(s, args[0], add) },
		Undo:   func(s any, args []any) any { return fold(s, args[0], sub) },
		Merge:  func(a, b any) any { return add(t.Kind, a, b) },
		Final:  func(s any) (any, error) { return sumResult("SUM_LIST", t.Kind, s) },
	}, nil
}

// AVG's state is [sum, count].
func buildAvg(_ Config, c Call) (*Func, error) {
	t, err := numericArg("AVG", c)
	if err != nil {
		return nil, err
	}
	return &Func{
		Result: types.DoubleType,
		Intermediate: types.NewStruct(
			types.Field{Name: "SUM", Type: t},
			types.Field{Name: "COUNT", Type: types.BigIntType}),
		Init: func() any { return []any{zeroOf(t), int64(0)} },
		Add: func(s any, args []any) any {
			st := s.([]any)
			if args[0] != nil {
				st[0], st[1] = add(t.Kind, st[0], args[0]), st[1].(int64)+1
			}
			return st
		},
		Undo: func(s any, args []any) any {
			st := s.([]any)
			if args[0] != nil {
				st[0], st[1] = sub(t.Kind, st[0], args[0]), st[1].(int64)-1
			}
			return st
		},
		Merge: func(a, b any) any {
			x, y := a.([]any), b.([]any)
			return []any{add(t.Kind, x[0], y[0]), x[1].(int64) + y[1].(int64)}
		},
		Final: func(s any) (any, error) {
			st := s.([]any)
			n := st[1].(int64)
			if n == 0 {
				return 0.0, nil
			}
			return toFloat(st[0]) / float64(n), nil
		},
	}, nil
}

func comparable(t *types.Type) bool {
	switch t.Kind {
	case types.KindInt, types.KindBigInt, types.KindDouble, types.KindDecimal, types.KindString,
		types.KindBytes, types.KindDate, types.KindTime, types.KindTimestamp, types.KindBoolean:
		return true
	}
	return false
}

// buildMinMax keeps the extreme value; sign 1 for MAX, -1 for MIN. Over a
// table (beyond ksqlDB, which refuses it) it keeps every value with its count,
// sorted, so that a retracted row's value can be taken out and the extreme of
// the rest found.
func buildMinMax(sign int) func(Config, Call) (*Func, error) {
	name := "MAX"
	if sign < 0 {
		name = "MIN"
	}
	return func(_ Config, c Call) (*Func, error) {
		if len(c.Args) != 1 || !comparable(c.Args[0]) {
			return nil, noSignature(name, c)
		}
		if c.FromTable {
			return retractableExtreme(c.Args[0], sign), nil
		}
		better := func(s, v any) any {
			if v == nil {
				return s
			}
			if s == nil || compare(v, s)*sign > 0 {
				return v
			}
			return s
		}
		return &Func{
			Result: c.Args[0],
			Init:   func() any { return nil },
			Add:    func(s any, args []any) any { return better(s, args[0]) },
			Merge:  better,
			Final:  func(s any) (any, error) { return s, nil },
		}, nil
	}
}

// buildByOffset keeps the latest (or earliest) value, or the latest n as a list,
// in input order, which is offset order within a partition.
func buildByOffset(latest bool) func(Config, Call) (*Func, error) {
	name := "EARLIEST_BY_OFFSET"
	if latest {
		name = "LATEST_BY_OFFSET"
	}
	return func(_ Config, c Call) (*Func, error) {
		if len(c.Args) != 1 {
			return nil, noSignature(name, c)
		}
		n, ignoreNulls, list := 1, true, false
		for _, k := range c.Consts {
			switch v := k.(type) {
			case bool:
				ignoreNulls = v
			case int32:
				n, list = int(v), true
			case int64:
				n, list = int(v), true
			default:
				return nil, sqlerr.Newf(sqlerr.DatatypeMismatch, "%s: unexpected parameter %v", name, k)
			}
		}
		if list && n <= 0 {
			return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "%s must be called with a positive number of values, got %d", name, n)
		}
		res := c.Args[0]
		if list {
			res = types.NewArray(res)
		}
		f := &Func{Result: res, Intermediate: types.NewArray(c.Args[0]), Init: func() any { return []any{} }}
		f.Add = func(s any, args []any) any {
			st := s.([]any)
			v := args[0]
			if v == nil && ignoreNulls {
				return st
			}
			if latest {
				st = append(st, v)
				if len(st) > n {
					st = st[len(st)-n:]
				}
				return st
			}
			if len(st) < n {
				st = append(st, v)
			}
			return st
		}
		f.Merge = func(a, b any) any {
			st := a.([]any)
			for _, v := range b.([]any) {
				st = f.Add(st, []any{v}).([]any)
			}
			return st
		}
		f.Final = func(s any) (any, error) {
			st := s.([]any)
			if list {
				return append([]any{}, st...), nil
			}
			if len(st) == 0 {
				return nil, nil
			}
			return st[len(st)-1], nil
		}
		return f, nil
	}
}

// retractableExtreme is MIN or MAX over a table. Its state is the multiset of
// the group's non-NULL values: a list of [value, count] pairs in value order.
func retractableExtreme(t *types.Type, sign int) *Func {
	find := func(list []any, v any) (int, bool) {
		i := sort.Search(len(list), func(i int) bool { return compare(list[i].([]any)[0], v) >= 0 })
		return i, i < len(list) && compare(list[i].([]any)[0], v) == 0
	}
	asList := func(s any) []any {
		l, _ := s.([]any)
		return l
	}
	return &Func{
		Result: t,
		Init:   func() any { return []any{} },
		Add: func(s any, args []any) any {
			list := asList(s)
			if args[0] == nil {
				return list
			}
			i, ok := find(list, args[0])
			if ok {
				pair := list[i].([]any)
				list[i] = []any{pair[0], pair[1].(int64) + 1}
				return list
			}
			list = append(list, nil)
			copy(list[i+1:], list[i:])
			list[i] = []any{args[0], int64(1)}
			return list
		},
		Undo: func(s any, args []any) any {
			list := asList(s)
			if args[0] == nil {
				return list
			}
			i, ok := find(list, args[0])
			if !ok {
				return list
			}
			pair := list[i].([]any)
			if n := pair[1].(int64); n > 1 {
				list[i] = []any{pair[0], n - 1}
				return list
			}
			return append(list[:i], list[i+1:]...)
		},
		Final: func(s any) (any, error) {
			list := asList(s)
			if len(list) == 0 {
				return nil, nil
			}
			if sign > 0 {
				return list[len(list)-1].([]any)[0], nil
			}
			return list[0].([]any)[0], nil
		},
	}
}
