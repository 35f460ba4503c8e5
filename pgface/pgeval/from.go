package pgeval

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/sluice-db/sluice/sqlerr"
)

// maxJoinRows bounds the row pairs one join may consider: catalog relations are
// small, so a larger join is a mistake (or an attack) rather than a query.
const maxJoinRows = 1_000_000

var errTooManyRows = sqlerr.New("54000", "catalog query joins too many rows")

// compiler holds the state of one Compile call.
type compiler struct {
	cat     Catalog
	funcs   *Functions
	params  []uint32
	pending []pendingParam
	ctes    map[string]*cteDef
	// refs, when set, collects the columns of one query level that the
	// expression being compiled reads (compileRefs).
	refs *colRefs
}

type cteDef struct {
	sel *compiledSelect
}

// scopeCol is a column visible by name: qual is its relation's name or alias.
type scopeCol struct {
	qual, name string
	typ        Type
	// hidden columns (the right side of JOIN ... USING) resolve only qualified and
	// are left out of *.
	hidden bool
	// systemCol columns (tableoid) resolve by name but are left out of *.
	systemCol bool
	// schema is the relation's schema when the column comes from a relation named
	// without an alias (for schema.table.column references).
	schema string
}

// scope is the set of columns one query level sees; parent is the enclosing query.
type scope struct {
	cols   []scopeCol
	parent *scope
	sel    *selectState // the query level that owns aggregates and SRFs found here
}

// lookup finds qual.name (qual may be empty) in this level only: -1 when absent.
func (s *scope) lookup(qual, name string) (int, error) {
	return s.lookupIn("", qual, name)
}

// lookupIn is lookup for schema.qual.name (schema may be empty).
func (s *scope) lookupIn(schema, qual, name string) (int, error) {
	found := -1
	for i, c := range s.cols {
		if c.name != name || (qual != "" && c.qual != qual) || (qual == "" && c.hidden) || (schema != "" && c.schema != schema) {
			continue
		}
		if found >= 0 {
			return -1, sqlerr.Newf(sqlerr.AmbiguousColumn, "column reference %q is ambiguous", name)
		}
		found = i
	}
	return found, nil
}

// fromNode is a compiled FROM item: its columns and a function producing its rows
// for the given environment of the enclosing query.
type fromNode struct {
	cols []scopeCol
	run  func(outer *env) ([][]any, error)
	// rel is set for a FROM item that is one loadable relation: WHERE may then
	// turn a key equality into a lookup.
	rel *Relation
}

// compileFrom compiles a FROM list: its items' cross product, and the items
// (for compileCommaJoin, which joins them under WHERE instead).
func (c *compiler) compileFrom(items []*pg_query.Node, parent *scope) (*fromNode, []*fromNode, error) {
	if len(items) == 0 {
		return &fromNode{run: func(*env) ([][]any, error) { return [][]any{{}}, nil }}, nil, nil
	}
	var acc *fromNode
	var nodes []*fromNode
	for _, it := range items {
		n, err := c.compileFromItem(it, parent)
		if err != nil {
			return nil, nil, err
		}
		nodes = append(nodes, n)
		if acc == nil {
			acc = n
			continue
		}
		acc = crossJoin(acc, n)
	}
	return acc, nodes, nil
}

func crossJoin(l, r *fromNode) *fromNode {
	cols := append(append([]scopeCol(nil), l.cols...), r.cols...)
	return &fromNode{cols: cols, run: func(outer *env) ([][]any, error) {
		lrows, err := l.run(outer)
		if err != nil {
			return nil, err
		}
		rrows, err := r.run(outer)
		if err != nil {
			return nil, err
		}
		if len(lrows)*len(rrows) > maxJoinRows {
			return nil, errTooManyRows
		}
		out := make([][]any, 0, len(lrows)*len(rrows))
		for _, a := range lrows {
			for _, b := range rrows {
				if err := outer.rc.step(); err != nil {
					return nil, err
				}
				out = append(out, concatRow(a, b))
			}
		}
		return out, nil
	}}
}

func concatRow(a, b []any) []any {
	row := make([]any, 0, len(a)+len(b))
	return append(append(row, a...), b...)
}

func aliasOf(a *pg_query.Alias, def string) (string, []string) {
	if a == nil {
		return def, nil
	}
	var names []string
	for _, n := range a.Colnames {
		names = append(names, strVal(n))
	}
	return a.Aliasname, names
}

