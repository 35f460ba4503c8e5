package pgeval

import (
	"sort"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/sluice-db/sluice/sqlerr"
)

// compiledSelect is a compiled query: output columns and a function producing its
// rows given the environment of the enclosing query's current row.
type compiledSelect struct {
	cols []Column
	run  func(outer *env) ([][]any, error)
}

// selectState collects what the expressions of one query level need computed
// before projection: aggregates, window functions and set-returning functions,
// each in its own slot of the row's env.
type selectState struct {
	nslots  int
	aggs    []*aggCall
	windows []*windowCall
	srfs    []*srfCall
	// gsets are the GROUP BY's grouping sets (nil without GROUPING SETS, ROLLUP
	// or CUBE); groupingCols the columns GROUPING() calls name.
	gsets        *groupingSets
	groupingCols []int
	// allowAgg and allowSRF say whether the clause being compiled may contain them.
	allowAgg, allowSRF bool
}

type sortKey struct {
	x          *expr // evaluated in the pre-projection env; nil when output is used
	output     int   // output column index when x is nil
	desc       bool
	nullsFirst bool
}

type outRow struct {
	vals []any
	keys []any
}

func (c *compiler) compileSelect(s *pg_query.SelectStmt, parent *scope) (*compiledSelect, error) {
	if s.WithClause != nil {
		saved := c.ctes
		c.ctes = make(map[string]*cteDef, len(saved)+len(s.WithClause.Ctes))
		for k, v := range saved {
			c.ctes[k] = v
		}
		defer func() { c.ctes = saved }()
		for _, n := range s.WithClause.Ctes {
			cte := n.GetCommonTableExpr()
			sub := cte.Ctequery.GetSelectStmt()
			if sub == nil {
				return nil, sqlerr.New(sqlerr.FeatureNotSupported, "only SELECT is supported in WITH")
			}
			if s.WithClause.Recursive && refersTo(cte.Ctequery, cte.Ctename) {
				sel, err := c.compileRecursiveCTE(cte, sub, parent)
				if err != nil {
					return nil, err
				}
				c.ctes[cte.Ctename] = &cteDef{sel: sel}
				continue
			}
			sel, err := c.compileSelect(sub, parent)
			if err != nil {
				return nil, err
			}
			if len(cte.Aliascolnames) > 0 {
				cols := append([]Column(nil), sel.cols...)
				for i, a := range cte.Aliascolnames {
					if i < len(cols) {
						cols[i].Name = strVal(a)
					}
				}
				sel = &compiledSelect{cols: cols, run: sel.run}
			}
			c.ctes[cte.Ctename] = &cteDef{sel: sel}
		}
	}
	if s.Op != pg_query.SetOperation_SETOP_NONE && s.Op != pg_query.SetOperation_SET_OPERATION_UNDEFINED {
		return c.compileSetOp(s, parent)
	}
	if len(s.ValuesLists) > 0 {
		return c.compileValues(s, parent)
	}
	from, items, err := c.compileFrom(s.FromClause, parent)
	if err != nil {
		return nil, err
	}
	st := &selectState{}
	sc := &scope{cols: from.cols, parent: parent, sel: st}

	var where *expr
	switch {
	case s.WhereClause != nil && len(items) > 1:
		// The join applies WHERE as it goes.
		if from, err = c.compileCommaJoin(items, s.WhereClause, sc); err != nil {
			return nil, err
		}
	case s.WhereClause != nil:
		if where, err = c.compileExpr(s.WhereClause, sc); err != nil {
			return nil, err
		}
		if where, err = c.coerce(where, Bool); err != nil {
			return nil, err
		}
		if from.rel != nil && from.rel.Lookup != nil {
			if key := c.keyEquality(s.WhereClause, from, sc); key != nil {
				from = lookupNode(from, key)
			}
		}
	}

	// Targets, expanding *.
	st.allowAgg, st.allowSRF = true, true
	var targets []*expr
	var targetNodes []*pg_query.Node
	var cols []Column
	for _, tn := range s.TargetList {
		rt := tn.GetResTarget()
		if cr := rt.Val.GetColumnRef(); cr != nil && cr.Fields[len(cr.Fields)-1].GetAStar() != nil {
			qual := ""
			if len(cr.Fields) >= 2 {
				qual = strVal(cr.Fields[len(cr.Fields)-2])
			}
			n := 0
			for i, col := range sc.cols {
				if col.hidden || col.systemCol || (qual != "" && col.qual != qual) {
					continue
				}
				i := i
				targets = append(targets, &expr{typ: col.typ, name: col.name, eval: func(e *env) (any, error) { return e.row[i], nil }})
				targetNodes = append(targetNodes, nil)
				cols = append(cols, Column{Name: col.name, Type: finalType(col.typ)})
				n++
			}
			if n == 0 && qual != "" {
				return nil, sqlerr.Newf(sqlerr.UndefinedTable, "missing FROM-clause entry for table %q", qual)
			}
			continue
		}
		x, err := c.compileExpr(rt.Val, sc)
		if err != nil {
			return nil, err
		}
		name := x.name
		if rt.Name != "" {
			name = rt.Name
		}
		if x.unknown() {
			if x, err = c.coerce(x, Text); err != nil {
				return nil, err
			}
		}
		targets = append(targets, x)
		targetNodes = append(targetNodes, rt.Val)
		cols = append(cols, Column{Name: name, Type: finalType(x.typ)})
	}
	st.allowSRF = false

	// GROUP BY: expressions, output positions or output names.
	groupItem := func(g *pg_query.Node) (*expr, error) {
		node := g
		if idx, ok := outputRef(g, cols); ok && targetNodes[idx] != nil {
			// The output column's expression, which must hold no aggregate.
			node = targetNodes[idx]
		}
		st.allowAgg = false
		x, err := c.compileExpr(node, sc)
		st.allowAgg = true
		return x, err
	}
	groupTarget := func(g *pg_query.Node) *pg_query.Node {
		if idx, ok := outputRef(g, cols); ok && targetNodes[idx] != nil {
			return targetNodes[idx]
		}
		return g
	}
	groupBy, gsets, err := c.compileGroupBy(s.GroupClause, st, groupItem, groupTarget)
	if err != nil {
		return nil, err
	}
	st.gsets = gsets
	for _, ci := range st.groupingCols {
		found := false
		if gsets != nil {
			for _, gc := range gsets.cols {
				found = found || gc == ci
			}
		} else {
			for _, g := range groupBy {
				found = found || (g.colIndex == ci && ci >= 0)
			}
		}
		if !found {
			return nil, sqlerr.New(sqlerr.GroupingError, "arguments to GROUPING must be grouping expressions of the associated query level")
		}
	}
	var having *expr
	if s.HavingClause != nil {
		if having, err = c.compileExpr(s.HavingClause, sc); err != nil {
			return nil, err
		}
		if having, err = c.coerce(having, Bool); err != nil {
			return nil, err
		}
	}
	keys, err := c.compileSort(s.SortClause, cols, sc)
	if err != nil {
		return nil, err
	}
	grouped := len(groupBy) > 0 || len(st.aggs) > 0 || having != nil || gsets != nil
	distinct := len(s.DistinctClause) > 0
	nsort := len(keys)
	distinctOn := 0
	if distinct && s.DistinctClause[0] != nil && s.DistinctClause[0].Node != nil {
		// DISTINCT ON (exprs): the first row (in ORDER BY order) of each group.
		var on []*pg_query.Node
		for _, n := range s.DistinctClause {
			on = append(on, &pg_query.Node{Node: &pg_query.Node_SortBy{SortBy: &pg_query.SortBy{Node: n}}})
		}
		onKeys, err := c.compileSort(on, cols, sc)
		if err != nil {
			return nil, err
		}
		keys = append(keys, onKeys...)
		distinctOn = len(onKeys)
	}
	limit, offset, err := c.compileLimit(s)
	if err != nil {
		return nil, err
	}

	run := func(outer *env) ([][]any, error) {
		rows, err := from.run(outer)
		if err != nil {
			return nil, err
		}
		var items []*env
		for _, r := range rows {
			if err := outer.rc.step(); err != nil {
				return nil, err
			}
			e := outer.child(r, nil)
			if where != nil {
				v, err := where.eval(e)
				if err != nil {
					return nil, err
				}
				if !truthy(v) {
					continue
				}
			}
			e.slots = make([]any, st.nslots)
			items = append(items, e)
		}
		if grouped {
			if gsets != nil {
				items, err = groupBySets(outer, items, groupBy, gsets, st, len(from.cols))
			} else {
				items, err = group(outer, items, groupBy, st, len(from.cols))
			}
			if err != nil {
				return nil, err
			}
			if having != nil {
				kept := items[:0]
				for _, e := range items {
					v, err := having.eval(e)
					if err != nil {
						return nil, err
					}
					if truthy(v) {
						kept = append(kept, e)
					}
				}
				items = kept
			}
		}
		for _, w := range st.windows {
			if err := w.compute(items); err != nil {
				return nil, err
			}
		}
		out, err := project(items, targets, keys, st.srfs)
		if err != nil {
			return nil, err
		}
		if distinct && distinctOn == 0 {
			out = dedupe(out)
		}
		if err := sortRows(out, keys[:nsort]); err != nil {
			return nil, err
		}
		if distinctOn > 0 {
			out = dedupeOn(out, nsort)
		}
		return applyLimit(outer, out, limit, offset)
	}
	return &compiledSelect{cols: cols, run: run}, nil
}

