package planner

import (
	"fmt"
	"strings"
	"time"

	"github.com/sluice-db/sluice/plan"

	"github.com/sluice-db/sluice/aggregate"
	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/expr"
	"github.com/sluice-db/sluice/parser"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// lambdaBase is where lambda parameters live in post-aggregation rows: past any
// Post layout, whose width is not known until every call is bound.
const lambdaBase = 1 << 10

// aggContext binds select items and HAVING over the post-aggregation row.
type aggContext struct {
	aggs    *aggregate.Registry
	in      *binder // binds over the input row, without aggregation
	agg     *plan.Aggregation
	keyText []string
	keyCols []expr.Expr
	byText  map[string]int // call text -> Post index
}

// containsAggregate reports whether n calls an aggregate function outside lambdas.
func containsAggregate(aggs *aggregate.Registry, n parser.Expr) bool {
	found := false
	parser.Walk(n, func(x parser.Expr) bool {
		if c, ok := x.(*parser.Call); ok && aggs.Has(c.Name) {
			found = true
		}
		return !found
	})
	return found
}

// intercept binds aggregate calls, group keys and window bounds; ok is false for
// nodes the ordinary binder handles (their children come back here).
func (c *aggContext) intercept(b *binder, n parser.Expr) (expr.Expr, bool, error) {
	switch x := n.(type) {
	case *parser.Call:
		if c.aggs.Has(x.Name) {
			e, err := c.bindCall(x)
			return e, true, err
		}
	case *parser.ColumnRef:
		for _, l := range b.scope.lambdas {
			if x.Qualifier == "" && l.name == x.Name {
				return nil, false, nil
			}
		}
		if c.agg.Window != nil && (x.Qualifier == "" || x.Qualifier == b.scope.source.Name || x.Qualifier == b.scope.alias) && (x.Name == plan.WindowStart || x.Name == plan.WindowEnd) {
			i := c.agg.KeyWidth()
			if x.Name == plan.WindowEnd {
				i++
			}
			return expr.NewColumn(i, x.Name, types.BigIntType), true, nil
		}
		e, err := c.in.bind(x)
		if err != nil {
			return nil, true, err
		}
		if k := c.keyIndex(e); k >= 0 {
			return c.keyCols[k], true, nil
		}
		return nil, true, sqlerr.Newf(sqlerr.GroupingError, "Non-aggregate SELECT expression(s) not part of GROUP BY: %s", e.String()).WithPosition(x.Pos)
	case *parser.Literal, *parser.Param, *parser.TimeUnit, *parser.Lambda:
		return nil, false, nil
	}
	if containsAggregate(c.aggs, n) {
		return nil, false, nil
	}
	// A whole expression equal to a group key reads the key; otherwise its parts
	// are bound one by one (a constant, or built from keys).
	if e, err := c.in.bind(n); err == nil {
		if k := c.keyIndex(e); k >= 0 {
			return c.keyCols[k], true, nil
		}
		if expr.IsConstant(e) {
			return e, true, nil
		}
	}
	return nil, false, nil
}

func (c *aggContext) keyIndex(e expr.Expr) int {
	s := e.String()
	for i, k := range c.keyText {
		if k == s {
			return i
		}
	}
	return -1
}

func (c *aggContext) bindCall(n *parser.Call) (expr.Expr, error) {
	var args []expr.Expr
	var consts []any
	maxConsts := c.aggs.MaxConsts(n.Name)
	argNodes := n.Args
	if len(argNodes) == 0 && n.Name != "COUNT" {
		// ksqlDB's aggregate-functions.md: AGG(*) and AGG() aggregate
		// ROWTIME (COUNT counts rows, the same thing).
		argNodes = []parser.Expr{&parser.ColumnRef{P: n.P, Name: "ROWTIME"}}
	}
	for i, a := range argNodes {
		if containsAggregate(c.aggs, a) {
			return nil, sqlerr.Newf(sqlerr.GroupingError, "Aggregate functions can not be nested: %s(%s(...))", n.Name, strings.ToUpper(firstCallName(a))).WithPosition(a.Position())
		}
		e, err := c.in.bind(a)
		if err != nil {
			return nil, err
		}
		if i > 0 && i >= len(argNodes)-maxConsts && expr.IsConstant(e) {
			v, err := e.Eval(nil)
			if err != nil {
				return nil, at(a, err)
			}
			consts = append(consts, v)
			continue
		}
		if len(consts) > 0 {
			return nil, sqlerr.Newf(sqlerr.DatatypeMismatch, "%s: parameters must come after the column arguments", n.Name).WithPosition(a.Position())
		}
		args = append(args, e)
	}
	argTypes := make([]*types.Type, len(args))
	texts := make([]string, len(args))
	for i, a := range args {
		argTypes[i], texts[i] = a.Type(), a.String()
	}
	for _, k := range consts {
		texts = append(texts, fmt.Sprint(k))
	}
	if n.Star {
		texts = []string{"*"}
	}
	text := n.Name + "(" + strings.Join(texts, ", ") + ")"
	if i, ok := c.byText[text]; ok {
		return expr.NewColumn(i, text, c.agg.Post[i].Type), nil
	}
	f, err := c.aggs.Resolve(n.Name, aggregate.Call{Args: argTypes, Consts: consts, FromTable: c.agg.FromTable})
	if err != nil {
		return nil, at(n, err)
	}
	i := len(c.agg.Post)
	c.agg.Post = append(c.agg.Post, types.Column{Name: text, Type: f.Result})
	c.agg.Calls = append(c.agg.Calls, plan.AggCall{Func: f, Args: args, Text: text})
	c.byText[text] = i
	return expr.NewColumn(i, text, f.Result), nil
}

func firstCallName(n parser.Expr) string {
	name := ""
	parser.Walk(n, func(x parser.Expr) bool {
		if c, ok := x.(*parser.Call); ok && name == "" {
			name = c.Name
		}
		return name == ""
	})
	return name
}

// isAggregation reports whether sel needs the aggregation planner.
func (p *Planner) isAggregation(sel *parser.Select) bool {
	if len(sel.GroupBy) > 0 || sel.Window != nil || sel.Having != nil {
		return true
	}
	for _, it := range sel.Items {
		if it.Expr != nil && containsAggregate(p.aggs(), it.Expr) {
			return true
		}
	}
	return false
}

func (p *Planner) aggs() *aggregate.Registry {
	if p.Aggs == nil {
		p.Aggs = aggregate.NewRegistry(aggregate.Config{})
	}
	return p.Aggs
}

// planAggregate plans SELECT ... [WINDOW ...] GROUP BY ... [HAVING ...].
func (p *Planner) planAggregate(sel *parser.Select, sc *scope, params []any) (*plan.QueryPlan, error) {
	for _, it := range sel.Items {
		if c := containsTableCall(it.Expr, p.Funcs); c != nil {
			return nil, errTableFunctionWithAggregation(c)
		}
	}
	src := sc.source
	in := &binder{scope: sc, funcs: p.Funcs, params: params}
	qp := &plan.QueryPlan{Source: src, Input: sc.columns, Limit: sel.Limit}
	var err error
	if sc.join == nil {
		if qp.Timestamp, err = p.timestampExpr(src); err != nil {
			return nil, err
		}
	}
	groupBy := sel.GroupBy
	if len(groupBy) == 0 && !p.persistent && sel.Emit == parser.EmitChanges {
		// A push query may aggregate without GROUP BY, as ksqlDB allows: every
		// row is in one group, keyed by a constant the result does not show.
		groupBy = []parser.Expr{&parser.Literal{P: parser.P{Pos: sel.Pos}, Value: int32(1), Type: types.IntType}}
	}
	if len(groupBy) == 0 {
		return nil, sqlerr.New(sqlerr.GroupingError, "Aggregate functions require a GROUP BY clause in a continuous query; add GROUP BY (for example GROUP BY a column, or a constant for one overall group)").WithPosition(sel.Pos)
	}
	if len(sel.PartitionBy) > 0 {
		return nil, sqlerr.New(sqlerr.SyntaxError, "PARTITION BY is not supported with GROUP BY: the result is keyed by the GROUP BY expressions").WithPosition(sel.PartitionBy[0].Position())
	}
	agg := &plan.Aggregation{FromTable: src.Kind == catalog.Table, EmitFinal: sel.Emit == parser.EmitFinal}
	qp.Agg = agg
	if sel.Where != nil {
		if containsAggregate(p.aggs(), sel.Where) {
			return nil, sqlerr.New(sqlerr.GroupingError, "Aggregate functions are not allowed in WHERE; use HAVING").WithPosition(sel.Where.Position())
		}
		w, err := in.bind(sel.Where)
		if err != nil {
			return nil, err
		}
		if w.Type().Kind != types.KindBoolean && w.Type().Kind != types.KindUnknown {
			return nil, sqlerr.Newf(sqlerr.DatatypeMismatch, "WHERE clause must be BOOLEAN, not %s", w.Type()).WithPosition(sel.Where.Position())
		}
		qp.Where = w
	}
	if sel.Window != nil {
		if src.Kind == catalog.Table {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "Windowing not supported for table aggregations.").WithPosition(sel.Window.Pos)
		}
		if agg.Window, err = windowPlan(sel.Window); err != nil {
			return nil, err
		}
		if agg.EmitFinal && !sel.Window.HasGrace {
			// EMIT FINAL without GRACE PERIOD closes windows at their end, as
			// ksqlDB's on-window-close emission does; the 24-hour legacy default
			// would hold every result for a day.
			agg.Window.Grace = 0
			if !sel.Window.HasRetention {
				agg.Window.Retention = max(agg.Window.Size, 24*time.Hour)
			}
		}
	}
	ctx := &aggContext{aggs: p.aggs(), in: in, agg: agg, byText: map[string]int{}}
	for _, g := range groupBy {
		if containsAggregate(p.aggs(), g) {
			return nil, sqlerr.New(sqlerr.GroupingError, "GROUP BY does not support aggregate functions").WithPosition(g.Position())
		}
		e, err := in.bind(g)
		if err != nil {
			return nil, err
		}
		if ctx.keyIndex(e) >= 0 {
			continue // GROUP BY a, a groups by a once
		}
		agg.GroupBy = append(agg.GroupBy, e)
		ctx.keyText = append(ctx.keyText, e.String())
		i := len(agg.Post)
		agg.Post = append(agg.Post, types.Column{Name: e.String(), Type: e.Type(), Role: types.KeyColumn})
		ctx.keyCols = append(ctx.keyCols, expr.NewColumn(i, e.String(), e.Type()))
	}
	if agg.Window != nil {
		agg.Post = append(agg.Post, types.Column{Name: plan.WindowStart, Type: types.BigIntType}, types.Column{Name: plan.WindowEnd, Type: types.BigIntType})
	}
	post := &binder{scope: &scope{source: src, alias: sc.alias, width: lambdaBase}, funcs: p.Funcs, params: params, agg: ctx}
	// SELECT * with GROUP BY is allowed when every column is grouped: each column
	// then reads its key.
	items := make([]parser.SelectItem, 0, len(sel.Items))
	for _, it := range sel.Items {
		if !it.Star {
			items = append(items, it)
			continue
		}
		for _, col := range src.Columns {
			if col.Role != types.KeyColumn && col.Role != types.ValueColumn {
				continue
			}
			items = append(items, parser.SelectItem{Expr: &parser.ColumnRef{P: parser.P{Pos: it.Pos}, Name: col.Name}, Pos: it.Pos})
		}
	}
	sel = withItems(sel, items)
	if sel.Having != nil {
		h, err := post.bind(sel.Having)
		if err != nil {
			return nil, err
		}
		if h.Type().Kind != types.KindBoolean && h.Type().Kind != types.KindUnknown {
			return nil, sqlerr.Newf(sqlerr.DatatypeMismatch, "HAVING clause must be BOOLEAN, not %s", h.Type()).WithPosition(sel.Having.Position())
		}
		agg.Having = h
	}
	keyExprs := make([]string, len(ctx.keyCols))
	for i, k := range ctx.keyCols {
		keyExprs[i] = k.String()
	}
	qp.KeyNames = keyExprs
	if err := p.projectItems(qp, sel, post, keyExprs); err != nil {
		return nil, err
	}
	var undoable []string
	if agg.FromTable {
		for _, c := range agg.Calls {
			if c.Func.Undo == nil {
				undoable = append(undoable, c.Func.Name)
			}
		}
	}
	if len(undoable) > 0 {
		return nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "The aggregation functions %s cannot be applied to a table source, only to a stream source.", strings.Join(undoable, ", ")).WithPosition(sel.Pos)
	}
	return qp, nil
}

