package expr

import (
	"github.com/cockroachdb/apd/v3"
	"github.com/sluice-db/sluice/types"
)

// Logic is AND or OR with SQL three-valued logic: FALSE AND NULL is FALSE,
// TRUE OR NULL is TRUE, otherwise NULL poisons the result.
type Logic struct {
	Op   string
	L, R Expr
}

func newLogic(op string, l, r Expr) (Expr, error) {
	for _, e := range []Expr{l, r} {
		if k := e.Type().Kind; k != types.KindBoolean && k != types.KindUnknown {
			return nil, mismatch("%s requires BOOLEAN operands, got %s (%s)", op, e, e.Type())
		}
	}
	return &Logic{Op: op, L: l, R: r}, nil
}

func (g *Logic) Type() *types.Type { return types.BooleanType }

func (g *Logic) Eval(row []any) (any, error) {
	short := g.Op == "OR" // the value that decides the result on its own
	l, err := g.L.Eval(row)
	if err != nil {
		return nil, err
	}
	if l == short {
		return short, nil
	}
	r, err := g.R.Eval(row)
	if err != nil {
		return nil, err
	}
	if r == short {
		return short, nil
	}
	if l == nil || r == nil {
		return nil, nil
	}
	return !short, nil
}

func (g *Logic) String() string { return "(" + g.L.String() + " " + g.Op + " " + g.R.String() + ")" }

func (g *Logic) children() []Expr { return []Expr{g.L, g.R} }

// Unary is NOT, unary minus or unary plus.
type Unary struct {
	Op string
	E  Expr
	fn func(v any) any
}

// NewUnary binds NOT e, -e or +e.
func NewUnary(op string, e Expr) (Expr, error) {
	t := e.Type()
	switch op {
	case "NOT":
		if t.Kind != types.KindBoolean && t.Kind != types.KindUnknown {
			return nil, mismatch("NOT requires a BOOLEAN operand, got %s (%s)", e, t)
		}
		return &Unary{Op: op, E: e, fn: func(v any) any { return !v.(bool) }}, nil
	case "+", "-":
		if !t.IsNumeric() && t.Kind != types.KindUnknown {
			return nil, mismatch("unary %s requires a numeric operand, got %s (%s)", op, e, t)
		}
		if op == "+" {
			return &Unary{Op: op, E: e, fn: func(v any) any { return v }}, nil
		}
		return &Unary{Op: op, E: e, fn: negate}, nil
	}
	return nil, mismatch("unknown unary operator %s", op)
}

// negate wraps like Java for the most negative integer.
func negate(v any) any {
	switch x := v.(type) {
	case int32:
		return -x
	case int64:
		return -x
	case float64:
		return -x
	case *apd.Decimal:
		return new(apd.Decimal).Neg(x)
	}
	return nil
}

func (u *Unary) Type() *types.Type {
	if u.Op == "NOT" {
		return types.BooleanType
	}
	return u.E.Type()
}

func (u *Unary) Eval(row []any) (any, error) {
	v, err := u.E.Eval(row)
	if err != nil || v == nil {
		return nil, err
	}
	return u.fn(v), nil
}

func (u *Unary) String() string {
	if u.Op == "NOT" {
		return "(NOT " + u.E.String() + ")"
	}
	return "(" + u.Op + u.E.String() + ")"
}

func (u *Unary) children() []Expr { return []Expr{u.E} }