// outputRef reports whether n names an output column: by position (ORDER BY 2) or
// by a bare name that is an output column's name.
func outputRef(n *pg_query.Node, cols []Column) (int, bool) {
	if ac := n.GetAConst(); ac != nil && ac.GetIval() != nil {
		i := int(ac.GetIval().Ival) - 1
		if i >= 0 && i < len(cols) {
			return i, true
		}
		return -1, false
	}
	if cr := n.GetColumnRef(); cr != nil && len(cr.Fields) == 1 && cr.Fields[0].GetString_() != nil {
		name := strVal(cr.Fields[0])
		for i, c := range cols {
			if c.Name == name {
				return i, true
			}
		}
	}
	return -1, false
}

func (c *compiler) compileSort(items []*pg_query.Node, cols []Column, sc *scope) ([]sortKey, error) {
	var keys []sortKey
	for _, n := range items {
		sb := n.GetSortBy()
		k := sortKey{output: -1, desc: sb.SortbyDir == pg_query.SortByDir_SORTBY_DESC}
		k.nullsFirst = k.desc
		switch sb.SortbyNulls {
		case pg_query.SortByNulls_SORTBY_NULLS_FIRST:
			k.nullsFirst = true
		case pg_query.SortByNulls_SORTBY_NULLS_LAST:
			k.nullsFirst = false
		}
		if idx, ok := outputRef(sb.Node, cols); ok {
			k.output = idx
		} else if ac := sb.Node.GetAConst(); ac != nil && ac.GetIval() != nil {
			return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "ORDER BY position %d is not in select list", ac.GetIval().Ival)
		} else {
			if sc == nil {
				return nil, sqlerr.New(sqlerr.FeatureNotSupported, "ORDER BY on a UNION must name an output column")
			}
			x, err := c.compileExpr(sb.Node, sc)
			if err != nil {
				return nil, err
			}
			k.x = x
		}
		keys = append(keys, k)
	}
	return keys, nil
}

