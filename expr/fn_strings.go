package expr

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/sluice-db/sluice/types"
)

// Strings are handled as sequences of Unicode code points. ksqlDB counts UTF-16
// units; the two differ only for characters outside the Basic Multilingual Plane.

func registerStringFunctions(r *Registry) {
	str := func(name, desc string, os ...*overload) {
		r.add(&function{name: name, category: "STRING", description: desc, overloads: os})
	}
	str("UCASE", "Converts a string to upper case.",
		sig(tString, func(a []any) (any, error) { return strings.ToUpper(a[0].(string)), nil }, p("input", tString)))
	str("LCASE", "Converts a string to lower case.",
		sig(tString, func(a []any) (any, error) { return strings.ToLower(a[0].(string)), nil }, p("input", tString)))
	str("LEN", "Returns the length of a string in characters, or of BYTES in bytes.",
		sig(tInt, func(a []any) (any, error) { return int32(utf8.RuneCountInString(a[0].(string))), nil }, p("input", tString)),
		sig(tInt, func(a []any) (any, error) { return int32(len(a[0].([]byte))), nil }, p("input", tBytes)))
	str("CONCAT", "Concatenates strings or bytes; NULL arguments are skipped.",
		(&overload{params: []param{p("inputs", tString)}, ret: tString, fn: func(a []any) (any, error) {
			var b strings.Builder
			for _, v := range a {
				if v != nil {
					b.WriteString(v.(string))
				}
			}
			return b.String(), nil
		}}).variadicLast().acceptNulls(),
		(&overload{params: []param{p("inputs", tBytes)}, ret: tBytes, fn: func(a []any) (any, error) {
			var out []byte
			for _, v := range a {
				if v != nil {
					out = append(out, v.([]byte)...)
				}
			}
			if out == nil {
				out = []byte{}
			}
			return out, nil
		}}).variadicLast().acceptNulls())
	str("CONCAT_WS", "Concatenates strings with a separator; NULL inputs are skipped, a NULL separator gives NULL.",
		(&overload{params: []param{p("separator", tString), p("inputs", tString)}, ret: tString, fn: func(a []any) (any, error) {
			if a[0] == nil {
				return nil, nil
			}
			parts := make([]string, 0, len(a)-1)
			for _, v := range a[1:] {
				if v != nil {
					parts = append(parts, v.(string))
				}
			}
			return strings.Join(parts, a[0].(string)), nil
		}}).variadicLast().acceptNulls(),
		(&overload{params: []param{p("separator", tBytes), p("inputs", tBytes)}, ret: tBytes, fn: func(a []any) (any, error) {
			if a[0] == nil {
				return nil, nil
			}
			out := []byte{}
			first := true
			for _, v := range a[1:] {
				if v == nil {
					continue
				}
				if !first {
					out = append(out, a[0].([]byte)...)
				}
				out, first = append(out, v.([]byte)...), false
			}
			return out, nil
		}}).variadicLast().acceptNulls())
	substr := []*overload{
		sig(tString, func(a []any) (any, error) {
			s := []rune(a[0].(string))
			return string(s[substringStart(len(s), a[1].(int32)):]), nil
		}, p("str", tString), p("pos", tInt)),
		sig(tString, func(a []any) (any, error) {
			s := []rune(a[0].(string))
			start := substringStart(len(s), a[1].(int32))
			end := max(min(start+int(a[2].(int32)), len(s)), start)
			return string(s[start:end]), nil
		}, p("str", tString), p("pos", tInt), p("length", tInt)),
		sig(tBytes, func(a []any) (any, error) {
			b := a[0].([]byte)
			return append([]byte{}, b[substringStart(len(b), a[1].(int32)):]...), nil
		}, p("bytes", tBytes), p("pos", tInt)),
		sig(tBytes, func(a []any) (any, error) {
			b := a[0].([]byte)
			start := substringStart(len(b), a[1].(int32))
			end := max(min(start+int(a[2].(int32)), len(b)), start)
			return append([]byte{}, b[start:end]...), nil
		}, p("bytes", tBytes), p("pos", tInt), p("length", tInt)),
	}
	if r.cfg.SubstringLegacyArgs {
		substr = []*overload{
			sig(tString, func(a []any) (any, error) {
				s := []rune(a[0].(string))
				start := int(a[1].(int32))
				if start < 0 || start > len(s) {
					return nil, evalErrorf("String index out of range: %d", start)
				}
				return string(s[start:]), nil
			}, p("str", tString), p("startIndex", tInt)),
			sig(tString, func(a []any) (any, error) {
				s := []rune(a[0].(string))
				start, end := int(a[1].(int32)), int(a[2].(int32))
				if start < 0 || end > len(s) || start > end {
					return nil, evalErrorf("begin %d, end %d, length %d", start, end, len(s))
				}
				return string(s[start:end]), nil
			}, p("str", tString), p("startIndex", tInt), p("endIndex", tInt)),
		}
	}
	str("SUBSTRING", "Returns the substring of str from pos (1-based, negative counts from the end) for length characters.", substr...)
	str("TRIM", "Removes leading and trailing whitespace.",
		sig(tString, func(a []any) (any, error) { return javaTrim(a[0].(string)), nil }, p("input", tString)))
	str("REPLACE", "Replaces every occurrence of a substring.",
		sig(tString, func(a []any) (any, error) {
			return strings.ReplaceAll(a[0].(string), a[1].(string), a[2].(string)), nil
		}, p("input", tString), p("target", tString), p("replacement", tString)))
	instr := func(a []any) (any, error) {
		pos, occ := int32(1), int32(1)
		if len(a) > 2 {
			pos = a[2].(int32)
		}
		if len(a) > 3 {
			occ = a[3].(int32)
		}
		return int32(instrIndex(a[0].(string), a[1].(string), int(pos), int(occ))), nil
	}
	str("INSTR", "Returns the 1-based position of substring in string, 0 if absent.",
		sig(tInt, instr, p("str", tString), p("substring", tString)),
		sig(tInt, instr, p("str", tString), p("substring", tString), p("position", tInt)),
		sig(tInt, instr, p("str", tString), p("substring", tString), p("position", tInt), p("occurrence", tInt)))
	str("LPAD", "Pads input on the left with padding to length characters (or truncates it).",
		sig(tString, func(a []any) (any, error) { return pad(a, true) }, p("input", tString), p("length", tInt), p("padding", tString)),
		sig(tBytes, func(a []any) (any, error) { return padBytes(a, true) }, p("input", tBytes), p("length", tInt), p("padding", tBytes)))
	str("RPAD", "Pads input on the right with padding to length characters (or truncates it).",
		sig(tString, func(a []any) (any, error) { return pad(a, false) }, p("input", tString), p("length", tInt), p("padding", tString)),
		sig(tBytes, func(a []any) (any, error) { return padBytes(a, false) }, p("input", tBytes), p("length", tInt), p("padding", tBytes)))
	str("SPLIT", "Splits a string (or BYTES) by a delimiter; an empty delimiter splits into characters (or bytes); a delimiter at either end or twice in a row gives empty elements.",
		sig(types.NewArray(tString), func(a []any) (any, error) {
			parts := strings.Split(a[0].(string), a[1].(string))
			out := make([]any, len(parts))
			for i, s := range parts {
				out[i] = s
			}
			return out, nil
		}, p("input", tString), p("delimiter", tString)),
		sig(types.NewArray(tBytes), func(a []any) (any, error) {
			return splitBytes(a[0].([]byte), a[1].([]byte)), nil
		}, p("input", tBytes), p("delimiter", tBytes)))
	str("INITCAP", "Capitalizes the first letter of each word and lower-cases the rest.",
		sig(tString, func(a []any) (any, error) { return initcap(a[0].(string)), nil }, p("input", tString)))
	registerMaskFunctions(str)
	registerRegexpFunctions(str)
	str("CHR", "Returns the character with the given code point, or from a '\\uXXXX' string.",
		sig(tString, func(a []any) (any, error) {
			c := a[0].(int32)
			if c < 0 || c > unicode.MaxRune {
				return nil, nil
			}
			return string(rune(c)), nil
		}, p("decimalCode", tInt)),
		sig(tString, func(a []any) (any, error) { return chrFromEscapes(a[0].(string)), nil }, p("utf16Code", tString)))
	str("MD5", "Returns the hex-encoded MD5 hash of a string's UTF-8 bytes.",
		sig(tString, func(a []any) (any, error) {
			sum := md5.Sum([]byte(a[0].(string)))
			return hex.EncodeToString(sum[:]), nil
		}, p("input", tString)))
	str("SPLIT_TO_MAP", "Splits a string into key-value pairs: entries by one delimiter, key from value by another.",
		sig(types.NewMap(tString, tString), func(a []any) (any, error) {
			return splitToMap(a[0].(string), a[1].(string), a[2].(string)), nil
		}, p("input", tString), p("entryDelimiter", tString), p("kvDelimiter", tString)))
	r.add(&function{name: "UUID", category: "STRING", nondeterministic: true,
		description: "Returns a random version 4 UUID; UUID(bytes) formats 16 bytes as a UUID (NULL for any other length).",
		overloads: []*overload{
			sig(tString, func([]any) (any, error) { return newUUID(), nil }),
			sig(tString, func(a []any) (any, error) { return uuidOf(a[0].([]byte)), nil }, p("bytes", tBytes)),
		}})
}

