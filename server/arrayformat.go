package server

import (
	"bytes"

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
