package expr

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"unicode/utf8"
)

// ENCODE (ksqlDB scalar-functions.md) converts a string between two of the
// encodings hex, utf8, ascii and base64, as ksqlDB does with Java's charsets:
//
//   - hex input may carry a 0x prefix (an odd-length 0x string gets a leading
//     0) or be written X'..'; an odd number of digits or a non-hex digit fails;
//   - ascii input turns each non-ASCII character into '?', ascii output each
//     byte above 127 into U+FFFD;
//   - utf8 output turns each malformed byte into U+FFFD;
//   - base64 input is read leniently: characters outside the alphabet are
//     skipped, the URL-safe alphabet is accepted, padding is optional and ends
//     the input.
//
// An encoding pair that is not two different supported encodings fails.
func reencode(s, from, to string) (string, error) {
	from, to = strings.ToLower(from), strings.ToLower(to)
	if from == to || !isEncoding(from) || !isEncoding(to) {
		return "", evalErrorf("Supported input and output encodings are: hex, utf8, ascii and base64")
	}
	var b []byte
	switch from {
	case "hex":
		var err error
		if b, err = decodeHexInput(s); err != nil {
			return "", err
		}
	case "utf8":
		b = []byte(s)
	case "ascii":
		b = asciiBytes(s)
	case "base64":
		b = lenientBase64(s)
	}
	switch to {
	case "hex":
		return hex.EncodeToString(b), nil
	case "utf8":
		return utf8Replacing(b), nil
	case "ascii":
		return asciiString(b), nil
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

func isEncoding(e string) bool {
	switch e {
	case "hex", "utf8", "ascii", "base64":
		return true
	}
	return false
}

// decodeHexInput strips ENCODE's hex prefixes and decodes the digits.
func decodeHexInput(s string) ([]byte, error) {
	switch {
	case strings.HasPrefix(s, "0x"):
		if len(s)%2 != 0 {
			s = "0" + s[2:]
		} else {
			s = s[2:]
		}
	case len(s) >= 3 && (s[0] == 'x' || s[0] == 'X') && s[1] == '\'' && s[len(s)-1] == '\'':
		s = s[2 : len(s)-1]
	}
	if len(s)%2 != 0 {
		return nil, evalErrorf("Odd number of characters.")
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		for i := 0; i < len(s); i++ {
			if !isHexDigit(s[i]) {
				return nil, evalErrorf("Illegal hexadecimal character %c at index %d", s[i], i)
			}
		}
		return nil, evalErrorf("invalid hex: %s", s)
	}
	return b, nil
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// asciiBytes encodes s in US-ASCII: a character outside it becomes '?'.
func asciiBytes(s string) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 127 {
			r = '?'
		}
		out = append(out, byte(r))
	}
	return out
}

// asciiString decodes US-ASCII bytes: a byte above 127 becomes U+FFFD.
func asciiString(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		if c > 127 {
			sb.WriteRune(utf8.RuneError)
			continue
		}
		sb.WriteByte(c)
	}
	return sb.String()
}

// utf8Replacing decodes UTF-8 bytes, each malformed byte becoming U+FFFD.
func utf8Replacing(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		sb.WriteRune(r)
		b = b[n:]
	}
	return sb.String()
}

// lenientBase64 decodes base64 the forgiving way: only alphabet characters
// count (standard or URL-safe), '=' ends the input, and a last group of one
// character is dropped.
func lenientBase64(s string) []byte {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '=':
			i = len(s)
		case c == '-':
			sb.WriteByte('+')
		case c == '_':
			sb.WriteByte('/')
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '+', c == '/':
			sb.WriteByte(c)
		}
	}
	digits := sb.String()
	if len(digits)%4 == 1 {
		digits = digits[:len(digits)-1]
	}
	b, err := base64.RawStdEncoding.DecodeString(digits)
	if err != nil {
		return nil
	}
	return b
}