func renamed(cols []Column, qual string, names []string) []scopeCol {
	out := make([]scopeCol, len(cols))
	for i, col := range cols {
		name := col.Name
		if i < len(names) {
			name = names[i]
		}
		out[i] = scopeCol{qual: qual, name: name, typ: col.Type}
	}
	return out
}

func (c *compiler) compileFromItem(n *pg_query.Node, parent *scope) (*fromNode, error) {
	switch {
	case n.GetRangeVar() != nil:
		rv := n.GetRangeVar()
		qual, names := aliasOf(rv.Alias, rv.Relname)
		if rv.Schemaname == "" {
			if cte, ok := c.ctes[rv.Relname]; ok {
				sel := cte.sel
				return &fromNode{cols: renamed(sel.cols, qual, names), run: func(outer *env) ([][]any, error) {
					return sel.run(&env{rc: outer.rc})
				}}, nil
			}
		}
		if rv.Catalogname != "" {
			if db, ok := c.cat.(Database); ok && rv.Catalogname != db.CurrentDatabase() {
				return nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "cross-database references are not implemented: %s.%s.%s", rv.Catalogname, rv.Schemaname, rv.Relname)
			}
		}
		rel, err := c.cat.Relation(rv.Schemaname, rv.Relname)
		if err != nil {
			return nil, err
		}
		cols := renamed(rel.Columns, qual, names)
		for i := len(cols) - rel.Hidden; i < len(cols); i++ {
			cols[i].systemCol = true
		}
		if rv.Alias == nil {
			for i := range cols {
				cols[i].schema = rel.Schema
			}
		}
		if rel.Load != nil {
			return &fromNode{cols: cols, rel: rel, run: func(outer *env) ([][]any, error) { return outer.rc.rows(rel) }}, nil
		}
		if rel.OID == 0 {
			return &fromNode{cols: cols, run: func(*env) ([][]any, error) { return rel.Rows, nil }}, nil
		}
		// The tableoid system column: resolvable by name, left out of *.
		cols = append(cols, scopeCol{qual: qual, name: "tableoid", typ: Type{OID: OID}, systemCol: true})
		return &fromNode{cols: cols, run: func(*env) ([][]any, error) {
			rows := make([][]any, len(rel.Rows))
			for i, r := range rel.Rows {
				rows[i] = append(append(make([]any, 0, len(r)+1), r...), rel.OID)
			}
			return rows, nil
		}}, nil
	case n.GetRangeSubselect() != nil:
		rs := n.GetRangeSubselect()
		sub := rs.Subquery.GetSelectStmt()
		if sub == nil {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "unsupported subquery in FROM")
		}
		sel, err := c.compileSelect(sub, parent)
		if err != nil {
			return nil, err
		}
		qual, names := aliasOf(rs.Alias, "")
		return &fromNode{cols: renamed(sel.cols, qual, names), run: sel.run}, nil
	case n.GetRangeFunction() != nil:
		return c.compileRangeFunction(n.GetRangeFunction(), parent)
	case n.GetJoinExpr() != nil:
		return c.compileJoin(n.GetJoinExpr(), parent)
	}
	return nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "FROM item %s is not supported", nodeKind(n))
}

// compileRangeFunction compiles a set-returning function in FROM, such as
// generate_series(1, 3) AS s(i) or unnest(arr) x. Its arguments may refer to the
// enclosing query.
func (c *compiler) compileRangeFunction(rf *pg_query.RangeFunction, parent *scope) (*fromNode, error) {
	if len(rf.Functions) != 1 {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "ROWS FROM with several functions is not supported")
	}
	fc := rf.Functions[0].GetList().Items[0].GetFuncCall()
	if fc == nil {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "only function calls are supported in FROM")
	}
	argScope := &scope{parent: parent}
	name := lastName(fc.Funcname)
	args, err := c.compileArgs(fc.Args, argScope)
	if err != nil {
		return nil, err
	}
	f, rt, args, err := c.resolveFunction(name, args)
	if err != nil {
		return nil, err
	}
	if f.Set == nil && f.Eval == nil {
		return nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "function %s cannot be used in FROM", name)
	}
	qual, names := aliasOf(rf.Alias, name)
	var cols []Column
	if len(rt.Fields) > 0 {
		for _, fd := range rt.Fields {
			cols = append(cols, Column{Name: fd.Name, Type: fd.Type})
		}
	} else {
		colName := name
		if rf.Alias != nil {
			colName = rf.Alias.Aliasname
		}
		cols = []Column{{Name: colName, Type: finalType(rt)}}
	}
	if rf.Ordinality {
		cols = append(cols, Column{Name: "ordinality", Type: Type{OID: Int8}})
	}
	record := len(rt.Fields) > 0
	ordinality := rf.Ordinality
	return &fromNode{cols: renamed(cols, qual, names), run: func(outer *env) ([][]any, error) {
		e := outer.child(nil, nil)
		vals, null, err := evalArgs(e, args, f.NonStrict)
		if err != nil || null {
			return nil, err
		}
		var items []any
		if f.Set != nil {
			if items, err = f.Set(e.rc.ctx, vals); err != nil {
				return nil, err
			}
		} else {
			v, err := f.Eval(e.rc.ctx, vals)
			if err != nil {
				return nil, err
			}
			items = []any{v}
		}
		rows := make([][]any, len(items))
		for i, it := range items {
			var row []any
			if record {
				row = append(row, it.(Record)...)
			} else {
				row = []any{it}
			}
			if ordinality {
				row = append(row, int64(i+1))
			}
			rows[i] = row
		}
		return rows, nil
	}}, nil
}