// withItems returns a copy of sel with another select list.
func withItems(sel *parser.Select, items []parser.SelectItem) *parser.Select {
	c := *sel
	c.Items = items
	return &c
}

// MaxWindowsPerRecord bounds how many hopping windows one record falls in
// (SIZE / ADVANCE BY): each is a state update per record, so a day advancing by
// a millisecond (86.4 million) would take a node's memory and CPU on the first
// record, and again at every restart.
const MaxWindowsPerRecord = 10000

func windowPlan(w *parser.WindowSpec) (*plan.WindowPlan, error) {
	wp := &plan.WindowPlan{Size: w.Size, Advance: w.Advance, Grace: plan.DefaultGrace}
	bad := func(format string, args ...any) error {
		return sqlerr.Newf(sqlerr.InvalidParameterValue, format, args...).WithPosition(w.Pos)
	}
	switch w.Kind {
	case parser.Tumbling:
		wp.Kind, wp.Advance = "TUMBLING", w.Size
	case parser.Hopping:
		wp.Kind = "HOPPING"
		if w.Advance <= 0 || w.Advance > w.Size {
			return nil, bad("Window advancement interval should be more than zero and less than window duration")
		}
		if n := w.Size / w.Advance; n > MaxWindowsPerRecord {
			return nil, bad("A hopping window of %s advancing by %s puts each record in %d windows, over the limit of %d: advance by at least %s",
				w.Size, w.Advance, n, MaxWindowsPerRecord, (w.Size+MaxWindowsPerRecord-1)/MaxWindowsPerRecord)
		}
	case parser.Session:
		wp.Kind = "SESSION"
		if w.Size <= 0 {
			return nil, bad("Gap time (inactivityGapMs) cannot be zero or negative.")
		}
	}
	if wp.Size <= 0 {
		return nil, bad("Window size (sizeMs) must be larger than zero.")
	}
	if w.HasGrace {
		wp.Grace = w.Grace
	}
	wp.Retention = max(wp.Size, 24*time.Hour) + wp.Grace
	if w.HasRetention {
		wp.Retention = w.Retention
	}
	if wp.Retention < 0 {
		return nil, bad("The window's size and grace period are too long together (%s and %s)", wp.Size, wp.Grace)
	}
	return wp, nil
}
