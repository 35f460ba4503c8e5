package server

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/sluice-db/sluice/sqlerr"
)

// SQL-level cursor statements (DECLARE, FETCH, MOVE, CLOSE) are recognized on the
// text because a cursor's query may be KSQL (SELECT ... EMIT CHANGES), which the
// Postgres grammar cannot parse. The grammar is PostgreSQL 15's.

type cursorCmdKind int

const (
	cmdDeclare cursorCmdKind = iota + 1
	cmdFetch
	cmdMove
	cmdClose
)

// cursorCmd is one parsed cursor statement.
type cursorCmd struct {
	kind cursorCmdKind
	name string
	// closeAll is CLOSE ALL.
	closeAll bool

	// DECLARE: the cursor's query, its byte offset in the statement text, and the
	// options.
	query          string
	queryOffset    int
	binary, hold   bool
	scroll, noScrl bool

	// FETCH and MOVE.
	dir direction
}

type dirKind int

const (
	dirForward dirKind = iota
	dirBackward
	dirAbsolute
	dirRelative
)

// direction is FETCH's or MOVE's direction clause.
type direction struct {
	kind  dirKind
	count int64
	all   bool // FORWARD ALL, BACKWARD ALL
}

// cursorToken is one token of a cursor statement's head.
type cursorToken struct {
	text   string // lower case for words; unquoted for quoted identifiers
	quoted bool
	end    int // byte offset just past the token
}

