package formats

import (
	"encoding/binary"
	"strings"
	"unicode/utf8"

	"github.com/sluice-db/sluice/types"
)

// The row scanner is the JSON decoder's fast path. It reads an object straight
// into the columns' types in one pass, without building the tree the coercion rules
// of json_decode.go walk, and so allocates only the values it returns.
//
// It gives the tree decoder's results exactly, or gives up: whenever a document is
// anything but well-formed JSON whose fields all coerce (a syntax error, a value of
// the wrong shape, a member name with escapes, a nested value only the tree rules
// handle such as an object read as a STRING), the scanner reports failure and
// Decode runs the tree decoder on the whole document, which produces ksqlDB's
// result and error text. Failures are rare records, so the cost of the second pass
// is paid only for them.
//
// Name matching follows lookupMember: a member whose name equals a field's wins
// over members whose upper-cased name equals it, and among several the last wins.
// Every member is matched against every field, since one member can feed two
// fields (a quoted lower-case field and its upper-case twin).
//
// A Projection lets a reader leave columns (or fields of STRUCT columns) out: those
// are still checked for coercibility, without allocating when the check cannot
// fail (numbers into numeric columns, anything into a STRING), so a record that
// ksqlDB would reject still goes to the processing log; they are returned as NULL.

// Projection says which columns of a row, and which fields of its STRUCT columns,
// a reader uses. A nil *Projection means all of them; one without Columns, none.
type Projection struct {
	// Columns[i] says whether column (or field) i is used; the slice is as long as
	// the columns.
	Columns []bool
	// Fields[i], for a used STRUCT column, says which of its fields are used; nil
	// means all. The slice is nil or as long as the columns.
	Fields []*Projection
}

// use returns whether member i is used and its nested projection.
func (p *Projection) use(i int) (bool, *Projection) {
	if p == nil {
		return true, nil
	}
	if p.Columns == nil {
		return false, nil
	}
	var nested *Projection
	if p.Fields != nil {
		nested = p.Fields[i]
	}
	return p.Columns[i], nested
}

// scanStruct is a STRUCT type (or a row) prepared for the scanner once, when the
// codec is built.
type scanStruct struct {
	t *types.Type
	// nested[i] is field i's prepared type when it is a STRUCT.
	nested []*scanStruct
	// single: no member can feed two fields (that takes a field whose upper-cased
	// name is another field's name), so the search stops at the first match.
	single bool
}

func newScanStruct(t *types.Type) *scanStruct {
	st := &scanStruct{t: t, nested: make([]*scanStruct, len(t.Fields)), single: true}
	for i, f := range t.Fields {
		if f.Type.Kind == types.KindStruct {
			st.nested[i] = newScanStruct(f.Type)
		}
		for j, g := range t.Fields {
			if i != j && strings.ToUpper(f.Name) == g.Name {
				st.single = false
			}
		}
	}
	return st
}

// jsonScanner reads one document.
type jsonScanner struct {
	data  []byte
	pos   int
	depth int
}

// decodeRow fills dst from an object document holding the fields of t. ok=false
// means the tree decoder must decide (it also handles null and empty documents).
func (s *jsonScanner) decodeRow(data []byte, row *scanStruct, use *Projection, dst []any) bool {
	s.data, s.pos, s.depth = data, 0, 0
	s.skipSpace()
	if s.pos >= len(s.data) || s.data[s.pos] != '{' {
		return false
	}
	return s.object(row, use, dst)
}

