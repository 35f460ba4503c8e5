package expr

import (
	"github.com/sluice-db/sluice/types"
)

// Binary is a binary operator: arithmetic, concatenation or comparison. Operands
// are already converted to the types fn expects. A NULL operand gives onNull:
// NULL for arithmetic and concatenation, false for comparisons (ksqlDB's
// generated code checks both sides for null and yields false).
type Binary struct {
	Op     string
	L, R   Expr
	T      *types.Type
	fn     func(a, b any) (any, error)
	onNull any
	// nullFails: a NULL operand is an *EvalError. ksqlDB's generated Java unboxes
	// lambda arguments, so arithmetic on a NULL element inside a lambda body
	// throws and the whole higher-order call becomes NULL (NewLambda sets it).
	nullFails bool
}

func (b *Binary) Type() *types.Type { return b.T }

func (b *Binary) Eval(row []any) (any, error) {
	l, err := b.L.Eval(row)
	if err != nil {
		return nil, err
	}
	r, err := b.R.Eval(row)
	if err != nil {
		return nil, err
	}
	if l == nil || r == nil {
		if b.nullFails {
			return nil, evalErrorf("NULL operand in %s", b)
		}
		return b.onNull, nil
	}
	return b.fn(l, r)
}

func (b *Binary) String() string {
	return "(" + b.L.String() + " " + b.Op + " " + b.R.String() + ")"
}

func (b *Binary) children() []Expr { return []Expr{b.L, b.R} }

// NewBinary binds L op R. op is one of + - * / % || = <> < <= > >= AND OR, as in
// parser.Binary; != is accepted for <>. + on two strings concatenates.
func NewBinary(op string, l, r Expr) (Expr, error) {
	switch op {
	case "AND", "OR":
		return newLogic(op, l, r)
	case "=", "<>", "!=", "<", "<=", ">", ">=":
		if op == "!=" {
			op = "<>"
		}
		if l.Type().Kind == types.KindUnknown || r.Type().Kind == types.KindUnknown {
			return nil, mismatch("Comparison with NULL not supported: %s %s %s", nullOrType(l), op, nullOrType(r))
		}
		es, err := magicTimestamps(l, r)
		if err != nil {
			return nil, err
		}
		return newComparison(op, es[0], es[1])
	case "||":
		return newConcat(op, l, r)
	case "+":
		if isStringish(l.Type()) && isStringish(r.Type()) &&
			(l.Type().Kind == types.KindString || r.Type().Kind == types.KindString) {
			return newConcat(op, l, r)
		}
		return newArithmetic(op, l, r)
	case "-", "*", "/", "%":
		return newArithmetic(op, l, r)
	}
	return nil, mismatch("unknown operator %s", op)
}

func isStringish(t *types.Type) bool {
	return t.Kind == types.KindString || t.Kind == types.KindUnknown
}

func newConcat(op string, l, r Expr) (Expr, error) {
	if !isStringish(l.Type()) || !isStringish(r.Type()) {
		return nil, mismatch("Unsupported arithmetic types. %s %s", l.Type(), r.Type())
	}
	return &Binary{Op: op, L: l, R: r, T: types.StringType, fn: func(a, b any) (any, error) {
		return a.(string) + b.(string), nil
	}}, nil
}

// coerceBoth converts both operands to t (a widening both sides accept).
func coerceBoth(l, r Expr, t *types.Type) (Expr, Expr) {
	return widen(l, t), widen(r, t)
}

// widen converts e to t with the explicit numeric/temporal converter; callers have
// already checked that the conversion is a legal implicit one for the operator.
func widen(e Expr, t *types.Type) Expr {
	if e.Type().Equal(t) {
		return e
	}
	conv, ok := explicitConverter(e.Type(), t)
	if !ok {
		conv = identity
	}
	return &Cast{E: e, To: t, conv: conv}
}

func nullOrType(e Expr) string {
	if e.Type().Kind == types.KindUnknown {
		return "NULL"
	}
	return e.Type().String()
}