// cursorTokens scans words, signed integers and quoted identifiers from sql[from:]
// until n tokens are read or a character that is none of those.
func cursorTokens(sql string, from, n int) []cursorToken {
	var out []cursorToken
	i := from
	for len(out) < n {
		i = skipSpaceAndComments(sql, i)
		if i >= len(sql) {
			break
		}
		start := i
		switch ch := sql[i]; {
		case ch == '"':
			var b strings.Builder
			i++
			for {
				if i >= len(sql) {
					return out // unterminated
				}
				if sql[i] == '"' {
					if i+1 < len(sql) && sql[i+1] == '"' {
						b.WriteByte('"')
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteByte(sql[i])
				i++
			}
			out = append(out, cursorToken{text: b.String(), quoted: true, end: i})
		case ch == '_' || ch == '+' || ch == '-' || ch >= 0x80 || unicode.IsLetter(rune(ch)) || unicode.IsDigit(rune(ch)):
			i++
			for i < len(sql) && (sql[i] == '_' || sql[i] == '$' || sql[i] >= 0x80 || unicode.IsLetter(rune(sql[i])) || unicode.IsDigit(rune(sql[i]))) {
				i++
			}
			out = append(out, cursorToken{text: strings.ToLower(sql[start:i]), end: i})
		default:
			return out
		}
	}
	return out
}

// skipSpaceAndComments returns the offset of the first character at or after i
// that is neither white space nor in a -- or /* */ comment.
func skipSpaceAndComments(sql string, i int) int {
	for i < len(sql) {
		switch {
		case unicode.IsSpace(rune(sql[i])):
			i++
		case strings.HasPrefix(sql[i:], "--"):
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case strings.HasPrefix(sql[i:], "/*"):
			depth := 0
			for i < len(sql) {
				if strings.HasPrefix(sql[i:], "/*") {
					depth++
					i += 2
				} else if strings.HasPrefix(sql[i:], "*/") {
					depth--
					i += 2
					if depth == 0 {
						break
					}
				} else {
					i++
				}
			}
		default:
			return i
		}
	}
	return i
}

// parseCursorCmd recognizes a DECLARE, FETCH, MOVE or CLOSE statement. ok is false
// for any other statement; err is set for a cursor statement that is malformed.
func parseCursorCmd(sql string) (cmd *cursorCmd, ok bool, err error) {
	head := cursorTokens(sql, 0, 1)
	if len(head) == 0 || head[0].quoted {
		return nil, false, nil
	}
	switch head[0].text {
	case "declare":
		return parseDeclare(sql, head[0].end)
	case "fetch", "move":
		kind := cmdFetch
		if head[0].text == "move" {
			kind = cmdMove
		}
		return parseFetch(sql, head[0].end, kind)
	case "close":
		toks, rest := cursorTokens(sql, head[0].end, 2), 0
		if len(toks) > 0 {
			rest = toks[0].end
		}
		if len(toks) != 1 || !onlyTerminator(sql[rest:]) {
			return nil, false, nil
		}
		if !toks[0].quoted && toks[0].text == "all" {
			return &cursorCmd{kind: cmdClose, closeAll: true}, true, nil
		}
		return &cursorCmd{kind: cmdClose, name: toks[0].text}, true, nil
	}
	return nil, false, nil
}

// onlyTerminator reports whether s is white space with at most one semicolon.
func onlyTerminator(s string) bool {
	i := skipSpaceAndComments(s, 0)
	if i < len(s) && s[i] == ';' {
		i = skipSpaceAndComments(s, i+1)
	}
	return i == len(s)
}

// parseDeclare parses DECLARE name [BINARY] [ASENSITIVE | INSENSITIVE]
// [[NO] SCROLL] CURSOR [{WITH | WITHOUT} HOLD] FOR query; the options before
// CURSOR may come in any order, as PostgreSQL's grammar allows.
func parseDeclare(sql string, from int) (*cursorCmd, bool, error) {
	toks := cursorTokens(sql, from, 8)
	if len(toks) < 3 {
		return nil, false, nil
	}
	cmd := &cursorCmd{kind: cmdDeclare, name: toks[0].text}
	i := 1
	for ; i < len(toks) && !toks[i].quoted && toks[i].text != "cursor"; i++ {
		switch toks[i].text {
		case "binary":
			cmd.binary = true
		case "insensitive", "asensitive":
		case "scroll":
			cmd.scroll = true
		case "no":
			if i+1 < len(toks) && toks[i+1].text == "scroll" {
				cmd.noScrl = true
				i++
				continue
			}
			return nil, false, nil
		default:
			return nil, false, nil
		}
	}
	if i >= len(toks) || toks[i].text != "cursor" {
		return nil, false, nil
	}
	rest := cursorTokens(sql, toks[i].end, 3)
	switch {
	case len(rest) >= 3 && rest[0].text == "with" && rest[1].text == "hold" && rest[2].text == "for":
		cmd.hold = true
		cmd.queryOffset = rest[2].end
	case len(rest) >= 3 && rest[0].text == "without" && rest[1].text == "hold" && rest[2].text == "for":
		cmd.queryOffset = rest[2].end
	case len(rest) >= 1 && rest[0].text == "for":
		cmd.queryOffset = rest[0].end
	default:
		return nil, false, nil
	}
	if cmd.scroll && cmd.noScrl {
		return nil, true, sqlerr.New("42P11", "cannot specify both SCROLL and NO SCROLL")
	}
	q := sql[cmd.queryOffset:]
	trimmed := strings.TrimLeftFunc(q, unicode.IsSpace)
	cmd.queryOffset += len(q) - len(trimmed)
	cmd.query = strings.TrimRightFunc(strings.TrimSuffix(strings.TrimRightFunc(trimmed, unicode.IsSpace), ";"), unicode.IsSpace)
	// PostgreSQL's grammar allows only a query here. Checking the first word keeps
	// DECLARE c CURSOR FOR DROP ... from running the DROP.
	first := cursorTokens(cmd.query, 0, 1)
	isQuery := strings.HasPrefix(cmd.query, "(")
	if len(first) == 1 && !first[0].quoted {
		switch first[0].text {
		case "select", "with", "values", "table":
			isQuery = true
		}
	}
	if !isQuery {
		return nil, true, sqlerr.New(sqlerr.SyntaxError, "DECLARE CURSOR needs a query (SELECT, VALUES, TABLE or WITH)").WithPosition(cmd.queryOffset)
	}
	return cmd, true, nil
}

// parseFetch parses FETCH/MOVE [direction] [FROM | IN] name.
func parseFetch(sql string, from int, kind cursorCmdKind) (*cursorCmd, bool, error) {
	toks := cursorTokens(sql, from, 5)
	if len(toks) == 0 || len(toks) > 4 || !onlyTerminator(sql[toks[len(toks)-1].end:]) {
		return nil, false, nil
	}
	cmd := &cursorCmd{kind: kind, name: toks[len(toks)-1].text, dir: direction{count: 1}}
	dir := toks[:len(toks)-1]
	if n := len(dir); n > 0 && !dir[n-1].quoted && (dir[n-1].text == "from" || dir[n-1].text == "in") {
		dir = dir[:n-1]
	}
	count := func(t cursorToken) (int64, bool) {
		n, err := strconv.ParseInt(t.text, 10, 64)
		return n, err == nil && !t.quoted
	}
	var okDir bool
	switch len(dir) {
	case 0:
		okDir = true
	case 1:
		okDir = true
		switch dir[0].text {
		case "next", "forward":
		case "prior", "backward":
			cmd.dir.kind = dirBackward
		case "first":
			cmd.dir.kind = dirAbsolute
		case "last":
			cmd.dir = direction{kind: dirAbsolute, count: -1}
		case "all":
			cmd.dir.all = true
		default:
			cmd.dir.count, okDir = count(dir[0])
		}
	case 2:
		n, isCount := count(dir[1])
		all := !dir[1].quoted && dir[1].text == "all"
		switch {
		case dir[0].text == "absolute" && isCount:
			cmd.dir, okDir = direction{kind: dirAbsolute, count: n}, true
		case dir[0].text == "relative" && isCount:
			cmd.dir, okDir = direction{kind: dirRelative, count: n}, true
		case dir[0].text == "forward" && (isCount || all):
			cmd.dir, okDir = direction{kind: dirForward, count: n, all: all}, true
		case dir[0].text == "backward" && (isCount || all):
			cmd.dir, okDir = direction{kind: dirBackward, count: n, all: all}, true
		}
	}
	if !okDir {
		return nil, false, nil
	}
	return cmd, true, nil
}

// splitQuery splits a Query's text at the semicolons that end statements,
// skipping those in quotes ('...', E'...', "..."), dollar quotes and comments.
// Each part keeps its text and byte offset; empty parts are dropped.
func splitQuery(sql string) (parts []string, offsets []int) {
	start := 0
	flush := func(end int) {
		if strings.TrimSpace(sql[start:end]) != "" {
			parts = append(parts, sql[start:end])
			offsets = append(offsets, start)
		}
		start = end + 1
	}
	for i := 0; i < len(sql); i++ {
		switch ch := sql[i]; {
		case ch == '\'':
			escapes := i > 0 && (sql[i-1] == 'E' || sql[i-1] == 'e')
			for i++; i < len(sql); i++ {
				if escapes && sql[i] == '\\' {
					i++
				} else if sql[i] == '\'' {
					if i+1 < len(sql) && sql[i+1] == '\'' {
						i++
						continue
					}
					break
				}
			}
		case ch == '"':
			for i++; i < len(sql) && sql[i] != '"'; i++ {
			}
		case ch == '-' && i+1 < len(sql) && sql[i+1] == '-':
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case ch == '/' && i+1 < len(sql) && sql[i+1] == '*':
			depth := 0
			for ; i+1 < len(sql); i++ {
				if sql[i] == '/' && sql[i+1] == '*' {
					depth++
					i++
				} else if sql[i] == '*' && sql[i+1] == '/' {
					depth--
					i++
					if depth == 0 {
						break
					}
				}
			}
		case ch == '$':
			j := i + 1
			for j < len(sql) && (sql[j] == '_' || unicode.IsLetter(rune(sql[j])) || (j > i+1 && unicode.IsDigit(rune(sql[j])))) {
				j++
			}
			if j < len(sql) && sql[j] == '$' {
				tag := sql[i : j+1]
				if end := strings.Index(sql[j+1:], tag); end >= 0 {
					i = j + 1 + end + len(tag) - 1
				} else {
					i = len(sql)
				}
			}
		case ch == ';':
			flush(i)
		}
	}
	flush(len(sql))
	return parts, offsets
}
