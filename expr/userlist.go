package expr

import (
	"strings"

	"github.com/cockroachdb/apd/v3"
	"github.com/sluice-db/sluice/types"
)

// User-supplied lists (the elements of ARRAY[...], the keys and the values of
// MAP(...)) get one common type the way ksqlDB's CoercionUtil.coerceUserList
// finds it: the first typed element sets the type and each later one widens it.
// Numbers widen (INT < BIGINT < DECIMAL < DOUBLE); a string literal among numbers
// counts as the number it spells ('2e1' is a DECIMAL); a string literal among
// BOOLEANs must spell one; a number or BOOLEAN literal among strings becomes a
// string; STRUCT constructors merge into a STRUCT with every field of both.
// Literals are converted when the statement is bound, other elements are CAST.

// userListType returns the common type of es, UnknownType when every element is a
// NULL literal (or there are none).
func userListType(es []Expr) (*types.Type, error) {
	var acc *types.Type
	for _, e := range es {
		if e.Type().Kind == types.KindUnknown {
			continue
		}
		if acc == nil {
			acc = e.Type()
			continue
		}
		t, err := userListWiden(acc, e)
		if err != nil {
			return nil, err
		}
		acc = t
	}
	if acc == nil {
		return types.UnknownType, nil
	}
	return acc, nil
}

func userListWiden(acc *types.Type, e Expr) (*types.Type, error) {
	t := e.Type()
	if c, ok := e.(*Constructor); ok && t.Kind == types.KindStruct {
		if acc.Kind != types.KindStruct {
			return nil, noCommonType(acc, e)
		}
		return mergeStructTypes(acc, c)
	}
	if lit, ok := e.(*Literal); ok && t.Kind == types.KindString {
		s, _ := lit.V.(string)
		switch {
		case acc.IsNumeric():
			st, ok := stringNumericType(s)
			if !ok {
				return nil, mismatch("invalid input syntax for type %s: \"%s\".", baseTypeName(acc), s)
			}
			return widerNumeric(acc, st), nil
		case acc.Kind == types.KindBoolean:
			if _, ok := literalBoolean(s); !ok {
				return nil, mismatch("invalid input syntax for type BOOLEAN: \"%s\".", s)
			}
			return acc, nil
		}
	}
	switch {
	case t.Equal(acc):
		return acc, nil
	case acc.IsNumeric() && t.IsNumeric():
		return widerNumeric(acc, t), nil
	case acc.Kind == types.KindString && isLiteral(e) && (t.IsNumeric() || t.Kind == types.KindBoolean):
		return acc, nil
	case canCoerce(t, acc):
		return acc, nil
	case canCoerce(acc, t):
		return t, nil
	}
	return nil, noCommonType(acc, e)
}

// mergeStructTypes widens acc with the fields of a STRUCT constructor: the
// constructor's fields first, then acc's others; a field in both takes the common
// type of the two.
func mergeStructTypes(acc *types.Type, c *Constructor) (*types.Type, error) {
	var fields []types.Field
	for i, name := range c.Names {
		ft := c.Elems[i].Type()
		if j := acc.FieldIndex(name); j >= 0 {
			at := acc.Fields[j].Type
			switch {
			case ft.Kind == types.KindUnknown:
				ft = at
			default:
				w, err := userListWiden(at, c.Elems[i])
				if err != nil {
					return nil, err
				}
				ft = w
			}
		}
		fields = append(fields, types.Field{Name: name, Type: ft})
	}
	for _, f := range acc.Fields {
		if !containsName(c.Names, f.Name) {
			fields = append(fields, f)
		}
	}
	return types.NewStruct(fields...), nil
}

func containsName(names []string, n string) bool {
	for _, x := range names {
		if x == n {
			return true
		}
	}
	return false
}

// stringNumericType is the type of the number a string literal spells: INT or
// BIGINT for plain integers in range, else DECIMAL.
func stringNumericType(s string) (*types.Type, bool) {
	s = strings.TrimSpace(s)
	d, _, err := apd.NewFromString(s)
	if err != nil || d.Form != apd.Finite || !isJavaDecimalText(s) {
		return nil, false
	}
	if !strings.ContainsAny(s, ".eE") {
		var i apd.BigInt
		i.Set(&d.Coeff)
		if d.Negative {
			i.Neg(&i)
		}
		if i.IsInt64() {
			n := i.Int64()
			if n > -1<<31 && n < 1<<31-1 {
				return types.IntType, true
			}
			if n > -1<<63 && n < 1<<63-1 {
				return types.BigIntType, true
			}
		}
	}
	return decimalTypeOf(d), true
}

// isJavaDecimalText rejects what apd parses but BigDecimal does not (NaN, Inf).
func isJavaDecimalText(s string) bool {
	return !strings.ContainsAny(s, "nNiI")
}

// decimalTypeOf is the narrowest DECIMAL holding d (ksqlDB's DecimalUtil.fromValue).
func decimalTypeOf(d *apd.Decimal) *types.Type {
	digits := int(d.NumDigits())
	scale := int(-d.Exponent)
	if scale < 0 {
		digits -= scale
		scale = 0
	}
	if digits < scale {
		digits = scale
	}
	return types.NewDecimal(max(digits, 1), scale)
}

func isLiteral(e Expr) bool { _, ok := e.(*Literal); return ok }

func baseTypeName(t *types.Type) string {
	if t.Kind == types.KindDecimal {
		return "DECIMAL"
	}
	return t.String()
}

func noCommonType(acc *types.Type, e Expr) error {
	return mismatch("operator does not exist: %s = %s (%s)\nHint: You might need to add explicit type casts.", acc, e.Type(), e)
}

// coerceUserList converts every element to t: literals now, others by a CAST.
func coerceUserList(es []Expr, t *types.Type) ([]Expr, error) {
	out := make([]Expr, len(es))
	for i, e := range es {
		from := e.Type()
		switch {
		case from.Equal(t):
			out[i] = e
			continue
		case from.Kind == types.KindUnknown:
			out[i] = &Cast{E: e, To: t, conv: identity}
			continue
		}
		if lit, ok := e.(*Literal); ok && from.Kind == types.KindString && t.Kind == types.KindBoolean {
			b, ok := literalBoolean(lit.V.(string))
			if !ok {
				return nil, mismatch("invalid input syntax for type BOOLEAN: \"%s\".", lit.V)
			}
			out[i] = NewLiteral(b, t)
			continue
		}
		conv, ok := explicitConverter(from, t)
		if !ok {
			return nil, noCommonType(t, e)
		}
		if lit, ok := e.(*Literal); ok && lit.V != nil {
			v, err := conv(lit.V)
			if err != nil {
				return nil, mismatch("invalid input syntax for type %s: \"%s\".", baseTypeName(t), valueStringTyped(lit.V, from))
			}
			out[i] = NewLiteral(v, t)
			continue
		}
		out[i] = &Cast{E: e, To: t, conv: conv}
	}
	return out, nil
}
