package planner

import (
	"fmt"

	"github.com/sluice-db/sluice/plan"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/expr"
	"github.com/sluice-db/sluice/parser"
	"github.com/sluice-db/sluice/types"
)

// aliasGenerator names result columns that the query does not name, as ksqlDB
// does: a struct dereference takes its field name, suffixed _1, _2, ... while
// that name is taken; any other expression takes the next free KSQL_COL_n. Names
// are taken by the source's columns and by every name handed out so far.
type aliasGenerator struct {
	used map[string]bool
	next int // n of the next KSQL_COL_n to try
}

func newAliasGenerator(cols []types.Column) *aliasGenerator {
	g := &aliasGenerator{used: make(map[string]bool, len(cols))}
	for _, c := range cols {
		g.used[c.Name] = true
	}
	return g
}

// take marks name as used.
func (g *aliasGenerator) take(name string) { g.used[name] = true }

// nameFor returns the column name of an un-aliased expression: the column's own
// name for a column reference, else a generated one.
func (g *aliasGenerator) nameFor(e parser.Expr) string {
	switch e := e.(type) {
	case *parser.ColumnRef:
		return e.Name
	case *parser.Deref:
		return g.fieldAlias(e.Field)
	}
	return g.generated()
}

func (g *aliasGenerator) fieldAlias(field string) string {
	name := field
	for i := 1; g.used[name]; i++ {
		name = fmt.Sprintf("%s_%d", field, i)
	}
	g.used[name] = true
	return name
}

func (g *aliasGenerator) generated() string {
	for {
		name := fmt.Sprintf("KSQL_COL_%d", g.next)
		g.next++
		if !g.used[name] {
			g.used[name] = true
			return name
		}
	}
}

// partitionKeys names the key columns that PARTITION BY creates: a column keeps
// its name, a struct field its field name, anything else KSQL_COL_n (ksqlDB
// names them over the row being re-keyed, pseudo-columns included).
func partitionKeys(src *catalog.Source, pbs []parser.Expr, bound []expr.Expr) []types.Column {
	g := newAliasGenerator(plan.InputLayout(src))
	keys := make([]types.Column, len(pbs))
	for i, pb := range pbs {
		keys[i] = types.Column{Name: g.nameFor(pb), Type: bound[i].Type(), Role: types.KeyColumn}
	}
	return keys
}

// isNullLiteral reports whether e is the literal NULL (PARTITION BY NULL).
func isNullLiteral(e parser.Expr) bool {
	l, ok := e.(*parser.Literal)
	return ok && l.Value == nil
}

// starWithPartition expands SELECT * over a re-keyed stream as ksqlDB does: the
// new key columns first, then the source's value columns and its old key
// columns, leaving out any column the new key replaces by name.
func starWithPartition(qp *plan.QueryPlan) (items []expr.Expr, names []string) {
	isKey := map[string]bool{}
	for i, k := range qp.PartitionKeys {
		isKey[k.Name] = true
		items = append(items, qp.PartitionBy[i])
		names = append(names, k.Name)
	}
	for _, wantKey := range []bool{false, true} {
		for i, c := range qp.Source.Columns {
			if (c.Role == types.KeyColumn) != wantKey || isKey[c.Name] {
				continue
			}
			items = append(items, expr.NewColumn(i, c.Name, c.Type))
			names = append(names, c.Name)
		}
	}
	return items, names
}
