package expr

import (
	"strings"

	"github.com/sluice-db/sluice/types"
)

// Case is CASE [operand] WHEN c THEN r ... [ELSE e] END. Branches are evaluated
// lazily: only the chosen result is computed.
type Case struct {
	Operand Expr // nil for a searched CASE
	Conds   []Expr
	Results []Expr
	Else    Expr // nil means ELSE NULL
	T       *types.Type
}

// NewCase binds a simple (operand != nil) or searched CASE. All results are
// coerced to a common type; a CASE whose branches are all NULL is rejected.
func NewCase(operand Expr, conds, results []Expr, elseExpr Expr) (Expr, error) {
	if len(conds) != len(results) || len(conds) == 0 {
		return nil, mismatch("Invalid Case expression: %d conditions and %d results", len(conds), len(results))
	}
	c := &Case{Conds: make([]Expr, len(conds)), Results: make([]Expr, len(results))}
	for i, cond := range conds {
		if operand != nil {
			eq, err := newComparison("=", operand, cond)
			if err != nil {
				return nil, err
			}
			c.Conds[i] = eq
			continue
		}
		if k := cond.Type().Kind; k != types.KindBoolean && k != types.KindUnknown {
			return nil, mismatch("WHEN operand type should be boolean. Type for '%s' is %s", cond, cond.Type())
		}
		c.Conds[i] = cond
	}
	all := exprTypes(results)
	if elseExpr != nil {
		all = append(all, elseExpr.Type())
	}
	t, ok := commonType(all)
	if !ok {
		return nil, mismatch("Invalid Case expression. Type for all 'THEN' clauses should be the same. Got %s", typeList(all))
	}
	if t.Kind == types.KindUnknown {
		return nil, mismatch("Invalid Case expression. All case branches have NULL type")
	}
	for i, r := range results {
		if c.Results[i], ok = coerceTo(r, t); !ok {
			return nil, mismatch("Invalid Case expression: cannot coerce %s to %s", r, t)
		}
	}
	if elseExpr != nil {
		if c.Else, ok = coerceTo(elseExpr, t); !ok {
			return nil, mismatch("Invalid Case expression: cannot coerce %s to %s", elseExpr, t)
		}
	}
	c.Operand, c.T = operand, t
	return c, nil
}

// coerceTo is ImplicitCast reporting failure as a bool.
func coerceTo(e Expr, t *types.Type) (Expr, bool) {
	out, err := ImplicitCast(e, t)
	return out, err == nil
}

func (c *Case) Type() *types.Type { return c.T }

func (c *Case) Eval(row []any) (any, error) {
	for i, cond := range c.Conds {
		v, err := cond.Eval(row)
		if err != nil {
			return nil, err
		}
		if v == true {
			return c.Results[i].Eval(row)
		}
	}
	if c.Else == nil {
		return nil, nil
	}
	return c.Else.Eval(row)
}

func (c *Case) String() string {
	var b strings.Builder
	b.WriteString("(CASE")
	for i, cond := range c.Conds {
		b.WriteString(" WHEN ")
		if c.Operand != nil {
			cond = cond.(*Binary).R
		}
		b.WriteString(cond.String())
		b.WriteString(" THEN ")
		b.WriteString(c.Results[i].String())
	}
	if c.Else != nil {
		b.WriteString(" ELSE ")
		b.WriteString(c.Else.String())
	}
	b.WriteString(" END)")
	return b.String()
}

func (c *Case) children() []Expr {
	out := append(append([]Expr{}, c.Conds...), c.Results...)
	if c.Else != nil {
		out = append(out, c.Else)
	}
	return out
}
