package pgeval

import (
	"sort"

	"github.com/cockroachdb/apd/v3"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/sluice-db/sluice/sqlerr"
)

// Window functions (Postgres docs, "Window Function Calls" and "Window
// Functions"): a call is computed per row over the row's partition, in the
// window's ORDER BY order. Aggregates and first_value/last_value/nth_value see
// the row's frame; the ranking functions, ntile, lag and lead see the whole
// partition.

type windowCall struct {
	name      string
	partition []*expr
	order     []sortKey
	frame     windowFrame
	agg       *aggCall // an aggregate used as a window function
	args      []*expr  // the arguments of the other functions
	slot      int
}

// Frame modes and bound kinds, from the window's frame clause.
const (
	frameRange = iota
	frameRows
	frameGroups
)

const (
	boundUnboundedPreceding = iota
	boundPreceding
	boundCurrentRow
	boundFollowing
	boundUnboundedFollowing
)

const (
	excludeNoOthers = iota
	excludeCurrentRow
	excludeGroup
	excludeTies
)

type frameBound struct {
	kind   int
	offset *expr // ROWS and GROUPS: the row or group count
	// RANGE with an offset: the bound value, the ORDER BY key minus or plus
	// the offset, evaluated for the current row.
	value *expr
}

type windowFrame struct {
	mode       int
	start, end frameBound
	exclude    int
}

// The frame option bits of Postgres' WindowDef (parsenodes.h).
const (
	frameOptRange                   = 0x2
	frameOptRows                    = 0x4
	frameOptGroups                  = 0x8
	frameOptStartUnboundedPreceding = 0x20
	frameOptEndUnboundedFollowing   = 0x100
	frameOptStartCurrentRow         = 0x200
	frameOptEndCurrentRow           = 0x400
	frameOptStartOffsetPreceding    = 0x800
	frameOptEndOffsetPreceding      = 0x1000
	frameOptStartOffsetFollowing    = 0x2000
	frameOptEndOffsetFollowing      = 0x4000
	frameOptExcludeCurrentRow       = 0x8000
	frameOptExcludeGroup            = 0x10000
	frameOptExcludeTies             = 0x20000
)

func windowSortKey(sb *pg_query.SortBy, x *expr) sortKey {
	k := sortKey{x: x, desc: sb.SortbyDir == pg_query.SortByDir_SORTBY_DESC}
	k.nullsFirst = k.desc
	switch sb.SortbyNulls {
	case pg_query.SortByNulls_SORTBY_NULLS_FIRST:
		k.nullsFirst = true
	case pg_query.SortByNulls_SORTBY_NULLS_LAST:
		k.nullsFirst = false
	}
	return k
}

// WindowNames returns the window functions the evaluator computes (beside
// aggregates, which are window functions too over an OVER clause).
func WindowNames() []string {
	return []string{"row_number", "rank", "dense_rank", "percent_rank", "cume_dist",
		"ntile", "lag", "lead", "first_value", "last_value", "nth_value"}
}

func (c *compiler) compileWindow(name string, fc *pg_query.FuncCall, sc *scope) (*expr, error) {
	st := sc.sel
	if st == nil || !st.allowAgg {
		return nil, sqlerr.New(windowingError, "window functions are not allowed here")
	}
	over := fc.Over
	if over.Refname != "" || over.Name != "" {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "named windows (WINDOW w AS ...) are not supported: write the window in OVER (...)")
	}
	w := &windowCall{name: name}
	for _, p := range over.PartitionClause {
		x, err := c.compileExpr(p, sc)
		if err != nil {
			return nil, err
		}
		w.partition = append(w.partition, x)
	}
	for _, n := range over.OrderClause {
		sb := n.GetSortBy()
		x, err := c.compileExpr(sb.Node, sc)
		if err != nil {
			return nil, err
		}
		w.order = append(w.order, windowSortKey(sb, x))
	}
	if err := c.compileFrame(w, over, sc); err != nil {
		return nil, err
	}
	var t Type
	switch name {
	case "row_number", "rank", "dense_rank":
		t = Type{OID: Int8}
	case "percent_rank", "cume_dist":
		t = Type{OID: Float8}
	case "ntile", "lag", "lead", "first_value", "last_value", "nth_value":
		args, err := c.compileArgs(fc.Args, sc)
		if err != nil {
			return nil, err
		}
		if t, err = c.windowArgs(name, args); err != nil {
			return nil, err
		}
		w.args = args
	default:
		if !isAggregate(name) {
			return nil, sqlerr.Newf(sqlerr.UndefinedFunction, "function %s does not exist as a window function", name)
		}
		// Compiled into a private state so that it is not computed as a GROUP
		// BY aggregate.
		priv := &selectState{allowAgg: true}
		x, err := c.aggregateInto(name, &pg_query.FuncCall{Funcname: fc.Funcname, Args: fc.Args, AggStar: fc.AggStar,
			AggDistinct: fc.AggDistinct, AggFilter: fc.AggFilter, AggOrder: fc.AggOrder}, sc, priv)
		if err != nil {
			return nil, err
		}
		if fc.AggDistinct {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "DISTINCT is not implemented for window functions")
		}
		w.agg = priv.aggs[0]
		t = x.typ
	}
	w.slot = st.nslots
	st.nslots++
	st.windows = append(st.windows, w)
	slot := w.slot
	return &expr{typ: t, name: name, eval: func(e *env) (any, error) { return e.slots[slot], nil }}, nil
}

