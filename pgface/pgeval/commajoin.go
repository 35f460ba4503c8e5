package pgeval

import (
	"sort"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// A FROM list of several items (FROM a, b, c WHERE ...), as catalog SQL from
// drivers writes it (psqlODBC's SQLPrimaryKeys joins six catalog relations so),
// is not the cross product filtered afterwards: WHERE is split into its AND-ed
// conditions, each applied as soon as the items it reads are joined, the items
// are joined greedily (smallest first, then whichever a column equality links
// to what is joined, by hashing), and the result is put back in the cross
// product's order, so that the answer is the one the cross product gives.

// colRefs records the columns of one query level that an expression being
// compiled refers to, from any depth of it (correlated subqueries too).
type colRefs struct {
	sc   *scope
	cols map[int]bool
}

// conjunct is one AND-ed condition of WHERE.
type conjunct struct {
	cond  *expr
	items []int // the FROM items whose columns it reads
	// eq is set for left = right where each side reads one disjoint, non-empty
	// set of items and both have the same type: a join can hash on it.
	left, right *expr
	leftItems   []int
	rightItems  []int
	applied     bool
}

// splitAnd returns the AND-ed parts of a condition.
func splitAnd(n *pg_query.Node) []*pg_query.Node {
	if b := n.GetBoolExpr(); b != nil && b.Boolop == pg_query.BoolExprType_AND_EXPR {
		var out []*pg_query.Node
		for _, a := range b.Args {
			out = append(out, splitAnd(a)...)
		}
		return out
	}
	return []*pg_query.Node{n}
}

// compileRefs compiles n in sc and returns the FROM items (by the column
// offsets start) whose columns it reads.
func (c *compiler) compileRefs(n *pg_query.Node, sc *scope, starts []int) (*expr, []int, error) {
	saved := c.refs
	c.refs = &colRefs{sc: sc, cols: map[int]bool{}}
	defer func() { c.refs = saved }()
	x, err := c.compileExpr(n, sc)
	if err != nil {
		return nil, nil, err
	}
	seen := map[int]bool{}
	var items []int
	for col := range c.refs.cols {
		it := sort.SearchInts(starts, col+1) - 1
		if !seen[it] {
			seen[it] = true
			items = append(items, it)
		}
	}
	sort.Ints(items)
	return x, items, nil
}

// compileCommaJoin joins items under where, as described above.
func (c *compiler) compileCommaJoin(items []*fromNode, where *pg_query.Node, sc *scope) (*fromNode, error) {
	starts := make([]int, len(items))
	width := 0
	for i, it := range items {
		starts[i] = width
		width += len(it.cols)
	}
	var conds []*conjunct
	for _, n := range splitAnd(where) {
		x, its, err := c.compileRefs(n, sc, starts)
		if err != nil {
			return nil, err
		}
		if x, err = c.coerce(x, Bool); err != nil {
			return nil, err
		}
		cj := &conjunct{cond: x, items: its}
		if a := n.GetAExpr(); a != nil && len(its) > 1 && a.Kind == pg_query.A_Expr_Kind_AEXPR_OP && len(a.Name) == 1 &&
			strVal(a.Name[0]) == "=" && a.Lexpr != nil && a.Rexpr != nil && !hasParam(n) {
			// The sides are compiled again on their own, to hash on; that
			// compiles nothing the condition does not (no parameters).
			l, li, err1 := c.compileRefs(a.Lexpr, sc, starts)
			r, ri, err2 := c.compileRefs(a.Rexpr, sc, starts)
			if err1 == nil && err2 == nil && len(li) > 0 && len(ri) > 0 && disjoint(li, ri) && l.typ.OID == r.typ.OID && hashable(l.typ.OID) {
				cj.left, cj.right, cj.leftItems, cj.rightItems = l, r, li, ri
			}
		}
		conds = append(conds, cj)
	}
	cols := sc.cols
	return &fromNode{cols: cols, run: func(outer *env) ([][]any, error) {
		return runCommaJoin(outer, items, starts, width, conds)
	}}, nil
}

// hashable reports whether equal values of type oid have equal valueKeys, so
// that a join may hash on them: not numeric (1.0 = 1.00), floats (-0 = 0,
// NaN = NaN) or bpchar (trailing blanks do not count).
func hashable(oid uint32) bool {
	switch oid {
	case Bool, Int2, Int4, Int8, OID, Text, Name, Varchar, Char, Date:
		return true
	}
	return false
}

func hasParam(n *pg_query.Node) bool {
	return anyNode(n, func(m protoreflect.Message) bool {
		_, ok := m.Interface().(*pg_query.ParamRef)
		return ok
	})
}

func disjoint(a, b []int) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return false
			}
		}
	}
	return true
}

func subset(a []int, in map[int]bool) bool {
	for _, x := range a {
		if !in[x] {
			return false
		}
	}
	return true
}

// tuple is a joined row of the items joined so far (full width, the others'
// columns empty) and the row number of each joined item, to restore the cross
// product's order.
type tuple struct {
	row []any
	idx []int32
}