// substringStart is ksqlDB's start index for SUBSTRING: 1-based, negative from
// the end, clamped to the string.
func substringStart(n int, pos int32) int {
	if pos < 0 {
		return max(n+int(pos), 0)
	}
	return max(min(int(pos)-1, n), 0)
}

// javaTrim removes leading and trailing characters <= ' ', like String.trim.
func javaTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// instrIndex implements INSTR: search forward from position (1-based), or backward
// from the end when position is negative, for the occurrence-th match.
func instrIndex(s, sub string, position, occurrence int) int {
	rs, sr := []rune(s), []rune(sub)
	n, m := len(rs), len(sr)
	if occurrence <= 0 || position == 0 {
		return 0
	}
	match := func(i int) bool {
		if i < 0 || i+m > n {
			return false
		}
		for j := 0; j < m; j++ {
			if rs[i+j] != sr[j] {
				return false
			}
		}
		return true
	}
	if position > 0 {
		for i := position - 1; i <= n-m; i++ {
			if match(i) {
				if occurrence--; occurrence == 0 {
					return i + 1
				}
			}
		}
		return 0
	}
	for i := min(n+position, n-m); i >= 0; i-- {
		if match(i) {
			if occurrence--; occurrence == 0 {
				return i + 1
			}
		}
	}
	return 0
}