// windowArgs checks the arguments of the value window functions, converts
// them, and returns the result type.
func (c *compiler) windowArgs(name string, args []*expr) (Type, error) {
	bad := func() (Type, error) {
		return Type{}, sqlerr.Newf(sqlerr.UndefinedFunction, "function %s with %d arguments does not exist", name, len(args))
	}
	toInt := func(i int) error {
		x, err := c.coerce(args[i], Int4)
		if err != nil {
			return err
		}
		if !isInteger(x.typ.OID) {
			return sqlerr.Newf(sqlerr.UndefinedFunction, "function %s(%s, %s) does not exist", name, TypeName(args[0].typ.OID), TypeName(x.typ.OID))
		}
		args[i] = x
		return nil
	}
	switch name {
	case "ntile":
		if len(args) != 1 {
			return bad()
		}
		return Type{OID: Int4}, toInt(0)
	case "first_value", "last_value":
		if len(args) != 1 {
			return bad()
		}
	case "nth_value":
		if len(args) != 2 {
			return bad()
		}
		if err := toInt(1); err != nil {
			return Type{}, err
		}
	case "lag", "lead":
		if len(args) < 1 || len(args) > 3 {
			return bad()
		}
		if len(args) >= 2 {
			if err := toInt(1); err != nil {
				return Type{}, err
			}
		}
		if len(args) == 3 {
			// The default takes the value's type (anycompatible).
			if args[0].unknown() {
				var err error
				if args[0], err = c.coerce(args[0], args[2].typ.OID); err != nil {
					return Type{}, err
				}
			}
			x, err := c.coerce(args[2], args[0].typ.OID)
			if err != nil {
				return Type{}, err
			}
			if x, err = c.convertArg(name, x, args[0].typ.OID); err != nil {
				return Type{}, err
			}
			args[2] = x
		}
	}
	var err error
	if args[0], err = c.coerce(args[0], Text); err != nil {
		return Type{}, err
	}
	return finalType(args[0].typ), nil
}