func (c *compiler) compileLimit(s *pg_query.SelectStmt) (limit, offset *expr, err error) {
	empty := &scope{}
	if s.LimitCount != nil {
		if limit, err = c.compileExpr(s.LimitCount, empty); err != nil {
			return nil, nil, err
		}
		if limit, err = c.coerce(limit, Int8); err != nil {
			return nil, nil, err
		}
		c.inferParam(limit, Int8)
	}
	if s.LimitOffset != nil {
		if offset, err = c.compileExpr(s.LimitOffset, empty); err != nil {
			return nil, nil, err
		}
		if offset, err = c.coerce(offset, Int8); err != nil {
			return nil, nil, err
		}
	}
	return limit, offset, nil
}

func applyLimit(outer *env, rows []outRow, limit, offset *expr) ([][]any, error) {
	if offset != nil {
		v, err := offset.eval(outer.child(nil, nil))
		if err != nil {
			return nil, err
		}
		if v != nil {
			n, err := intArg(v)
			if err != nil {
				return nil, err
			}
			if n > int64(len(rows)) {
				n = int64(len(rows))
			}
			if n > 0 {
				rows = rows[n:]
			}
		}
	}
	if limit != nil {
		v, err := limit.eval(outer.child(nil, nil))
		if err != nil {
			return nil, err
		}
		if v != nil {
			n, err := intArg(v)
			if err != nil {
				return nil, err
			}
			if n >= 0 && n < int64(len(rows)) {
				rows = rows[:n]
			}
		}
	}
	out := make([][]any, len(rows))
	for i, r := range rows {
		out[i] = r.vals
	}
	return out, nil
}