func pad(a []any, left bool) (any, error) {
	in, n, padding := []rune(a[0].(string)), int(a[1].(int32)), []rune(a[2].(string))
	if n < 0 || (len(padding) == 0 && n > len(in)) {
		return nil, nil
	}
	if n*maxRuneLen(padding) > types.MaxStringBytes {
		return nil, evalErrorf("%d characters is over the limit of a string (%d bytes)", n, types.MaxStringBytes)
	}
	if n <= len(in) {
		return string(in[:n]), nil
	}
	fill := make([]rune, 0, n-len(in))
	for len(fill) < n-len(in) {
		fill = append(fill, padding[len(fill)%len(padding)])
	}
	if left {
		return string(fill) + string(in), nil
	}
	return string(in) + string(fill), nil
}

// padBytes is LPAD/RPAD over BYTES; ksqlDB returns NULL for an empty padding
// even when no padding is needed.
func padBytes(a []any, left bool) (any, error) {
	in, n, padding := a[0].([]byte), int(a[1].(int32)), a[2].([]byte)
	if n < 0 || len(padding) == 0 {
		return nil, nil
	}
	if n > types.MaxStringBytes {
		return nil, evalErrorf("%d bytes is over the limit of a BYTES value (%d)", n, types.MaxStringBytes)
	}
	if n <= len(in) {
		return append([]byte{}, in[:n]...), nil
	}
	fill := make([]byte, 0, n)
	for len(fill) < n-len(in) {
		fill = append(fill, padding[len(fill)%len(padding)])
	}
	if left {
		return append(fill, in...), nil
	}
	return append(append([]byte{}, in...), fill...), nil
}