// compileFrame reads the frame clause. Without one the frame is RANGE
// UNBOUNDED PRECEDING to CURRENT ROW: with ORDER BY the rows up to the current
// row's last peer, without it the whole partition.
func (c *compiler) compileFrame(w *windowCall, over *pg_query.WindowDef, sc *scope) error {
	opt := over.FrameOptions
	f := windowFrame{mode: frameRange, start: frameBound{kind: boundUnboundedPreceding}, end: frameBound{kind: boundCurrentRow}}
	switch {
	case opt&frameOptRows != 0:
		f.mode = frameRows
	case opt&frameOptGroups != 0:
		f.mode = frameGroups
		if len(w.order) == 0 {
			return sqlerr.New(windowingError, "GROUPS mode requires an ORDER BY clause")
		}
	}
	bound := func(node *pg_query.Node, unbounded, current, preceding, following int32, end bool) (frameBound, error) {
		switch {
		case opt&unbounded != 0:
			if end {
				return frameBound{kind: boundUnboundedFollowing}, nil
			}
			return frameBound{kind: boundUnboundedPreceding}, nil
		case opt&current != 0:
			return frameBound{kind: boundCurrentRow}, nil
		case opt&(preceding|following) != 0:
			b := frameBound{kind: boundPreceding}
			if opt&following != 0 {
				b.kind = boundFollowing
			}
			off, err := c.compileExpr(node, sc)
			if err != nil {
				return b, err
			}
			if f.mode != frameRange {
				if off, err = c.coerce(off, Int8); err != nil {
					return b, err
				}
				if !isInteger(off.typ.OID) {
					return b, sqlerr.Newf(sqlerr.DatatypeMismatch, "argument of %s must be type bigint, not type %s", modeName(f.mode), TypeName(off.typ.OID))
				}
				b.offset = off
				return b, nil
			}
			if len(w.order) != 1 {
				return b, sqlerr.New(windowingError, "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column")
			}
			// "Preceding" is toward the first row: smaller keys ascending,
			// larger ones descending.
			op := "-"
			if (b.kind == boundFollowing) != w.order[0].desc {
				op = "+"
			}
			if b.value, err = c.binary(op, w.order[0].x, off); err != nil {
				return b, err
			}
			b.offset = off
			return b, nil
		}
		if end {
			return frameBound{kind: boundCurrentRow}, nil
		}
		return frameBound{kind: boundUnboundedPreceding}, nil
	}
	var err error
	if f.start, err = bound(over.StartOffset, frameOptStartUnboundedPreceding, frameOptStartCurrentRow, frameOptStartOffsetPreceding, frameOptStartOffsetFollowing, false); err != nil {
		return err
	}
	if f.end, err = bound(over.EndOffset, frameOptEndUnboundedFollowing, frameOptEndCurrentRow, frameOptEndOffsetPreceding, frameOptEndOffsetFollowing, true); err != nil {
		return err
	}
	switch {
	case opt&frameOptExcludeCurrentRow != 0:
		f.exclude = excludeCurrentRow
	case opt&frameOptExcludeGroup != 0:
		f.exclude = excludeGroup
	case opt&frameOptExcludeTies != 0:
		f.exclude = excludeTies
	}
	w.frame = f
	return nil
}

func modeName(mode int) string {
	if mode == frameGroups {
		return "GROUPS"
	}
	return "ROWS"
}

type windowMember struct {
	e    *env
	keys []any
}

// compute fills the call's slot in every row of items.
func (w *windowCall) compute(items []*env) error {
	parts := map[string][]*windowMember{}
	var order []string
	for _, e := range items {
		pvals := make([]any, len(w.partition))
		for i, x := range w.partition {
			v, err := x.eval(e)
			if err != nil {
				return err
			}
			pvals[i] = v
		}
		m := &windowMember{e: e}
		for _, k := range w.order {
			v, err := k.x.eval(e)
			if err != nil {
				return err
			}
			m.keys = append(m.keys, v)
		}
		pk := valueKey(pvals)
		if _, ok := parts[pk]; !ok {
			order = append(order, pk)
		}
		parts[pk] = append(parts[pk], m)
	}
	for _, pk := range order {
		if err := w.computePartition(parts[pk]); err != nil {
			return err
		}
	}
	return nil
}

func (w *windowCall) compare(a, b []any) (int, error) {
	for k, key := range w.order {
		c, err := compareNullable(a[k], b[k], key.nullsFirst != key.desc)
		if err != nil {
			return 0, err
		}
		if c != 0 {
			if key.desc {
				return -c, nil
			}
			return c, nil
		}
	}
	return 0, nil
}

