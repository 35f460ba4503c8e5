package pgeval

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/sluice-db/sluice/sqlerr"
)

func itoa(i int) string { return strconv.Itoa(i) }

func (c *compiler) compileArgs(nodes []*pg_query.Node, sc *scope) ([]*expr, error) {
	args := make([]*expr, len(nodes))
	for i, n := range nodes {
		x, err := c.compileExpr(n, sc)
		if err != nil {
			return nil, err
		}
		args[i] = x
	}
	return args, nil
}

// overload picks the entry of a function Postgres overloads by argument type
// or count, where the built-ins keep one entry per form (the space in their
// names keeps them out of reach of SQL names). args may be converted.
func (c *compiler) overload(name string, args []*expr) (string, []*expr, error) {
	var err error
	if (name == "extract" || name == "date_part") && len(args) == 2 && args[1].typ.OID == Date {
		// extract(field FROM date) is its own function in Postgres (whole
		// numbers); the space keeps its entry out of reach of SQL names.
		name += " date"
	}
	if name == "timezone" && len(args) == 2 {
		// x AT TIME ZONE z: from a timestamp to the instant its wall time is
		// in z, from a timestamptz (an untyped literal or a date is one) to the
		// wall time in z.
		switch args[1].typ.OID {
		case Timestamp:
			name = "timezone timestamp"
		default:
			if args[1], err = c.coerce(args[1], TimestampTZ); err != nil {
				return "", nil, err
			}
			name = "timezone timestamptz"
		}
	}
	if (name == "round" || name == "trunc") && len(args) == 2 {
		// round(v, s) and trunc(v, s) exist for numeric only: an integer is
		// made numeric, and a float has no implicit cast to it.
		if t := args[0].typ.OID; t == Float8 || t == Float4 {
			return "", nil, sqlerr.Newf(sqlerr.UndefinedFunction, "function %s(double precision, integer) does not exist", name)
		}
		name += " numeric"
	}
	if name == "substring" && len(args) == 2 && isStringType(args[1].typ.OID) {
		// substring(s FROM pattern): a POSIX regular expression.
		name = "substring regex"
	}
	if name == "generate_series" && len(args) == 3 {
		switch t := args[0].typ.OID; {
		case t == Timestamp || t == TimestampTZ || t == Date || (args[0].unknown() && args[2].typ.OID == Interval_):
			to := uint32(TimestampTZ)
			if t == Timestamp {
				to = Timestamp
			}
			for i := 0; i < 2; i++ {
				if args[i], err = c.coerce(args[i], to); err != nil {
					return "", nil, err
				}
				if args[i].typ.OID == Date {
					args[i] = c.castExpr(args[i], to)
				}
			}
			name = "generate_series timestamp"
		}
	}
	return name, args, nil
}

// resolveFunction finds name (catalog first, then built-ins), checks the argument
// count, converts literal arguments to the declared types and computes the result
// type.
func (c *compiler) resolveFunction(name string, args []*expr) (*Func, Type, []*expr, error) {
	name, args, err := c.overload(name, args)
	if err != nil {
		return nil, Type{}, nil, err
	}
	f := c.cat.Function(name)
	if f == nil {
		f = c.funcs.lookup(name)
	}
	if f == nil {
		return nil, Type{}, nil, sqlerr.Newf(sqlerr.UndefinedFunction, "function %s does not exist", name)
	}
	if len(args) < f.MinArgs || (f.MaxArgs >= 0 && len(args) > f.MaxArgs) {
		return nil, Type{}, nil, sqlerr.Newf(sqlerr.UndefinedFunction, "function %s with %d arguments does not exist", name, len(args))
	}
	out := make([]*expr, len(args))
	types := make([]Type, len(args))
	for i, a := range args {
		to := uint32(Text)
		if i < len(f.Args) && f.Args[i] != 0 {
			to = f.Args[i]
		}
		switch to {
		case argNumber:
			to = a.typ.OID
			if a.unknown() || !(isInteger(to) || isFloat(to)) {
				to = Numeric
			}
		case argFloatOrNumeric:
			to = Float8
			if a.typ.OID == Numeric {
				to = Numeric
			}
		case argKeep:
			to = a.typ.OID
			if a.unknown() {
				to = Text
			}
		}
		x, err := c.coerce(a, to)
		if err != nil {
			return nil, Type{}, nil, err
		}
		if x, err = c.convertArg(name, x, to); err != nil {
			return nil, Type{}, nil, err
		}
		out[i] = x
		types[i] = x.typ
	}
	rt := Type{OID: f.Ret}
	if f.Return != nil {
		rt = f.Return(types)
	}
	return f, rt, out, nil
}

