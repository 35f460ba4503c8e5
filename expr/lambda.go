package expr

import (
	"strings"

	"github.com/sluice-db/sluice/types"
)

// Lambda is a lambda argument of a higher-order function (TRANSFORM, FILTER,
// REDUCE). Its body was bound over the enclosing row extended with the
// parameters: parameter i is column Width+i. Evaluating a Lambda yields a function
// value closed over the current row; calling it copies the row, so concurrent
// evaluation is safe.
type Lambda struct {
	Params []string
	Width  int
	Body   Expr
}

// NewLambda wraps a body bound with params at columns width..width+len(params)-1.
func NewLambda(params []string, width int, body Expr) Expr {
	markLambdaArithmetic(body)
	return &Lambda{Params: params, Width: width, Body: body}
}

// markLambdaArithmetic makes arithmetic in a lambda body fail on NULL operands,
// as ksqlDB's does (see Binary.nullFails).
func markLambdaArithmetic(e Expr) {
	if b, ok := e.(*Binary); ok {
		switch b.Op {
		case "+", "-", "*", "/", "%":
			b.nullFails = b.T.IsNumeric()
		}
	}
	if p, ok := e.(parent); ok {
		for _, c := range p.children() {
			if c != nil {
				markLambdaArithmetic(c)
			}
		}
	}
}

// Type is the type of the body (the lambda's result).
func (l *Lambda) Type() *types.Type { return l.Body.Type() }

func (l *Lambda) Eval(row []any) (any, error) { return &lambdaValue{l: l, row: row}, nil }

func (l *Lambda) String() string {
	if len(l.Params) == 1 {
		return l.Params[0] + " => " + l.Body.String()
	}
	return "(" + strings.Join(l.Params, ", ") + ") => " + l.Body.String()
}

func (l *Lambda) children() []Expr { return []Expr{l.Body} }

// lambdaValue is a Lambda closed over one row.
type lambdaValue struct {
	l   *Lambda
	row []any
}

// call evaluates the body with args as the lambda's parameters.
func (v *lambdaValue) call(args ...any) (any, error) {
	ext := make([]any, v.l.Width+len(args))
	copy(ext, v.row)
	copy(ext[v.l.Width:], args)
	return v.l.Body.Eval(ext)
}
