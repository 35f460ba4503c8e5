package parser

import (
	"fmt"
	"strings"

	"github.com/sluice-db/sluice/sqlerr"
)

// syntaxErrorf returns a 42601 error at byte offset pos of src, its message
// prefixed with ksqlDB's "line L:C: " (both 1-based).
func syntaxErrorf(src string, pos int, format string, args ...any) *sqlerr.Error {
	line, col := lineCol(src, pos)
	msg := fmt.Sprintf("line %d:%d: ", line, col) + fmt.Sprintf(format, args...)
	return sqlerr.New(sqlerr.SyntaxError, msg).WithPosition(pos)
}

// unexpected is the generic "Syntax error at or near" error for token t.
func unexpected(src string, t token) *sqlerr.Error {
	return syntaxErrorf(src, t.Pos, "Syntax error at or near %s", describeToken(src, t))
}

// expected reports that t is not what the grammar needs at this point.
func expected(src string, t token, want string) *sqlerr.Error {
	return syntaxErrorf(src, t.Pos, "Syntax error at or near %s: expecting %s", describeToken(src, t), want)
}

func describeToken(src string, t token) string {
	if t.Kind == tkEOF {
		return "end of input"
	}
	return "'" + src[t.Pos:t.End] + "'"
}

// lineCol converts a byte offset into a 1-based line and column.
func lineCol(src string, pos int) (int, int) {
	pos = min(max(pos, 0), len(src))
	before := src[:pos]
	line := strings.Count(before, "\n") + 1
	return line, pos - (strings.LastIndexByte(before, '\n') + 1) + 1
}
