package aggregate

import (
	"fmt"
	"math"
	"testing"

	"github.com/cockroachdb/apd/v3"

	"github.com/sluice-db/sluice/types"
)

// step is one operation on a group's state, and the result expected after it.
type step struct {
	op   string  // "add", "undo", or "merge" (folds rows into a fresh state, then merges it in)
	rows [][]any // the argument values of the rows
	want any
	// fails is the error the result must be after the step, instead of want.
	fails string
}

func addRows(rows ...[]any) step   { return step{op: "add", rows: rows} }
func undoRows(rows ...[]any) step  { return step{op: "undo", rows: rows} }
func mergeRows(rows ...[]any) step { return step{op: "merge", rows: rows} }
func (s step) is(want any) step    { s.want = want; return s }
func (s step) failing(err string) step {
	s.fails = err
	return s
}

func row(args ...any) []any { return args }

type aggCase struct {
	name   string
	fn     string
	cfg    Config
	args   []*types.Type
	consts []any
	result string // the result type
	steps  []step
}

func dec(s string) *apd.Decimal {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		panic(err)
	}
	return d
}

func mapOf(kv ...any) *types.Map {
	m := &types.Map{}
	for i := 0; i < len(kv); i += 2 {
		m.Put(kv[i], kv[i+1])
	}
	return m
}

var (
	intT    = types.IntType
	bigintT = types.BigIntType
	doubleT = types.DoubleType
	stringT = types.StringType
)

// run applies the steps, persisting and restoring the state between steps as the
// engine does, and checks the result after each.
func (c aggCase) run(t *testing.T) {
	f, err := NewRegistry(c.cfg).Resolve(c.fn, Call{Args: c.args, Consts: c.consts})
	if err != nil {
		t.Fatal(err)
	}
	if c.result != "" && f.Result.String() != c.result {
		t.Errorf("result type %s, want %s", f.Result, c.result)
	}
	state := f.Init()
	for i, s := range c.steps {
		switch s.op {
		case "add":
			for _, r := range s.rows {
				state = f.Add(state, r)
			}
		case "undo":
			if f.Undo == nil {
				t.Fatalf("step %d: %s cannot undo", i, c.fn)
			}
			for _, r := range s.rows {
				state = f.Undo(state, r)
			}
		case "merge":
			if f.Merge == nil {
				t.Fatalf("step %d: %s cannot merge", i, c.fn)
			}
			other := f.Init()
			for _, r := range s.rows {
				other = f.Add(other, r)
			}
			state = f.Merge(state, roundTrip(t, other))
		}
		got, err := final(f, state)
		if s.fails == "" && !equal(got, s.want) {
			t.Errorf("step %d (%s %v): got %s, want %s", i, s.op, s.rows, show(got), show(s.want))
		}
		if s.fails != "" && (err == nil || err.Error() != s.fails) {
			t.Errorf("step %d (%s %v): got %s (error %v), want the error %q", i, s.op, s.rows, show(got), err, s.fails)
		}
		state = roundTrip(t, state)
		if again, _ := final(f, state); !equal(again, got) {
			t.Errorf("step %d: after persisting the state, got %s, want %s", i, show(again), show(got))
		}
	}
}

// final is f's result for state, or the text of its error.
func final(f *Func, state any) (any, error) {
	v, err := f.Final(state)
	if err != nil {
		return err.Error(), err
	}
	return v, nil
}

