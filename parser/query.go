package parser

import "github.com/pingcap/tidb/pkg/parser/ast"

// This file strips the KSQL-only clauses from a SELECT before TiDB sees it.

// joinInfo is what the front layer knows about the n-th JOIN of a SELECT.
type joinInfo struct {
	pos    int
	full   bool
	within *JoinWindow
}

// selectFacts carries what clause stripping took out of the text.
type selectFacts struct {
	tables []token // names after FROM and JOIN, in order
	joins  []joinInfo
}

// partitionEnd are the clause keywords that end a PARTITION BY list.
var partitionEnd = map[string]bool{"HAVING": true, "EMIT": true, "LIMIT": true, "WINDOW": true, "ORDER": true, "GROUP": true, "WHERE": true}

func (p *Parser) parseQuery(c *cursor, base StmtBase) (Statement, error) {
	sel, err := p.parseSelect(c)
	if err != nil {
		return nil, err
	}
	return &Query{StmtBase: base, Select: sel}, nil
}

// parseInsert parses INSERT INTO t [WITH (...)] SELECT ... and
// INSERT INTO t [(cols)] VALUES (...).
func (p *Parser) parseInsert(c *cursor, base StmtBase) (Statement, error) {
	c.next() // INSERT
	if _, err := c.expect("INTO"); err != nil {
		return nil, err
	}
	target, err := c.expectIdent("a stream or table name")
	if err != nil {
		return nil, err
	}
	var props []Property
	if c.peek().is("WITH") {
		if props, err = parseProperties(c); err != nil {
			return nil, err
		}
	}
	if c.peek().is("SELECT") {
		sel, err := p.parseSelect(c)
		if err != nil {
			return nil, err
		}
		return &InsertSelect{StmtBase: base, Target: target.ident(), TargetPos: target.Pos, Props: props, Query: sel}, nil
	}
	if props != nil {
		return nil, expected(c.src, c.peek(), "SELECT")
	}
	ins := &InsertValues{StmtBase: base, Target: target.ident(), TargetPos: target.Pos}
	if c.accept("(") {
		ins.Columns = []string{}
		for {
			col, err := c.expectIdent("a column name")
			if err != nil {
				return nil, err
			}
			ins.Columns = append(ins.Columns, col.ident())
			if c.accept(")") {
				break
			}
			if _, err := c.expect(","); err != nil {
				return nil, err
			}
		}
	}
	if _, err := c.expect("VALUES"); err != nil {
		return nil, err
	}
	open, err := c.expect("(")
	if err != nil {
		return nil, err
	}
	body, err := bracketed(c, open)
	if err != nil {
		return nil, err
	}
	if len(body) > 1 {
		if ins.Values, err = p.parseExprList(c.src, body, ""); err != nil {
			return nil, err
		}
	} else {
		ins.Values = []Expr{}
	}
	return ins, c.expectEnd()
}

// bracketed consumes up to the ')' matching open (already consumed) and returns
// the tokens between, terminated by an EOF token at the ')'.
func bracketed(c *cursor, open token) ([]token, error) {
	start, depth := c.i, 1
	for {
		t := c.next()
		switch {
		case t.Kind == tkEOF:
			return nil, syntaxErrorf(c.src, open.Pos, "unbalanced parenthesis")
		case t.is("(") || t.is("["):
			depth++
		case t.is(")") || t.is("]"):
			depth--
			if depth == 0 {
				body := append([]token(nil), c.toks[start:c.i-1]...)
				return append(body, token{Kind: tkEOF, Pos: t.Pos, End: t.Pos}), nil
			}
		}
	}
}

