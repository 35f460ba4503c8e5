package parser

import (
	"strings"

	"github.com/cockroachdb/apd/v3"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/sluice-db/sluice/types"
)

var stringType = types.StringType

// call converts a generic call: a user function (fn.NAME), one of the shapes
// the rewrite produced (ksql.*), or TiDB's CONCAT for ||.
func (cv *converter) call(n *ast.FuncCallExpr, at P) (Expr, error) {
	name := n.FnName.O
	if fn, ok := strings.CutPrefix(name, fnPrefix); ok {
		args, err := cv.exprs(n.Args)
		if err != nil {
			return nil, err
		}
		call := &Call{P: at, Name: fn, Args: args}
		if i, ok := cv.byPos[at.Pos]; ok && len(args) == 0 && i+3 < len(cv.toks) && cv.toks[i+1].is("(") && cv.toks[i+2].is("*") {
			call.Star = true // NAME(*), passed to TiDB as NAME() (rewrite.call)
		}
		return call, nil
	}
	if strings.EqualFold(name, "concat") && len(n.Args) == 2 {
		// Only TiDB writes CONCAT unprefixed: it is a || b.
		es, err := cv.exprs(n.Args)
		if err != nil {
			return nil, err
		}
		return &Binary{P: at, Op: "||", L: es[0], R: es[1]}, nil
	}
	// The rewrite's own shapes: literal arguments are always where it put them.
	args := n.Args
	switch name {
	case fnDeref:
		e, err := cv.expr(args[0])
		if err != nil {
			return nil, err
		}
		return &Deref{P: at, E: e, Field: stringArg(args[1])}, nil
	case fnStructAll:
		e, err := cv.expr(args[0])
		if err != nil {
			return nil, err
		}
		return &StructAll{P: at, E: e}, nil
	case fnSubscript:
		es, err := cv.exprs(args)
		if err != nil {
			return nil, err
		}
		if len(es) != 2 {
			return nil, syntaxErrorf(cv.src, at.Pos, "a subscript needs exactly one index")
		}
		return &Subscript{P: at, E: es[0], Index: es[1]}, nil
	case fnArray:
		es, err := cv.exprs(args)
		if err != nil {
			return nil, err
		}
		return &ArrayCtor{P: at, Elems: es}, nil
	case fnMap:
		es, err := cv.exprs(args)
		if err != nil {
			return nil, err
		}
		if len(es)%2 != 0 {
			return nil, syntaxErrorf(cv.src, at.Pos, "MAP needs key := value pairs")
		}
		m := &MapCtor{P: at, Keys: []Expr{}, Values: []Expr{}}
		for i := 0; i < len(es); i += 2 {
			m.Keys, m.Values = append(m.Keys, es[i]), append(m.Values, es[i+1])
		}
		return m, nil
	case fnStruct:
		s := &StructCtor{P: at, Names: []string{}, Values: []Expr{}}
		if len(args)%2 != 0 {
			return nil, syntaxErrorf(cv.src, at.Pos, "STRUCT needs name := value pairs")
		}
		for i := 0; i < len(args); i += 2 {
			if _, ok := args[i].(*test_driver.ValueExpr); !ok {
				return nil, syntaxErrorf(cv.src, cv.pos(args[i]), "STRUCT needs name := value pairs")
			}
			v, err := cv.expr(args[i+1])
			if err != nil {
				return nil, err
			}
			s.Names, s.Values = append(s.Names, stringArg(args[i])), append(s.Values, v)
		}
		return s, nil
	case fnLambda:
		l := &Lambda{P: at}
		for _, a := range args[:len(args)-1] {
			l.Params = append(l.Params, stringArg(a))
		}
		body, err := cv.expr(args[len(args)-1])
		if err != nil {
			return nil, err
		}
		l.Body = body
		return l, nil
	case fnCast:
		e, err := cv.expr(args[0])
		if err != nil {
			return nil, err
		}
		return &Cast{P: at, E: e, To: cv.r.casts[intArg(args[1])]}, nil
	case fnParam:
		return &Param{P: at, Index: intArg(args[0])}, nil
	case fnUnit:
		return &TimeUnit{P: at, Unit: stringArg(args[0])}, nil
	}
	return nil, cv.unsupported(at.Pos, "function "+name)
}

func stringArg(n ast.ExprNode) string {
	if v, ok := n.(*test_driver.ValueExpr); ok {
		if s, ok := v.GetValue().(string); ok {
			return s
		}
	}
	return ""
}

func intArg(n ast.ExprNode) int {
	if v, ok := n.(*test_driver.ValueExpr); ok {
		switch x := v.GetValue().(type) {
		case int64:
			return int(x)
		case uint64:
			return int(x)
		}
	}
	return 0
}

// literal types a constant from the user's token, not from TiDB's value, so
// that 1.50 keeps its scale and TRUE is a BOOLEAN rather than 1.
func (cv *converter) literal(n *test_driver.ValueExpr, pos int) (Expr, error) {
	at := P{Pos: pos}
	t, ok := cv.tokAt(pos)
	if !ok {
		return nil, syntaxErrorf(cv.src, pos, "internal error: no token for literal")
	}
	switch t.Kind {
	case tkString:
		return &Literal{P: at, Value: t.Text, Type: types.StringType}, nil
	case tkNumber:
		v, err := numberValue(t.Text)
		if err != nil {
			return nil, syntaxErrorf(cv.src, pos, "%v", err)
		}
		return &Literal{P: at, Value: v, Type: numberType(v)}, nil
	case tkWord:
		switch t.upper() {
		case "TRUE":
			return &Literal{P: at, Value: true, Type: types.BooleanType}, nil
		case "FALSE":
			return &Literal{P: at, Value: false, Type: types.BooleanType}, nil
		case "NULL":
			return &Literal{P: at, Value: nil, Type: types.UnknownType}, nil
		}
	}
	return nil, syntaxErrorf(cv.src, pos, "unexpected literal %s", describeToken(cv.src, t))
}

func numberType(v any) *types.Type {
	switch v := v.(type) {
	case int32:
		return types.IntType
	case int64:
		return types.BigIntType
	case float64:
		return types.DoubleType
	case *apd.Decimal:
		scale := max(int(-v.Exponent), 0)
		prec := max(int(v.NumDigits()), scale, 1)
		return types.NewDecimal(prec, scale)
	}
	return types.UnknownType
}
