package server

import (
	"bytes"
	"strings"
	"unicode"

	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// appendArrayText writes an ARRAY of a scalar type as array_out does: {1,2,NULL},
// quoting elements that are empty, spell NULL, or contain syntax characters or
// white space.
func appendArrayText(b []byte, t *types.Type, v any) ([]byte, error) {
	elems, ok := v.([]any)
	if !ok {
		return b, mismatch(t, v)
	}
	b = append(b, '{')
	var scratch []byte
	for i, e := range elems {
		if i > 0 {
			b = append(b, ',')
		}
		if e == nil {
			b = append(b, "NULL"...)
			continue
		}
		var err error
		scratch, err = appendText(scratch[:0], t.Elem, e)
		if err != nil {
			return b, err
		}
		b = appendArrayElem(b, scratch)
	}
	return append(b, '}'), nil
}

// appendArrayElem writes one element's text, double-quoted and backslash-escaped
// when array_in would otherwise misread it.
func appendArrayElem(b, elem []byte) []byte {
	if !needsArrayQuotes(elem) {
		return append(b, elem...)
	}
	b = append(b, '"')
	for _, c := range elem {
		if c == '"' || c == '\\' {
			b = append(b, '\\')
		}
		b = append(b, c)
	}
	return append(b, '"')
}

func needsArrayQuotes(elem []byte) bool {
	if len(elem) == 0 || bytes.EqualFold(elem, []byte("NULL")) {
		return true
	}
	for _, c := range elem {
		switch c {
		case '{', '}', ',', '"', '\\', ' ', '\t', '\n', '\r', '\v', '\f':
			return true
		}
	}
	return false
}

// parseArrayText parses a one-dimensional array in array_in's text form
// ({a,"b c",NULL}) into elements of type elem. Elements are trimmed of white
// space unless quoted; an unquoted NULL is a null element; a backslash escapes
// the next character.
func parseArrayText(elem *types.Type, s string) ([]any, error) {
	bad := func() error {
		return sqlerr.Newf(sqlerr.InvalidTextRepresentation, "malformed array literal: %q", s)
	}
	t := strings.TrimSpace(s)
	if len(t) < 2 || t[0] != '{' || t[len(t)-1] != '}' {
		return nil, bad()
	}
	body := t[1 : len(t)-1]
	out := []any{}
	if strings.TrimSpace(body) == "" {
		return out, nil
	}
	for i := 0; ; {
		for i < len(body) && unicode.IsSpace(rune(body[i])) {
			i++
		}
		var b strings.Builder
		quoted := i < len(body) && body[i] == '"'
		if quoted {
			i++
			for ; i < len(body) && body[i] != '"'; i++ {
				if body[i] == '\\' {
					i++
				}
				if i < len(body) {
					b.WriteByte(body[i])
				}
			}
			if i >= len(body) {
				return nil, bad()
			}
			i++ // closing quote
			for i < len(body) && unicode.IsSpace(rune(body[i])) {
				i++
			}
		} else {
			for ; i < len(body) && body[i] != ','; i++ {
				switch body[i] {
				case '{', '}', '"':
					return nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "array parameters of more than one dimension are not supported: %q", s)
				case '\\':
					i++
				}
				if i < len(body) {
					b.WriteByte(body[i])
				}
			}
		}
		text := b.String()
		if !quoted {
			text = strings.TrimSpace(text)
		}
		switch {
		case !quoted && strings.EqualFold(text, "null"):
			out = append(out, nil)
		default:
			v, err := parseText(elem, text)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		if i >= len(body) {
			return out, nil
		}
		if body[i] != ',' {
			return nil, bad()
		}
		i++
	}
}