// convertArg makes an argument's values fit the declared type's Go
// representation: scalars are cast between the string, integer, float and bool
// families; an array parameter needs an array argument (element types are kept,
// so unnest(int2vector) still yields integers).
func (c *compiler) convertArg(fn string, x *expr, to uint32) (*expr, error) {
	from := x.typ.OID
	if from == to || from == Unknown || to == Record_ || to == AnyArray {
		return x, nil
	}
	if isArray(to) {
		if !isArray(from) {
			return nil, sqlerr.Newf(sqlerr.UndefinedFunction, "function %s(%s) does not exist: an array argument is needed", fn, TypeName(from))
		}
		return x, nil
	}
	family := func(t uint32) int {
		switch {
		case isStringType(t):
			return 1
		case isInteger(t):
			return 2
		case isFloat(t):
			return 3
		case t == Bool:
			return 4
		}
		return 0
	}
	if family(from) == family(to) && family(to) != 0 {
		return x, nil
	}
	if family(to) == 0 {
		return x, nil
	}
	return c.castExpr(x, to), nil
}

// callFunction compiles a call of a scalar function.
func (c *compiler) callFunction(name string, args []*expr) (*expr, error) {
	f, rt, args, err := c.resolveFunction(name, args)
	if err != nil {
		return nil, err
	}
	if f.Eval == nil {
		return nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "set-returning function %s is only supported in FROM or the select list", name)
	}
	return &expr{typ: rt, name: name, eval: func(e *env) (any, error) {
		vals, null, err := evalArgs(e, args, f.NonStrict)
		if err != nil || null {
			return nil, err
		}
		return f.Eval(e.rc.ctx, vals)
	}}, nil
}

// evalArgs evaluates arguments; null reports a NULL argument to a strict function.
func evalArgs(e *env, args []*expr, nonStrict bool) ([]any, bool, error) {
	vals := make([]any, len(args))
	for i, a := range args {
		v, err := a.eval(e)
		if err != nil {
			return nil, false, err
		}
		if v == nil && !nonStrict {
			return nil, true, nil
		}
		vals[i] = v
	}
	return vals, false, nil
}

func (c *compiler) compileFuncCall(fc *pg_query.FuncCall, sc *scope) (*expr, error) {
	name := lastName(fc.Funcname)
	if fc.Over != nil {
		return c.compileWindow(name, fc, sc)
	}
	if isAggregate(name) {
		return c.compileAggregate(name, fc, sc)
	}
	args, err := c.compileArgs(fc.Args, sc)
	if err != nil {
		return nil, err
	}
	label := name
	if name == "pg_typeof" && len(args) == 1 {
		// The argument's type, known when the call is compiled.
		t := int64(finalType(args[0].typ).OID)
		if args[0].unknown() {
			t = int64(Unknown)
		}
		return &expr{typ: Type{OID: RegType}, name: name, eval: func(*env) (any, error) { return t, nil }}, nil
	}
	f, rt, args, err := c.resolveFunction(name, args)
	if err != nil {
		return nil, err
	}
	if f.Set == nil {
		x, err := c.callFunction(name, args)
		if err == nil {
			x.name = label
		}
		return x, err
	}
	// A set-returning function in the select list: its values come from a slot the
	// projection fills, one row per value.
	st := sc.sel
	if st == nil || !st.allowSRF {
		return nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "set-returning function %s is not allowed here", name)
	}
	s := &srfCall{f: f, args: args, slot: st.nslots}
	st.nslots++
	st.srfs = append(st.srfs, s)
	slot := s.slot
	return &expr{typ: rt, name: name, eval: func(e *env) (any, error) {
		return e.slots[slot], nil
	}}, nil
}

// srfCall is a set-returning function in a select list.
type srfCall struct {
	f    *Func
	args []*expr
	slot int
}

func (s *srfCall) values(e *env) ([]any, error) {
	vals, null, err := evalArgs(e, s.args, s.f.NonStrict)
	if err != nil || null {
		return nil, err
	}
	return s.f.Set(e.rc.ctx, vals)
}

// Aggregates.

type aggCall struct {
	name     string
	args     []*expr
	direct   *expr // an ordered-set aggregate's fraction
	star     bool
	distinct bool
	filter   *expr
	order    []sortKey
	slot     int
}