func (s *jsonScanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// object reads the object at s.pos into dst (len == len(t.Fields)); fields with
// no member are NULL. Members usually come in the fields' order, so the search for
// a member's field starts after the previous member's.
func (s *jsonScanner) object(st *scanStruct, use *Projection, dst []any) bool {
	t := st.t
	if s.depth++; s.depth > maxJSONDepth {
		return false
	}
	s.pos++ // '{'
	clear(dst)
	// exact[i]: field i was set from a member named exactly as the field.
	var exactBuf [16]bool
	exact := exactBuf[:0]
	if len(t.Fields) <= len(exactBuf) {
		exact = exactBuf[:len(t.Fields)]
	} else {
		exact = make([]bool, len(t.Fields))
	}
	hint := 0
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		s.depth--
		return true
	}
	for {
		s.skipSpace()
		name, ok := s.memberName()
		if !ok {
			return false
		}
		s.skipSpace()
		if s.pos >= len(s.data) || s.data[s.pos] != ':' {
			return false
		}
		s.pos++
		s.skipSpace()
		start, matched := s.pos, false
		for k := range t.Fields {
			i := hint + k
			if i >= len(t.Fields) {
				i -= len(t.Fields)
			}
			f := &t.Fields[i]
			isExact := string(name) == f.Name
			if !isExact && (exact[i] || !upperEquals(name, f.Name)) {
				continue
			}
			s.pos = start // a member feeding a second field is read again
			used, nested := use.use(i)
			if used {
				v, ok := s.value(f.Type, st.nested[i], nested)
				if !ok {
					return false
				}
				dst[i] = v
			} else {
				if !s.check(f.Type, st.nested[i]) {
					return false
				}
				dst[i] = nil
			}
			exact[i] = exact[i] || isExact
			matched = true
			if st.single {
				hint = i + 1
				break
			}
		}
		if !matched && !s.skip() {
			return false
		}
		s.skipSpace()
		if s.pos >= len(s.data) {
			return false
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
		case '}':
			s.pos++
			s.depth--
			return true
		default:
			return false
		}
	}
}

// upperEquals reports whether strings.ToUpper(name) == upper, without allocating
// for ASCII names.
func upperEquals(name []byte, upper string) bool {
	if len(name) != len(upper) {
		// Upper-casing keeps the length of ASCII text; other text takes the slow path.
		for _, c := range name {
			if c >= utf8.RuneSelf {
				return strings.ToUpper(string(name)) == upper
			}
		}
		return false
	}
	for i, c := range name {
		if c >= utf8.RuneSelf {
			return strings.ToUpper(string(name)) == upper
		}
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != upper[i] {
			return false
		}
	}
	return true
}

// memberName returns the raw bytes of a member name without escapes; a name with
// escapes or invalid UTF-8 is left to the tree decoder.
func (s *jsonScanner) memberName() ([]byte, bool) {
	if s.pos >= len(s.data) || s.data[s.pos] != '"' {
		return nil, false
	}
	start := s.pos + 1
	var high byte // any byte >= 0x80 sets the top bit: only then is UTF-8 checked
	for i := start; i < len(s.data); i++ {
		c := s.data[i]
		high |= c
		switch {
		case c == '"':
			s.pos = i + 1
			name := s.data[start:i]
			return name, high < utf8.RuneSelf || utf8.Valid(name)
		case c == '\\' || c < 0x20:
			return nil, false
		}
	}
	return nil, false
}

// value reads the value at s.pos as type t; st is t prepared when t is a STRUCT
// (nil: prepared now).
func (s *jsonScanner) value(t *types.Type, st *scanStruct, use *Projection) (any, bool) {
	if s.pos >= len(s.data) {
		return nil, false
	}
	switch c := s.data[s.pos]; {
	case c == 'n':
		return nil, s.literal("null")
	case c == '"':
		str, ok := s.str()
		if !ok {
			return nil, false
		}
		if t.Kind == types.KindString {
			return str, true
		}
		return coerce(jsonNode{kind: jsonString, text: str}, t)
	case c == '-' || (c >= '0' && c <= '9'):
		start, isFloat, ok := s.number()
		if !ok {
			return nil, false
		}
		lit := s.data[start:s.pos]
		if !isFloat {
			if v, ok := smallInt(lit); ok {
				switch t.Kind {
				case types.KindBigInt:
					return v, true
				case types.KindTimestamp:
					return types.Timestamp(v), true
				case types.KindInt:
					return int32(v), true
				case types.KindDate:
					return types.Date(int32(v)), true
				case types.KindTime:
					return types.Time(int32(v)), true
				}
			}
		}
		return coerce(jsonNode{kind: jsonNumber, text: string(lit), isFloat: isFloat}, t)
	case c == 't':
		if !s.literal("true") {
			return nil, false
		}
		return coerce(jsonNode{kind: jsonBool, b: true}, t)
	case c == 'f':
		if !s.literal("false") {
			return nil, false
		}
		return coerce(jsonNode{kind: jsonBool}, t)
	case c == '{' && t.Kind == types.KindStruct:
		if st == nil {
			st = newScanStruct(t)
		}
		v := make(types.Struct, len(t.Fields))
		return v, s.object(st, use, v)
	case c == '{' || c == '[':
		// Arrays, maps and nested JSON read as STRING: the tree rules.
		p := jsonParser{data: s.data, pos: s.pos, depth: s.depth}
		n, err := p.parseValue()
		if err != nil {
			return nil, false
		}
		s.pos = p.pos
		return coerce(n, t)
	}
	return nil, false
}