func runCommaJoin(outer *env, items []*fromNode, starts []int, width int, conds []*conjunct) ([][]any, error) {
	conds = append([]*conjunct(nil), conds...)
	for i := range conds {
		cp := *conds[i]
		conds[i] = &cp
	}
	holds := func(t tuple, cj *conjunct) (bool, error) {
		v, err := cj.cond.eval(outer.child(t.row, nil))
		return err == nil && truthy(v), err
	}
	// Each item's rows, with the conditions that read it alone applied.
	rows := make([][]tuple, len(items))
	for i, it := range items {
		rs, err := it.run(outer)
		if err != nil {
			return nil, err
		}
		for k, r := range rs {
			if err := outer.rc.step(); err != nil {
				return nil, err
			}
			t := tuple{row: make([]any, width), idx: make([]int32, len(items))}
			copy(t.row[starts[i]:], r)
			t.idx[i] = int32(k)
			keep := true
			for _, cj := range conds {
				if len(cj.items) == 1 && cj.items[0] == i {
					ok, err := holds(t, cj)
					if err != nil {
						return nil, err
					}
					keep = keep && ok
				}
			}
			if keep {
				rows[i] = append(rows[i], t)
			}
		}
	}
	for _, cj := range conds {
		cj.applied = len(cj.items) == 1
	}
	joined := map[int]bool{}
	var acc []tuple
	for len(joined) < len(items) {
		next, link := -1, (*conjunct)(nil)
		for i := range items {
			if joined[i] {
				continue
			}
			var l *conjunct
			if len(joined) > 0 {
				for _, cj := range conds {
					if cj.left == nil || cj.applied {
						continue
					}
					if (subset(cj.leftItems, joined) && len(cj.rightItems) == 1 && cj.rightItems[0] == i) ||
						(subset(cj.rightItems, joined) && len(cj.leftItems) == 1 && cj.leftItems[0] == i) {
						l = cj
						break
					}
				}
			}
			// An item linked by an equality first, then the smallest.
			switch {
			case next < 0, l != nil && link == nil:
			case (l != nil) == (link != nil) && len(rows[i]) < len(rows[next]):
			default:
				continue
			}
			next, link = i, l
		}
		var err error
		if acc, err = joinItem(outer, acc, joined, rows[next], next, link); err != nil {
			return nil, err
		}
		joined[next] = true
		// Every condition the joined items now cover.
		for _, cj := range conds {
			if cj.applied || !subset(cj.items, joined) {
				continue
			}
			cj.applied = true
			kept := acc[:0]
			for _, t := range acc {
				ok, err := holds(t, cj)
				if err != nil {
					return nil, err
				}
				if ok {
					kept = append(kept, t)
				}
			}
			acc = kept
		}
		if len(acc) > maxJoinRows {
			return nil, errTooManyRows
		}
	}
	// The cross product's order: by the first item's row, then the second's...
	sort.Slice(acc, func(a, b int) bool {
		x, y := acc[a].idx, acc[b].idx
		for i := range x {
			if x[i] != y[i] {
				return x[i] < y[i]
			}
		}
		return false
	})
	out := make([][]any, len(acc))
	for i, t := range acc {
		out[i] = t.row
	}
	return out, nil
}

// joinItem joins the tuples so far with item i's rows: by hashing on link's
// sides when it is set, else every pair.
func joinItem(outer *env, acc []tuple, joined map[int]bool, rows []tuple, i int, link *conjunct) ([]tuple, error) {
	if len(joined) == 0 {
		return rows, nil
	}
	merge := func(a, b tuple) tuple {
		t := tuple{row: append([]any(nil), a.row...), idx: append([]int32(nil), a.idx...)}
		for k, v := range b.row {
			if v != nil {
				t.row[k] = v
			}
		}
		t.idx[i] = b.idx[i]
		return t
	}
	var out []tuple
	if link == nil {
		if len(acc)*len(rows) > maxJoinRows {
			return nil, errTooManyRows
		}
		for _, a := range acc {
			for _, b := range rows {
				if err := outer.rc.step(); err != nil {
					return nil, err
				}
				out = append(out, merge(a, b))
			}
		}
		return out, nil
	}
	accSide, itemSide := link.left, link.right
	if !subset(link.leftItems, joined) {
		accSide, itemSide = link.right, link.left
	}
	byKey := map[string][]int{}
	for k, b := range rows {
		v, err := itemSide.eval(outer.child(b.row, nil))
		if err != nil {
			return nil, err
		}
		if v != nil { // NULL equals nothing
			key := valueKey([]any{v})
			byKey[key] = append(byKey[key], k)
		}
	}
	for _, a := range acc {
		if err := outer.rc.step(); err != nil {
			return nil, err
		}
		v, err := accSide.eval(outer.child(a.row, nil))
		if err != nil {
			return nil, err
		}
		if v == nil {
			continue
		}
		for _, k := range byKey[valueKey([]any{v})] {
			out = append(out, merge(a, rows[k]))
			if len(out) > maxJoinRows {
				return nil, errTooManyRows
			}
		}
	}
	return out, nil
}