// parseSelect parses a SELECT that runs to the end of the statement.
func (p *Parser) parseSelect(c *cursor) (*Select, error) {
	selTok := c.peek()
	sel := &Select{Limit: -1, Pos: selTok.Pos}
	var facts selectFacts
	var kept []token
	pendingFull := false
	depth := 0
	for {
		t := c.peek()
		if t.Kind == tkEOF {
			kept = append(kept, t)
			break
		}
		if t.is("(") || t.is("[") {
			depth++
		} else if t.is(")") || t.is("]") {
			depth--
		}
		if depth != 0 || t.Kind != tkWord {
			kept = append(kept, c.next())
			continue
		}
		switch up := t.upper(); {
		case up == "WINDOW" && (isWindowKind(c.peekAt(1)) || (c.peekAt(1).isIdent() && isWindowKind(c.peekAt(2)))):
			c.next()
			if !isWindowKind(c.peek()) {
				// ksqlDB's grammar lets a window be named (WINDOW w SESSION (...));
				// the name is not used anywhere.
				c.next()
			}
			if sel.Window != nil {
				return nil, syntaxErrorf(c.src, t.Pos, "duplicate WINDOW clause")
			}
			w, err := parseWindow(c, t)
			if err != nil {
				return nil, err
			}
			sel.Window = w
		case up == "WITHIN":
			c.next()
			if len(facts.joins) == 0 || facts.joins[len(facts.joins)-1].within != nil {
				return nil, unexpected(c.src, t)
			}
			w, err := parseWithin(c)
			if err != nil {
				return nil, err
			}
			facts.joins[len(facts.joins)-1].within = w
		case up == "FULL":
			c.next()
			c.accept("OUTER")
			if !c.peek().is("JOIN") {
				return nil, expected(c.src, c.peek(), "JOIN")
			}
			pendingFull = true
			kept = append(kept, token{Kind: tkWord, Text: "LEFT", Pos: t.Pos, End: t.End})
		case up == "JOIN":
			facts.joins = append(facts.joins, joinInfo{pos: t.Pos, full: pendingFull})
			pendingFull = false
			kept = append(kept, c.next())
			if n := c.peek(); n.isIdent() {
				facts.tables = append(facts.tables, n)
			}
		case up == "FROM":
			kept = append(kept, c.next())
			if n := c.peek(); n.isIdent() {
				facts.tables = append(facts.tables, n)
			}
		case up == "EMIT":
			c.next()
			switch n := c.next(); {
			case n.is("CHANGES"):
				sel.Emit = EmitChanges
			case n.is("FINAL"):
				sel.Emit = EmitFinal
			default:
				return nil, expected(c.src, n, "CHANGES or FINAL")
			}
		case up == "PARTITION" && c.peekAt(1).is("BY"):
			c.next()
			c.next()
			var list []token
			d := 0
			for n := c.peek(); n.Kind != tkEOF && !(d == 0 && n.Kind == tkWord && partitionEnd[n.upper()]); n = c.peek() {
				if n.is("(") || n.is("[") {
					d++
				} else if n.is(")") || n.is("]") {
					d--
				}
				list = append(list, c.next())
			}
			if len(list) == 0 {
				return nil, expected(c.src, c.peek(), "an expression")
			}
			list = append(list, token{Kind: tkEOF, Pos: c.peek().Pos, End: c.peek().Pos})
			exprs, err := p.parseExprList(c.src, list, "PARTITION BY")
			if err != nil {
				return nil, err
			}
			sel.PartitionBy = exprs
		default:
			kept = append(kept, c.next())
		}
	}
	r := newRewrite(c.src, p.lookupType)
	if err := r.tokens(kept); err != nil {
		return nil, err
	}
	text, m := r.render("", kept[len(kept)-1].Pos)
	ts, err := p.parseSelectText(c.src, text, m)
	if err != nil {
		return nil, err
	}
	cv := newConverter(c.src, c.toks, r, m)
	if err := cv.selectStmt(ts, sel, &facts); err != nil {
		return nil, err
	}
	return sel, nil
}

// parseExprList parses a comma-separated expression list (toks ends with EOF)
// by handing TiDB "SELECT <list>".
// clause, when set, names a clause that takes value expressions only.
func (p *Parser) parseExprList(src string, toks []token, clause string) ([]Expr, error) {
	r := newRewrite(src, p.lookupType)
	r.emit("SELECT", toks[0].Pos)
	if err := r.tokens(toks); err != nil {
		return nil, err
	}
	text, m := r.render("", toks[len(toks)-1].Pos)
	ts, err := p.parseSelectText(src, text, m)
	if err != nil {
		return nil, err
	}
	cv := newConverter(src, toks, r, m)
	if clause != "" {
		items := make([]ast.ExprNode, 0, len(ts.Fields.Fields))
		for _, f := range ts.Fields.Fields {
			if f.Expr != nil {
				items = append(items, f.Expr)
			}
		}
		if err := cv.checkValueExprs(items, clause); err != nil {
			return nil, err
		}
	}
	return cv.exprList(ts)
}

func isWindowKind(t token) bool {
	return t.is("TUMBLING") || t.is("HOPPING") || t.is("SESSION")
}