func (w *windowCall) computePartition(ms []*windowMember) error {
	var sortErr error
	sort.SliceStable(ms, func(i, j int) bool {
		c, err := w.compare(ms[i].keys, ms[j].keys)
		if err != nil {
			sortErr = err
		}
		return c < 0
	})
	if sortErr != nil {
		return sortErr
	}
	n := len(ms)
	// Peer groups: rows equal in the ORDER BY keys (all rows without ORDER BY).
	group := make([]int, n) // the row's peer group
	var groupStart []int    // each group's first row
	for i := range ms {
		c := 1
		if i > 0 {
			var err error
			if c, err = w.compare(ms[i-1].keys, ms[i].keys); err != nil {
				return err
			}
		}
		if i == 0 || c != 0 {
			groupStart = append(groupStart, i)
		}
		group[i] = len(groupStart) - 1
	}
	groupEnd := func(g int) int { // one past the group's last row
		if g+1 < len(groupStart) {
			return groupStart[g+1]
		}
		return n
	}
	set := func(i int, v any) { ms[i].e.slots[w.slot] = v }
	switch w.name {
	case "row_number", "rank", "dense_rank", "percent_rank", "cume_dist":
		for i := range ms {
			g := group[i]
			rank := int64(groupStart[g] + 1)
			switch w.name {
			case "row_number":
				set(i, int64(i+1))
			case "rank":
				set(i, rank)
			case "dense_rank":
				set(i, int64(g+1))
			case "percent_rank":
				pr := 0.0
				if n > 1 {
					pr = float64(rank-1) / float64(n-1)
				}
				set(i, pr)
			case "cume_dist":
				set(i, float64(groupEnd(g))/float64(n))
			}
		}
		return nil
	case "ntile":
		for i, m := range ms {
			v, err := w.args[0].eval(m.e)
			if err != nil {
				return err
			}
			if v == nil {
				set(i, nil)
				continue
			}
			buckets, _ := intArg(v)
			if buckets <= 0 {
				return sqlerr.New(sqlerr.InvalidParameterValue, "argument of ntile must be greater than zero")
			}
			// The first n % buckets buckets hold one row more.
			size, extra := int64(n)/buckets, int64(n)%buckets
			idx := int64(i)
			var b int64
			if idx < extra*(size+1) {
				b = idx / (size + 1)
			} else {
				b = extra + (idx-extra*(size+1))/max(size, 1)
			}
			set(i, b+1)
		}
		return nil
	case "lag", "lead":
		for i, m := range ms {
			off := int64(1)
			if len(w.args) >= 2 {
				v, err := w.args[1].eval(m.e)
				if err != nil {
					return err
				}
				if v == nil {
					set(i, nil)
					continue
				}
				off, _ = intArg(v)
			}
			if w.name == "lag" {
				off = -off
			}
			j := int64(i) + off
			var v any
			var err error
			switch {
			case j >= 0 && j < int64(n):
				v, err = w.args[0].eval(ms[j].e)
			case len(w.args) == 3:
				v, err = w.args[2].eval(m.e)
			}
			if err != nil {
				return err
			}
			set(i, v)
		}
		return nil
	}
	// The frame functions: aggregates, first_value, last_value, nth_value.
	envs := make([]*env, n)
	for i, m := range ms {
		envs[i] = m.e
	}
	prevStart, prevEnd := -1, -1
	var prev any
	for i := range ms {
		start, end, err := w.frameOf(ms, i, group, groupStart, groupEnd)
		if err != nil {
			return err
		}
		if w.frame.exclude == excludeNoOthers && start == prevStart && end == prevEnd {
			set(i, prev)
			continue
		}
		var frame []*env
		for j := start; j < end; j++ {
			switch w.frame.exclude {
			case excludeCurrentRow:
				if j == i {
					continue
				}
			case excludeGroup:
				if group[j] == group[i] {
					continue
				}
			case excludeTies:
				if group[j] == group[i] && j != i {
					continue
				}
			}
			frame = append(frame, envs[j])
		}
		v, err := w.frameValue(frame, ms[i].e)
		if err != nil {
			return err
		}
		set(i, v)
		prevStart, prevEnd, prev = start, end, v
	}
	return nil
}

// frameValue is the function's value over the rows of one frame.
func (w *windowCall) frameValue(frame []*env, cur *env) (any, error) {
	switch w.name {
	case "first_value", "last_value", "nth_value":
		k := 0
		switch w.name {
		case "last_value":
			k = len(frame) - 1
		case "nth_value":
			v, err := w.args[1].eval(cur)
			if err != nil || v == nil {
				return nil, err
			}
			nth, _ := intArg(v)
			if nth <= 0 {
				return nil, sqlerr.New(sqlerr.InvalidParameterValue, "argument of nth_value must be greater than zero")
			}
			k = int(nth - 1)
		}
		if k < 0 || k >= len(frame) {
			return nil, nil
		}
		return w.args[0].eval(frame[k])
	}
	return w.agg.compute(frame)
}