// check validates the value at s.pos as type t (prepared as st when a STRUCT)
// without keeping it.
func (s *jsonScanner) check(t *types.Type, st *scanStruct) bool {
	if s.pos >= len(s.data) {
		return false
	}
	switch c := s.data[s.pos]; {
	case c == 'n':
		return s.literal("null")
	case t.Kind == types.KindString:
		return s.skip() // any JSON value reads as a STRING
	case c == '-' || (c >= '0' && c <= '9'):
		switch t.Kind {
		case types.KindBigInt, types.KindInt, types.KindTimestamp, types.KindDate, types.KindTime, types.KindDouble:
			// A JSON number always narrows to these, as Jackson's asLong/asDouble do.
			_, _, ok := s.number()
			return ok
		}
	case c == '{' && t.Kind == types.KindStruct:
		var buf [16]any
		dst := buf[:0]
		if len(t.Fields) <= len(buf) {
			dst = buf[:len(t.Fields)]
		} else {
			dst = make([]any, len(t.Fields))
		}
		if st == nil {
			st = newScanStruct(t)
		}
		var none Projection
		return s.object(st, &none, dst)
	}
	_, ok := s.value(t, st, nil)
	return ok
}

// coerce applies the tree rules to one scalar or subtree.
func coerce(n jsonNode, t *types.Type) (any, bool) {
	v, err := convertJSON(n, t)
	return v, err == nil
}

