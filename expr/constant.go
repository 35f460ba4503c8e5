package expr

import (
	"github.com/sluice-db/sluice/sqlerr"
)

// parent is implemented by every composite expression so that tree walks such as
// IsConstant need no type switch over all node kinds.
type parent interface {
	children() []Expr
}

// IsConstant reports whether e depends on no column and no non-deterministic
// function (RANDOM, UUID): literals and expressions built only from them. The planner
// folds such expressions and INSERT VALUES requires them.
func IsConstant(e Expr) bool { return constantAbove(e, -1) }

// constantAbove treats columns at index >= minIndex (lambda parameters) as constant
// when minIndex >= 0.
func constantAbove(e Expr, minIndex int) bool {
	switch x := e.(type) {
	case *Literal:
		return true
	case *Column:
		return minIndex >= 0 && x.Index >= minIndex
	case *Lambda:
		lo := x.Width
		if minIndex >= 0 && minIndex < lo {
			lo = minIndex
		}
		return constantAbove(x.Body, lo)
	case *Call:
		if !x.deterministic {
			return false
		}
	}
	p, ok := e.(parent)
	if !ok {
		return false
	}
	for _, c := range p.children() {
		if !constantAbove(c, minIndex) {
			return false
		}
	}
	return true
}

func sqlerrUndefinedField(e Expr, field string) *sqlerr.Error {
	return sqlerr.Newf(sqlerr.UndefinedColumn, "Could not find field '%s' in '%s'.", field, e)
}
