package parser

import (
	"sort"
	"strconv"
	"strings"

	"github.com/sluice-db/sluice/types"
)

// Names of the function calls the rewrite produces. They are back-quoted in the
// rewritten text, so TiDB parses them as generic calls; the dots make a clash
// with a user function impossible (user calls get fnPrefix).
const (
	fnPrefix    = "fn."         // every user function NAME(...) becomes `fn.NAME`(...)
	fnDeref     = "ksql.deref"  // E->F          => `ksql.deref`(E, 'F')
	fnStructAll = "ksql.fields" // E->*          => `ksql.fields`(E)
	fnSubscript = "ksql.subscr" // E[i]          => `ksql.subscr`(E, i)
	fnArray     = "ksql.array"  // ARRAY[a, b]   => `ksql.array`(a, b)
	fnMap       = "ksql.map"    // MAP(k := v)   => `ksql.map`(k, v)
	fnStruct    = "ksql.struct" // STRUCT(f := v) => `ksql.struct`('F', v)
	fnLambda    = "ksql.lambda" // (x, y) => e   => `ksql.lambda`('X', 'Y', e)
	fnCast      = "ksql.cast"   // CAST(e AS T)  => `ksql.cast`(e, n), n indexes rewrite.casts
	fnParam     = "ksql.param"  // $n or ?       => `ksql.param`(n)
	fnUnit      = "ksql.unit"   // SECONDS as an argument => `ksql.unit`('SECONDS')
)

// sqlKeywords are the words passed to TiDB as keywords. Every other unquoted
// word is an identifier and is handed over back-quoted and upper-cased, which
// both applies ksqlDB's case rule and lets MySQL-reserved names (KEY, WINDOW,
// PARTITION, ROWS, ...) work as column names.
var sqlKeywords = map[string]bool{
	"SELECT": true, "FROM": true, "WHERE": true, "GROUP": true, "BY": true, "HAVING": true,
	"ORDER": true, "LIMIT": true, "OFFSET": true, "AS": true, "AND": true, "OR": true,
	"NOT": true, "IS": true, "NULL": true, "TRUE": true, "FALSE": true, "CASE": true,
	"WHEN": true, "THEN": true, "ELSE": true, "END": true, "IN": true, "LIKE": true,
	"BETWEEN": true, "DISTINCT": true, "JOIN": true, "INNER": true, "LEFT": true,
	"RIGHT": true, "OUTER": true, "ON": true, "ASC": true, "DESC": true, "ESCAPE": true,
	"ALL": true,
}

// timeUnits are the unit keywords accepted bare as function arguments and in
// WINDOW/WITHIN durations, with their length.
var timeUnits = map[string]int64{
	"DAY": 86400000, "DAYS": 86400000, "HOUR": 3600000, "HOURS": 3600000,
	"MINUTE": 60000, "MINUTES": 60000, "SECOND": 1000, "SECONDS": 1000,
	"MILLISECOND": 1, "MILLISECONDS": 1,
}

type frameKind uint8

const (
	frParen frameKind = iota
	frCall
	frCast
	frStruct
	frMap
	frArray     // closed by ]
	frSubscript // closed by ]
)

// frame is one open bracket of the rewrite.
type frame struct {
	kind    frameKind
	start   int // out index where the bracketed primary starts (function name or '(')
	lambdas int // lambda calls opened in this frame, closed at its next ',' or closer
}

// outTok is one token of the rewritten text with the offset in the user's text
// that it stands for.
type outTok struct {
	text string
	orig int
}

// rewrite turns KSQL expression text into text TiDB parses, remembering where
// every emitted token came from.
type rewrite struct {
	src    string
	out    []outTok
	frames []frame
	casts  []*types.Type
	params int // '?' seen so far, to number them
	// lastPrimary is the out index where the most recently completed primary
	// expression starts, or -1; postfix -> and [ wrap it.
	lastPrimary int
	lastDotBase int // lastPrimary before the latest '.', for qualified names
	// distinct holds the original offsets of the left operands of
	// IS DISTINCT FROM, which is handed to TiDB as <=> (IS NOT DISTINCT FROM).
	distinct map[int]bool
	types    TypeLookup // custom types for CAST
}