// group turns filtered rows into one env per group, with aggregate slots filled and
// the group's first row as the row (its grouping columns are the group's values).
func group(outer *env, items []*env, by []*expr, st *selectState, width int) ([]*env, error) {
	type grp struct {
		first *env
		rows  []*env
	}
	var order []*grp
	byKey := map[string]*grp{}
	for _, e := range items {
		vals := make([]any, len(by))
		for i, x := range by {
			v, err := x.eval(e)
			if err != nil {
				return nil, err
			}
			vals[i] = v
		}
		k := valueKey(vals)
		g, ok := byKey[k]
		if !ok {
			g = &grp{first: e}
			byKey[k] = g
			order = append(order, g)
		}
		g.rows = append(g.rows, e)
	}
	if len(by) == 0 && len(order) == 0 {
		order = append(order, &grp{first: outer.child(make([]any, width), nil)})
	}
	out := make([]*env, len(order))
	for i, g := range order {
		e := outer.child(g.first.row, make([]any, st.nslots))
		for _, a := range st.aggs {
			v, err := a.compute(g.rows)
			if err != nil {
				return nil, err
			}
			e.slots[a.slot] = v
		}
		out[i] = e
	}
	return out, nil
}

// project evaluates the targets (and the sort keys) for each env, expanding
// set-returning functions in the select list the way Postgres 10+ does: all of them
// advance together and the row repeats until the longest is exhausted.
func project(items []*env, targets []*expr, keys []sortKey, srfs []*srfCall) ([]outRow, error) {
	var out []outRow
	emit := func(e *env) error {
		r := outRow{vals: make([]any, len(targets))}
		for i, t := range targets {
			v, err := t.eval(e)
			if err != nil {
				return err
			}
			r.vals[i] = v
		}
		for _, k := range keys {
			var v any
			if k.x != nil {
				var err error
				if v, err = k.x.eval(e); err != nil {
					return err
				}
			} else {
				v = r.vals[k.output]
			}
			r.keys = append(r.keys, v)
		}
		out = append(out, r)
		return nil
	}
	for _, e := range items {
		if len(srfs) == 0 {
			if err := emit(e); err != nil {
				return nil, err
			}
			continue
		}
		sets := make([][]any, len(srfs))
		n := 0
		for i, s := range srfs {
			set, err := s.values(e)
			if err != nil {
				return nil, err
			}
			sets[i] = set
			n = max(n, len(set))
		}
		for k := 0; k < n; k++ {
			for i, s := range srfs {
				var v any
				if k < len(sets[i]) {
					v = sets[i][k]
				}
				e.slots[s.slot] = v
			}
			if err := emit(e); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func dedupe(rows []outRow) []outRow {
	seen := map[string]bool{}
	out := rows[:0]
	for _, r := range rows {
		k := valueKey(r.vals)
		if !seen[k] {
			seen[k] = true
			out = append(out, r)
		}
	}
	return out
}

func sortRows(rows []outRow, keys []sortKey) error {
	if len(keys) == 0 {
		return nil
	}
	var sortErr error
	sort.SliceStable(rows, func(i, j int) bool {
		for k, key := range keys {
			c, err := compareNullable(rows[i].keys[k], rows[j].keys[k], key.nullsFirst != key.desc)
			if err != nil {
				sortErr = err
				return false
			}
			if c != 0 {
				if key.desc {
					return c > 0
				}
				return c < 0
			}
		}
		return false
	})
	return sortErr
}

func (c *compiler) compileSetOp(s *pg_query.SelectStmt, parent *scope) (*compiledSelect, error) {
	l, err := c.compileSelect(s.Larg, parent)
	if err != nil {
		return nil, err
	}
	r, err := c.compileSelect(s.Rarg, parent)
	if err != nil {
		return nil, err
	}
	if len(l.cols) != len(r.cols) {
		return nil, sqlerr.Newf(sqlerr.SyntaxError, "each %s query must have the same number of columns", s.Op)
	}
	cols := append([]Column(nil), l.cols...)
	for i := range cols {
		if cols[i].Type.OID == Text && r.cols[i].Type.OID != Text {
			// An untyped NULL or literal on the left takes the right's type.
			cols[i].Type = r.cols[i].Type
		}
	}
	keys, err := c.compileSort(s.SortClause, cols, nil)
	if err != nil {
		return nil, err
	}
	limit, offset, err := c.compileLimit(s)
	if err != nil {
		return nil, err
	}
	op, all := s.Op, s.All
	return &compiledSelect{cols: cols, run: func(outer *env) ([][]any, error) {
		lrows, err := l.run(outer)
		if err != nil {
			return nil, err
		}
		rrows, err := r.run(outer)
		if err != nil {
			return nil, err
		}
		var rows [][]any
		switch op {
		case pg_query.SetOperation_SETOP_UNION:
			rows = append(append(rows, lrows...), rrows...)
		case pg_query.SetOperation_SETOP_INTERSECT, pg_query.SetOperation_SETOP_EXCEPT:
			inRight := map[string]int{}
			for _, r := range rrows {
				inRight[valueKey(r)]++
			}
			for _, r := range lrows {
				k := valueKey(r)
				hit := inRight[k] > 0
				if hit && all {
					inRight[k]--
				}
				if hit == (op == pg_query.SetOperation_SETOP_INTERSECT) {
					rows = append(rows, r)
				}
			}
		}
		out := make([]outRow, len(rows))
		for i, r := range rows {
			out[i] = outRow{vals: r}
			for _, k := range keys {
				out[i].keys = append(out[i].keys, r[k.output])
			}
		}
		if !all {
			out = dedupe(out)
		}
		if err := sortRows(out, keys); err != nil {
			return nil, err
		}
		return applyLimit(outer, out, limit, offset)
	}}, nil
}

func (c *compiler) compileValues(s *pg_query.SelectStmt, parent *scope) (*compiledSelect, error) {
	sc := &scope{parent: parent, sel: &selectState{}}
	var rows [][]*expr
	for _, l := range s.ValuesLists {
		var row []*expr
		for _, n := range l.GetList().Items {
			x, err := c.compileExpr(n, sc)
			if err != nil {
				return nil, err
			}
			row = append(row, x)
		}
		if len(rows) > 0 && len(row) != len(rows[0]) {
			return nil, sqlerr.New(sqlerr.SyntaxError, "VALUES lists must all be the same length")
		}
		rows = append(rows, row)
	}
	cols := make([]Column, len(rows[0]))
	for i := range cols {
		column := make([]*expr, len(rows))
		for j := range rows {
			column[j] = rows[j][i]
		}
		t, err := c.unify(column)
		if err != nil {
			return nil, err
		}
		for j := range rows {
			rows[j][i] = column[j]
		}
		cols[i] = Column{Name: "column" + itoa(i+1), Type: finalType(t)}
	}
	return &compiledSelect{cols: cols, run: func(outer *env) ([][]any, error) {
		out := make([][]any, len(rows))
		e := outer.child(nil, nil)
		for i, row := range rows {
			out[i] = make([]any, len(row))
			for j, x := range row {
				v, err := x.eval(e)
				if err != nil {
					return nil, err
				}
				out[i][j] = v
			}
		}
		return out, nil
	}}, nil
}

// dedupeOn keeps the first row of each run of equal DISTINCT ON keys (the keys
// from position from on).
func dedupeOn(rows []outRow, from int) []outRow {
	seen := map[string]bool{}
	out := rows[:0]
	for _, r := range rows {
		k := valueKey(r.keys[from:])
		if !seen[k] {
			seen[k] = true
			out = append(out, r)
		}
	}
	return out
}
