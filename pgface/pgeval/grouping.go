package pgeval

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/sluice-db/sluice/sqlerr"
)

// GROUPING SETS, ROLLUP and CUBE (Postgres docs, "GROUPING SETS, CUBE, and
// ROLLUP"): the rows are grouped once per grouping set, and in each group the
// grouping columns outside the set read as NULL. Grouping elements must be
// column references here (Postgres also allows expressions), so that NULLing
// the column in the group's row gives every expression over it Postgres'
// value.

type groupingSets struct {
	sets [][]int // per set, indices into the GROUP BY expressions
	cols []int   // per GROUP BY expression, its column's row index
	slot int     // env slot holding the current set (map of row index -> in the set)
}

// compileGroupBy compiles the GROUP BY clause: its expressions, and the grouping
// sets when the clause has GROUPING SETS, ROLLUP or CUBE (nil otherwise).
// item compiles one grouping expression (an expression, output position or
// output name); target returns the select-list node an output reference
// names, or the node itself.
func (c *compiler) compileGroupBy(clause []*pg_query.Node, st *selectState, item func(*pg_query.Node) (*expr, error), target func(*pg_query.Node) *pg_query.Node) ([]*expr, *groupingSets, error) {
	hasSets := false
	for _, g := range clause {
		if g.GetGroupingSet() != nil {
			hasSets = true
		}
	}
	var by []*expr
	if !hasSets {
		for _, g := range clause {
			x, err := item(g)
			if err != nil {
				return nil, nil, err
			}
			by = append(by, x)
		}
		return by, nil, nil
	}
	gs := &groupingSets{}
	index := func(n *pg_query.Node) (int, error) {
		if target(n).GetColumnRef() == nil {
			return 0, sqlerr.New(sqlerr.FeatureNotSupported, "GROUPING SETS, ROLLUP and CUBE are supported over columns only (group by the column, or compute the expression in a subquery)")
		}
		x, err := item(n)
		if err != nil {
			return 0, err
		}
		if x.colIndex < 0 {
			return 0, sqlerr.New(sqlerr.GroupingError, "a grouping column must be a column of this query level")
		}
		for i, ci := range gs.cols {
			if ci == x.colIndex {
				return i, nil
			}
		}
		by = append(by, x)
		gs.cols = append(gs.cols, x.colIndex)
		return len(by) - 1, nil
	}
	// element is one item of ROLLUP, CUBE or a set: a column, or (a, b).
	element := func(n *pg_query.Node) ([]int, error) {
		if row := n.GetRowExpr(); row != nil {
			var out []int
			for _, a := range row.Args {
				i, err := index(a)
				if err != nil {
					return nil, err
				}
				out = append(out, i)
			}
			return out, nil
		}
		i, err := index(n)
		return []int{i}, err
	}
	var setsOf func(n *pg_query.Node) ([][]int, error)
	setsOf = func(n *pg_query.Node) ([][]int, error) {
		g := n.GetGroupingSet()
		if g == nil {
			e, err := element(n)
			return [][]int{e}, err
		}
		var elems [][]int
		if g.Kind != pg_query.GroupingSetKind_GROUPING_SET_SETS {
			for _, m := range g.Content {
				e, err := element(m)
				if err != nil {
					return nil, err
				}
				elems = append(elems, e)
			}
		}
		switch g.Kind {
		case pg_query.GroupingSetKind_GROUPING_SET_EMPTY:
			return [][]int{{}}, nil
		case pg_query.GroupingSetKind_GROUPING_SET_SIMPLE:
			var set []int
			for _, e := range elems {
				set = append(set, e...)
			}
			return [][]int{set}, nil
		case pg_query.GroupingSetKind_GROUPING_SET_ROLLUP:
			// (e1..en), (e1..en-1), ..., ().
			var out [][]int
			for k := len(elems); k >= 0; k-- {
				var set []int
				for _, e := range elems[:k] {
					set = append(set, e...)
				}
				out = append(out, set)
			}
			return out, nil
		case pg_query.GroupingSetKind_GROUPING_SET_CUBE:
			if len(elems) > 12 {
				return nil, sqlerr.New("54000", "CUBE is limited to 12 elements")
			}
			// Every subset, the whole first and () last.
			var out [][]int
			for mask := (1 << len(elems)) - 1; mask >= 0; mask-- {
				var set []int
				for i, e := range elems {
					if mask&(1<<(len(elems)-1-i)) != 0 {
						set = append(set, e...)
					}
				}
				out = append(out, set)
			}
			return out, nil
		case pg_query.GroupingSetKind_GROUPING_SET_SETS:
			var out [][]int
			for _, m := range g.Content {
				s, err := setsOf(m)
				if err != nil {
					return nil, err
				}
				out = append(out, s...)
			}
			return out, nil
		}
		return nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "grouping set kind %s is not supported", g.Kind)
	}
	// GROUP BY a, ROLLUP (b, c) is the cross product of the items' sets.
	gs.sets = [][]int{{}}
	for _, n := range clause {
		item, err := setsOf(n)
		if err != nil {
			return nil, nil, err
		}
		var next [][]int
		for _, a := range gs.sets {
			for _, b := range item {
				next = append(next, append(append([]int(nil), a...), b...))
			}
		}
		gs.sets = next
	}
	gs.slot = st.nslots
	st.nslots++
	return by, gs, nil
}

// groupBySets groups items once per grouping set (group's contract).
func groupBySets(outer *env, items []*env, by []*expr, gs *groupingSets, st *selectState, width int) ([]*env, error) {
	var out []*env
	for _, set := range gs.sets {
		setBy := make([]*expr, len(set))
		in := map[int]bool{}
		for i, gi := range set {
			setBy[i] = by[gi]
			in[gs.cols[gi]] = true
		}
		groups, err := group(outer, items, setBy, st, width)
		if err != nil {
			return nil, err
		}
		for _, e := range groups {
			row := append([]any(nil), e.row...)
			for _, ci := range gs.cols {
				if !in[ci] && ci < len(row) {
					row[ci] = nil
				}
			}
			e.row = row
			e.slots[gs.slot] = in
			out = append(out, e)
		}
	}
	return out, nil
}

// compileGroupingFunc compiles GROUPING(a, b, ...): a bit per argument, the
// first the most significant, set when the argument is not in the current
// grouping set.
func (c *compiler) compileGroupingFunc(g *pg_query.GroupingFunc, sc *scope) (*expr, error) {
	st := sc.sel
	if st == nil || !st.allowAgg {
		return nil, sqlerr.New(sqlerr.GroupingError, "grouping operations are not allowed here")
	}
	var cols []int
	for _, a := range g.Args {
		if a.GetColumnRef() == nil {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "GROUPING is supported over columns only")
		}
		x, err := c.compileExpr(a, sc)
		if err != nil {
			return nil, err
		}
		cols = append(cols, x.colIndex)
	}
	st.groupingCols = append(st.groupingCols, cols...)
	return &expr{typ: Type{OID: Int4}, name: "grouping", eval: func(e *env) (any, error) {
		var in map[int]bool
		if st.gsets != nil {
			in, _ = e.slots[st.gsets.slot].(map[int]bool)
		}
		mask := int64(0)
		for _, ci := range cols {
			mask <<= 1
			if in != nil && !in[ci] {
				mask |= 1
			}
		}
		return mask, nil
	}}, nil
}