// AggregateNames returns the aggregate functions the evaluator computes, the
// ordered-set ones (called WITHIN GROUP (ORDER BY ...)) included.
func AggregateNames() []string {
	return []string{"count", "sum", "min", "max", "avg", "string_agg", "array_agg", "bool_and", "bool_or", "every",
		"stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop",
		"percentile_cont", "percentile_disc", "mode"}
}

func isAggregate(name string) bool { return slices.Contains(AggregateNames(), name) }

// isOrderedSet reports the ordered-set aggregates, called with WITHIN GROUP
// (ORDER BY ...).
func isOrderedSet(name string) bool {
	switch name {
	case "percentile_cont", "percentile_disc", "mode":
		return true
	}
	return false
}

func (c *compiler) compileAggregate(name string, fc *pg_query.FuncCall, sc *scope) (*expr, error) {
	return c.aggregateInto(name, fc, sc, sc.sel)
}

// aggregateInto compiles an aggregate call whose arguments are compiled in sc
// and whose state is kept in st: sc's own select for a GROUP BY aggregate, a
// private one for an aggregate used as a window function (whose arguments may
// hold the select's GROUP BY aggregates: sum(sum(x)) OVER ()).
func (c *compiler) aggregateInto(name string, fc *pg_query.FuncCall, sc *scope, st *selectState) (*expr, error) {
	if st == nil || !st.allowAgg {
		return nil, sqlerr.Newf(sqlerr.GroupingError, "aggregate functions are not allowed here")
	}
	if st == sc.sel {
		// Arguments are evaluated per input row: no nested aggregates.
		st.allowAgg = false
		defer func() { st.allowAgg = true }()
	}
	a := &aggCall{name: name, star: fc.AggStar, distinct: fc.AggDistinct}
	args, err := c.compileArgs(fc.Args, sc)
	if err != nil {
		return nil, err
	}
	if orderedSet := isOrderedSet(name); orderedSet != fc.AggWithinGroup {
		if orderedSet {
			return nil, sqlerr.Newf(sqlerr.UndefinedFunction, "function %s without WITHIN GROUP does not exist", name)
		}
		return nil, sqlerr.Newf("42809", "%s is not an ordered-set aggregate, so it cannot have WITHIN GROUP", name)
	}
	if fc.AggWithinGroup {
		// percentile_cont(0.5) WITHIN GROUP (ORDER BY x): the direct argument
		// is the fraction, the aggregated one the sort key.
		if len(fc.AggOrder) != 1 || (name == "mode") != (len(args) == 0) || len(args) > 1 {
			return nil, sqlerr.Newf(sqlerr.UndefinedFunction, "function %s with these arguments does not exist", name)
		}
		if len(args) == 1 {
			if a.direct, err = c.coerce(args[0], Float8); err != nil {
				return nil, err
			}
		}
		x, err := c.compileExpr(fc.AggOrder[0].GetSortBy().Node, sc)
		if err != nil {
			return nil, err
		}
		args = []*expr{x}
	}
	for i := range args {
		if args[i], err = c.coerce(args[i], Text); err != nil {
			return nil, err
		}
	}
	a.args = args
	if fc.AggFilter != nil {
		if a.filter, err = c.compileExpr(fc.AggFilter, sc); err != nil {
			return nil, err
		}
	}
	for _, n := range fc.AggOrder {
		sb := n.GetSortBy()
		x, err := c.compileExpr(sb.Node, sc)
		if err != nil {
			return nil, err
		}
		a.order = append(a.order, windowSortKey(sb, x))
	}
	if !a.star && len(args) == 0 {
		return nil, sqlerr.Newf(sqlerr.UndefinedFunction, "function %s() does not exist", name)
	}
	var t Type
	switch name {
	case "count":
		t = Type{OID: Int8}
	case "sum":
		t = Type{OID: Numeric}
		if args[0].typ.OID == Int2 || args[0].typ.OID == Int4 {
			t = Type{OID: Int8}
		} else if args[0].typ.OID == Float8 || args[0].typ.OID == Float4 {
			t = Type{OID: Float8}
		}
	case "avg", "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop":
		t = Type{OID: Numeric}
		if args[0].typ.OID == Float8 || args[0].typ.OID == Float4 {
			t = Type{OID: Float8}
		}
	case "string_agg":
		t = Type{OID: Text}
	case "percentile_cont":
		if !isInteger(args[0].typ.OID) && !isFloat(args[0].typ.OID) {
			return nil, sqlerr.Newf(sqlerr.UndefinedFunction, "function percentile_cont(double precision ORDER BY %s) does not exist", TypeName(args[0].typ.OID))
		}
		t = Type{OID: Float8}
	case "array_agg":
		t = Type{OID: ArrayOf(args[0].typ.OID)}
	case "bool_and", "bool_or", "every":
		t = Type{OID: Bool}
	default:
		t = finalType(args[0].typ)
	}
	a.slot = st.nslots
	st.nslots++
	st.aggs = append(st.aggs, a)
	slot := a.slot
	return &expr{typ: t, name: name, eval: func(e *env) (any, error) { return e.slots[slot], nil }}, nil
}

