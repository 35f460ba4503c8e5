package formats

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/sluice-db/sluice/sqlerr"
)

// The decoder parses a document into a small tree and then coerces the tree to
// the column types, the way ksqlDB's KsqlJsonDeserializer walks a Jackson tree.
// A tree (rather than a streaming scan) is what the coercion rules need: a STRING
// column holding an object keeps the object's compact text, and a struct field is
// looked up by exact name before its upper-cased form. A hand-written parser keeps
// the number literals exact for DECIMAL and BIGINT and avoids encoding/json's
// reflection.

type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonBool
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

// jsonNode is one parsed JSON value.
type jsonNode struct {
	kind jsonKind
	b    bool
	// text is a string's decoded content, or a number's literal text.
	text    string
	isFloat bool // a number with a fraction or an exponent
	elems   []jsonNode
	members []jsonMember
}

type jsonMember struct {
	name  string
	value jsonNode
}

// maxJSONDepth bounds nesting as Jackson's StreamReadConstraints do, so hostile
// input cannot exhaust the stack.
const maxJSONDepth = 1000

type jsonParser struct {
	data  []byte
	pos   int
	depth int
}

// parseDocument parses the first JSON value of data. Like Jackson's readTree it
// ignores whatever follows that value, and it reads an empty or all-blank
// document as null.
func (p *jsonParser) parseDocument(data []byte) (jsonNode, error) {
	p.data, p.pos, p.depth = data, 0, 0
	p.skipSpace()
	if p.pos == len(p.data) {
		return jsonNode{kind: jsonNull}, nil
	}
	return p.parseValue()
}

func (p *jsonParser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonParser) errorf(format string, args ...any) error {
	return sqlerr.Newf(sqlerr.InvalidTextRepresentation, "invalid JSON at byte %d: "+format,
		append([]any{p.pos}, args...)...)
}

func (p *jsonParser) parseValue() (jsonNode, error) {
	if p.pos >= len(p.data) {
		return jsonNode{}, p.errorf("unexpected end of input")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.parseObject()
	case c == '[':
		return p.parseArray()
	case c == '"':
		s, err := p.parseString()
		return jsonNode{kind: jsonString, text: s}, err
	case c == '-' || (c >= '0' && c <= '9'):
		return p.parseNumber()
	case c == 't':
		return jsonNode{kind: jsonBool, b: true}, p.literal("true")
	case c == 'f':
		return jsonNode{kind: jsonBool}, p.literal("false")
	case c == 'n':
		return jsonNode{kind: jsonNull}, p.literal("null")
	default:
		return jsonNode{}, p.errorf("unexpected character %q", rune(c))
	}
}

func (p *jsonParser) literal(word string) error {
	if len(p.data)-p.pos < len(word) || string(p.data[p.pos:p.pos+len(word)]) != word {
		return p.errorf("unrecognized token, expected %s", word)
	}
	p.pos += len(word)
	return nil
}

func (p *jsonParser) enter() error {
	p.depth++
	if p.depth > maxJSONDepth {
		return p.errorf("nesting deeper than %d", maxJSONDepth)
	}
	return nil
}

func (p *jsonParser) parseObject() (jsonNode, error) {
	if err := p.enter(); err != nil {
		return jsonNode{}, err
	}
	p.pos++ // '{'
	n := jsonNode{kind: jsonObject}
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		p.depth--
		return n, nil
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return n, p.errorf("expected a field name")
		}
		name, err := p.parseString()
		if err != nil {
			return n, err
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return n, p.errorf("expected ':'")
		}
		p.pos++
		p.skipSpace()
		v, err := p.parseValue()
		if err != nil {
			return n, err
		}
		n.members = append(n.members, jsonMember{name: name, value: v})
		p.skipSpace()
		if p.pos >= len(p.data) {
			return n, p.errorf("unexpected end of input in object")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			p.depth--
			return n, nil
		default:
			return n, p.errorf("expected ',' or '}'")
		}
	}
}