func mustFinal(t *testing.T, f *Func, state any) any {
	t.Helper()
	v, err := f.Final(state)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func roundTrip(t *testing.T, v any) any {
	t.Helper()
	b, err := types.AppendBinary(nil, v)
	if err != nil {
		t.Fatalf("state cannot be persisted: %v", err)
	}
	out, _, err := types.ReadBinary(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func show(v any) string {
	switch x := v.(type) {
	case *types.Map:
		s := "{"
		for i := range x.Keys {
			if i > 0 {
				s += ", "
			}
			s += fmt.Sprintf("%v: %v", show(x.Keys[i]), show(x.Values[i]))
		}
		return s + "}"
	case []any:
		s := "["
		for i, e := range x {
			if i > 0 {
				s += ", "
			}
			s += show(e)
		}
		return s + "]"
	case *apd.Decimal:
		return x.String()
	case string:
		return fmt.Sprintf("%q", x)
	}
	return fmt.Sprintf("%v(%T)", v, v)
}

func TestAggregates(t *testing.T) {
	nan := math.NaN()
	cases := []aggCase{
		// ATTR (ksqlDB's Attr UDAF): the single value of the group, else NULL; a
		// retracted row takes its value out, and merged sessions add up.
		{name: "attr", fn: "ATTR", args: []*types.Type{stringT}, result: "STRING", steps: []step{
			step{op: "add"}.is(nil),
			addRows(row("a")).is("a"),
			addRows(row("a")).is("a"),
			addRows(row("b")).is(nil),
			undoRows(row("b")).is("a"),
			undoRows(row("a"), row("a")).is(nil),
			addRows(row("c")).is("c"),
			addRows(row(nil)).is(nil),
			undoRows(row(nil)).is("c"),
			undoRows(row("zz")).is("c"),
		}},
		{name: "attr of nulls", fn: "ATTR", args: []*types.Type{intT}, result: "INTEGER", steps: []step{
			addRows(row(nil), row(nil)).is(nil),
			undoRows(row(nil), row(nil)).is(nil),
			addRows(row(int32(4))).is(int32(4)),
		}},
		{name: "attr session merge", fn: "ATTR", args: []*types.Type{doubleT}, steps: []step{
			addRows(row(1.5)).is(1.5),
			mergeRows(row(1.5)).is(1.5),
			mergeRows(row(2.5)).is(nil),
		}},

		// COLLECT_LIST keeps NULLs and duplicates in arrival order (QTT collect-list).
		{name: "collect_list", fn: "COLLECT_LIST", args: []*types.Type{stringT}, result: "ARRAY<STRING>", steps: []step{
			addRows(row("baz")).is([]any{"baz"}),
			addRows(row("baz")).is([]any{"baz", "baz"}),
			addRows(row("foo")).is([]any{"baz", "baz", "foo"}),
			addRows(row(nil)).is([]any{"baz", "baz", "foo", nil}),
		}},
		{name: "collect_list of arrays", fn: "COLLECT_LIST", args: []*types.Type{types.NewArray(intT)}, result: "ARRAY<ARRAY<INTEGER>>", steps: []step{
			addRows(row([]any{int32(0), int32(1)})).is([]any{[]any{int32(0), int32(1)}}),
			addRows(row([]any{nil}), row(nil)).is([]any{[]any{int32(0), int32(1)}, []any{nil}, nil}),
		}},
		{name: "collect_list undo removes the last occurrence", fn: "COLLECT_LIST", args: []*types.Type{intT}, steps: []step{
			addRows(row(int32(1)), row(int32(2)), row(int32(1)), row(int32(3))).is([]any{int32(1), int32(2), int32(1), int32(3)}),
			undoRows(row(int32(1))).is([]any{int32(1), int32(2), int32(3)}),
			undoRows(row(int32(7))).is([]any{int32(1), int32(2), int32(3)}),
			undoRows(row(int32(1)), row(int32(2)), row(int32(3))).is([]any{}),
		}},
		{name: "collect_list limit", fn: "COLLECT_LIST", cfg: Config{CollectListLimit: 2}, args: []*types.Type{intT}, steps: []step{
			addRows(row(int32(0))).is([]any{int32(0)}),
			addRows(row(int32(100)), row(int32(5))).is([]any{int32(0), int32(100)}),
		}},
		{name: "collect_list session merge appends within the limit", fn: "COLLECT_LIST", cfg: Config{CollectListLimit: 3}, args: []*types.Type{intT}, steps: []step{
			addRows(row(int32(1)), row(int32(2))).is([]any{int32(1), int32(2)}),
			mergeRows(row(int32(3)), row(int32(4))).is([]any{int32(1), int32(2), int32(3)}),
		}},

		// COLLECT_SET: first-seen order, NULL once, value equality for maps and decimals.
		{name: "collect_set", fn: "COLLECT_SET", args: []*types.Type{types.NewDecimal(4, 1)}, result: "ARRAY<DECIMAL(4, 1)>", steps: []step{
			addRows(row(dec("500.9")), row(dec("300.8"))).is([]any{dec("500.9"), dec("300.8")}),
			addRows(row(nil), row(dec("300.8")), row(nil)).is([]any{dec("500.9"), dec("300.8"), nil}),
		}},
		{name: "collect_set of maps ignores entry order", fn: "COLLECT_SET", args: []*types.Type{types.NewMap(stringT, bigintT)}, steps: []step{
			addRows(row(mapOf("a", int64(1), "b", int64(2)))).is([]any{mapOf("a", int64(1), "b", int64(2))}),
			addRows(row(mapOf("b", int64(2), "a", int64(1)))).is([]any{mapOf("a", int64(1), "b", int64(2))}),
			addRows(row(mapOf("a", int64(1)))).is([]any{mapOf("a", int64(1), "b", int64(2)), mapOf("a", int64(1))}),
		}},
		{name: "collect_set limit and merge", fn: "COLLECT_SET", cfg: Config{CollectSetLimit: 2}, args: []*types.Type{intT}, steps: []step{
			addRows(row(int32(0)), row(int32(0))).is([]any{int32(0)}),
			mergeRows(row(int32(0)), row(int32(5)), row(int32(6))).is([]any{int32(0), int32(5)}),
		}},

		// COUNT_DISTINCT ignores NULLs (QTT count-distinct).
		{name: "count_distinct", fn: "COUNT_DISTINCT", args: []*types.Type{stringT}, result: "BIGINT", steps: []step{
			step{op: "add"}.is(int64(0)),
			addRows(row("one")).is(int64(1)),
			addRows(row("two"), row("one"), row("two")).is(int64(2)),
			addRows(row(nil)).is(int64(2)),
			mergeRows(row("two"), row("three")).is(int64(3)),
		}},

		// TOPK: largest first, ties in arrival order, NULLs skipped (QTT topk-group-by).
		{name: "topk", fn: "TOPK", args: []*types.Type{intT}, consts: []any{int32(3)}, result: "ARRAY<INTEGER>", steps: []step{
			addRows(row(int32(0))).is([]any{int32(0)}),
			addRows(row(int32(100))).is([]any{int32(100), int32(0)}),
			addRows(row(int32(99))).is([]any{int32(100), int32(99), int32(0)}),
			addRows(row(int32(7))).is([]any{int32(100), int32(99), int32(7)}),
			addRows(row(nil)).is([]any{int32(100), int32(99), int32(7)}),
			addRows(row(int32(100))).is([]any{int32(100), int32(100), int32(99)}),
		}},
		{name: "topk with other columns", fn: "TOPK", args: []*types.Type{intT, stringT}, consts: []any{int32(3)},
			result: "ARRAY<STRUCT<`sort_col` INTEGER, `col0` STRING>>", steps: []step{
				addRows(row(int32(0), "zero"), row(int32(100), "one"), row(int32(99), "two"), row(nil, "three")).is([]any{
					types.Struct{int32(100), "one"}, types.Struct{int32(99), "two"}, types.Struct{int32(0), "zero"}}),
				addRows(row(int32(100), nil)).is([]any{
					types.Struct{int32(100), "one"}, types.Struct{int32(100), nil}, types.Struct{int32(99), "two"}}),
			}},
		{name: "topk merge", fn: "TOPK", args: []*types.Type{stringT}, consts: []any{int64(2)}, steps: []step{
			addRows(row("b")).is([]any{"b"}),
			mergeRows(row("a"), row("c")).is([]any{"c", "b"}),
		}},
		{name: "topkdistinct", fn: "TOPKDISTINCT", args: []*types.Type{types.NewDecimal(2, 1)}, consts: []any{int32(3)}, result: "ARRAY<DECIMAL(2, 1)>", steps: []step{
			addRows(row(dec("9.8")), row(dec("8.9")), row(nil)).is([]any{dec("9.8"), dec("8.9")}),
			addRows(row(dec("7.8")), row(dec("6.5"))).is([]any{dec("9.8"), dec("8.9"), dec("7.8")}),
			addRows(row(dec("9.9")), row(dec("9.8"))).is([]any{dec("9.9"), dec("9.8"), dec("8.9")}),
			mergeRows(row(dec("9.9")), row(dec("10.0"))).is([]any{dec("10.0"), dec("9.9"), dec("9.8")}),
		}},

		// HISTOGRAM counts per value and drops entries that reach zero (QTT histogram).
		{name: "histogram", fn: "HISTOGRAM", args: []*types.Type{stringT}, result: "MAP<STRING, BIGINT>", steps: []step{
			addRows(row("alice"), row("bob")).is(mapOf("alice", int64(1), "bob", int64(1))),
			addRows(row("bob"), row(nil)).is(mapOf("alice", int64(1), "bob", int64(2))),
			undoRows(row("bob")).is(mapOf("alice", int64(1), "bob", int64(1))),
			undoRows(row("alice")).is(mapOf("bob", int64(1))),
			mergeRows(row("carol"), row("bob")).is(mapOf("bob", int64(2), "carol", int64(1))),
		}},

		// CORRELATION (QTT correlation-udaf): NaN below two points, rows with a NULL skipped.
		{name: "correlation double", fn: "CORRELATION", args: []*types.Type{doubleT, doubleT}, result: "DOUBLE", steps: []step{
			addRows(row(1.5, 8.0)).is(nan),
			addRows(row(-1.0, -2.0)).is(1.0),
			addRows(row(-4.5, -1.0)).is(0.7580764521133173),
			addRows(row(nil, -6.0)).is(0.7580764521133173),
		}},
		{name: "correlation int", fn: "CORRELATION", args: []*types.Type{intT, intT}, steps: []step{
			addRows(row(int32(1), int32(8)), row(int32(-1), int32(-2)), row(int32(-4), int32(-1))).is(0.7455284088780169),
		}},
		{name: "correlation on a table", fn: "CORRELATION", args: []*types.Type{doubleT, doubleT}, steps: []step{
			addRows(row(1.5, 8.0), row(-3.5, -2.0)).is(1.0),
			undoRows(row(1.5, 8.0)).is(nan),
			addRows(row(-1.0, -2.0)).is(nan),
			addRows(row(-4.5, -1.0)).is(-0.7205766921228921),
		}},

		// STDDEV_SAMP returns "the square of the standard deviation instead of the
		// standard deviation" (aggregate-functions.md): the sample variance; 0.0
		// below two values.
		{name: "stddev_samp", fn: "STDDEV_SAMP", args: []*types.Type{intT}, result: "DOUBLE", steps: []step{
			addRows(row(int32(2))).is(0.0),
			addRows(row(int32(4)), row(int32(4)), row(int32(4)), row(int32(5)), row(int32(5)), row(int32(7)), row(int32(9))).is(32.0 / 7),
			undoRows(row(int32(5))).is(32.0 / 6),
			addRows(row(nil)).is(32.0 / 6),
			undoRows(row(int32(2)), row(int32(4)), row(int32(4)), row(int32(4)), row(int32(5)), row(int32(7))).is(0.0),
		}},
		{name: "stddev_samp double with merge", fn: "STDDEV_SAMP", args: []*types.Type{doubleT}, steps: []step{
			addRows(row(1.0), row(2.0)).is(0.5),
			mergeRows(row(3.0), row(4.0)).is(5.0 / 3),
		}},
		{name: "stddev_sample double with merge", fn: "STDDEV_SAMPLE", args: []*types.Type{doubleT}, steps: []step{
			addRows(row(1.0), row(2.0)).is(math.Sqrt(0.5)),
			mergeRows(row(3.0), row(4.0)).is(math.Sqrt(5.0 / 3)),
		}},

		// AVG of BIGINT divides the long sum by the count as a double.
		{name: "avg bigint", fn: "AVG", args: []*types.Type{bigintT}, result: "DOUBLE", steps: []step{
			step{op: "add"}.is(0.0),
			addRows(row(int64(-1))).is(-1.0),
			addRows(row(int64(math.MaxInt64))).is(4.611686018427388e18),
			addRows(row(int64(1)), row(nil)).is(3.0744573456182584e18),
		}},
		// Beyond ksqlDB (whose AVG takes no DECIMAL): the sum is exact, the average a DOUBLE.
		{name: "avg decimal", fn: "AVG", args: []*types.Type{types.NewDecimal(4, 1)}, result: "DOUBLE", steps: []step{
			addRows(row(dec("0.1")), row(dec("0.2"))).is(0.15),
			undoRows(row(dec("0.1"))).is(0.2),
		}},
		{name: "sum decimal keeps the column type", fn: "SUM", args: []*types.Type{types.NewDecimal(4, 1)}, result: "DECIMAL(4, 1)", steps: []step{
			addRows(row(dec("500.9")), row(dec("300.8"))).is(dec("801.7")),
			undoRows(row(dec("500.9"))).is(dec("300.8")),
		}},
		// Where Java's arithmetic (and ksqlDB) would wrap, an INT or BIGINT sum
		// stays exact: its result is an error while it is beyond the type's
		// range, and retractions and merges bring it back.
		{name: "sum bigint beyond its range", fn: "SUM", args: []*types.Type{bigintT}, steps: []step{
			addRows(row(int64(math.MaxInt64 - 1))).is(int64(math.MaxInt64 - 1)),
			addRows(row(int64(2))).failing("integer overflow: SUM is 9223372036854775808, which does not fit in BIGINT"),
			addRows(row(int64(math.MaxInt64))).failing("integer overflow: SUM is 18446744073709551615, which does not fit in BIGINT"),
			undoRows(row(int64(math.MaxInt64))).failing("integer overflow: SUM is 9223372036854775808, which does not fit in BIGINT"),
			addRows(row(int64(-1))).is(int64(math.MaxInt64)),
			mergeRows(row(int64(math.MinInt64)), row(int64(-1))).is(int64(-2)),
			mergeRows(row(int64(math.MinInt64))).failing("integer overflow: SUM is -9223372036854775810, which does not fit in BIGINT"),
			undoRows(row(int64(-2))).is(int64(math.MinInt64)),
		}},
		{name: "sum int beyond its range", fn: "SUM", args: []*types.Type{intT}, steps: []step{
			addRows(row(int32(math.MinInt32)), row(int32(-1))).failing("integer overflow: SUM is -2147483649, which does not fit in INT"),
			undoRows(row(int32(-1))).is(int32(math.MinInt32)),
			mergeRows(row(int32(math.MaxInt32)), row(int32(math.MaxInt32))).is(int32(math.MaxInt32 - 1)),
		}},
		// AVG and STDDEV_SAMP are DOUBLE: an exact sum beyond the range is no error.
		{name: "avg bigint beyond its range", fn: "AVG", args: []*types.Type{bigintT}, steps: []step{
			addRows(row(int64(math.MaxInt64)), row(int64(math.MaxInt64))).is(float64(math.MaxInt64)),
			undoRows(row(int64(math.MaxInt64))).is(float64(math.MaxInt64)),
		}},
		{name: "stddev bigint beyond its range", fn: "STDDEV_SAMP", args: []*types.Type{bigintT}, steps: []step{
			addRows(row(int64(math.MaxInt64)), row(int64(math.MaxInt64)), row(int64(math.MaxInt64))).is(0.0),
		}},
		{name: "sum_list bigint beyond its range", fn: "SUM_LIST", args: []*types.Type{types.NewArray(bigintT)}, steps: []step{
			addRows(row([]any{int64(1), int64(math.MaxInt64), int64(-3)})).is(int64(math.MaxInt64 - 2)),
			addRows(row([]any{int64(3)})).failing("integer overflow: SUM_LIST is 9223372036854775808, which does not fit in BIGINT"),
			undoRows(row([]any{int64(1)})).is(int64(math.MaxInt64)),
		}},
		{name: "sum_list", fn: "SUM_LIST", args: []*types.Type{types.NewArray(doubleT)}, result: "DOUBLE", steps: []step{
			addRows(row([]any{1.0, 1.0})).is(2.0),
			addRows(row([]any{922337203685.0, 1.0, nil}), row(nil)).is(922337203688.0),
			undoRows(row([]any{1.0, 1.0})).is(922337203686.0),
		}},
	}
	for _, c := range cases {
		t.Run(c.name, c.run)
	}
}

func TestCountDistinctLargeCardinality(t *testing.T) {
	f, err := NewRegistry(Config{}).Resolve("COUNT_DISTINCT", Call{Args: []*types.Type{bigintT}})
	if err != nil {
		t.Fatal(err)
	}
	a, b := f.Init(), f.Init()
	for i := 0; i < 20000; i++ {
		a = f.Add(a, []any{int64(i)})
		b = f.Add(b, []any{int64(i + 10000)})
	}
	if n := len(a.([]byte)); n != 1+hllRegisters {
		t.Fatalf("state is %d bytes, want the %d of a dense sketch", n, 1+hllRegisters)
	}
	check := func(what string, got any, want float64) {
		t.Helper()
		if g := float64(got.(int64)); math.Abs(g-want)/want > 0.05 {
			t.Errorf("%s: estimate %v, want within 5%% of %v", what, g, want)
		}
	}
	check("20000 values", mustFinal(t, f, a), 20000)
	// A sparse state merged into a dense one.
	c := f.Merge(f.Add(f.Init(), []any{int64(-1)}), append([]byte{}, a.([]byte)...))
	check("sparse into dense", mustFinal(t, f, c), 20001)
	check("union", mustFinal(t, f, f.Merge(a, b)), 30000)
}

// While the sketch is sparse the count is exact, whatever the insertion order.
func TestCountDistinctSparseIsExact(t *testing.T) {
	f, err := NewRegistry(Config{}).Resolve("COUNT_DISTINCT", Call{Args: []*types.Type{stringT}})
	if err != nil {
		t.Fatal(err)
	}
	s := f.Init()
	for i := 0; i < 3*hllSparseMax; i++ {
		s = f.Add(s, []any{fmt.Sprint((i * 7919) % hllSparseMax)}) // each value three times, scattered
	}
	if got := mustFinal(t, f, s); got != int64(hllSparseMax) {
		t.Errorf("got %v, want %d", got, hllSparseMax)
	}
	st := s.([]byte)
	for i := 9; i+8 <= len(st); i += 8 {
		if string(st[i-8:i]) >= string(st[i:i+8]) {
			t.Fatalf("hashes out of order at byte %d", i)
		}
	}
}

func TestResolveErrors(t *testing.T) {
	r := NewRegistry(Config{})
	for _, c := range []struct {
		fn     string
		args   []*types.Type
		consts []any
	}{
		{"TOPK", []*types.Type{intT}, nil},
		{"TOPK", []*types.Type{intT}, []any{int32(0)}},
		{"TOPK", []*types.Type{types.NewArray(intT)}, []any{int32(2)}},
		{"TOPKDISTINCT", []*types.Type{intT, stringT}, []any{int32(2)}},
		{"HISTOGRAM", []*types.Type{intT}, nil},
		{"CORRELATION", []*types.Type{doubleT}, nil},
		{"CORRELATION", []*types.Type{stringT, doubleT}, nil},
		{"STDDEV_SAMP", []*types.Type{types.NewDecimal(4, 1)}, nil},
		{"SUM_LIST", []*types.Type{types.NewArray(stringT)}, nil},
		{"COLLECT_LIST", []*types.Type{intT, intT}, nil},
	} {
		if _, err := r.Resolve(c.fn, Call{Args: c.args, Consts: c.consts}); err == nil {
			t.Errorf("%s%v %v: resolved, want an error", c.fn, c.args, c.consts)
		}
	}
}

// Functions that ksqlDB allows only on streams have no Undo, so the planner
// rejects them over tables.
func TestTableSupport(t *testing.T) {
	r := NewRegistry(Config{})
	undo := map[string]bool{}
	for _, d := range r.Functions() {
		args := []*types.Type{intT}
		var consts []any
		switch d.Name {
		case "CORRELATION":
			args = append(args, intT)
		case "HISTOGRAM":
			args = []*types.Type{stringT}
		case "SUM_LIST":
			args = []*types.Type{types.NewArray(intT)}
		case "TOPK", "TOPKDISTINCT":
			consts = []any{int32(2)}
		}
		f, err := r.Resolve(d.Name, Call{Args: args, Consts: consts})
		if err != nil {
			t.Fatalf("%s: %v", d.Name, err)
		}
		undo[d.Name] = f.Undo != nil
	}
	want := map[string]bool{
		"ATTR": true, "AVG": true, "COLLECT_LIST": true, "COLLECT_SET": false, "CORRELATION": true, "COUNT": true,
		"COUNT_DISTINCT": false, "EARLIEST_BY_OFFSET": false, "HISTOGRAM": true, "LATEST_BY_OFFSET": false,
		"MAX": false, "MIN": false, "STDDEV_SAMP": true, "STDDEV_SAMPLE": true, "SUM": true, "SUM_LIST": true,
		"TOPK": false, "TOPKDISTINCT": false,
	}
	for name, w := range want {
		if undo[name] != w {
			t.Errorf("%s: table support %v, want %v", name, undo[name], w)
		}
	}
	if len(undo) != len(want) {
		t.Errorf("functions %v, want %d of them", undo, len(want))
	}
}

// TestMinMaxOverTable checks MIN and MAX over a table: retracting the current
// extreme yields the extreme of the rest, duplicates count, and the state
// survives the store's binary row encoding between updates.
func TestMinMaxOverTable(t *testing.T) {
	r := NewRegistry(Config{})
	roundTrip := func(s any) any {
		b, err := types.AppendBinaryRow(nil, []any{s})
		if err != nil {
			t.Fatal(err)
		}
		vals, err := types.ReadBinaryRow(b)
		if err != nil {
			t.Fatal(err)
		}
		return vals[0]
	}
	steps := []struct {
		op       string // "+" adds, "-" retracts
		v        any
		min, max any
	}{
		{"+", int32(5), int32(5), int32(5)},
		{"+", int32(9), int32(5), int32(9)},
		{"+", int32(9), int32(5), int32(9)},
		{"+", nil, int32(5), int32(9)},
		{"+", int32(1), int32(1), int32(9)},
		{"-", int32(9), int32(1), int32(9)}, // one of the two 9s is left
		{"-", int32(9), int32(1), int32(5)},
		{"-", int32(1), int32(5), int32(5)},
		{"-", int32(7), int32(5), int32(5)}, // not there: nothing changes
		{"-", int32(5), nil, nil},
	}
	for _, name := range []string{"MIN", "MAX"} {
		f, err := r.Resolve(name, Call{Args: []*types.Type{intT}, FromTable: true})
		if err != nil {
			t.Fatal(err)
		}
		if f.Undo == nil {
			t.Fatalf("%s over a table cannot retract", name)
		}
		s := f.Init()
		for i, st := range steps {
			if st.op == "+" {
				s = f.Add(s, []any{st.v})
			} else {
				s = f.Undo(s, []any{st.v})
			}
			s = roundTrip(s)
			want := st.max
			if name == "MIN" {
				want = st.min
			}
			if got := mustFinal(t, f, s); got != want {
				t.Errorf("%s step %d (%s%v): %v, want %v", name, i, st.op, st.v, got, want)
			}
		}
	}
}