func (c *compiler) compileJoin(j *pg_query.JoinExpr, parent *scope) (*fromNode, error) {
	l, err := c.compileFromItem(j.Larg, parent)
	if err != nil {
		return nil, err
	}
	r, err := c.compileFromItem(j.Rarg, parent)
	if err != nil {
		return nil, err
	}
	cols := append(append([]scopeCol(nil), l.cols...), r.cols...)
	sc := &scope{cols: cols, parent: parent}
	var on *expr
	switch {
	case j.Quals != nil:
		if on, err = c.compileExpr(j.Quals, sc); err != nil {
			return nil, err
		}
		if on, err = c.coerce(on, Bool); err != nil {
			return nil, err
		}
	case len(j.UsingClause) > 0 || j.IsNatural:
		if on, err = c.usingCondition(j, l, r, cols); err != nil {
			return nil, err
		}
	}
	kind := j.Jointype
	nl, nr := len(l.cols), len(r.cols)
	node := &fromNode{cols: cols}
	if j.Alias != nil {
		for i := range node.cols {
			node.cols[i].qual = j.Alias.Aliasname
		}
	}
	node.run = func(outer *env) ([][]any, error) {
		lrows, err := l.run(outer)
		if err != nil {
			return nil, err
		}
		rrows, err := r.run(outer)
		if err != nil {
			return nil, err
		}
		if len(lrows)*len(rrows) > maxJoinRows {
			return nil, errTooManyRows
		}
		var out [][]any
		rightMatched := make([]bool, len(rrows))
		for _, a := range lrows {
			matched := false
			for k, b := range rrows {
				if err := outer.rc.step(); err != nil {
					return nil, err
				}
				row := concatRow(a, b)
				if on != nil {
					v, err := on.eval(outer.child(row, nil))
					if err != nil {
						return nil, err
					}
					if !truthy(v) {
						continue
					}
				}
				matched = true
				rightMatched[k] = true
				out = append(out, row)
			}
			if !matched && (kind == pg_query.JoinType_JOIN_LEFT || kind == pg_query.JoinType_JOIN_FULL) {
				out = append(out, concatRow(a, make([]any, nr)))
			}
		}
		if kind == pg_query.JoinType_JOIN_RIGHT || kind == pg_query.JoinType_JOIN_FULL {
			for k, b := range rrows {
				if !rightMatched[k] {
					out = append(out, concatRow(make([]any, nl), b))
				}
			}
		}
		return out, nil
	}
	return node, nil
}

