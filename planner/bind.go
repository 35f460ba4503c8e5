package planner

import (
	"errors"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/expr"
	"github.com/sluice-db/sluice/parser"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// binder turns parser expressions into typed expr.Expr values over a scope.
type binder struct {
	scope  *scope
	funcs  *expr.Registry
	params []any // values for $n, nil when the statement has none
	// agg is set when binding over a post-aggregation row (select items and
	// HAVING of a GROUP BY query).
	agg *aggContext
	// tables is set while binding the SELECT list of a query that calls table
	// functions; elsewhere a table function call is an error.
	tables *tableCalls
}

// at attaches the position of node n to err unless err already has one.
func at(n parser.Expr, err error) error {
	if err == nil {
		return nil
	}
	e := sqlerr.As(err)
	if e.Code == sqlerr.InternalError {
		var ee *sqlerr.Error
		if !errors.As(err, &ee) {
			e = sqlerr.New(sqlerr.DatatypeMismatch, err.Error())
		}
	}
	if e.Position < 0 {
		e = e.WithPosition(n.Position())
	}
	return e
}

func (b *binder) bind(n parser.Expr) (expr.Expr, error) {
	e, err := b.bindNode(n)
	return e, at(n, err)
}

func (b *binder) bindAll(ns []parser.Expr) ([]expr.Expr, error) {
	out := make([]expr.Expr, len(ns))
	for i, n := range ns {
		e, err := b.bind(n)
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

func (b *binder) bindNode(n parser.Expr) (expr.Expr, error) {
	if b.agg != nil {
		if e, ok, err := b.agg.intercept(b, n); ok {
			return e, err
		}
	}
	switch n := n.(type) {
	case *parser.ColumnRef:
		if js := b.scope.join; js != nil && !b.scope.isLambda(n) {
			idx, t, name, ok, err := js.resolve(n.Qualifier, n.Name)
			if err != nil {
				return nil, sqlerr.As(err).WithPosition(n.Pos)
			}
			if ok {
				return expr.NewColumn(idx, name, t), nil
			}
		}
		idx, t, ok := b.scope.lookup(n.Qualifier, n.Name)
		if !ok {
			name := n.Name
			if n.Qualifier != "" {
				name = n.Qualifier + "." + n.Name
			}
			return nil, sqlerr.Newf(sqlerr.UndefinedColumn, "column '%s' cannot be resolved", name).WithPosition(n.Pos)
		}
		return expr.NewColumn(idx, n.Name, t), nil
	case *parser.Literal:
		return expr.NewLiteral(n.Value, n.Type), nil
	case *parser.Param:
		if n.Index < 1 || n.Index > len(b.params) {
			return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "there is no parameter $%d", n.Index).WithPosition(n.Pos)
		}
		v := b.params[n.Index-1]
		t := types.ScalarTypeOf(v)
		if t == nil {
			t = types.UnknownType
		}
		return expr.NewLiteral(v, t), nil
	case *parser.TimeUnit:
		return expr.NewLiteral(n.Unit, types.StringType), nil
	case *parser.Binary:
		l, err := b.bind(n.L)
		if err != nil {
			return nil, err
		}
		r, err := b.bind(n.R)
		if err != nil {
			return nil, err
		}
		return expr.NewBinary(n.Op, l, r)
	case *parser.Unary:
		e, err := b.bind(n.E)
		if err != nil {
			return nil, err
		}
		return expr.NewUnary(n.Op, e)
	case *parser.IsNull:
		e, err := b.bind(n.E)
		if err != nil {
			return nil, err
		}
		return expr.NewIsNull(e, n.Not), nil
	case *parser.IsDistinct:
		l, err := b.bind(n.L)
		if err != nil {
			return nil, err
		}
		r, err := b.bind(n.R)
		if err != nil {
			return nil, err
		}
		return expr.NewIsDistinct(l, r, n.Not)
	case *parser.Like:
		e, err := b.bind(n.E)
		if err != nil {
			return nil, err
		}
		p, err := b.bind(n.Pattern)
		if err != nil {
			return nil, err
		}
		var esc expr.Expr
		if n.Escape != nil {
			if esc, err = b.bind(n.Escape); err != nil {
				return nil, err
			}
		}
		return expr.NewLike(e, p, esc, n.Not)
	case *parser.Between:
		es, err := b.bindAll([]parser.Expr{n.E, n.Lo, n.Hi})
		if err != nil {
			return nil, err
		}
		return expr.NewBetween(es[0], es[1], es[2], n.Not)
	case *parser.In:
		e, err := b.bind(n.E)
		if err != nil {
			return nil, err
		}
		list, err := b.bindAll(n.List)
		if err != nil {
			return nil, err
		}
		return expr.NewIn(e, list, n.Not)
	case *parser.Case:
		var operand, elseExpr expr.Expr
		var err error
		if b.tables != nil {
			outer := b.tables.inCase
			b.tables.inCase = n
			defer func() { b.tables.inCase = outer }()
		}
		if n.Operand != nil {
			if operand, err = b.bind(n.Operand); err != nil {
				return nil, err
			}
		}
		conds := make([]expr.Expr, len(n.Whens))
		results := make([]expr.Expr, len(n.Whens))
		for i, w := range n.Whens {
			if conds[i], err = b.bind(w.Cond); err != nil {
				return nil, err
			}
			if results[i], err = b.bind(w.Result); err != nil {
				return nil, err
			}
		}
		if n.Else != nil {
			if elseExpr, err = b.bind(n.Else); err != nil {
				return nil, err
			}
		}
		return expr.NewCase(operand, conds, results, elseExpr)
	case *parser.Cast:
		e, err := b.bind(n.E)
		if err != nil {
			return nil, err
		}
		return expr.NewCast(e, n.To)
	case *parser.Deref:
		e, err := b.bind(n.E)
		if err != nil {
			return nil, err
		}
		return expr.NewDeref(e, n.Field)
	case *parser.Subscript:
		e, err := b.bind(n.E)
		if err != nil {
			return nil, err
		}
		i, err := b.bind(n.Index)
		if err != nil {
			return nil, err
		}
		return expr.NewSubscript(e, i)
	case *parser.ArrayCtor:
		es, err := b.bindAll(n.Elems)
		if err != nil {
			return nil, err
		}
		return expr.NewArray(es)
	case *parser.MapCtor:
		ks, err := b.bindAll(n.Keys)
		if err != nil {
			return nil, err
		}
		vs, err := b.bindAll(n.Values)
		if err != nil {
			return nil, err
		}
		return expr.NewMap(ks, vs)
	case *parser.StructCtor:
		vs, err := b.bindAll(n.Values)
		if err != nil {
			return nil, err
		}
		return expr.NewStruct(n.Names, vs)
	case *parser.Call:
		if b.tables != nil && b.funcs.IsTableFunction(n.Name) {
			return b.bindTableCall(n)
		}
		return b.bindCall(n)
	case *parser.Lambda:
		return nil, sqlerr.New(sqlerr.SyntaxError, "a lambda is only allowed as a function argument").WithPosition(n.Pos)
	case *parser.StructAll:
		return nil, sqlerr.Newf(sqlerr.SyntaxError, "%s (all of a struct's fields) is only allowed as a whole SELECT item", parser.FormatExpr(n)).WithPosition(n.Pos)
	}
	return nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "unsupported expression %T", n).WithPosition(n.Position())
}

func (b *binder) bindCall(n *parser.Call) (expr.Expr, error) {
	if n.Star {
		return nil, sqlerr.Newf(sqlerr.UndefinedFunction, "%s(*) is not a function: only aggregate functions take *", n.Name).WithPosition(n.Pos)
	}
	args := make([]expr.Expr, 0, len(n.Args))
	for i, a := range n.Args {
		lam, ok := a.(*parser.Lambda)
		if !ok {
			e, err := b.bind(a)
			if err != nil {
				return nil, err
			}
			args = append(args, e)
			continue
		}
		e, err := b.bindLambda(n.Name, i, args, lam)
		if err != nil {
			return nil, err
		}
		args = append(args, e)
	}
	return b.funcs.Call(n.Name, args)
}

// bindLambda binds a lambda argument: its parameters become extra row slots after
// everything bound so far, typed by the function's signature.
func (b *binder) bindLambda(fn string, argIndex int, prior []expr.Expr, lam *parser.Lambda) (expr.Expr, error) {
	ptypes, err := b.funcs.LambdaParamTypes(fn, argIndex, prior)
	if err != nil {
		return nil, at(lam, err)
	}
	if len(ptypes) != len(lam.Params) {
		return nil, sqlerr.Newf(sqlerr.SyntaxError, "lambda for %s takes %d parameters, not %d", fn, len(ptypes), len(lam.Params)).WithPosition(lam.Pos)
	}
	width := b.scope.width
	saved := len(b.scope.lambdas)
	for i, p := range lam.Params {
		b.scope.lambdas = append(b.scope.lambdas, lambdaVar{name: p, index: width + i, typ: ptypes[i]})
	}
	b.scope.width += len(lam.Params)
	body, err := b.bind(lam.Body)
	b.scope.lambdas = b.scope.lambdas[:saved]
	b.scope.width = width
	if err != nil {
		return nil, err
	}
	return expr.NewLambda(lam.Params, width, body), nil
}

// BindConstant binds an expression that references no columns (INSERT VALUES).
func (p *Planner) BindConstant(src *catalog.Source, e parser.Expr, params []any) (expr.Expr, error) {
	b := &binder{scope: &scope{source: src}, funcs: p.Funcs, params: params}
	return b.bind(e)
}
