package planner

import (
	"fmt"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/expr"
	"github.com/sluice-db/sluice/parser"
	"github.com/sluice-db/sluice/plan"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// tableCalls collects the table function calls of a SELECT list while it is
// bound (ksqlDB's FlatMapNode): each call becomes a column after the input
// row, KSQL_SYNTH_n, that the item reads in its place, so a call may sit
// inside any expression of the item (ABS(EXPLODE(a)) + 1) except a CASE or
// another table function's arguments.
type tableCalls struct {
	base  int // row slot of the first call's column
	calls []*expr.TableCall
	// within is the table function whose arguments are being bound; inCase the
	// innermost CASE around the expression being bound.
	within string
	inCase *parser.Case
}

// countTableCalls counts the table function calls in a SELECT list.
func countTableCalls(items []parser.SelectItem, funcs *expr.Registry) int {
	n := 0
	for _, it := range items {
		parser.Walk(it.Expr, func(e parser.Expr) bool {
			if c, ok := e.(*parser.Call); ok && funcs.IsTableFunction(c.Name) {
				n++
			}
			return true
		})
	}
	return n
}

// containsTableCall reports whether e calls a table function.
func containsTableCall(e parser.Expr, funcs *expr.Registry) *parser.Call {
	var found *parser.Call
	parser.Walk(e, func(x parser.Expr) bool {
		if c, ok := x.(*parser.Call); ok && funcs.IsTableFunction(c.Name) && found == nil {
			found = c
		}
		return found == nil
	})
	return found
}

// errTableFunctionWithAggregation is ksqlDB's refusal of a table function in a
// GROUP BY query.
func errTableFunctionWithAggregation(c *parser.Call) error {
	return sqlerr.New(sqlerr.FeatureNotSupported, "Table functions cannot be used with aggregations.").WithPosition(c.Pos)
}

// startTableCalls prepares b to bind a SELECT list with n table function calls
// over a row of width input: their columns take the slots after the row, so
// lambda parameters go after them.
func startTableCalls(b *binder, src *catalog.Source, join *plan.Join, n, input int, pos int) error {
	fromTable := src.Kind == catalog.Table
	if join != nil {
		fromTable = join.Kind == plan.TableTable
	}
	if fromTable {
		return sqlerr.New(sqlerr.FeatureNotSupported, "Table source is not supported with table functions").WithPosition(pos)
	}
	b.tables = &tableCalls{base: input}
	b.scope.width = input + n
	return nil
}

// finishTableCalls records the bound calls in the plan and restores b.
func finishTableCalls(b *binder, qp *plan.QueryPlan) {
	t := b.tables
	b.tables = nil
	if t == nil || len(t.calls) == 0 {
		return
	}
	b.scope.width = t.base
	fm := &plan.FlatMap{Calls: t.calls}
	for i, c := range t.calls {
		fm.Columns = append(fm.Columns, types.Column{Name: fmt.Sprintf("%s%d", plan.SynthPrefix, i), Type: c.Type()})
	}
	qp.FlatMap = fm
}

// bindTableCall binds a table function call of a SELECT item into the column
// that holds its values.
func (b *binder) bindTableCall(n *parser.Call) (expr.Expr, error) {
	t := b.tables
	if t.within != "" {
		return nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "Table functions cannot be nested: %s(%s())", t.within, n.Name).WithPosition(n.Pos)
	}
	if t.inCase != nil {
		return nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "Table functions cannot be used in CASE: %s", parser.FormatExpr(t.inCase)).WithPosition(n.Pos)
	}
	if n.Star {
		return nil, sqlerr.Newf(sqlerr.UndefinedFunction, "%s(*) is not a function: only aggregate functions take *", n.Name).WithPosition(n.Pos)
	}
	t.within = n.Name
	args, err := b.bindAll(n.Args)
	t.within = ""
	if err != nil {
		return nil, err
	}
	call, err := b.funcs.TableCall(n.Name, args)
	if err != nil {
		return nil, sqlerr.As(err).WithPosition(n.Pos)
	}
	i := len(t.calls)
	t.calls = append(t.calls, call)
	return expr.NewColumn(t.base+i, fmt.Sprintf("%s%d", plan.SynthPrefix, i), call.Type()), nil
}
