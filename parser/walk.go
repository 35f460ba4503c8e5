package parser

// Walk calls fn for n and then, while fn returns true, for each of its
// sub-expressions in source order. Lambda bodies are visited too.
func Walk(n Expr, fn func(Expr) bool) {
	if n == nil || !fn(n) {
		return
	}
	for _, c := range children(n) {
		Walk(c, fn)
	}
}

func children(n Expr) []Expr {
	switch x := n.(type) {
	case *Binary:
		return []Expr{x.L, x.R}
	case *Unary:
		return []Expr{x.E}
	case *IsNull:
		return []Expr{x.E}
	case *IsDistinct:
		return []Expr{x.L, x.R}
	case *Like:
		return []Expr{x.E, x.Pattern, x.Escape}
	case *Between:
		return []Expr{x.E, x.Lo, x.Hi}
	case *In:
		return append([]Expr{x.E}, x.List...)
	case *Case:
		out := []Expr{x.Operand}
		for _, w := range x.Whens {
			out = append(out, w.Cond, w.Result)
		}
		return append(out, x.Else)
	case *Cast:
		return []Expr{x.E}
	case *Call:
		return x.Args
	case *Deref:
		return []Expr{x.E}
	case *StructAll:
		return []Expr{x.E}
	case *Subscript:
		return []Expr{x.E, x.Index}
	case *ArrayCtor:
		return x.Elems
	case *MapCtor:
		return append(append([]Expr{}, x.Keys...), x.Values...)
	case *StructCtor:
		return x.Values
	case *Lambda:
		return []Expr{x.Body}
	}
	return nil
}
