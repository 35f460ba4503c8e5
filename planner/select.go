package planner

import (
	"github.com/sluice-db/sluice/aggregate"
	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/expr"
	"github.com/sluice-db/sluice/parser"
	"github.com/sluice-db/sluice/plan"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// Catalog is the part of the catalog that planning reads.
type Catalog interface {
	// Source returns the named stream or table, or an error with SQLSTATE 42P01.
	Source(name string) (*catalog.Source, error)
}

// Planner plans statements against a catalog.
type Planner struct {
	Catalog Catalog
	Funcs   *expr.Registry
	// Aggs resolves aggregate functions; nil uses the defaults.
	Aggs *aggregate.Registry
	// persistent is set while planning a persistent query, whose SELECT * over a
	// windowed source does not list the window bounds (they stay in the key).
	persistent bool
	// innerScopes resolves names over the rows of an n-way join's earlier
	// steps, per join side that reads one (planning state, not plan data).
	innerScopes map[*plan.JoinSide]*joinScope
}

// addWindowColumns adds WINDOWSTART and WINDOWEND of a windowed source's rows.
func (p *Planner) addWindowColumns(qp *plan.QueryPlan, add func(expr.Expr, string, int) error, pos int) error {
	for _, name := range []string{plan.WindowStart, plan.WindowEnd} {
		for i, c := range qp.Input {
			if c.Name == name {
				if err := add(expr.NewColumn(i, c.Name, c.Type), c.Name, pos); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// PlanSelect plans the continuous part of a query: source, filter, projection and
// re-keying. params bind $n placeholders.
func (p *Planner) PlanSelect(sel *parser.Select, params []any) (*plan.QueryPlan, error) {
	var (
		sc   *scope
		join *plan.Join
	)
	switch from := sel.From.(type) {
	case *parser.TableRef:
		src, err := p.Catalog.Source(from.Name)
		if err != nil {
			return nil, sqlerr.As(err).WithPosition(from.Pos)
		}
		sc = newScope(src, from.Alias)
	case *parser.Join:
		var err error
		if sc, join, err = p.planJoinInput(from); err != nil {
			return nil, err
		}
	default:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "unsupported FROM clause").WithPosition(sel.Pos)
	}
	src := sc.source
	if p.isAggregation(sel) {
		qp, err := p.planAggregate(sel, sc, params)
		if err != nil {
			return nil, err
		}
		qp.Join = join
		return qp, p.planOrderBy(qp, sel, params)
	}
	b := &binder{scope: sc, funcs: p.Funcs, params: params}
	qp := &plan.QueryPlan{Source: src, Input: sc.columns, Limit: sel.Limit, Join: join}
	var err error
	if join == nil {
		if qp.Timestamp, err = p.timestampExpr(src); err != nil {
			return nil, err
		}
	}

	if sel.Where != nil {
		w, err := b.bind(sel.Where)
		if err != nil {
			return nil, err
		}
		if w.Type().Kind != types.KindBoolean && w.Type().Kind != types.KindUnknown {
			return nil, sqlerr.Newf(sqlerr.DatatypeMismatch, "WHERE clause must be BOOLEAN, not %s", w.Type()).WithPosition(sel.Where.Position())
		}
		qp.Where = w
	}

	var partitionBy []expr.Expr
	for _, pb := range sel.PartitionBy {
		if isNullLiteral(pb) {
			// PARTITION BY NULL: the result has no key.
			if len(sel.PartitionBy) > 1 {
				return nil, sqlerr.New(sqlerr.InvalidObjectDefinition, "Cannot PARTITION BY multiple columns including NULL").WithPosition(pb.Position())
			}
			continue
		}
		e, err := b.bind(pb)
		if err != nil {
			return nil, err
		}
		partitionBy = append(partitionBy, e)
	}
	qp.Rekeyed = len(sel.PartitionBy) > 0
	if qp.Rekeyed {
		qp.PartitionBy = partitionBy
		if len(partitionBy) > 0 {
			qp.PartitionKeys = partitionKeys(src, sel.PartitionBy, partitionBy)
		}
	}

	if err := p.project(qp, sel, b, partitionBy); err != nil {
		return nil, err
	}
	return qp, p.planOrderBy(qp, sel, params)
}

// project expands the SELECT list into Items/Output and decides key columns.
// The key of the result is the PARTITION BY expressions when given, else the
// source's key columns; a select item equal to one of them becomes that key column.
func (p *Planner) project(qp *plan.QueryPlan, sel *parser.Select, b *binder, partitionBy []expr.Expr) error {
	src := qp.Source
	var keyExprs []string
	if qp.Join != nil && !qp.Rekeyed {
		keyExprs, _ = joinKeyExprs(qp.Join)
		qp.KeyNames = append(qp.KeyNames, keyExprs...)
		return p.projectItems(qp, sel, b, keyExprs)
	}
	if qp.Rekeyed {
		for _, k := range qp.PartitionBy {
			keyExprs = append(keyExprs, k.String())
			qp.KeyNames = append(qp.KeyNames, k.String())
		}
	} else {
		for i, c := range src.Columns {
			if c.Role == types.KeyColumn {
				keyExprs = append(keyExprs, expr.NewColumn(i, c.Name, c.Type).String())
				qp.KeyNames = append(qp.KeyNames, c.Name)
			}
		}
	}
	return p.projectItems(qp, sel, b, keyExprs)
}

// projectItems binds the select list with b; an item whose expression renders as
// one of keyExprs becomes that key column of the result.
func (p *Planner) projectItems(qp *plan.QueryPlan, sel *parser.Select, b *binder, keyExprs []string) error {
	src := qp.Source
	qp.KeySlots = make([]int, len(keyExprs))
	for i := range qp.KeySlots {
		qp.KeySlots[i] = -1
	}
	names := map[string]bool{}
	aliases := newAliasGenerator(src.Columns)
	add := func(e expr.Expr, name string, pos int) error {
		if names[name] {
			return sqlerr.Newf(sqlerr.DuplicateColumn, "duplicate column name %s in the SELECT list; give one of them an alias with AS", types.QuoteIdent(name)).WithPosition(pos)
		}
		names[name] = true
		role := types.ValueColumn
		text := e.String()
		for slot, k := range keyExprs {
			if qp.KeySlots[slot] < 0 && k == text {
				qp.KeySlots[slot] = len(qp.Items)
				role = types.KeyColumn
				if qp.Join != nil && qp.Agg == nil && !qp.Rekeyed {
					// The key of a joined row is the join key, whichever side's
					// column names it: a right join's unmatched rows have a NULL
					// left column but a key.
					e = expr.NewColumn(qp.Join.RowKey, e.String(), e.Type())
				}
				break
			}
		}
		qp.Items = append(qp.Items, e)
		qp.Output = append(qp.Output, types.Column{Name: name, Type: e.Type(), Role: role})
		return nil
	}
	defer p.joinKeyFromAlternative(qp)
	if n := countTableCalls(sel.Items, p.Funcs); n > 0 {
		if err := startTableCalls(b, src, qp.Join, n, len(qp.Input), sel.Pos); err != nil {
			return err
		}
		defer finishTableCalls(b, qp)
	}
	for _, it := range sel.Items {
		if it.Star && b.scope.join != nil {
			if err := p.joinStar(it, b.scope.join, add); err != nil {
				return err
			}
			continue
		}
		if it.Star {
			if it.StarQualifier != "" && it.StarQualifier != src.Name && it.StarQualifier != b.scope.alias {
				return sqlerr.Newf(sqlerr.UndefinedTable, "%s is not a source in the FROM clause", it.StarQualifier).WithPosition(it.Pos)
			}
			if qp.Rekeyed {
				items, names := starWithPartition(qp)
				for i, e := range items {
					if err := add(e, names[i], it.Pos); err != nil {
						return err
					}
				}
				continue
			}
			windowCols := src.Window != nil && !p.persistent
			for i, c := range src.Columns {
				if windowCols && c.Role != types.KeyColumn && (i == 0 || src.Columns[i-1].Role == types.KeyColumn) {
					// A transient query over a windowed source shows the window
					// after the key, as ksqlDB does.
					if err := p.addWindowColumns(qp, add, it.Pos); err != nil {
						return err
					}
					windowCols = false
				}
				if err := add(expr.NewColumn(i, c.Name, c.Type), c.Name, it.Pos); err != nil {
					return err
				}
			}
			if windowCols {
				if err := p.addWindowColumns(qp, add, it.Pos); err != nil {
					return err
				}
			}
			continue
		}
		if sa, ok := it.Expr.(*parser.StructAll); ok {
			if err := p.structFields(sa, it, b, aliases, add); err != nil {
				return err
			}
			continue
		}
		e, err := b.bind(it.Expr)
		if err != nil {
			return err
		}
		if e.Type().Kind == types.KindUnknown {
			return sqlerr.Newf(sqlerr.DatatypeMismatch, "Can't infer a type of null. Please explicitly cast it to a required type, e.g. CAST(null AS VARCHAR).").WithPosition(it.Pos)
		}
		name := it.Alias
		if reservedColumns[name] {
			return sqlerr.Newf(sqlerr.InvalidName, "%s is a reserved column name. You cannot use it as an alias for a column.", types.QuoteIdent(name)).WithPosition(it.Pos)
		}
		if name == "" {
			name = aliases.nameFor(it.Expr)
			if ref, ok := it.Expr.(*parser.ColumnRef); ok && ref.Qualifier != "" && b.scope.join != nil {
				name = b.scope.join.itemName(ref)
			}
		}
		aliases.take(name)
		if err := add(e, name, it.Pos); err != nil {
			return err
		}
	}
	return nil
}

// timestampExpr computes a source's ROWTIME from its TIMESTAMP column, parsing
// strings with TIMESTAMP_FORMAT; nil when the record timestamp is used.
func (p *Planner) timestampExpr(src *catalog.Source) (expr.Expr, error) {
	if src.TimestampColumn == "" {
		return nil, nil
	}
	col, idx := src.Column(src.TimestampColumn)
	ref := expr.NewColumn(idx, col.Name, col.Type)
	switch col.Type.Kind {
	case types.KindString:
		return p.Funcs.Call("STRINGTOTIMESTAMP", []expr.Expr{ref, expr.NewLiteral(src.TimestampFormat, types.StringType)})
	default:
		return ref, nil
	}
}

// planOrderBy binds ORDER BY over the result columns (a pull query's output).
func (p *Planner) planOrderBy(qp *plan.QueryPlan, sel *parser.Select, params []any) error {
	if len(sel.OrderBy) == 0 {
		return nil
	}
	if sel.Emit != parser.EmitNone {
		return sqlerr.New(sqlerr.FeatureNotSupported, "ORDER BY is only supported in pull queries: a push query's rows arrive as they happen").WithPosition(sel.OrderBy[0].Expr.Position())
	}
	sc := &scope{source: qp.Source, columns: qp.Output, width: len(qp.Output)}
	b := &binder{scope: sc, funcs: p.Funcs, params: params}
	for _, o := range sel.OrderBy {
		e, err := b.bind(o.Expr)
		if err != nil {
			return err
		}
		qp.OrderBy = append(qp.OrderBy, plan.OrderKey{Expr: e, Desc: o.Desc})
	}
	return nil
}

// joinKeyFromAlternative makes the first projected column of the other side's
// join column the key when the preferred one (the left side's, or the right's
// for a RIGHT JOIN) is not projected: both hold the join key.
func (p *Planner) joinKeyFromAlternative(qp *plan.QueryPlan) {
	if qp.Join == nil || qp.Agg != nil || qp.Rekeyed || len(qp.KeySlots) != 1 || qp.KeySlots[0] >= 0 {
		return
	}
	_, alts := joinKeyExprs(qp.Join)
	for i, e := range qp.Items {
		if alts[e.String()] != "" {
			qp.KeySlots[0] = i
			qp.Output[i].Role = types.KeyColumn
			qp.Items[i] = expr.NewColumn(qp.Join.RowKey, e.String(), e.Type())
			return
		}
	}
}

// structFields expands a SELECT item s->* into one column per field of the
// struct s, in the struct's order, each named after its field.
func (p *Planner) structFields(sa *parser.StructAll, it parser.SelectItem, b *binder, aliases *aliasGenerator, add func(expr.Expr, string, int) error) error {
	if it.Alias != "" {
		return sqlerr.Newf(sqlerr.SyntaxError, "%s selects several columns and cannot have an alias", parser.FormatExpr(sa)).WithPosition(it.Pos)
	}
	e, err := b.bind(sa.E)
	if err != nil {
		return err
	}
	t := e.Type()
	if t.Kind != types.KindStruct {
		return sqlerr.Newf(sqlerr.DatatypeMismatch, "Expected STRUCT type for %s, got: %s", parser.FormatExpr(sa), t).WithPosition(it.Pos)
	}
	for _, f := range t.Fields {
		d, err := expr.NewDeref(e, f.Name)
		if err != nil {
			return sqlerr.As(err).WithPosition(it.Pos)
		}
		if reservedColumns[f.Name] {
			return sqlerr.Newf(sqlerr.InvalidName, "%s is a reserved column name. You cannot use it as an alias for a column.", types.QuoteIdent(f.Name)).WithPosition(it.Pos)
		}
		aliases.take(f.Name)
		if err := add(d, f.Name, it.Pos); err != nil {
			return err
		}
	}
	return nil
}