type aggInput struct {
	vals []any
	keys []any
}

func (a *aggCall) compute(rows []*env) (any, error) {
	var ins []aggInput
	seen := map[string]bool{}
	for _, e := range rows {
		if a.filter != nil {
			v, err := a.filter.eval(e)
			if err != nil {
				return nil, err
			}
			if !truthy(v) {
				continue
			}
		}
		in := aggInput{vals: make([]any, len(a.args))}
		for i, x := range a.args {
			v, err := x.eval(e)
			if err != nil {
				return nil, err
			}
			in.vals[i] = v
		}
		if a.distinct {
			k := valueKey(in.vals)
			if seen[k] {
				continue
			}
			seen[k] = true
		}
		for _, k := range a.order {
			v, err := k.x.eval(e)
			if err != nil {
				return nil, err
			}
			in.keys = append(in.keys, v)
		}
		ins = append(ins, in)
	}
	if len(a.order) > 0 {
		var sortErr error
		sort.SliceStable(ins, func(i, j int) bool {
			for k, key := range a.order {
				c, err := compareNullable(ins[i].keys[k], ins[j].keys[k], key.nullsFirst != key.desc)
				if err != nil {
					sortErr = err
				}
				if c != 0 {
					return (c < 0) != key.desc
				}
			}
			return false
		})
		if sortErr != nil {
			return nil, sortErr
		}
	}
	switch a.name {
	case "count":
		n := int64(0)
		for _, in := range ins {
			if a.star || in.vals[0] != nil {
				n++
			}
		}
		return n, nil
	case "array_agg":
		if len(ins) == 0 {
			return nil, nil
		}
		out := make([]any, len(ins))
		for i, in := range ins {
			out[i] = in.vals[0]
		}
		return out, nil
	case "string_agg":
		var parts []string
		var sep string
		for i, in := range ins {
			if in.vals[0] == nil {
				continue
			}
			if len(parts) > 0 && i < len(ins) {
				if s, ok := in.vals[1].(string); ok {
					sep = s
				}
				parts = append(parts, sep)
			}
			parts = append(parts, formatText(nil, in.vals[0], Text))
		}
		if len(parts) == 0 {
			return nil, nil
		}
		return strings.Join(parts, ""), nil
	}
	if isOrderedSet(a.name) {
		return a.orderedSet(rows, ins)
	}
	if spread, ok := spreadAgg(a.name); ok {
		var vals []any
		for _, in := range ins {
			if in.vals[0] != nil {
				vals = append(vals, in.vals[0])
			}
		}
		return spread(vals)
	}
	var acc any
	n := 0
	for _, in := range ins {
		v := in.vals[0]
		if v == nil {
			continue
		}
		n++
		if acc == nil {
			acc = v
			continue
		}
		switch a.name {
		case "sum", "avg":
			s, err := arith("+", acc, v)
			if err != nil {
				return nil, err
			}
			acc = s
		case "min", "max":
			c, err := compareValues(v, acc)
			if err != nil {
				return nil, err
			}
			if (a.name == "min" && c < 0) || (a.name == "max" && c > 0) {
				acc = v
			}
		case "bool_and", "every":
			acc = truthy(acc) && truthy(v)
		case "bool_or":
			acc = truthy(acc) || truthy(v)
		}
	}
	if a.name == "avg" && acc != nil {
		if f, ok := acc.(float64); ok {
			return f / float64(n), nil
		}
		sum, _ := toDecimal(acc)
		cnt := apd.New(int64(n), 0)
		return decDiv(sum, cnt, divScale(sum, cnt))
	}
	return acc, nil
}

// Subqueries.