// smallInt parses an integer literal of at most 18 digits, which cannot overflow.
func smallInt(lit []byte) (int64, bool) {
	neg := lit[0] == '-'
	if neg {
		lit = lit[1:]
	}
	if len(lit) == 0 || len(lit) > 18 {
		return 0, false
	}
	var v int64
	for _, c := range lit {
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

func (s *jsonScanner) literal(word string) bool {
	if len(s.data)-s.pos < len(word) || string(s.data[s.pos:s.pos+len(word)]) != word {
		return false
	}
	s.pos += len(word)
	return true
}

// number scans an RFC 8259 number (the grammar parseNumber accepts) and returns
// where it started and whether it has a fraction or exponent.
func (s *jsonScanner) number() (start int, isFloat, ok bool) {
	start = s.pos
	if s.data[s.pos] == '-' {
		s.pos++
	}
	intStart := s.pos
	n := s.digits()
	if n == 0 || (n > 1 && s.data[intStart] == '0') {
		return start, false, false
	}
	if s.pos < len(s.data) && s.data[s.pos] == '.' {
		s.pos++
		isFloat = true
		if s.digits() == 0 {
			return start, false, false
		}
	}
	if s.pos < len(s.data) && (s.data[s.pos] == 'e' || s.data[s.pos] == 'E') {
		s.pos++
		isFloat = true
		if s.pos < len(s.data) && (s.data[s.pos] == '+' || s.data[s.pos] == '-') {
			s.pos++
		}
		if s.digits() == 0 {
			return start, false, false
		}
	}
	return start, isFloat, true
}

func (s *jsonScanner) digits() int {
	n := 0
	for s.pos < len(s.data) && s.data[s.pos] >= '0' && s.data[s.pos] <= '9' {
		s.pos++
		n++
	}
	return n
}

// str reads a string value; strings with escapes go through the tree parser's
// unescaping.
func (s *jsonScanner) str() (string, bool) {
	start := s.pos + 1
	var high byte
	for i := start + plainPrefix(s.data[start:]); i < len(s.data); i++ {
		c := s.data[i]
		high |= c
		switch {
		case c == '"':
			raw := s.data[start:i]
			if high >= utf8.RuneSelf && !utf8.Valid(raw) {
				return "", false
			}
			s.pos = i + 1
			return string(raw), true
		case c == '\\' || c < 0x20:
			p := jsonParser{data: s.data, pos: s.pos, depth: s.depth}
			v, err := p.parseString()
			if err != nil {
				return "", false
			}
			s.pos = p.pos
			return v, true
		}
	}
	return "", false
}

// plainPrefix returns the length of b's longest prefix, in whole 8-byte
// words, of bytes a JSON string takes as they are: ASCII, not a control
// character, a quote or a backslash. Testing a word at a time makes long
// strings (a 5 KB text field) several times cheaper to scan than byte by byte;
// the byte loops after it find the byte that ends the run.
func plainPrefix(b []byte) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	n := 0
	for ; len(b)-n >= 8; n += 8 {
		x := binary.LittleEndian.Uint64(b[n:])
		q, bs := x^(ones*'"'), x^(ones*'\\')
		// The classic has-less and has-zero word tests: a high bit is set
		// iff some byte is below 0x20 or is zero after the xor (a quote or
		// a backslash), plus the bytes that are not ASCII. Which byte they
		// flag may be off after the first, but whether any is flagged is
		// exact, and that is all the loop asks.
		special := ((x-ones*0x20)&^x | (q-ones)&^q | (bs-ones)&^bs | x) & highs
		if special != 0 {
			break
		}
	}
	return n
}

// skipString passes over a string value, validating it as str does.
func (s *jsonScanner) skipString() bool {
	start := s.pos + 1
	var high byte
	for i := start + plainPrefix(s.data[start:]); i < len(s.data); i++ {
		c := s.data[i]
		high |= c
		switch {
		case c == '"':
			if high >= utf8.RuneSelf && !utf8.Valid(s.data[start:i]) {
				return false
			}
			s.pos = i + 1
			return true
		case c == '\\' || c < 0x20:
			_, ok := s.str()
			return ok
		}
	}
	return false
}

// skip passes over any value, validating its syntax.
func (s *jsonScanner) skip() bool {
	if s.pos >= len(s.data) {
		return false
	}
	switch c := s.data[s.pos]; {
	case c == '"':
		return s.skipString()
	case c == '-' || (c >= '0' && c <= '9'):
		_, _, ok := s.number()
		return ok
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '{' || c == '[':
		if s.depth++; s.depth > maxJSONDepth {
			return false
		}
		closing := byte('}')
		if c == '[' {
			closing = ']'
		}
		s.pos++
		s.skipSpace()
		if s.pos < len(s.data) && s.data[s.pos] == closing {
			s.pos++
			s.depth--
			return true
		}
		for {
			s.skipSpace()
			if c == '{' {
				if s.pos >= len(s.data) || s.data[s.pos] != '"' || !s.skipString() {
					return false
				}
				s.skipSpace()
				if s.pos >= len(s.data) || s.data[s.pos] != ':' {
					return false
				}
				s.pos++
				s.skipSpace()
			}
			if !s.skip() {
				return false
			}
			s.skipSpace()
			if s.pos >= len(s.data) {
				return false
			}
			switch s.data[s.pos] {
			case ',':
				s.pos++
			case closing:
				s.pos++
				s.depth--
				return true
			default:
				return false
			}
		}
	}
	return false
}
