package pgeval

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/sluice-db/sluice/sqlerr"
)

// maxRecursiveRows bounds what a recursive CTE may produce: an evaluation that
// materializes everything must stop a recursion that does not end.
const maxRecursiveRows = 1_000_000

// compileRecursiveCTE compiles a WITH RECURSIVE query that refers to itself, as
// Postgres evaluates it: the non-recursive term's rows, then the recursive
// term run over the rows the previous step added (the working table) until it
// adds none; UNION (not ALL) drops rows already produced.
func (c *compiler) compileRecursiveCTE(cte *pg_query.CommonTableExpr, s *pg_query.SelectStmt, parent *scope) (*compiledSelect, error) {
	if s.Op != pg_query.SetOperation_SETOP_UNION {
		return nil, sqlerr.Newf("42P19", "recursive query %q does not have the form non-recursive-term UNION [ALL] recursive-term", cte.Ctename)
	}
	if len(s.SortClause) > 0 || s.LimitCount != nil || s.LimitOffset != nil {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "ORDER BY, LIMIT and OFFSET in a recursive query are not implemented")
	}
	base, err := c.compileSelect(s.Larg, parent)
	if err != nil {
		return nil, err
	}
	cols := append([]Column(nil), base.cols...)
	for i, a := range cte.Aliascolnames {
		if i < len(cols) {
			cols[i].Name = strVal(a)
		}
	}
	var working [][]any
	c.ctes[cte.Ctename] = &cteDef{sel: &compiledSelect{cols: cols, run: func(*env) ([][]any, error) { return working, nil }}}
	step, err := c.compileSelect(s.Rarg, parent)
	if err != nil {
		return nil, err
	}
	if len(step.cols) != len(cols) {
		return nil, sqlerr.Newf(sqlerr.SyntaxError, "each UNION query must have the same number of columns")
	}
	all := s.All
	return &compiledSelect{cols: cols, run: func(outer *env) ([][]any, error) {
		seen := map[string]bool{}
		var out [][]any
		add := func(rows [][]any) [][]any {
			if all {
				out = append(out, rows...)
				return rows
			}
			var fresh [][]any
			for _, r := range rows {
				k := valueKey(r)
				if !seen[k] {
					seen[k] = true
					fresh = append(fresh, r)
				}
			}
			out = append(out, fresh...)
			return fresh
		}
		rows, err := base.run(&env{rc: outer.rc})
		if err != nil {
			return nil, err
		}
		for added := add(rows); len(added) > 0; {
			if err := outer.rc.ctx.Context.Err(); err != nil {
				return nil, err
			}
			if len(out) > maxRecursiveRows {
				return nil, sqlerr.Newf("54000", "recursive query %q produced more than %d rows", cte.Ctename, maxRecursiveRows)
			}
			working = added
			next, err := step.run(&env{rc: outer.rc})
			if err != nil {
				return nil, err
			}
			added = add(next)
		}
		working = nil
		return out, nil
	}}, nil
}

// refersTo reports whether n reads a relation named name with no schema.
func refersTo(n *pg_query.Node, name string) bool {
	return anyNode(n, func(m protoreflect.Message) bool {
		rv, ok := m.Interface().(*pg_query.RangeVar)
		return ok && rv.Schemaname == "" && rv.Relname == name
	})
}
