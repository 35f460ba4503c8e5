package expr

import (
	"strings"

	"github.com/sluice-db/sluice/types"
)

// comparisonType picks the type both sides of a comparison are converted to, or
// nil when ksqlDB cannot compare them. Numbers widen; a STRING compares with a
// DATE, TIME or TIMESTAMP by parsing it; a DATE compares with a TIMESTAMP at midnight.
func comparisonType(a, b *types.Type) *types.Type {
	if a.Kind == types.KindUnknown {
		return b
	}
	if b.Kind == types.KindUnknown || a.Equal(b) {
		return a
	}
	if a.IsNumeric() && b.IsNumeric() {
		return widerNumeric(a, b)
	}
	temporal := func(k types.Kind) bool {
		return k == types.KindDate || k == types.KindTime || k == types.KindTimestamp
	}
	switch {
	case a.Kind == b.Kind && a.Kind != types.KindArray && a.Kind != types.KindMap && a.Kind != types.KindStruct:
		return a
	case temporal(a.Kind) && b.Kind == types.KindString:
		return a
	case temporal(b.Kind) && a.Kind == types.KindString:
		return b
	case a.Kind == types.KindDate && b.Kind == types.KindTimestamp, a.Kind == types.KindTimestamp && b.Kind == types.KindDate:
		return types.TimestampType
	case a.Kind == b.Kind: // collections of different element types
		if canCoerce(a, b) {
			return b
		}
		if canCoerce(b, a) {
			return a
		}
	}
	return nil
}

func newComparison(op string, l, r Expr) (Expr, error) {
	t := comparisonType(l.Type(), r.Type())
	if t == nil {
		return nil, mismatch("Cannot compare %s (%s) to %s (%s) with %s.", l, l.Type(), r, r.Type(), op)
	}
	switch t.Kind {
	case types.KindArray, types.KindMap, types.KindStruct:
		if op != "=" && op != "<>" {
			return nil, mismatch("Cannot compare %s (%s) to %s (%s) with %s.", l, l.Type(), r, r.Type(), op)
		}
	}
	if t.Kind == types.KindUnknown {
		t = types.BooleanType // NULL = NULL: never true, any type will do
	}
	l, r = coerceBoth(l, r, t)
	return &Binary{Op: op, L: l, R: r, T: types.BooleanType, fn: comparisonFunc(op, t), onNull: false}, nil
}

func comparisonFunc(op string, t *types.Type) func(a, b any) (any, error) {
	switch op {
	case "=":
		return func(a, b any) (any, error) { return Equal(a, b), nil }
	case "<>":
		return func(a, b any) (any, error) { return !Equal(a, b), nil }
	case "<":
		return func(a, b any) (any, error) { return Compare(a, b, t) < 0, nil }
	case "<=":
		return func(a, b any) (any, error) { return Compare(a, b, t) <= 0, nil }
	case ">":
		return func(a, b any) (any, error) { return Compare(a, b, t) > 0, nil }
	}
	return func(a, b any) (any, error) { return Compare(a, b, t) >= 0, nil }
}

// magicTimestamps rewrites the operands of a comparison: a string literal
// compared with ROWTIME, WINDOWSTART or WINDOWEND (BIGINT epoch milliseconds)
// becomes those milliseconds, as ksqlDB's rewrite for the pseudo columns does.
// The text may be partial ('2018' is 2018-01-01T00:00:00) and may carry a zone
// (+0445); without one it is UTC.
func magicTimestamps(es ...Expr) ([]Expr, error) {
	pseudo := false
	for _, e := range es {
		if isTimestampPseudoColumn(e) {
			pseudo = true
		}
	}
	if !pseudo {
		return es, nil
	}
	out := make([]Expr, len(es))
	for i, e := range es {
		out[i] = e
		lit, ok := e.(*Literal)
		if !ok || lit.T.Kind != types.KindString || lit.V == nil {
			continue
		}
		ts, err := parseTimestampText(lit.V.(string))
		if err != nil {
			return nil, mismatch("%v", err)
		}
		out[i] = NewLiteral(int64(ts), types.BigIntType)
	}
	return out, nil
}

func isTimestampPseudoColumn(e Expr) bool {
	c, ok := e.(*Column)
	if !ok || c.T.Kind != types.KindBigInt {
		return false
	}
	name := c.Name
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	switch name {
	case "ROWTIME", "WINDOWSTART", "WINDOWEND":
		return true
	}
	return false
}