func (p *jsonParser) parseArray() (jsonNode, error) {
	if err := p.enter(); err != nil {
		return jsonNode{}, err
	}
	p.pos++ // '['
	n := jsonNode{kind: jsonArray}
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		p.depth--
		return n, nil
	}
	for {
		p.skipSpace()
		v, err := p.parseValue()
		if err != nil {
			return n, err
		}
		n.elems = append(n.elems, v)
		p.skipSpace()
		if p.pos >= len(p.data) {
			return n, p.errorf("unexpected end of input in array")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			p.depth--
			return n, nil
		default:
			return n, p.errorf("expected ',' or ']'")
		}
	}
}

// parseNumber accepts RFC 8259 numbers only, as Jackson does by default: no
// leading zeros, no leading '+', no bare '.', no NaN.
func (p *jsonParser) parseNumber() (jsonNode, error) {
	start := p.pos
	if p.data[p.pos] == '-' {
		p.pos++
	}
	if p.digits() == 0 {
		return jsonNode{}, p.errorf("invalid number")
	}
	if p.data[start] == '0' && p.pos-start > 1 || p.data[start] == '-' && p.data[start+1] == '0' && p.pos-start > 2 {
		return jsonNode{}, p.errorf("leading zeroes not allowed")
	}
	isFloat := false
	if p.pos < len(p.data) && p.data[p.pos] == '.' {
		p.pos++
		isFloat = true
		if p.digits() == 0 {
			return jsonNode{}, p.errorf("invalid number: no digit after '.'")
		}
	}
	if p.pos < len(p.data) && (p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
		p.pos++
		isFloat = true
		if p.pos < len(p.data) && (p.data[p.pos] == '+' || p.data[p.pos] == '-') {
			p.pos++
		}
		if p.digits() == 0 {
			return jsonNode{}, p.errorf("invalid number: no digit in exponent")
		}
	}
	return jsonNode{kind: jsonNumber, text: string(p.data[start:p.pos]), isFloat: isFloat}, nil
}

func (p *jsonParser) digits() int {
	n := 0
	for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
		p.pos++
		n++
	}
	return n
}

// parseString parses a quoted string at p.pos. Unescaped control characters and
// invalid UTF-8 are errors, as in Jackson.
func (p *jsonParser) parseString() (string, error) {
	p.pos++ // opening quote
	start := p.pos
	// Fast path: no escapes.
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		if c == '"' {
			s := p.data[start:p.pos]
			if !utf8.Valid(s) {
				return "", p.errorf("invalid UTF-8 in string")
			}
			p.pos++
			return string(s), nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		p.pos++
	}
	buf := append([]byte(nil), p.data[start:p.pos]...)
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			if !utf8.Valid(buf) {
				return "", p.errorf("invalid UTF-8 in string")
			}
			return string(buf), nil
		case c < 0x20:
			return "", p.errorf("illegal unquoted character in string")
		case c != '\\':
			buf = append(buf, c)
			p.pos++
			continue
		}
		p.pos++
		if p.pos >= len(p.data) {
			break
		}
		e := p.data[p.pos]
		p.pos++
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, err := p.hex4()
			if err != nil {
				return "", err
			}
			if utf16.IsSurrogate(r) {
				// A pair is two escapes; a lone half becomes U+FFFD, as Go cannot hold it.
				r2 := rune(-1)
				if p.pos+1 < len(p.data) && p.data[p.pos] == '\\' && p.data[p.pos+1] == 'u' {
					save := p.pos
					p.pos += 2
					if r2, err = p.hex4(); err != nil {
						return "", err
					}
					if utf16.DecodeRune(r, r2) == utf8.RuneError {
						p.pos, r2 = save, -1
					}
				}
				r = utf16.DecodeRune(r, r2)
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", p.errorf("unrecognized character escape %q", rune(e))
		}
	}
	return "", p.errorf("unexpected end of input in string")
}

func (p *jsonParser) hex4() (rune, error) {
	if len(p.data)-p.pos < 4 {
		return 0, p.errorf("unexpected end of input in \\u escape")
	}
	v, err := strconv.ParseUint(string(p.data[p.pos:p.pos+4]), 16, 32)
	if err != nil {
		return 0, p.errorf("invalid \\u escape")
	}
	p.pos += 4
	return rune(v), nil
}
