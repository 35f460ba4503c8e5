package harness

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Decoding says how FormatValue shows a key or value.
type Decoding string

// Decodings. The typed ones mirror ksqlDB's KAFKA format serializers (big-endian
// INT, BIGINT and IEEE-754 DOUBLE); bytes of the wrong length fall back to hex.
const (
	DecodeAuto   Decoding = ""       // text when it reads back unchanged, else str:"…", else hex
	DecodeString Decoding = "string" // always text (quoted with str:"…" when needed)
	DecodeInt    Decoding = "int"    // 4-byte big-endian integer
	DecodeBigint Decoding = "bigint" // 8-byte big-endian integer
	DecodeDouble Decoding = "double" // 8-byte big-endian IEEE-754
	DecodeHex    Decoding = "hex"    // raw bytes as hex
)

// ParseDecoding checks a decoding name from a test file.
func ParseDecoding(s string) (Decoding, error) {
	switch d := Decoding(s); d {
	case DecodeAuto, DecodeString, DecodeInt, DecodeBigint, DecodeDouble, DecodeHex:
		return d, nil
	}
	return "", fmt.Errorf("unknown format %q (want string, int, bigint, double or hex)", s)
}

// parseValue reads one key, value or header value from the front of s and returns its
// bytes and the rest of s. The token ends at the first of stop's bytes, except inside
// the JSON or quoted forms. Forms:
//
//	null             a null (nil) value
//	int:-5           4-byte big-endian   (KAFKA INT)
//	bigint:5         8-byte big-endian   (KAFKA BIGINT)
//	double:1.5       8-byte IEEE-754 BE  (KAFKA DOUBLE)
//	hex:0a0b         raw bytes
//	str:"a b\n"      a Go-quoted string, for text with spaces or control characters
//	{...} [...] "…"  a JSON object, array or string, taken as is (spaces allowed inside)
//	anything else    the text up to the next stop byte, as is (e.g. 1,a,2.5 or 42)
//
// An empty token is an empty, non-null value.
func parseValue(s, stop string) ([]byte, string, error) {
	switch {
	case strings.HasPrefix(s, "str:"):
		q, err := strconv.QuotedPrefix(s[4:])
		if err != nil {
			return nil, s, fmt.Errorf("str: wants a Go-quoted string: %w", err)
		}
		text, _ := strconv.Unquote(q)
		return []byte(text), s[4+len(q):], nil
	case strings.HasPrefix(s, "int:"), strings.HasPrefix(s, "bigint:"),
		strings.HasPrefix(s, "double:"), strings.HasPrefix(s, "hex:"):
		tok, rest := cutToken(s, stop)
		kind, lit, _ := strings.Cut(tok, ":")
		b, err := typedBytes(kind, lit)
		return b, rest, err
	}
	tok, rest := cutToken(s, stop)
	if tok == "null" {
		return nil, rest, nil
	}
	return []byte(tok), rest, nil
}

// typedBytes encodes lit as the KAFKA-format bytes of kind.
func typedBytes(kind, lit string) ([]byte, error) {
	switch kind {
	case "int":
		n, err := strconv.ParseInt(lit, 10, 32)
		if err != nil {
			return nil, err
		}
		return binary.BigEndian.AppendUint32(nil, uint32(int32(n))), nil
	case "bigint":
		n, err := strconv.ParseInt(lit, 10, 64)
		if err != nil {
			return nil, err
		}
		return binary.BigEndian.AppendUint64(nil, uint64(n)), nil
	case "double":
		f, err := strconv.ParseFloat(lit, 64)
		if err != nil {
			return nil, err
		}
		return binary.BigEndian.AppendUint64(nil, math.Float64bits(f)), nil
	default: // hex
		b, err := hex.DecodeString(lit)
		if b == nil {
			b = []byte{}
		}
		return b, err
	}
}

// cutToken splits s at the end of its first token: a balanced JSON object or array,
// a JSON string, or plain text, each running on until a stop byte.
func cutToken(s, stop string) (tok, rest string) {
	i := 0
	if s != "" && strings.IndexByte("{[\"", s[0]) >= 0 {
		i, _ = jsonEnd(s)
	}
	if j := strings.IndexAny(s[i:], stop); j >= 0 {
		return s[:i+j], s[i+j:]
	}
	return s, ""
}

// jsonEnd returns the length of the JSON object, array or string that s starts with,
// by bracket counting outside strings; an unterminated one runs to the end of s and
// reports closed=false.
func jsonEnd(s string) (n int, closed bool) {
	depth, inString, escaped := 0, false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
			if !inString && depth == 0 {
				return i + 1, true
			}
		case inString:
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
			if depth == 0 {
				return i + 1, true
			}
		}
	}
	return len(s), false
}

// FormatValue renders b so that parseValue(…, stop) gives b back. stop lists the bytes
// that would end a bare token where the value is printed.
func FormatValue(b []byte, as Decoding, stop string) string {
	if b == nil {
		return "null"
	}
	switch as {
	case DecodeInt:
		if len(b) == 4 {
			return "int:" + strconv.FormatInt(int64(int32(binary.BigEndian.Uint32(b))), 10)
		}
	case DecodeBigint:
		if len(b) == 8 {
			return "bigint:" + strconv.FormatInt(int64(binary.BigEndian.Uint64(b)), 10)
		}
	case DecodeDouble:
		if len(b) == 8 {
			return "double:" + strconv.FormatFloat(math.Float64frombits(binary.BigEndian.Uint64(b)), 'g', -1, 64)
		}
	case DecodeHex:
		return "hex:" + hex.EncodeToString(b)
	}
	s := string(b)
	if !utf8.ValidString(s) || (as != DecodeString && !printable(s)) {
		return "hex:" + hex.EncodeToString(b)
	}
	if bareSafe(s, stop) {
		return s
	}
	return "str:" + strconv.Quote(s)
}

// bareSafe reports whether s can be printed without quoting: it is one whole token,
// and no reserved form (null, a typed prefix) would change its meaning.
func bareSafe(s, stop string) bool {
	if s == "" || s == "null" || !printable(s) {
		return false
	}
	for _, p := range []string{"str:", "int:", "bigint:", "double:", "hex:"} {
		if strings.HasPrefix(s, p) {
			return false
		}
	}
	if strings.IndexByte("{[\"", s[0]) >= 0 {
		if _, closed := jsonEnd(s); !closed {
			return false
		}
	}
	tok, _ := cutToken(s, stop)
	return tok == s
}

// printable reports whether s has only graphic characters and spaces.
func printable(s string) bool {
	for _, r := range s {
		if r != ' ' && !unicode.IsGraphic(r) {
			return false
		}
	}
	return true
}
