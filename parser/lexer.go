package parser

import "strings"

// tokKind classifies a token.
type tokKind uint8

const (
	tkEOF    tokKind = iota
	tkWord           // unquoted identifier or keyword
	tkQIdent         // `x` or "x"; Text is the unescaped name
	tkString         // 'x'; Text is the unescaped value
	tkNumber         // 12, 1.5, 1.5E3, .5
	tkParam          // $n or ?; Text is the raw token
	tkVar            // ${name}, a variable reference (variables.go); Text is the raw token
	tkOp             // punctuation and operators, Text is the operator
)

// token is one lexeme with its byte span [Pos, End) in the script.
type token struct {
	Kind tokKind
	Text string
	Pos  int
	End  int
}

// is reports whether t is the unquoted keyword kw (case-insensitive) — or,
// for operators, exactly kw.
func (t token) is(kw string) bool {
	switch t.Kind {
	case tkWord:
		return strings.EqualFold(t.Text, kw)
	case tkOp:
		return t.Text == kw
	}
	return false
}

// upper is the word upper-cased, the form ksqlDB gives unquoted identifiers.
func (t token) upper() string { return strings.ToUpper(t.Text) }

// ident returns the final name of an identifier token: unquoted names are
// upper-cased, quoted ones keep their case.
func (t token) ident() string {
	if t.Kind == tkQIdent {
		return t.Text
	}
	return strings.ToUpper(t.Text)
}

// isIdent reports whether t can name something.
func (t token) isIdent() bool { return t.Kind == tkWord || t.Kind == tkQIdent }

// multiOps are the operators longer than one byte, longest first. `>>` is
// deliberately absent so that ARRAY<MAP<K,V>> closes two type brackets.
var multiOps = [...]string{"<=", ">=", "<>", "!=", "||", "->", "=>", ":=", "::"}

// lex splits src into tokens, ending with a tkEOF token at len(src). It rejects
// what the TiDB parser would silently misread (E'..' strings) and unterminated
// strings, quoted identifiers and comments, with the offending position.
func lex(src string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case c == '-' && i+1 < len(src) && src[i+1] == '-':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return nil, syntaxErrorf(src, i, "unterminated comment")
			}
			i += 2 + end + 2
		case c == '\'':
			s, end, err := lexQuoted(src, i, '\'')
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{Kind: tkString, Text: s, Pos: i, End: end})
			i = end
		case c == '`' || c == '"':
			s, end, err := lexQuoted(src, i, c)
			if err != nil {
				return nil, err
			}
			if s == "" {
				return nil, syntaxErrorf(src, i, "zero-length delimited identifier")
			}
			toks = append(toks, token{Kind: tkQIdent, Text: s, Pos: i, End: end})
			i = end
		case isDigit(c) || (c == '.' && i+1 < len(src) && isDigit(src[i+1])):
			end := lexNumber(src, i)
			if word := lexDigitIdent(src, i); word > end {
				// ksqlDB's DIGIT_IDENTIFIER (1R, 2nd_col): the longer match wins.
				toks = append(toks, token{Kind: tkWord, Text: src[i:word], Pos: i, End: word})
				i = word
				continue
			}
			toks = append(toks, token{Kind: tkNumber, Text: src[i:end], Pos: i, End: end})
			i = end
		case isIdentStart(c):
			end := i + 1
			for end < len(src) && isIdentPart(src[end]) {
				end++
			}
			if end < len(src) && src[end] == '\'' {
				// E'..', X'..', N'..': prefixed strings. ksqlDB has none, and TiDB
				// would read E'a' as the column E aliased 'a'.
				return nil, syntaxErrorf(src, i, "prefixed string literal %s'...' is not supported", src[i:end])
			}
			toks = append(toks, token{Kind: tkWord, Text: src[i:end], Pos: i, End: end})
			i = end
		case c == '$' && i+1 < len(src) && src[i+1] == '{':
			end := strings.IndexByte(src[i:], '}')
			if end < 0 {
				return nil, syntaxErrorf(src, i, "unterminated variable reference ${")
			}
			end += i + 1
			toks = append(toks, token{Kind: tkVar, Text: src[i:end], Pos: i, End: end})
			i = end
		case c == '$':
			end := i + 1
			for end < len(src) && isDigit(src[end]) {
				end++
			}
			if end == i+1 {
				return nil, syntaxErrorf(src, i, "unexpected character '$'")
			}
			toks = append(toks, token{Kind: tkParam, Text: src[i:end], Pos: i, End: end})
			i = end
		case c == '?':
			toks = append(toks, token{Kind: tkParam, Text: "?", Pos: i, End: i + 1})
			i++
		default:
			op := ""
			for _, m := range multiOps {
				if strings.HasPrefix(src[i:], m) {
					op = m
					break
				}
			}
			if op == "" {
				if !strings.ContainsRune("(),;.[]+-*/%=<>:{}", rune(c)) {
					return nil, syntaxErrorf(src, i, "unexpected character %q", rune(c))
				}
				op = src[i : i+1]
			}
			toks = append(toks, token{Kind: tkOp, Text: op, Pos: i, End: i + len(op)})
			i += len(op)
		}
	}
	toks = append(toks, token{Kind: tkEOF, Pos: len(src), End: len(src)})
	return toks, nil
}

// lexQuoted reads a q-delimited literal starting at src[start] (a doubled q is
// an escaped q) and returns its value and the offset just past it.
func lexQuoted(src string, start int, q byte) (string, int, error) {
	var b strings.Builder
	i := start + 1
	for {
		j := strings.IndexByte(src[i:], q)
		if j < 0 {
			what := "string"
			if q != '\'' {
				what = "quoted identifier"
			}
			return "", 0, syntaxErrorf(src, start, "unterminated %s", what)
		}
		b.WriteString(src[i : i+j])
		i += j + 1
		if i < len(src) && src[i] == q {
			b.WriteByte(q)
			i++
			continue
		}
		return b.String(), i, nil
	}
}

// lexNumber returns the end of the numeric literal starting at src[i].
func lexNumber(src string, i int) int {
	for i < len(src) && isDigit(src[i]) {
		i++
	}
	if i < len(src) && src[i] == '.' {
		i++
		for i < len(src) && isDigit(src[i]) {
			i++
		}
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		j := i + 1
		if j < len(src) && (src[j] == '+' || src[j] == '-') {
			j++
		}
		if j < len(src) && isDigit(src[j]) {
			for j < len(src) && isDigit(src[j]) {
				j++
			}
			i = j
		}
	}
	return i
}

// lexDigitIdent returns the end of a ksqlDB DIGIT_IDENTIFIER starting at src[i]
// (a digit, then letters, digits, _ or @), or i when there is none.
func lexDigitIdent(src string, i int) int {
	if !isDigit(src[i]) {
		return i
	}
	end := i + 1
	for end < len(src) && (isIdentStart(src[end]) || isDigit(src[end]) || src[end] == '@') {
		end++
	}
	return end
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

func isIdentPart(c byte) bool { return isIdentStart(c) || isDigit(c) || c == '@' || c == '$' }