func newRewrite(src string, customTypes TypeLookup) *rewrite {
	return &rewrite{src: src, types: customTypes, lastPrimary: -1, lastDotBase: -1, distinct: map[int]bool{}}
}

func (r *rewrite) emit(text string, orig int) int {
	r.out = append(r.out, outTok{text, orig})
	return len(r.out) - 1
}

// insert places tokens at out index at, shifting the rest.
func (r *rewrite) insert(at int, toks ...outTok) {
	r.out = append(r.out[:at], append(toks, r.out[at:]...)...)
}

func quoteName(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func (r *rewrite) top() *frame {
	if len(r.frames) == 0 {
		return nil
	}
	return &r.frames[len(r.frames)-1]
}

// closeLambdas ends the lambda bodies open in the current frame.
func (r *rewrite) closeLambdas(orig int) {
	if f := r.top(); f != nil {
		for ; f.lambdas > 0; f.lambdas-- {
			r.emit(")", orig)
		}
	}
}

// tokens rewrites toks (which must end with tkEOF). Callers may call it more
// than once to append; topLambdas counts lambdas opened outside any bracket.
func (r *rewrite) tokens(toks []token) error {
	r.frames = append(r.frames[:0], frame{kind: frParen, start: -1})
	c := &cursor{src: r.src, toks: toks, types: r.types}
	var prev token
	for {
		t := c.next()
		if t.Kind == tkEOF {
			break
		}
		if err := r.token(c, t, prev); err != nil {
			return err
		}
		prev = c.toks[c.i-1]
	}
	r.closeLambdas(len(r.src))
	if len(r.frames) > 1 {
		f := r.frames[len(r.frames)-1]
		return syntaxErrorf(r.src, r.out[max(f.start, 0)].orig, "unbalanced brackets")
	}
	return nil
}

func (r *rewrite) token(c *cursor, t, prev token) error {
	startPrimary := -1 // set when t completes a primary
	defer func() { r.lastPrimary = startPrimary }()
	next := c.peek()
	switch t.Kind {
	case tkString:
		if prev.Kind == tkString || prev.Kind == tkNumber || prev.isIdent() && !isKeyword(prev) || prev.is(")") || prev.is("]") {
			// MySQL would read 'a' 'b' as 'ab' and x 'y' as an alias.
			return unexpected(r.src, t)
		}
		startPrimary = r.emit(quoteString(t.Text), t.Pos)
	case tkNumber:
		startPrimary = r.emit(t.Text, t.Pos)
	case tkParam:
		n := 0
		if t.Text == "?" {
			r.params++
			n = r.params
		} else {
			var err error
			if n, err = strconv.Atoi(t.Text[1:]); err != nil || n < 1 {
				return syntaxErrorf(r.src, t.Pos, "invalid parameter %s", t.Text)
			}
		}
		startPrimary = r.emit(quoteName(fnParam), t.Pos)
		r.emit("(", t.Pos)
		r.emit(strconv.Itoa(n), t.Pos)
		r.emit(")", t.Pos)
	case tkWord, tkQIdent:
		return r.word(c, t, prev, next, &startPrimary)
	case tkOp:
		return r.op(c, t, prev, next, &startPrimary)
	}
	return nil
}

func isKeyword(t token) bool { return t.Kind == tkWord && sqlKeywords[t.upper()] }

func (r *rewrite) word(c *cursor, t, prev, next token, startPrimary *int) error {
	up := t.upper()
	unquoted := t.Kind == tkWord
	switch {
	case next.is("=>"):
		// x => body
		*startPrimary = -1
		r.emit(quoteName(fnLambda), t.Pos)
		r.emit("(", t.Pos)
		r.emit(quoteString(t.ident()), t.Pos)
		r.emit(",", t.Pos)
		c.next()
		r.top().lambdas++
		return nil
	case r.top().kind == frStruct && next.is(":="):
		r.emit(quoteString(t.ident()), t.Pos)
		r.emit(",", next.Pos)
		c.next()
		return nil
	case unquoted && up == "IS" && (next.is("DISTINCT") || next.is("NOT") && c.peekAt(1).is("DISTINCT")):
		return r.isDistinct(c, t)
	case unquoted && up == "ARRAY" && next.is("["):
		*startPrimary = -1
		start := r.emit(quoteName(fnArray), t.Pos)
		r.emit("(", next.Pos)
		c.next()
		r.frames = append(r.frames, frame{kind: frArray, start: start})
		return nil
	case next.is("(") && !(unquoted && sqlKeywords[up] && up != "LEFT" && up != "RIGHT"):
		return r.call(c, t, up, unquoted)
	case unquoted && sqlKeywords[up]:
		r.emit(up, t.Pos)
		if up == "NULL" || up == "TRUE" || up == "FALSE" {
			*startPrimary = len(r.out) - 1
		}
		if up == "AS" && r.top().kind == frCast && len(r.frames) > 1 {
			// CAST(e AS type): the type goes to a side table, TiDB sees its index.
			r.out = r.out[:len(r.out)-1]
			typ, err := parseType(c)
			if err != nil {
				return err
			}
			r.emit(",", t.Pos)
			r.emit(strconv.Itoa(len(r.casts)), t.Pos)
			r.casts = append(r.casts, typ)
		}
		return nil
	case unquoted && timeUnits[up] != 0 && r.top().kind == frCall && (prev.is("(") || prev.is(",")) && (next.is(",") || next.is(")")):
		*startPrimary = r.emit(quoteName(fnUnit), t.Pos)
		r.emit("(", t.Pos)
		r.emit(quoteString(up), t.Pos)
		r.emit(")", t.Pos)
		return nil
	}
	idx := r.emit(quoteName(t.ident()), t.Pos)
	*startPrimary = idx
	if prev.is(".") && r.lastDotBase >= 0 {
		*startPrimary = r.lastDotBase
	}
	return nil
}

// isDistinct rewrites L IS [NOT] DISTINCT FROM R to L <=> R, remembering the
// negation by L's position (TiDB has no IS DISTINCT FROM).
func (r *rewrite) isDistinct(c *cursor, is token) error {
	not := c.accept("NOT")
	c.next() // DISTINCT
	if _, err := c.expect("FROM"); err != nil {
		return err
	}
	if r.lastPrimary < 0 {
		return unexpected(r.src, is)
	}
	if !not {
		r.distinct[r.out[r.lastPrimary].orig] = true
	}
	r.emit("<=>", is.Pos)
	return nil
}

// call rewrites NAME( into the call shape TiDB accepts.
func (r *rewrite) call(c *cursor, t token, up string, unquoted bool) error {
	kind, name := frCall, quoteName(fnPrefix+t.ident())
	if unquoted {
		switch up {
		case "CAST":
			kind, name = frCast, quoteName(fnCast)
		case "STRUCT":
			kind, name = frStruct, quoteName(fnStruct)
		case "MAP":
			kind, name = frMap, quoteName(fnMap)
		case "COUNT":
			// Left to TiDB's aggregate grammar for COUNT(*) and COUNT(DISTINCT x);
			// ksqlDB's COUNT() has no TiDB form, so it stays a generic call.
			if !c.peekAt(1).is(")") {
				name = "COUNT"
			}
		}
	}
	start := r.emit(name, t.Pos)
	open := c.next()
	r.emit("(", open.Pos)
	if kind == frCall && name != "COUNT" && c.peekAt(0).is("*") && c.peekAt(1).is(")") {
		// NAME(*): TiDB has it for COUNT alone; the call goes over as NAME()
		// and the converter marks it Star from the user's tokens.
		c.next()
	}
	r.frames = append(r.frames, frame{kind: kind, start: start})
	return nil
}

// lambdaParams reports whether the tokens after '(' are "x, y) =>" and returns
// the parameter tokens.
func lambdaParams(c *cursor) []token {
	var params []token
	for n := 0; ; n += 2 {
		p := c.peekAt(n)
		if !p.isIdent() {
			return nil
		}
		params = append(params, p)
		if sep := c.peekAt(n + 1); sep.is(")") {
			if c.peekAt(n + 2).is("=>") {
				return params
			}
			return nil
		} else if !sep.is(",") {
			return nil
		}
	}
}

func (r *rewrite) op(c *cursor, t, prev, next token, startPrimary *int) error {
	switch t.Text {
	case "(":
		if params := lambdaParams(c); params != nil {
			r.emit(quoteName(fnLambda), t.Pos)
			r.emit("(", t.Pos)
			for _, p := range params {
				r.emit(quoteString(p.ident()), p.Pos)
				r.emit(",", p.End)
			}
			c.i += 2*len(params) + 1 // params, separators, ')' and '=>'
			r.top().lambdas++
			return nil
		}
		start := r.emit("(", t.Pos)
		r.frames = append(r.frames, frame{kind: frParen, start: start})
	case ")", "]":
		r.closeLambdas(t.Pos)
		f := r.top()
		closesBracket := f.kind == frArray || f.kind == frSubscript
		if len(r.frames) == 1 || closesBracket != (t.Text == "]") {
			return unexpected(r.src, t)
		}
		r.frames = r.frames[:len(r.frames)-1]
		r.emit(")", t.Pos)
		*startPrimary = f.start
	case "[":
		if r.lastPrimary < 0 {
			return unexpected(r.src, t)
		}
		at := r.lastPrimary
		r.insert(at, outTok{quoteName(fnSubscript), r.out[at].orig}, outTok{"(", r.out[at].orig})
		r.emit(",", t.Pos)
		r.frames = append(r.frames, frame{kind: frSubscript, start: at})
	case "->":
		if r.lastPrimary < 0 {
			return unexpected(r.src, t)
		}
		if next.Text == "*" {
			c.next()
			at := r.lastPrimary
			r.insert(at, outTok{quoteName(fnStructAll), r.out[at].orig}, outTok{"(", r.out[at].orig})
			r.emit(")", next.End)
			*startPrimary = at
			return nil
		}
		if !next.isIdent() || isKeyword(next) {
			return expected(r.src, next, "a field name")
		}
		c.next()
		at := r.lastPrimary
		r.insert(at, outTok{quoteName(fnDeref), r.out[at].orig}, outTok{"(", r.out[at].orig})
		r.emit(",", t.Pos)
		r.emit(quoteString(next.ident()), next.Pos)
		r.emit(")", next.End)
		*startPrimary = at
	case ",":
		r.closeLambdas(t.Pos)
		r.emit(",", t.Pos)
	case ":=":
		if r.top().kind != frMap {
			return unexpected(r.src, t)
		}
		r.emit(",", t.Pos)
	case "!=":
		r.emit("<>", t.Pos)
	case ".":
		r.lastDotBase = r.lastPrimary
		r.emit(".", t.Pos)
	case "::", "=>", "{", "}", ";", ":":
		return unexpected(r.src, t)
	default:
		r.emit(t.Text, t.Pos)
	}
	return nil
}

// posMap sends offsets in the rewritten text back to the user's text.
type posMap struct {
	starts []int // out offset of each emitted token, ascending
	origs  []int // the user offset it stands for
	end    int   // user offset for the end of the text
}

// toOrig maps an offset in the rewritten text to the user's text.
func (m *posMap) toOrig(off int) int {
	i := sort.SearchInts(m.starts, off+1) - 1
	if i < 0 {
		if len(m.origs) > 0 {
			return m.origs[0]
		}
		return m.end
	}
	if i == len(m.starts)-1 && off > m.starts[i] {
		return m.end
	}
	return m.origs[i]
}

// render returns the rewritten text and its position map. Tokens are joined by
// single spaces, except around '.' where TiDB wants qualified names tight.
func (r *rewrite) render(prefix string, end int) (string, *posMap) {
	var b strings.Builder
	b.WriteString(prefix)
	m := &posMap{end: end}
	for i, t := range r.out {
		// No space before a call's '(': TiDB, like MySQL without IGNORE_SPACE,
		// reads "COUNT (" as a generic call rather than the aggregate.
		prev := ""
		if i > 0 {
			prev = r.out[i-1].text
		}
		callParen := t.text == "(" && (prev == "COUNT" || strings.HasPrefix(prev, "`"))
		if i > 0 && t.text != "." && prev != "." && !callParen {
			b.WriteByte(' ')
		}
		m.starts = append(m.starts, b.Len())
		m.origs = append(m.origs, t.orig)
		b.WriteString(t.text)
	}
	return b.String(), m
}
