package planner

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sluice-db/sluice/plan"

	"github.com/sluice-db/sluice/parser"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// PropNewQueryPlanner is ksqlDB's switch for its newer logical planner. Under it a
// stream's key columns follow the projection's order and a key column left out
// of the projection is dropped from the key instead of being an error.
const PropNewQueryPlanner = "ksql.new.query.planner.enabled"

// checkPersistentResult applies the rules ksqlDB has for the result of a query
// that writes to sinkName: pseudo-columns are named explicitly, every key column
// is projected exactly once, and something is left for the record value.
// session may be nil (INSERT INTO keeps the target's schema).
func checkPersistentResult(qp *plan.QueryPlan, sel *parser.Select, sinkName string, session map[string]string) error {
	for _, it := range sel.Items {
		if ref, ok := it.Expr.(*parser.ColumnRef); ok && it.Alias == "" && !(qp.Join != nil && ref.Qualifier != "") {
			switch ref.Name {
			case plan.RowTime, plan.RowPartition, plan.RowOffset:
				return sqlerr.Newf(sqlerr.InvalidName, "Reserved column name in select: %s. Please remove or alias the column.", types.QuoteIdent(ref.Name)).WithPosition(it.Pos)
			}
		}
	}
	if strings.EqualFold(session[PropNewQueryPlanner], "true") && !qp.Rekeyed && len(sel.GroupBy) == 0 {
		keysInProjectionOrder(qp)
	}
	if err := checkKeysProjected(qp, sel, sinkName); err != nil {
		return err
	}
	for slot, item := range qp.KeySlots {
		key := qp.Items[item].String()
		aliases := []string{qp.Output[item].Name}
		for i, e := range qp.Items {
			if i != item && qp.Output[i].Role != types.KeyColumn && e.String() == key {
				aliases = append(aliases, qp.Output[i].Name)
			}
		}
		if len(aliases) > 1 {
			last := len(aliases) - 1
			return sqlerr.Newf(sqlerr.InvalidObjectDefinition, "The projection contains a key column (%s) more than once, aliased as: %s and %s.",
				types.QuoteIdent(qp.Output[qp.KeySlots[slot]].Name), strings.Join(aliases[:last], ", "), aliases[last])
		}
	}
	for _, c := range qp.Output {
		if c.Role != types.KeyColumn {
			return nil
		}
	}
	return sqlerr.New(sqlerr.InvalidObjectDefinition, "The projection contains no value columns.").WithPosition(sel.Pos)
}

// keysInProjectionOrder drops key columns that are not projected and orders the
// rest as the projection does.
func keysInProjectionOrder(qp *plan.QueryPlan) {
	type key struct {
		slot int
		name string
	}
	var keys []key
	for i, slot := range qp.KeySlots {
		if slot >= 0 {
			keys = append(keys, key{slot, qp.KeyNames[i]})
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].slot < keys[j].slot })
	qp.KeySlots, qp.KeyNames = qp.KeySlots[:0], qp.KeyNames[:0]
	for _, k := range keys {
		qp.KeySlots = append(qp.KeySlots, k.slot)
		qp.KeyNames = append(qp.KeyNames, k.name)
	}
}

// checkKeysProjected enforces that every key of the result is in its projection,
// naming the key as ksqlDB does: all key columns, all PARTITION BY expressions
// (qualified with the source), or the GROUP BY expressions that are missing.
func checkKeysProjected(qp *plan.QueryPlan, sel *parser.Select, sinkName string) error {
	missing := false
	for _, item := range qp.KeySlots {
		missing = missing || item < 0
	}
	if !missing {
		return nil
	}
	what, names := "key column", qp.KeyNames
	if qp.Join != nil && qp.Agg == nil && !qp.Rekeyed {
		names = joinKeyNames(qp.Join)
		what = "join expression"
		if len(names) > 1 {
			what += "s"
		}
		list := names[0]
		if n := len(names); n > 1 {
			list = strings.Join(names[:n-1], ", ") + " or " + names[n-1]
		}
		msg := fmt.Sprintf("The query used to build %s must include the %s %s in its projection (eg, SELECT %s...).",
			types.QuoteIdent(sinkName), what, list, names[0])
		if qp.Join.SyntheticKey {
			msg += "\nROWKEY was added as a synthetic key column because the join criteria did not match any source column. This expression must be included in the projection and may be aliased."
		}
		return sqlerr.New(sqlerr.InvalidObjectDefinition, msg).WithPosition(sel.Pos)
	}
	switch {
	case len(sel.GroupBy) > 0:
		// ksqlDB names only the grouping expressions that are missing.
		what, names = "grouping expression", nil
		for slot, item := range qp.KeySlots {
			if item < 0 {
				names = append(names, qp.KeyNames[slot])
			}
		}
	case qp.Rekeyed:
		what, names = "partitioning expression", qualifiedExprs(sel, sel.PartitionBy)
	}
	if len(names) > 1 {
		what += "s"
	}
	list := names[0]
	if n := len(names); n > 1 {
		list = strings.Join(names[:n-1], ", ") + " and " + names[n-1]
	}
	return sqlerr.Newf(sqlerr.InvalidObjectDefinition,
		"The query used to build %s must include the %s %s in its projection (eg, SELECT %s...).",
		types.QuoteIdent(sinkName), what, list, strings.Join(names, ", "))
}

// qualifiedExprs renders es with every column reference qualified by the FROM
// source (its alias when it has one), as ksqlDB prints expressions in errors.
func qualifiedExprs(sel *parser.Select, es []parser.Expr) []string {
	qualifier := ""
	if ref, ok := sel.From.(*parser.TableRef); ok {
		qualifier = ref.Name
		if ref.Alias != "" {
			qualifier = ref.Alias
		}
	}
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = formatQualified(e, qualifier)
	}
	return out
}

// formatQualified renders e with its unqualified column references qualified
// by qualifier, as ksqlDB prints expressions in errors. e is left as it was.
func formatQualified(e parser.Expr, qualifier string) string {
	var bare []*parser.ColumnRef
	parser.Walk(e, func(n parser.Expr) bool {
		if c, ok := n.(*parser.ColumnRef); ok && c.Qualifier == "" {
			bare = append(bare, c)
		}
		return true
	})
	for _, c := range bare {
		c.Qualifier = qualifier
	}
	out := parser.FormatExpr(e)
	for _, c := range bare {
		c.Qualifier = ""
	}
	return out
}