func (c *compiler) compileSubLink(sl *pg_query.SubLink, sc *scope) (*expr, error) {
	sub := sl.Subselect.GetSelectStmt()
	if sub == nil {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "unsupported subquery")
	}
	sel, err := c.compileSelect(sub, sc)
	if err != nil {
		return nil, err
	}
	switch sl.SubLinkType {
	case pg_query.SubLinkType_EXISTS_SUBLINK:
		return &expr{typ: Type{OID: Bool}, name: "exists", eval: func(e *env) (any, error) {
			rows, err := sel.run(e)
			return len(rows) > 0, err
		}}, nil
	case pg_query.SubLinkType_EXPR_SUBLINK, pg_query.SubLinkType_ARRAY_SUBLINK:
		if len(sel.cols) != 1 {
			return nil, sqlerr.New(sqlerr.SyntaxError, "subquery must return only one column")
		}
		if sl.SubLinkType == pg_query.SubLinkType_ARRAY_SUBLINK {
			return &expr{typ: Type{OID: ArrayOf(sel.cols[0].Type.OID)}, name: "array", eval: func(e *env) (any, error) {
				rows, err := sel.run(e)
				if err != nil {
					return nil, err
				}
				out := make([]any, len(rows))
				for i, r := range rows {
					out[i] = r[0]
				}
				return out, nil
			}}, nil
		}
		name := sel.cols[0].Name
		return &expr{typ: sel.cols[0].Type, name: name, eval: func(e *env) (any, error) {
			rows, err := sel.run(e)
			if err != nil {
				return nil, err
			}
			switch len(rows) {
			case 0:
				return nil, nil
			case 1:
				return rows[0][0], nil
			}
			return nil, sqlerr.New("21000", "more than one row returned by a subquery used as an expression")
		}}, nil
	case pg_query.SubLinkType_ANY_SUBLINK, pg_query.SubLinkType_ALL_SUBLINK:
		l, err := c.compileExpr(sl.Testexpr, sc)
		if err != nil {
			return nil, err
		}
		if len(sel.cols) != 1 {
			return nil, sqlerr.New(sqlerr.SyntaxError, "subquery has too many columns")
		}
		if l, err = c.coerce(l, sel.cols[0].Type.OID); err != nil {
			return nil, err
		}
		op := "="
		if len(sl.OperName) > 0 {
			op = lastName(sl.OperName)
		}
		test := comparator(op)
		if test == nil {
			return nil, sqlerr.Newf(sqlerr.UndefinedFunction, "operator does not exist: %s", op)
		}
		all := sl.SubLinkType == pg_query.SubLinkType_ALL_SUBLINK
		lt, rt := l.typ.OID, sel.cols[0].Type.OID
		return &expr{typ: Type{OID: Bool}, name: "?column?", eval: func(e *env) (any, error) {
			lv, err := l.eval(e)
			if err != nil {
				return nil, err
			}
			rows, err := sel.run(e)
			if err != nil {
				return nil, err
			}
			items := make([]any, len(rows))
			for i, r := range rows {
				items[i] = r[0]
			}
			return quantify(e, lv, items, lt, rt, test, all)
		}}, nil
	}
	return nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "subquery kind %s is not supported", sl.SubLinkType)
}

// orderedSet computes percentile_cont, percentile_disc and mode over the
// non-NULL inputs, already in the WITHIN GROUP order.
func (a *aggCall) orderedSet(rows []*env, ins []aggInput) (any, error) {
	var vals []any
	for _, in := range ins {
		if in.vals[0] != nil {
			vals = append(vals, in.vals[0])
		}
	}
	if len(vals) == 0 {
		return nil, nil
	}
	if a.name == "mode" {
		// The most frequent value; among equally frequent ones the first in
		// sort order.
		var best any
		bestN, run := 0, 0
		for i, v := range vals {
			if i > 0 {
				if c, err := compareValues(vals[i-1], v); err != nil {
					return nil, err
				} else if c != 0 {
					run = 0
				}
			}
			run++
			if run > bestN {
				best, bestN = v, run
			}
		}
		return best, nil
	}
	fv, err := a.direct.eval(rows[0])
	if err != nil || fv == nil {
		return nil, err
	}
	f, _ := toFloat(decFloat(fv))
	if f < 0 || f > 1 || math.IsNaN(f) {
		return nil, sqlerr.Newf("22003", "percentile value %g is not between 0 and 1", f)
	}
	n := float64(len(vals))
	if a.name == "percentile_disc" {
		k := int(math.Ceil(f * n))
		if k < 1 {
			k = 1
		}
		return vals[k-1], nil
	}
	pos := f * (n - 1)
	lo, hi := math.Floor(pos), math.Ceil(pos)
	x, _ := toFloat(decFloat(vals[int(lo)]))
	if lo == hi {
		return x, nil
	}
	y, _ := toFloat(decFloat(vals[int(hi)]))
	return x + (pos-lo)*(y-x), nil
}
