package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// pgTextToJSON converts a value in Postgres text format, as Sluice sends it for a
// column of type oid (server/textformat.go), to the JSON value ksqlDB's REST API
// would have written, in the form the comparator reads (json.Number for numbers,
// []byte for BYTES). A nil text is NULL.
func pgTextToJSON(oid uint32, text []byte) (any, error) {
	if text == nil {
		return nil, nil
	}
	s := string(text)
	switch oid {
	case 16:
		switch s {
		case "t", "true":
			return true, nil
		case "f", "false":
			return false, nil
		}
		return nil, fmt.Errorf("bad boolean %q", s)
	case 20, 21, 23, 1700:
		if _, ok := parseNumber(s); !ok {
			return s, nil // NaN, Infinity
		}
		return json.Number(s), nil
	case 700, 701:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("bad double %q", s)
		}
		// ksqlDB's REST API writes a DOUBLE with Java's Double.toString.
		d := javaDouble(f)
		if _, ok := parseNumber(d); !ok {
			return d, nil
		}
		return json.Number(d), nil
	case 17:
		if !strings.HasPrefix(s, `\x`) {
			return nil, fmt.Errorf("bad bytea %q", s)
		}
		return hex.DecodeString(s[2:])
	case 114, 3802:
		return decodeJSON(text)
	case 1114, 1184:
		// ksqlDB writes a TIMESTAMP as ISO-8601 with milliseconds.
		for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t.Format("2006-01-02T15:04:05.000"), nil
			}
		}
		return s, nil
	}
	if elem, ok := arrayElemOID[oid]; ok {
		items, err := parsePGArray(s)
		if err != nil {
			return nil, err
		}
		out := make([]any, len(items))
		for i, it := range items {
			if it == nil {
				continue
			}
			if out[i], err = pgTextToJSON(elem, []byte(*it)); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return s, nil // text, date, time, and anything unknown
}

// parsePGArray splits a one-dimensional array literal as array_out writes it:
// {a,"b c",NULL}; a nil element is NULL.
func parsePGArray(s string) ([]*string, error) {
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, fmt.Errorf("bad array %q", s)
	}
	body := s[1 : len(s)-1]
	var out []*string
	if body == "" {
		return []*string{}, nil
	}
	for i := 0; ; {
		var elem string
		quoted := false
		if i < len(body) && body[i] == '"' {
			quoted = true
			var b strings.Builder
			i++
			for ; i < len(body) && body[i] != '"'; i++ {
				if body[i] == '\\' && i+1 < len(body) {
					i++
				}
				b.WriteByte(body[i])
			}
			if i >= len(body) {
				return nil, fmt.Errorf("unterminated element in array %q", s)
			}
			i++ // closing quote
			elem = b.String()
		} else {
			j := strings.IndexByte(body[i:], ',')
			if j < 0 {
				j = len(body) - i
			}
			elem = body[i : i+j]
			i += j
			if strings.ContainsAny(elem, `"{}\`) {
				return nil, fmt.Errorf("bad array %q", s)
			}
		}
		if !quoted && strings.EqualFold(elem, "NULL") {
			out = append(out, nil)
		} else {
			e := elem
			out = append(out, &e)
		}
		if i >= len(body) {
			return out, nil
		}
		if body[i] != ',' {
			return nil, fmt.Errorf("bad array %q", s)
		}
		i++
	}
}

// complexType stands for a json column: MAP, STRUCT or a nested ARRAY.
const complexType = "MAP|STRUCT|ARRAY"

// ksqlTypeOfField is the ksqlDB type name of a RowDescription field, as
// server/pgtypes.go maps Sluice types to Postgres ones.
func ksqlTypeOfField(f pgconn.FieldDescription) string {
	if f.DataTypeOID == 1700 && f.TypeModifier >= 4 {
		m := f.TypeModifier - 4
		return fmt.Sprintf("DECIMAL(%d,%d)", m>>16, m&0xffff)
	}
	return ksqlTypeOfOID(f.DataTypeOID)
}

func ksqlTypeOfOID(oid uint32) string {
	switch oid {
	case 16:
		return "BOOLEAN"
	case 17:
		return "BYTES"
	case 20:
		return "BIGINT"
	case 21, 23:
		return "INTEGER"
	case 25, 1042, 1043:
		return "STRING"
	case 114, 3802:
		return complexType
	case 700, 701:
		return "DOUBLE"
	case 1700:
		return "DECIMAL"
	case 1082:
		return "DATE"
	case 1083:
		return "TIME"
	case 1114, 1184:
		return "TIMESTAMP"
	}
	if elem, ok := arrayElemOID[oid]; ok {
		return "ARRAY<" + ksqlTypeOfOID(elem) + ">"
	}
	return fmt.Sprintf("OID %d", oid)
}

// arrayElemOID maps the Postgres array types Sluice uses to their element types.
var arrayElemOID = map[uint32]uint32{
	1000: 16, 1001: 17, 1007: 23, 1009: 25, 1016: 20, 1022: 701,
	1115: 1114, 1182: 1082, 1183: 1083, 1231: 1700,
}
