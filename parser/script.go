package parser

import (
	"strings"

	tidb "github.com/pingcap/tidb/pkg/parser"

	"github.com/sluice-db/sluice/types"
)

// Parser parses ksqlDB scripts. It is not safe for concurrent use: keep one per
// session (it holds a TiDB parser, which costs ~16 KB and 90 µs to build).
type Parser struct {
	tidb *tidb.Parser
	// Types resolves custom type names (CREATE TYPE) where a type is expected;
	// nil knows none. A script's own CREATE and DROP TYPE are seen by the
	// statements after them.
	Types       TypeLookup
	scriptTypes map[string]*types.Type // nil value: dropped in this script
	// vars are the session's DEFINEd variables (variables.go).
	vars []Variable
}

// New returns a Parser.
func New() *Parser { return &Parser{tidb: newTiDB()} }

// ParseScript parses every statement of a ';'-separated script. Errors are
// *sqlerr.Error with code 42601 and Position a byte offset into sql.
func (p *Parser) ParseScript(sql string) ([]Statement, error) {
	toks, err := lex(sql)
	if err != nil {
		return nil, err
	}
	var stmts []Statement
	p.scriptTypes = nil
	start, depth := 0, 0
	for i, t := range toks {
		switch {
		case t.is("(") || t.is("["):
			depth++
		case t.is(")") || t.is("]"):
			depth--
		case t.is(";") && depth <= 0 || t.Kind == tkEOF:
			if i > start {
				body := make([]token, i-start, i-start+1)
				copy(body, toks[start:i])
				body = append(body, token{Kind: tkEOF, Pos: t.Pos, End: t.Pos})
				src := sql
				if text := sql[toks[start].Pos:t.Pos]; len(p.vars) > 0 && strings.Contains(text, "${") {
					// ${var} substitution: the statement is parsed as substituted,
					// with positions relative to that text.
					src = p.substitute(text)
					if body, err = lex(src); err != nil {
						return nil, err
					}
				}
				s, err := p.parseStatement(src, body)
				if err != nil {
					return nil, err
				}
				p.noteTypes(s)
				p.noteVariables(s)
				stmts = append(stmts, s)
			}
			start, depth = i+1, 0
		}
	}
	return stmts, nil
}

// ParseExpr parses a single expression; positions are offsets into sql.
func (p *Parser) ParseExpr(sql string) (Expr, error) {
	toks, err := lex(sql)
	if err != nil {
		return nil, err
	}
	if len(toks) == 1 {
		return nil, syntaxErrorf(sql, 0, "expected an expression")
	}
	exprs, err := p.parseExprList(sql, toks, "")
	if err != nil {
		return nil, err
	}
	if len(exprs) != 1 {
		return nil, syntaxErrorf(sql, exprs[1].Position(), "expected a single expression")
	}
	return exprs[0], nil
}

// parseStatement dispatches on the leading words. toks ends with tkEOF.
func (p *Parser) parseStatement(src string, toks []token) (Statement, error) {
	base := StmtBase{Text: src[toks[0].Pos:toks[len(toks)-2].End], Pos: toks[0].Pos}
	c := &cursor{src: src, toks: toks, types: p.lookupType}
	for _, t := range toks {
		if t.Kind == tkVar {
			return nil, syntaxErrorf(src, t.Pos, "variable %s is not defined: DEFINE %s = '...' first", t.Text, strings.TrimSuffix(strings.TrimPrefix(t.Text, "${"), "}"))
		}
	}
	first := c.peek()
	var (
		s   Statement
		err error
	)
	switch lead := first.upper(); {
	case isConnectorStatement(c, lead):
		s, err = parseConnectorStatement(c, base, lead)
	case lead == "SELECT":
		s, err = p.parseQuery(c, base)
	case lead == "CREATE":
		s, err = p.parseCreate(c, base)
	case lead == "INSERT":
		s, err = p.parseInsert(c, base)
	case lead == "SHOW", lead == "LIST":
		s, err = parseShow(c, base)
	case lead == "DESCRIBE":
		s, err = parseDescribe(c, base)
	case lead == "DROP":
		s, err = parseDrop(c, base)
	case lead == "TERMINATE":
		s, err = parseTerminate(c, base)
	case lead == "SET":
		s, err = parseSet(c, base)
	case lead == "UNSET":
		s, err = parseUnset(c, base)
	case lead == "PRINT":
		s, err = parsePrint(c, base)
	case lead == "EXPLAIN":
		s, err = p.parseExplain(c, base)
	case lead == "AWAIT":
		s, err = parseAwait(c, base)
	case lead == "RUN":
		s, err = parseRun(c, base)
	case lead == "ALTER":
		s, err = parseAlter(c, base)
	case lead == "PAUSE", lead == "RESUME":
		s, err = parsePauseResume(c, base)
	case lead == "ASSERT":
		s, err = parseAssert(c, base)
	case lead == "DEFINE":
		s, err = parseDefine(c, base)
	case lead == "UNDEFINE":
		s, err = parseUndefine(c, base)
	default:
		if first.Kind != tkWord {
			return nil, unexpected(src, first)
		}
		return nil, syntaxErrorf(src, first.Pos, "Syntax error at or near '%s': not a statement", first.Text)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}
