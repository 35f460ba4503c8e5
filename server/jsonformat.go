package server

import (
	"unicode/utf8"

	"github.com/sluice-db/sluice/types"
)

// appendJSON writes a value that has no Postgres counterpart (MAP, STRUCT, arrays of
// those or of arrays) as json text. Scalars inside follow Postgres' to_json: dates
// and times as ISO strings, non-finite doubles as strings; BYTES are base64 strings
// as in ksqlDB's JSON format.
func appendJSON(b []byte, t *types.Type, v any) ([]byte, error) {
	if v == nil {
		return append(b, "null"...), nil
	}
	if c := scalarCodec(t); c != nil {
		if out, ok := c.json(b, v); ok {
			return out, nil
		}
		return b, mismatch(t, v)
	}
	switch t.Kind {
	case types.KindArray:
		elems, ok := v.([]any)
		if !ok {
			return b, mismatch(t, v)
		}
		b = append(b, '[')
		for i, e := range elems {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendJSON(b, t.Elem, e); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case types.KindMap:
		m, ok := v.(*types.Map)
		if !ok || m == nil {
			return b, mismatch(t, v)
		}
		b = append(b, '{')
		for i, k := range m.Keys {
			if i > 0 {
				b = append(b, ',')
			}
			key, err := jsonKey(t.Key, k)
			if err != nil {
				return b, err
			}
			b = appendJSONString(b, key)
			b = append(b, ':')
			if b, err = appendJSON(b, t.Elem, m.Values[i]); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	case types.KindStruct:
		s, ok := v.(types.Struct)
		if !ok || len(s) != len(t.Fields) {
			return b, mismatch(t, v)
		}
		b = append(b, '{')
		for i, f := range t.Fields {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, f.Name)
			b = append(b, ':')
			var err error
			if b, err = appendJSON(b, f.Type, s[i]); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	}
	return b, mismatch(t, v)
}

// jsonKey renders a map key as the string a JSON object key must be.
func jsonKey(t *types.Type, k any) (string, error) {
	if s, ok := k.(string); ok {
		return s, nil
	}
	if k == nil {
		return "null", nil
	}
	b, err := appendText(nil, t, k)
	return string(b), err
}

// appendJSONString writes s as a JSON string literal.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, `\n`...)
			case c == '\r':
				b = append(b, `\r`...)
			case c == '\t':
				b = append(b, `\t`...)
			case c < 0x20:
				b = append(b, `\u00`...)
				b = append(b, hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