// maxRuneLen is the longest UTF-8 encoding among rs (1 when rs is empty).
func maxRuneLen(rs []rune) int {
	n := 1
	for _, r := range rs {
		n = max(n, utf8.RuneLen(r))
	}
	return n
}

func initcap(s string) string {
	var b strings.Builder
	start := true
	for _, r := range s {
		if unicode.IsSpace(r) {
			start = true
			b.WriteRune(r)
			continue
		}
		if start {
			b.WriteRune(unicode.ToUpper(r))
		} else {
			b.WriteRune(unicode.ToLower(r))
		}
		start = false
	}
	return b.String()
}

func newUUID() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// uuidOf formats 16 bytes as a UUID (the two big-endian longs of Java's UUID);
// any other length gives NULL.
func uuidOf(b []byte) any {
	if len(b) != 16 {
		return nil
	}
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// registerMaskFunctions adds MASK and its variants. Defaults: upper-case letters
// become X, lower-case x, digits n, anything else -; a NULL replacement keeps
// that class of character.
func registerMaskFunctions(str func(string, string, ...*overload)) {
	type maskFn func(s []rune, n int) (lo, hi int) // range [lo,hi) to mask
	variants := []struct {
		name, desc string
		withN      bool
		rng        maskFn
	}{
		{"MASK", "Masks every character.", false, func(s []rune, _ int) (int, int) { return 0, len(s) }},
		{"MASK_KEEP_LEFT", "Masks all but the first n characters.", true, func(s []rune, n int) (int, int) { return min(max(n, 0), len(s)), len(s) }},
		{"MASK_KEEP_RIGHT", "Masks all but the last n characters.", true, func(s []rune, n int) (int, int) { return 0, max(len(s)-max(n, 0), 0) }},
		{"MASK_LEFT", "Masks the first n characters.", true, func(s []rune, n int) (int, int) { return 0, min(max(n, 0), len(s)) }},
		{"MASK_RIGHT", "Masks the last n characters.", true, func(s []rune, n int) (int, int) { return max(len(s)-max(n, 0), 0), len(s) }},
	}
	for _, v := range variants {
		v := v
		fn := func(a []any) (any, error) {
			if a[0] == nil {
				return nil, nil
			}
			s := []rune(a[0].(string))
			rest := a[1:]
			n := 0
			if v.withN {
				if a[1] == nil {
					return nil, nil
				}
				n = int(a[1].(int32))
				rest = a[2:]
			}
			repl := [4]rune{'X', 'x', 'n', '-'}
			for i := range repl {
				if i < len(rest) {
					if rest[i] == nil {
						repl[i] = -1
					} else if rs := []rune(rest[i].(string)); len(rs) > 0 {
						repl[i] = rs[0]
					}
				}
			}
			lo, hi := v.rng(s, n)
			for i := lo; i < hi; i++ {
				c := s[i]
				var k int
				switch {
				case unicode.IsUpper(c):
					k = 0
				case unicode.IsLower(c):
					k = 1
				case unicode.IsDigit(c):
					k = 2
				default:
					k = 3
				}
				if repl[k] >= 0 {
					s[i] = repl[k]
				}
			}
			return string(s), nil
		}
		base := []param{p("input", tString)}
		if v.withN {
			base = append(base, p("numChars", tInt))
		}
		var os []*overload
		for extra := 0; extra <= 4; extra += 4 {
			ps := append([]param{}, base...)
			for i, nm := range []string{"upper", "lower", "digit", "other"}[:extra] {
				_ = i
				ps = append(ps, p(nm, tString))
			}
			os = append(os, (&overload{params: ps, ret: tString, fn: fn}).acceptNulls())
		}
		str(v.name, v.desc, os...)
	}
}

// javaReplacement converts a Java regex replacement ($1, \$) into Go's syntax (${1}, $$).
func javaReplacement(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			if s[i] == '$' {
				b.WriteString("$$")
			} else {
				b.WriteByte(s[i])
			}
		case c == '$':
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j == i+1 {
				b.WriteString("$$")
				continue
			}
			b.WriteString("${" + s[i+1:j] + "}")
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func compileRegexp(pattern string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, evalErrorf("Invalid regular expression pattern: %s", pattern)
	}
	return re, nil
}

func registerRegexpFunctions(str func(string, string, ...*overload)) {
	extract := func(a []any) (any, error) {
		re, err := compileRegexp(a[0].(string))
		if err != nil {
			return nil, err
		}
		group := 0
		if len(a) > 2 {
			group = int(a[2].(int32))
		}
		m := re.FindStringSubmatchIndex(a[1].(string))
		if m == nil || group < 0 || 2*group+1 >= len(m) || m[2*group] < 0 {
			return nil, nil
		}
		return a[1].(string)[m[2*group]:m[2*group+1]], nil
	}
	str("REGEXP_EXTRACT", "Returns the first match of pattern in input (or of a capture group).",
		sig(tString, extract, p("pattern", tString), p("input", tString)),
		sig(tString, extract, p("pattern", tString), p("input", tString), p("group", tInt)))
	extractAll := func(a []any) (any, error) {
		re, err := compileRegexp(a[0].(string))
		if err != nil {
			return nil, err
		}
		group := 0
		if len(a) > 2 {
			group = int(a[2].(int32))
		}
		out := []any{}
		for _, m := range re.FindAllStringSubmatch(a[1].(string), -1) {
			if group < 0 || group >= len(m) {
				return nil, nil
			}
			out = append(out, m[group])
		}
		return out, nil
	}
	str("REGEXP_EXTRACT_ALL", "Returns every match of pattern in input (or of a capture group).",
		sig(types.NewArray(tString), extractAll, p("pattern", tString), p("input", tString)),
		sig(types.NewArray(tString), extractAll, p("pattern", tString), p("input", tString), p("group", tInt)))
	str("REGEXP_REPLACE", "Replaces every match of regex in input; $n refers to groups.",
		sig(tString, func(a []any) (any, error) {
			re, err := compileRegexp(a[1].(string))
			if err != nil {
				return nil, err
			}
			return re.ReplaceAllString(a[0].(string), javaReplacement(a[2].(string))), nil
		}, p("input", tString), p("regex", tString), p("replacement", tString)))
	str("REGEXP_SPLIT_TO_ARRAY", "Splits input around matches of regex.",
		sig(types.NewArray(tString), func(a []any) (any, error) {
			re, err := compileRegexp(a[1].(string))
			if err != nil {
				return nil, err
			}
			parts := re.Split(a[0].(string), -1)
			out := make([]any, len(parts))
			for i, s := range parts {
				out[i] = s
			}
			return out, nil
		}, p("input", tString), p("regex", tString)))
}

// chrFromEscapes is CHR(STRING): the text must be one or more \uXXXX escapes
// (UTF-16 units, so a surrogate pair gives one supplementary character) that
// decode to exactly one character; anything else is NULL.
func chrFromEscapes(s string) any {
	var units []uint16
	for len(s) > 0 {
		if len(s) < 6 || !strings.HasPrefix(s, "\\u") {
			return nil
		}
		n, err := strconv.ParseUint(s[2:6], 16, 16)
		if err != nil {
			return nil
		}
		units = append(units, uint16(n))
		s = s[6:]
	}
	rs := utf16.Decode(units)
	if len(rs) != 1 || rs[0] == utf8.RuneError {
		return nil
	}
	return string(rs[0])
}

// splitToMap is ksqlDB's SPLIT_TO_MAP: empty entries are skipped, entries
// without kvDelimiter are dropped, the value ends at the second kvDelimiter and a
// later duplicate key wins. Empty or equal delimiters give NULL.
func splitToMap(input, entryDelim, kvDelim string) any {
	if entryDelim == "" || kvDelim == "" || entryDelim == kvDelim {
		return nil
	}
	m := &types.Map{}
	for _, e := range strings.Split(input, entryDelim) {
		if e == "" || !strings.Contains(e, kvDelim) {
			continue
		}
		parts := strings.SplitN(e, kvDelim, 3)
		m.Put(parts[0], parts[1])
	}
	return m
}
