package expr

import (
	"github.com/sluice-db/sluice/types"
)

// Column reads one slot of the row.
type Column struct {
	Index int
	Name  string
	T     *types.Type
}

// NewColumn returns an expression that reads row[index].
func NewColumn(index int, name string, t *types.Type) Expr {
	return &Column{Index: index, Name: name, T: t}
}

func (c *Column) Type() *types.Type { return c.T }

func (c *Column) Eval(row []any) (any, error) { return row[c.Index], nil }

func (c *Column) String() string { return c.Name }

// Literal is a constant value. A nil value is the NULL literal.
type Literal struct {
	V any
	T *types.Type
}

// NewLiteral returns a constant. t may be types.UnknownType for an untyped NULL.
func NewLiteral(v any, t *types.Type) Expr {
	if t == nil {
		t = types.UnknownType
	}
	return &Literal{V: v, T: t}
}

func (l *Literal) Type() *types.Type { return l.T }

func (l *Literal) Eval([]any) (any, error) { return l.V, nil }

func (l *Literal) String() string { return FormatLiteral(l.V, l.T) }

// IsNullLiteral reports whether e is the NULL literal (of any type).
func IsNullLiteral(e Expr) bool {
	l, ok := e.(*Literal)
	return ok && l.V == nil
}
