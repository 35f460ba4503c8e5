package parser

import (
	"github.com/sluice-db/sluice/types"
)

// ParseType parses a ksqlDB type such as "ARRAY<STRUCT<A INT, `b` STRING>>",
// "DECIMAL(4,2)", "MAP<STRING, INT>" or "VARCHAR".
func ParseType(s string) (*types.Type, error) {
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	c := &cursor{src: s, toks: toks}
	t, err := parseType(c)
	if err != nil {
		return nil, err
	}
	if err := c.expectEnd(); err != nil {
		return nil, err
	}
	return t, nil
}

// parseType is the type grammar, shared by column definitions and CAST.
func parseType(c *cursor) (*types.Type, error) {
	t := c.peek()
	if t.Kind != tkWord {
		return nil, expected(c.src, t, "a type")
	}
	c.next()
	switch t.upper() {
	case "BOOLEAN":
		return types.BooleanType, nil
	case "INT", "INTEGER":
		return types.IntType, nil
	case "BIGINT":
		return types.BigIntType, nil
	case "DOUBLE":
		return types.DoubleType, nil
	case "STRING":
		return types.StringType, nil
	case "VARCHAR":
		// VARCHAR(n) is accepted and the length ignored, as ksqlDB's VARCHAR is unbounded.
		if c.accept("(") {
			// ksqlDB's grammar also takes the word STRING as the parameter.
			if !c.accept("STRING") {
				if _, _, err := c.expectInt("a length"); err != nil {
					return nil, err
				}
			}
			if _, err := c.expect(")"); err != nil {
				return nil, err
			}
		}
		return types.StringType, nil
	case "BYTES":
		return types.BytesType, nil
	case "DATE":
		return types.DateType, nil
	case "TIME":
		return types.TimeType, nil
	case "TIMESTAMP":
		return types.TimestampType, nil
	case "DECIMAL":
		if _, err := c.expect("("); err != nil {
			return nil, err
		}
		p, pt, err := c.expectInt("a precision")
		if err != nil {
			return nil, err
		}
		var s int64
		if c.accept(",") {
			if s, _, err = c.expectInt("a scale"); err != nil {
				return nil, err
			}
		}
		if _, err := c.expect(")"); err != nil {
			return nil, err
		}
		if p < 1 || s < 0 || s > p {
			return nil, syntaxErrorf(c.src, pt.Pos, "invalid DECIMAL(%d, %d): need 0 <= scale <= precision and precision >= 1", p, s)
		}
		return types.NewDecimal(int(p), int(s)), nil
	case "ARRAY":
		if _, err := c.expect("<"); err != nil {
			return nil, err
		}
		elem, err := parseType(c)
		if err != nil {
			return nil, err
		}
		if _, err := c.expect(">"); err != nil {
			return nil, err
		}
		return types.NewArray(elem), nil
	case "MAP":
		if _, err := c.expect("<"); err != nil {
			return nil, err
		}
		k, err := parseType(c)
		if err != nil {
			return nil, err
		}
		if _, err := c.expect(","); err != nil {
			return nil, err
		}
		v, err := parseType(c)
		if err != nil {
			return nil, err
		}
		if _, err := c.expect(">"); err != nil {
			return nil, err
		}
		return types.NewMap(k, v), nil
	case "STRUCT":
		if _, err := c.expect("<"); err != nil {
			return nil, err
		}
		var fields []types.Field
		for !c.accept(">") {
			if len(fields) > 0 {
				if _, err := c.expect(","); err != nil {
					return nil, err
				}
			}
			name, err := c.expectIdent("a field name")
			if err != nil {
				return nil, err
			}
			ft, err := parseType(c)
			if err != nil {
				return nil, err
			}
			fields = append(fields, types.Field{Name: name.ident(), Type: ft})
		}
		return types.NewStruct(fields...), nil
	}
	if c.types != nil {
		if custom, ok := c.types(t.ident()); ok {
			return custom, nil
		}
	}
	return nil, syntaxErrorf(c.src, t.Pos, "unknown type %s", t.Text)
}
