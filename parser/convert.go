package parser

import (
	"fmt"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	"github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// converter turns TiDB's AST for one rewritten text into ours. Positions go
// through the rewrite's map; literals are typed from the user's own tokens.
type converter struct {
	src   string
	toks  []token
	byPos map[int]int // token index by start offset
	r     *rewrite
	m     *posMap
}

func newConverter(src string, toks []token, r *rewrite, m *posMap) *converter {
	byPos := make(map[int]int, len(toks))
	for i, t := range toks {
		byPos[t.Pos] = i
	}
	return &converter{src: src, toks: toks, byPos: byPos, r: r, m: m}
}

func (cv *converter) pos(n ast.ExprNode) int { return cv.m.toOrig(n.OriginTextPosition()) }

func (cv *converter) unsupported(pos int, what string) *sqlerr.Error {
	return syntaxErrorf(cv.src, pos, "%s is not supported", what)
}

// tokAt returns the user's token starting at pos.
func (cv *converter) tokAt(pos int) (token, bool) {
	i, ok := cv.byPos[pos]
	if !ok {
		return token{}, false
	}
	return cv.toks[i], true
}

// exprList converts the fields of "SELECT <list>" built by parseExprList.
func (cv *converter) exprList(ts *ast.SelectStmt) ([]Expr, error) {
	var out []Expr
	for _, f := range ts.Fields.Fields {
		p := cv.m.toOrig(f.Offset)
		if f.WildCard != nil {
			return nil, syntaxErrorf(cv.src, p, "Syntax error at or near '*'")
		}
		if f.AsName.O != "" {
			return nil, syntaxErrorf(cv.src, p, "unexpected alias %s", f.AsName.O)
		}
		e, err := cv.expr(f.Expr)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// selectStmt fills sel from TiDB's SELECT and the facts clause stripping saved.
func (cv *converter) selectStmt(ts *ast.SelectStmt, sel *Select, facts *selectFacts) error {
	switch {
	case ts.Distinct:
		return cv.unsupported(sel.Pos, "SELECT DISTINCT")
	case ts.With != nil:
		return cv.unsupported(sel.Pos, "WITH")
	case ts.From == nil:
		return syntaxErrorf(cv.src, cv.m.end, "Syntax error at or near end of input: expecting FROM")
	case len(ts.WindowSpecs) > 0:
		return cv.unsupported(sel.Pos, "a named WINDOW")
	}
	var err error
	for _, f := range ts.Fields.Fields {
		item := SelectItem{Pos: cv.m.toOrig(f.Offset)}
		if f.WildCard != nil {
			if f.WildCard.Schema.O != "" {
				return cv.unsupported(item.Pos, "a schema-qualified *")
			}
			item.Star, item.StarQualifier = true, f.WildCard.Table.O
		} else {
			e, err := cv.expr(f.Expr)
			if err != nil {
				return err
			}
			item.Expr, item.Alias = e, f.AsName.O
		}
		sel.Items = append(sel.Items, item)
	}
	var tables, joins int
	if sel.From, err = cv.relation(ts.From.TableRefs, facts, &tables, &joins); err != nil {
		return err
	}
	if ts.Where != nil {
		if sel.Where, err = cv.expr(ts.Where); err != nil {
			return err
		}
	}
	if ts.GroupBy != nil {
		items := make([]ast.ExprNode, 0, len(ts.GroupBy.Items))
		for _, it := range ts.GroupBy.Items {
			items = append(items, it.Expr)
		}
		// ksqlDB allows the whole list in parentheses: GROUP BY (a, b).
		if row, ok := items[0].(*ast.RowExpr); ok && len(items) == 1 {
			items = row.Values
		}
		if err := cv.checkValueExprs(items, "GROUP BY"); err != nil {
			return err
		}
		if sel.GroupBy, err = cv.exprs(items); err != nil {
			return err
		}
	}
	if ts.Having != nil {
		if sel.Having, err = cv.expr(ts.Having.Expr); err != nil {
			return err
		}
	}
	if ts.OrderBy != nil {
		for _, it := range ts.OrderBy.Items {
			e, err := cv.expr(it.Expr)
			if err != nil {
				return err
			}
			sel.OrderBy = append(sel.OrderBy, OrderItem{Expr: e, Desc: it.Desc})
		}
	}
	if ts.Limit != nil {
		if ts.Limit.Offset != nil {
			return cv.unsupported(cv.pos(ts.Limit.Offset), "OFFSET")
		}
		v, ok := ts.Limit.Count.(*test_driver.ValueExpr)
		if !ok {
			return syntaxErrorf(cv.src, cv.pos(ts.Limit.Count), "LIMIT needs an integer")
		}
		switch n := v.GetValue().(type) {
		case int64:
			sel.Limit = n
		case uint64:
			sel.Limit = int64(min(n, 1<<63-1))
		default:
			return syntaxErrorf(cv.src, cv.pos(ts.Limit.Count), "LIMIT needs an integer")
		}
	}
	return nil
}

// relation converts a FROM item. TiDB gives table names no position, so they
// come from the FROM/JOIN tokens, matched in text order.
func (cv *converter) relation(n ast.ResultSetNode, facts *selectFacts, tables, joins *int) (Relation, error) {
	switch n := n.(type) {
	case *ast.Join:
		if n.Right == nil {
			return cv.relation(n.Left, facts, tables, joins)
		}
		left, err := cv.relation(n.Left, facts, tables, joins)
		if err != nil {
			return nil, err
		}
		if *joins >= len(facts.joins) {
			return nil, cv.unsupported(cv.m.end, "a join without JOIN (comma join)")
		}
		info := facts.joins[*joins]
		*joins++
		right, err := cv.relation(n.Right, facts, tables, joins)
		if err != nil {
			return nil, err
		}
		j := &Join{Left: left, Right: right, Within: info.within, Pos: info.pos}
		switch {
		case n.NaturalJoin || n.StraightJoin || len(n.Using) > 0:
			return nil, cv.unsupported(info.pos, "this join form")
		case n.Tp == ast.LeftJoin && info.full:
			j.Kind = FullJoin
		case n.Tp == ast.LeftJoin:
			j.Kind = LeftJoin
		case n.Tp == ast.RightJoin:
			j.Kind = RightJoin
		default:
			j.Kind = InnerJoin
		}
		if n.On == nil {
			return nil, syntaxErrorf(cv.src, info.pos, "JOIN needs an ON clause")
		}
		if j.On, err = cv.expr(n.On.Expr); err != nil {
			return nil, err
		}
		return j, nil
	case *ast.TableSource:
		tn, ok := n.Source.(*ast.TableName)
		if !ok {
			return nil, cv.unsupported(cv.m.end, "a subquery in FROM")
		}
		ref := &TableRef{Name: tn.Name.O, Alias: n.AsName.O, Pos: -1}
		if tn.Schema.O != "" {
			return nil, cv.unsupported(cv.m.end, "a qualified source name")
		}
		if *tables < len(facts.tables) {
			ref.Pos = facts.tables[*tables].Pos
			*tables++
		}
		return ref, nil
	}
	return nil, cv.unsupported(cv.m.end, fmt.Sprintf("FROM item %T", n))
}

var binaryOps = map[opcode.Op]string{
	opcode.Plus: "+", opcode.Minus: "-", opcode.Mul: "*", opcode.Div: "/", opcode.Mod: "%",
	opcode.EQ: "=", opcode.NE: "<>", opcode.LT: "<", opcode.LE: "<=", opcode.GT: ">", opcode.GE: ">=",
	opcode.LogicAnd: "AND", opcode.LogicOr: "OR",
}

func (cv *converter) exprs(ns []ast.ExprNode) ([]Expr, error) {
	out := make([]Expr, 0, len(ns))
	for _, n := range ns {
		e, err := cv.expr(n)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func (cv *converter) expr(n ast.ExprNode) (Expr, error) {
	pos := cv.pos(n)
	at := P{Pos: pos}
	switch n := n.(type) {
	case *ast.ParenthesesExpr:
		return cv.expr(n.Expr)
	case *ast.ColumnNameExpr:
		if n.Name.Schema.O != "" {
			return nil, cv.unsupported(pos, "a three-part column name (use -> for struct fields)")
		}
		return &ColumnRef{P: at, Qualifier: n.Name.Table.O, Name: n.Name.Name.O}, nil
	case *test_driver.ValueExpr:
		return cv.literal(n, pos)
	case *ast.BinaryOperationExpr:
		l, err := cv.expr(n.L)
		if err != nil {
			return nil, err
		}
		r, err := cv.expr(n.R)
		if err != nil {
			return nil, err
		}
		if n.Op == opcode.NullEQ {
			return &IsDistinct{P: at, L: l, R: r, Not: !cv.r.distinct[pos]}, nil
		}
		op, ok := binaryOps[n.Op]
		if !ok {
			return nil, cv.unsupported(pos, "operator "+n.Op.String())
		}
		return &Binary{P: at, Op: op, L: l, R: r}, nil
	case *ast.UnaryOperationExpr:
		e, err := cv.expr(n.V)
		if err != nil {
			return nil, err
		}
		switch n.Op {
		case opcode.Not, opcode.Not2:
			return &Unary{P: at, Op: "NOT", E: e}, nil
		case opcode.Minus:
			return &Unary{P: at, Op: "-", E: e}, nil
		case opcode.Plus:
			return &Unary{P: at, Op: "+", E: e}, nil
		}
		return nil, cv.unsupported(pos, "operator "+n.Op.String())
	case *ast.IsNullExpr:
		e, err := cv.expr(n.Expr)
		if err != nil {
			return nil, err
		}
		return &IsNull{P: at, E: e, Not: n.Not}, nil
	case *ast.PatternLikeOrIlikeExpr:
		if !n.IsLike {
			return nil, cv.unsupported(pos, "ILIKE")
		}
		e, err := cv.expr(n.Expr)
		if err != nil {
			return nil, err
		}
		pat, err := cv.expr(n.Pattern)
		if err != nil {
			return nil, err
		}
		l := &Like{P: at, E: e, Pattern: pat, Not: n.Not}
		if n.EscapeExplicit {
			l.Escape = &Literal{P: P{Pos: pat.Position()}, Value: string(rune(n.Escape)), Type: stringType}
		}
		return l, nil
	case *ast.BetweenExpr:
		es, err := cv.exprs([]ast.ExprNode{n.Expr, n.Left, n.Right})
		if err != nil {
			return nil, err
		}
		return &Between{P: at, E: es[0], Lo: es[1], Hi: es[2], Not: n.Not}, nil
	case *ast.PatternInExpr:
		if n.Sel != nil {
			return nil, cv.unsupported(pos, "a subquery")
		}
		e, err := cv.expr(n.Expr)
		if err != nil {
			return nil, err
		}
		list, err := cv.exprs(n.List)
		if err != nil {
			return nil, err
		}
		return &In{P: at, E: e, List: list, Not: n.Not}, nil
	case *ast.CaseExpr:
		c := &Case{P: at}
		var err error
		if n.Value != nil {
			if c.Operand, err = cv.expr(n.Value); err != nil {
				return nil, err
			}
		}
		for _, w := range n.WhenClauses {
			es, err := cv.exprs([]ast.ExprNode{w.Expr, w.Result})
			if err != nil {
				return nil, err
			}
			c.Whens = append(c.Whens, When{Cond: es[0], Result: es[1]})
		}
		if n.ElseClause != nil {
			if c.Else, err = cv.expr(n.ElseClause); err != nil {
				return nil, err
			}
		}
		return c, nil
	case *ast.AggregateFuncExpr:
		if !strings.EqualFold(n.F, "count") {
			return nil, cv.unsupported(pos, "function "+n.F)
		}
		call := &Call{P: at, Name: "COUNT", Distinct: n.Distinct}
		if i, ok := cv.byPos[pos]; ok && i+2 < len(cv.toks) && cv.toks[i+2].is("*") {
			call.Star = true
			return call, nil
		}
		args, err := cv.exprs(n.Args)
		if err != nil {
			return nil, err
		}
		call.Args = args
		return call, nil
	case *ast.FuncCallExpr:
		return cv.call(n, at)
	case *ast.PositionExpr:
		// TiDB reads a bare integer in GROUP BY / ORDER BY as a column ordinal;
		// ksqlDB means the constant. TiDB records no offset for it.
		if n.P == nil {
			return &Literal{P: at, Value: int32(n.N), Type: types.IntType}, nil
		}
	case *ast.RowExpr:
		return nil, syntaxErrorf(cv.src, pos, "Syntax error at or near '(': a parenthesized list is only allowed as the whole GROUP BY")
	}
	return nil, cv.unsupported(pos, fmt.Sprintf("expression %T", n))
}

// checkValueExprs enforces ksqlDB's grammar for GROUP BY and PARTITION BY,
// which take value expressions: a bare predicate (a AND b, a = b, a IS NULL)
// must be parenthesized.
func (cv *converter) checkValueExprs(items []ast.ExprNode, clause string) error {
	for _, n := range items {
		bad := false
		switch n := n.(type) {
		case *ast.BinaryOperationExpr:
			switch n.Op {
			case opcode.LogicAnd, opcode.LogicOr, opcode.EQ, opcode.NE, opcode.LT, opcode.LE, opcode.GT, opcode.GE, opcode.NullEQ:
				bad = true
			}
		case *ast.IsNullExpr, *ast.PatternInExpr, *ast.PatternLikeOrIlikeExpr, *ast.BetweenExpr:
			bad = true
		case *ast.UnaryOperationExpr:
			bad = n.Op == opcode.Not
		}
		if bad {
			return syntaxErrorf(cv.src, cv.pos(n), "Syntax error: %s takes value expressions; parenthesize the predicate", clause)
		}
	}
	return nil
}