// frameOf returns the frame of row i as rows [start, end) of the sorted
// partition.
func (w *windowCall) frameOf(ms []*windowMember, i int, group, groupStart []int, groupEnd func(int) int) (int, int, error) {
	n := len(ms)
	f := w.frame
	count := func(b frameBound) (int64, error) {
		v, err := b.offset.eval(ms[i].e)
		if err != nil {
			return 0, err
		}
		if v == nil {
			return 0, sqlerr.New(sqlerr.NullValueNotAllowed, "frame offset must not be null")
		}
		off, err := intArg(v)
		if err != nil {
			return 0, err
		}
		if off < 0 {
			return 0, sqlerr.New("22013", "frame offset must not be negative")
		}
		return off, nil
	}
	clamp := func(x int64) int {
		return int(min(max(x, 0), int64(n)))
	}
	// pos returns where bound b puts the frame's start (or its end, one past
	// the last row).
	pos := func(b frameBound, isEnd bool) (int, error) {
		switch b.kind {
		case boundUnboundedPreceding:
			return 0, nil
		case boundUnboundedFollowing:
			return n, nil
		case boundCurrentRow:
			if f.mode == frameRows {
				if isEnd {
					return i + 1, nil
				}
				return i, nil
			}
			if isEnd {
				return groupEnd(group[i]), nil
			}
			return groupStart[group[i]], nil
		}
		if f.mode == frameRange {
			return w.rangePos(ms, i, b, isEnd, group, groupStart, groupEnd)
		}
		off, err := count(b)
		if err != nil {
			return 0, err
		}
		if b.kind == boundPreceding {
			off = -off
		}
		if f.mode == frameRows {
			if isEnd {
				return clamp(int64(i) + off + 1), nil
			}
			return clamp(int64(i) + off), nil
		}
		g := int64(group[i]) + off
		switch {
		case g < 0:
			return 0, nil
		case g >= int64(len(groupStart)):
			return n, nil
		case isEnd:
			return groupEnd(int(g)), nil
		}
		return groupStart[g], nil
	}
	start, err := pos(f.start, false)
	if err != nil {
		return 0, 0, err
	}
	end, err := pos(f.end, true)
	if err != nil {
		return 0, 0, err
	}
	if end < start {
		end = start
	}
	return start, end, nil
}

// rangePos is a RANGE offset bound: the first row whose key is not before the
// bound value (a start), or one past the last row whose key is not after it (an
// end). A row whose key is NULL has its peers as the bound.
func (w *windowCall) rangePos(ms []*windowMember, i int, b frameBound, isEnd bool, group, groupStart []int, groupEnd func(int) int) (int, error) {
	if ms[i].keys[0] == nil {
		if isEnd {
			return groupEnd(group[i]), nil
		}
		return groupStart[group[i]], nil
	}
	off, err := b.offset.eval(ms[i].e)
	if err != nil {
		return 0, err
	}
	if off == nil {
		return 0, sqlerr.New(sqlerr.NullValueNotAllowed, "frame offset must not be null")
	}
	if neg, err := compareNullable(off, zeroLike(off), false); err == nil && neg < 0 {
		return 0, sqlerr.New("22013", "invalid preceding or following size in window function")
	}
	bv, err := b.value.eval(ms[i].e)
	if err != nil {
		return 0, err
	}
	bkey := []any{bv}
	n := len(ms)
	if !isEnd {
		for j := 0; j < n; j++ {
			if ms[j].keys[0] == nil {
				continue
			}
			c, err := w.compare(ms[j].keys[:1], bkey)
			if err != nil {
				return 0, err
			}
			if c >= 0 {
				return j, nil
			}
		}
		return n, nil
	}
	for j := n - 1; j >= 0; j-- {
		if ms[j].keys[0] == nil {
			continue
		}
		c, err := w.compare(ms[j].keys[:1], bkey)
		if err != nil {
			return 0, err
		}
		if c <= 0 {
			return j + 1, nil
		}
	}
	return 0, nil
}

// windowingError is SQLSTATE 42P20 (windowing_error).
const windowingError = "42P20"

// zeroLike is the zero of an offset's type, to reject negative offsets.
func zeroLike(v any) any {
	switch v.(type) {
	case int64:
		return int64(0)
	case float64:
		return 0.0
	case *apd.Decimal:
		return apd.New(0, 0)
	case Interval:
		return Interval{}
	}
	return v
}
