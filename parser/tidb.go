package parser

import (
	"strconv"
	"strings"

	tidb "github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	_ "github.com/pingcap/tidb/pkg/parser/test_driver" // the value driver TiDB's parser needs at run time
)

// sqlMode makes TiDB read the SELECT core like standard SQL: "x" is an
// identifier, || concatenates and backslashes in strings are literal.
const sqlMode = "ANSI_QUOTES,PIPES_AS_CONCAT,NO_BACKSLASH_ESCAPES"

func newTiDB() *tidb.Parser {
	p := tidb.New()
	mode, err := mysql.GetSQLMode(sqlMode)
	if err != nil {
		panic("parser: bad built-in SQL mode: " + err.Error()) // a constant; tested
	}
	p.SetSQLMode(mode)
	p.EnableWindowFunc(false)
	return p
}

// parseSelectText parses rewritten text holding exactly one SELECT. A TiDB
// error comes back as a syntax error at the user's offset.
func (p *Parser) parseSelectText(src, text string, m *posMap) (*ast.SelectStmt, error) {
	stmts, _, err := p.tidb.Parse(text, "", "")
	if err != nil {
		off := tidbErrorOffset(text, err.Error())
		pos := m.toOrig(off)
		return nil, syntaxErrorf(src, pos, "Syntax error at or near %s", describeAt(src, pos))
	}
	if len(stmts) != 1 {
		return nil, syntaxErrorf(src, m.end, "expected a single SELECT")
	}
	sel, ok := stmts[0].(*ast.SelectStmt)
	if !ok {
		return nil, syntaxErrorf(src, m.toOrig(0), "expected a SELECT")
	}
	return sel, nil
}

// tidbErrorOffset recovers the byte offset of the offending token from TiDB's
// message `line L column C near "<rest of input>"`, where the rest may be cut
// and followed by ` (total length N)`.
func tidbErrorOffset(text, msg string) int {
	i := strings.Index(msg, ` near "`)
	if i < 0 {
		return len(text)
	}
	near := msg[i+len(` near "`):]
	if j := strings.LastIndex(near, `" (total length `); j >= 0 {
		n, err := strconv.Atoi(strings.TrimSuffix(near[j+len(`" (total length `):], ")"))
		if err == nil {
			return max(len(text)-n, 0)
		}
	}
	j := strings.LastIndexByte(near, '"')
	if j < 0 {
		return len(text)
	}
	return max(len(text)-len(near[:j]), 0)
}

// describeAt quotes the user's token starting at pos, for error messages.
func describeAt(src string, pos int) string {
	if pos >= len(src) {
		return "end of input"
	}
	toks, err := lex(src[pos:])
	if err != nil || len(toks) == 0 || toks[0].Kind == tkEOF {
		return "end of input"
	}
	return "'" + src[pos:pos+toks[0].End] + "'"
}
