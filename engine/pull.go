package engine

import (
	"context"
	"sort"
	"strconv"

	"github.com/sluice-db/sluice/plan"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/exec"
	"github.com/sluice-db/sluice/expr"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// materializer returns the id of the query whose state holds table's rows.
func (e *Engine) materializer(table *catalog.Source) (string, error) {
	for _, q := range e.catalog.Writers(table.Name) {
		if q.Kind == catalog.CreateAsSelect {
			return q.ID, nil
		}
	}
	return "", sqlerr.Newf(sqlerr.FeatureNotSupported,
		"Table '%s' is not materialized: pull queries need a table built by CREATE TABLE ... AS SELECT. Use EMIT CHANGES for a push query over it.", table.Name)
}

// pullTable answers a pull query over a materialized table: scan its rows, filter,
// then (beyond ksqlDB) aggregate, project, sort and limit.
func (s *Session) pullTable(ctx context.Context, qp *plan.QueryPlan, w ResultWriter) error {
	e := s.engine
	if e.cfg.State == nil {
		return sqlerr.New(sqlerr.FeatureNotSupported, "pull queries need the state store, which this engine was started without")
	}
	qid, err := e.materializer(qp.Source)
	if err != nil {
		return err
	}
	if err := e.checkRestored(qid, qp.Source); err != nil {
		return err
	}
	if key, ok := pullKey(qp); ok {
		// WHERE still filters the rows read: the lookup only narrows them.
		return s.answerPull(ctx, qp, w, func(fn func(row []any) (bool, error)) error {
			return s.scanTable(ctx, qid, qp.Source, len(qp.Input), []any{key}, fn)
		})
	}
	return s.answerPull(ctx, qp, w, func(fn func(row []any) (bool, error)) error {
		return s.scanTable(ctx, qid, qp.Source, len(qp.Input), nil, fn)
	})
}

// pullKey finds, in a pull query over a table with one key column, a WHERE
// conjunct fixing that column to a literal of its own type: the query then reads
// one row per partition instead of scanning the table. Windowed tables, several
// key columns, and anything else (casts, OR, other operators) scan.
func pullKey(qp *plan.QueryPlan) (any, bool) {
	src := qp.Source
	if qp.Where == nil || src.Window != nil || src.Partitions <= 0 {
		return nil, false
	}
	keyIdx := -1
	for i, c := range src.Columns {
		if c.Role == types.KeyColumn {
			if keyIdx >= 0 {
				return nil, false
			}
			keyIdx = i
		}
	}
	if keyIdx < 0 {
		return nil, false
	}
	var find func(e expr.Expr) (any, bool)
	find = func(e expr.Expr) (any, bool) {
		switch e := e.(type) {
		case *expr.Logic:
			if e.Op != "AND" {
				return nil, false
			}
			if v, ok := find(e.L); ok {
				return v, true
			}
			return find(e.R)
		case *expr.Binary:
			if e.Op != "=" {
				return nil, false
			}
			col, lit := e.L, e.R
			if _, ok := col.(*expr.Literal); ok {
				col, lit = lit, col
			}
			c, ok1 := col.(*expr.Column)
			l, ok2 := lit.(*expr.Literal)
			if !ok1 || !ok2 || c.Index != keyIdx || l.V == nil || !l.T.Equal(src.Columns[keyIdx].Type) {
				return nil, false
			}
			return l.V, true
		}
		return nil, false
	}
	return find(qp.Where)
}

// pullJoin answers a pull query over a join of materialized tables (beyond
// ksqlDB): each table's rows are read from its state and joined in memory, then
// filtered, aggregated, projected, sorted and limited as over one table.
func (s *Session) pullJoin(ctx context.Context, qp *plan.QueryPlan, w ResultWriter) error {
	e := s.engine
	if e.cfg.State == nil {
		return sqlerr.New(sqlerr.FeatureNotSupported, "pull queries need the state store, which this engine was started without")
	}
	leaves := qp.Join.Leaves()
	rows := make([][][]any, len(leaves))
	for i, leaf := range leaves {
		src := leaf.Source
		if src.Kind != catalog.Table {
			return sqlerr.New(sqlerr.FeatureNotSupported, "Pull queries don't support JOIN clauses over streams. See https://cnfl.io/queries for more info.\nAdd EMIT CHANGES if you intended to issue a push query.")
		}
		qid, err := e.materializer(src)
		if err != nil {
			return err
		}
		if err := e.checkRestored(qid, src); err != nil {
			return err
		}
		err = s.scanTable(ctx, qid, src, len(leaf.Input), nil, func(row []any) (bool, error) {
			rows[i] = append(rows[i], row)
			return ctx.Err() == nil, ctx.Err()
		})
		if err != nil {
			return err
		}
	}
	joined, err := exec.JoinTables(qp, rows)
	if err != nil {
		return err
	}
	return s.answerPull(ctx, qp, w, func(fn func(row []any) (bool, error)) error {
		for _, r := range joined {
			if more, err := fn(r); err != nil || !more {
				return err
			}
		}
		return nil
	})
}

// DefaultMaxPullRows bounds the rows (or groups) a pull query holds in memory
// at once, for ORDER BY or GROUP BY: beyond it the query fails with 53200
// rather than take the node's memory. ORDER BY with a LIMIT holds only about
// twice the limit, and a query with neither streams its rows.
const DefaultMaxPullRows = 1_000_000

// answerPull filters, aggregates, projects, sorts and limits the rows scan
// gives, and writes the result.
func (s *Session) answerPull(ctx context.Context, qp *plan.QueryPlan, w ResultWriter, scan func(fn func(row []any) (bool, error)) error) error {
	cols := make([]types.Column, len(qp.Output))
	for i, c := range qp.Output {
		cols[i] = types.Column{Name: c.Name, Type: c.Type}
	}
	var groups *pullGroups
	if qp.Agg != nil {
		groups = newPullGroups(qp.Agg)
	}
	ordered := len(qp.OrderBy) > 0
	streaming := groups == nil && !ordered
	if streaming {
		if err := w.Columns(cols); err != nil {
			return err
		}
	}
	limit := s.engine.cfg.MaxPullRows
	if limit <= 0 {
		limit = DefaultMaxPullRows
	}
	var rows [][]any
	written := 0
	err := scan(func(row []any) (bool, error) {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		if qp.Where != nil {
			v, err := qp.Where.Eval(row)
			if err != nil {
				return false, sqlerr.New(sqlerr.DataException, err.Error())
			}
			if b, ok := v.(bool); !ok || !b {
				return true, nil
			}
		}
		if groups != nil {
			if err := groups.add(row); err != nil {
				return false, err
			}
			if len(groups.order) > limit {
				return false, tooManyPullRows(limit, "groups")
			}
			return true, nil
		}
		out, err := evalAll(qp.Items, row)
		if err != nil {
			return false, err
		}
		if streaming {
			// Without ORDER BY the first LIMIT rows are the answer.
			if qp.Limit >= 0 && int64(written) >= qp.Limit {
				return false, nil // LIMIT 0
			}
			if err := w.Row(out); err != nil {
				return false, err
			}
			written++
			return qp.Limit < 0 || int64(written) < qp.Limit, nil
		}
		rows = append(rows, out)
		if qp.Limit >= 0 && int64(len(rows)) >= min(max(2*qp.Limit, 1024), int64(limit)) {
			// Only the first LIMIT rows in order can be in the answer.
			if err := sortRows(rows, qp); err != nil {
				return false, err
			}
			rows = rows[:min(int64(len(rows)), qp.Limit)]
		}
		if len(rows) > limit {
			return false, tooManyPullRows(limit, "rows to sort")
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	if streaming {
		return w.Complete("SELECT " + strconv.Itoa(written))
	}
	if groups != nil {
		if rows, err = groups.results(qp); err != nil {
			return err
		}
	}
	if ordered {
		if err := sortRows(rows, qp); err != nil {
			return err
		}
	}
	if qp.Limit >= 0 && int64(len(rows)) > qp.Limit {
		rows = rows[:qp.Limit]
	}
	if err := w.Columns(cols); err != nil {
		return err
	}
	for _, r := range rows {
		if err := w.Row(r); err != nil {
			return err
		}
	}
	return w.Complete("SELECT " + strconv.Itoa(len(rows)))
}

func tooManyPullRows(limit int, what string) error {
	return sqlerr.Newf(sqlerr.OutOfMemory, "the pull query holds more than %d %s in memory", limit, what).
		WithHint("Add a WHERE clause or a LIMIT, or use a push query (EMIT CHANGES).")
}

func evalAll(items []expr.Expr, row []any) ([]any, error) {
	out := make([]any, len(items))
	for i, it := range items {
		v, err := it.Eval(row)
		if err != nil {
			return nil, sqlerr.New(sqlerr.DataException, err.Error())
		}
		out[i] = v
	}
	return out, nil
}

func sortRows(rows [][]any, qp *plan.QueryPlan) error {
	keys := make([][]any, len(rows))
	for i, r := range rows {
		k, err := evalAll(orderExprs(qp.OrderBy), r)
		if err != nil {
			return err
		}
		keys[i] = k
	}
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		for j, o := range qp.OrderBy {
			x, y := keys[idx[a]][j], keys[idx[b]][j]
			var c int
			switch {
			case x == nil && y == nil:
				c = 0
			case x == nil: // NULLs sort last ascending, first descending, as in Postgres
				c = 1
			case y == nil:
				c = -1
			default:
				c = expr.Compare(x, y, o.Expr.Type())
			}
			if o.Desc {
				c = -c
			}
			if c != 0 {
				return c < 0
			}
		}
		return false
	})
	sorted := make([][]any, len(rows))
	for i, j := range idx {
		sorted[i] = rows[j]
	}
	copy(rows, sorted)
	return nil
}

func orderExprs(keys []plan.OrderKey) []expr.Expr {
	out := make([]expr.Expr, len(keys))
	for i, k := range keys {
		out[i] = k.Expr
	}
	return out
}

// pullGroups aggregates the rows of a pull query in memory (GROUP BY over a
// materialized table, beyond ksqlDB).
type pullGroups struct {
	agg   *plan.Aggregation
	order []string
	byKey map[string]*pullGroup
}

type pullGroup struct {
	keyVals []any
	states  []any
}

func newPullGroups(agg *plan.Aggregation) *pullGroups {
	return &pullGroups{agg: agg, byKey: map[string]*pullGroup{}}
}

func (g *pullGroups) add(row []any) error {
	keyVals, err := evalAll(g.agg.GroupBy, row)
	if err != nil {
		return err
	}
	kb, err := types.AppendBinaryRow(nil, keyVals)
	if err != nil {
		return err
	}
	grp, ok := g.byKey[string(kb)]
	if !ok {
		grp = &pullGroup{keyVals: keyVals, states: make([]any, len(g.agg.Calls))}
		for i, c := range g.agg.Calls {
			grp.states[i] = c.Func.Init()
		}
		g.byKey[string(kb)] = grp
		g.order = append(g.order, string(kb))
	}
	for i, c := range g.agg.Calls {
		args, err := evalAll(c.Args, row)
		if err != nil {
			return err
		}
		grp.states[i] = c.Func.Add(grp.states[i], args)
	}
	return nil
}

func (g *pullGroups) results(qp *plan.QueryPlan) ([][]any, error) {
	var rows [][]any
	post := make([]any, len(g.agg.Post))
	for _, k := range g.order {
		grp := g.byKey[k]
		copy(post, grp.keyVals)
		for i, c := range g.agg.Calls {
			v, err := c.Func.Final(grp.states[i])
			if err != nil {
				return nil, err
			}
			post[g.agg.CallBase()+i] = v
		}
		if g.agg.Having != nil {
			v, err := g.agg.Having.Eval(post)
			if err != nil {
				return nil, sqlerr.New(sqlerr.DataException, err.Error())
			}
			if b, ok := v.(bool); !ok || !b {
				continue
			}
		}
		out, err := evalAll(qp.Items, post)
		if err != nil {
			return nil, err
		}
		rows = append(rows, out)
	}
	return rows, nil
}

// checkRestored refuses to read a table whose state is being rebuilt from its
// changelog: its rows would be silently partial.
func (e *Engine) checkRestored(queryID string, table *catalog.Source) error {
	e.mu.Lock()
	run := e.running[queryID]
	e.mu.Unlock()
	if run != nil && run.Restoring() {
		return sqlerr.Newf(sqlerr.ObjectNotInPrerequisiteState, "Table '%s' is being restored from its changelog; its rows are incomplete until that finishes. Try again shortly.", table.Name)
	}
	return nil
}