// usingCondition builds the equality for JOIN ... USING (cols) or NATURAL JOIN and
// hides the right side's copies of the join columns.
func (c *compiler) usingCondition(j *pg_query.JoinExpr, l, r *fromNode, cols []scopeCol) (*expr, error) {
	var names []string
	if j.IsNatural {
		for _, lc := range l.cols {
			for _, rc := range r.cols {
				if lc.name == rc.name && !lc.systemCol && !lc.hidden {
					names = append(names, lc.name)
				}
			}
		}
	}
	for _, n := range j.UsingClause {
		names = append(names, strVal(n))
	}
	var conds []*expr
	for _, name := range names {
		li, ri := -1, -1
		for i, col := range l.cols {
			if col.name == name {
				li = i
			}
		}
		for i, col := range r.cols {
			if col.name == name {
				ri = len(l.cols) + i
			}
		}
		if li < 0 || ri < 0 {
			return nil, sqlerr.Newf(sqlerr.UndefinedColumn, "column %q specified in USING clause does not exist in both tables", name)
		}
		cols[ri].hidden = true
		lx := &expr{typ: cols[li].typ, eval: func(e *env) (any, error) { return e.row[li], nil }}
		rx := &expr{typ: cols[ri].typ, eval: func(e *env) (any, error) { return e.row[ri], nil }}
		eq, err := c.comparison("=", lx, rx)
		if err != nil {
			return nil, err
		}
		conds = append(conds, eq)
	}
	return &expr{typ: Type{OID: Bool}, eval: func(e *env) (any, error) {
		for _, cnd := range conds {
			v, err := cnd.eval(e)
			if err != nil || !truthy(v) {
				return false, err
			}
		}
		return true, nil
	}}, nil
}

// ErrNoLookup is what a Relation's Lookup returns when the key value has no exact
// form in the key's type: the relation is scanned instead.
var ErrNoLookup = sqlerr.New(sqlerr.DataException, "no key lookup for this value")

// keyEquality finds, among the AND-ed conjuncts of where, one that fixes the
// relation's key column to an expression that reads no column (a literal, a
// parameter, a constant expression): it returns that expression, or nil.
func (c *compiler) keyEquality(where *pg_query.Node, from *fromNode, sc *scope) *expr {
	if b := where.GetBoolExpr(); b != nil {
		if b.Boolop != pg_query.BoolExprType_AND_EXPR {
			return nil
		}
		for _, a := range b.Args {
			if x := c.keyEquality(a, from, sc); x != nil {
				return x
			}
		}
		return nil
	}
	a := where.GetAExpr()
	if a == nil || a.Kind != pg_query.A_Expr_Kind_AEXPR_OP || lastName(a.Name) != "=" || a.Lexpr == nil {
		return nil
	}
	for _, side := range [][2]*pg_query.Node{{a.Lexpr, a.Rexpr}, {a.Rexpr, a.Lexpr}} {
		cr := side[0].GetColumnRef()
		if cr == nil || readsColumns(side[1]) {
			continue
		}
		col, err := c.compileColumnRef(cr, &scope{cols: sc.cols})
		if err != nil || col.colIndex != from.rel.KeyColumn {
			continue
		}
		saved := c.params
		pending := len(c.pending)
		x, err := c.compileExpr(side[1], &scope{})
		if err != nil {
			c.params, c.pending = saved, c.pending[:pending]
			continue
		}
		if x.unknown() {
			if x, err = c.coerce(x, col.typ.OID); err != nil {
				continue
			}
		}
		return x
	}
	return nil
}

// readsColumns reports whether n refers to any column or holds a subquery.
func readsColumns(n *pg_query.Node) bool {
	return anyNode(n, func(m protoreflect.Message) bool {
		switch m.Interface().(type) {
		case *pg_query.ColumnRef, *pg_query.SubLink:
			return true
		}
		return false
	})
}

// anyNode reports whether match holds for n or any node under it.
func anyNode(n *pg_query.Node, match func(protoreflect.Message) bool) bool {
	found := false
	var visit func(m protoreflect.Message)
	visit = func(m protoreflect.Message) {
		if found {
			return
		}
		if match(m) {
			found = true
			return
		}
		m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			switch {
			case fd.IsList() && fd.Message() != nil:
				l := v.List()
				for i := 0; i < l.Len(); i++ {
					visit(l.Get(i).Message())
				}
			case fd.Message() != nil && !fd.IsMap():
				visit(v.Message())
			}
			return !found
		})
	}
	visit(n.ProtoReflect())
	return found
}

// lookupNode reads the relation's rows of one key instead of scanning it; WHERE
// still filters what it returns.
func lookupNode(from *fromNode, key *expr) *fromNode {
	rel := from.rel
	return &fromNode{cols: from.cols, run: func(outer *env) ([][]any, error) {
		v, err := key.eval(outer.child(nil, nil))
		if err != nil {
			return nil, err
		}
		if v == nil {
			return nil, nil
		}
		rows, err := rel.Lookup(v)
		if err == ErrNoLookup {
			return outer.rc.rows(rel)
		}
		return rows, err
	}}
}
