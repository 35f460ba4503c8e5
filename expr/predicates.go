package expr

import (
	"regexp"
	"strings"

	"github.com/sluice-db/sluice/types"
)

// commonType is the type a list of expressions is coerced to: the widest numeric
// type, or the one non-NULL type every other coerces to. ok is false when the
// types are incompatible. All-NULL lists give types.UnknownType.
func commonType(ts []*types.Type) (*types.Type, bool) {
	var acc *types.Type
	for _, t := range ts {
		if t.Kind == types.KindUnknown {
			continue
		}
		switch {
		case acc == nil:
			acc = t
		case acc.IsNumeric() && t.IsNumeric():
			acc = widerNumeric(acc, t)
		case canCoerce(t, acc):
		case canCoerce(acc, t):
			acc = t
		default:
			return nil, false
		}
	}
	if acc == nil {
		return types.UnknownType, true
	}
	return acc, true
}

// IsNull is e IS [NOT] NULL; it is never NULL itself.
type IsNull struct {
	E   Expr
	Not bool
}

// NewIsNull binds e IS NULL, or e IS NOT NULL when not is set.
func NewIsNull(e Expr, not bool) Expr { return &IsNull{E: e, Not: not} }

func (n *IsNull) Type() *types.Type { return types.BooleanType }

func (n *IsNull) Eval(row []any) (any, error) {
	v, err := n.E.Eval(row)
	if err != nil {
		return nil, err
	}
	return (v == nil) != n.Not, nil
}

func (n *IsNull) String() string {
	if n.Not {
		return "(" + n.E.String() + " IS NOT NULL)"
	}
	return "(" + n.E.String() + " IS NULL)"
}

func (n *IsNull) children() []Expr { return []Expr{n.E} }

// IsDistinct is l IS [NOT] DISTINCT FROM r: a comparison where NULL equals NULL.
type IsDistinct struct {
	L, R Expr
	Not  bool
}

// NewIsDistinct binds l IS DISTINCT FROM r, or IS NOT DISTINCT FROM when not is set.
func NewIsDistinct(l, r Expr, not bool) (Expr, error) {
	t := comparisonType(l.Type(), r.Type())
	if t == nil {
		return nil, mismatch("Cannot compare %s (%s) to %s (%s) with IS DISTINCT FROM.", l, l.Type(), r, r.Type())
	}
	l, r = coerceBoth(l, r, t)
	return &IsDistinct{L: l, R: r, Not: not}, nil
}

func (d *IsDistinct) Type() *types.Type { return types.BooleanType }

func (d *IsDistinct) Eval(row []any) (any, error) {
	l, err := d.L.Eval(row)
	if err != nil {
		return nil, err
	}
	r, err := d.R.Eval(row)
	if err != nil {
		return nil, err
	}
	return Equal(l, r) == d.Not, nil
}

func (d *IsDistinct) String() string {
	op := " IS DISTINCT FROM "
	if d.Not {
		op = " IS NOT DISTINCT FROM "
	}
	return "(" + d.L.String() + op + d.R.String() + ")"
}

func (d *IsDistinct) children() []Expr { return []Expr{d.L, d.R} }

// Like is e [NOT] LIKE pattern [ESCAPE c]: % matches any run, _ one character,
// case-sensitive. A constant pattern is compiled once at bind time.
type Like struct {
	E, Pattern, Escape Expr
	Not                bool
	compiled           *regexp.Regexp
}

// NewLike binds e LIKE pattern; escape may be nil.
func NewLike(e, pattern, escape Expr, not bool) (Expr, error) {
	for _, x := range []Expr{e, pattern, escape} {
		if x != nil && !isStringish(x.Type()) {
			return nil, mismatch("LIKE requires STRING operands, got %s (%s)", x, x.Type())
		}
	}
	l := &Like{E: e, Pattern: pattern, Escape: escape, Not: not}
	if IsConstant(pattern) && (escape == nil || IsConstant(escape)) {
		p, _ := pattern.Eval(nil)
		var esc any
		if escape != nil {
			esc, _ = escape.Eval(nil)
		}
		if p != nil && (escape == nil || esc != nil) {
			re, err := likeRegexp(p.(string), esc)
			if err != nil {
				return nil, mismatch("%s", err.Error())
			}
			l.compiled = re
		}
	}
	return l, nil
}

// likeRegexp translates a LIKE pattern into an anchored regular expression.
func likeRegexp(pattern string, escape any) (*regexp.Regexp, error) {
	var esc rune = -1
	if escape != nil {
		s := []rune(escape.(string))
		if len(s) != 1 {
			return nil, evalErrorf("ESCAPE must be a single character, got '%s'", escape)
		}
		esc = s[0]
	}
	var b strings.Builder
	b.WriteString("(?s)^")
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case c == esc && i+1 < len(rs):
			i++
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
		case c == '%':
			b.WriteString(".*")
		case c == '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

func (l *Like) Type() *types.Type { return types.BooleanType }

func (l *Like) Eval(row []any) (any, error) {
	v, err := l.E.Eval(row)
	if err != nil || v == nil {
		return nil, err
	}
	re := l.compiled
	if re == nil {
		p, err := l.Pattern.Eval(row)
		if err != nil || p == nil {
			return nil, err
		}
		var esc any
		if l.Escape != nil {
			if esc, err = l.Escape.Eval(row); err != nil || esc == nil {
				return nil, err
			}
		}
		if re, err = likeRegexp(p.(string), esc); err != nil {
			return nil, err
		}
	}
	return re.MatchString(v.(string)) != l.Not, nil
}

func (l *Like) String() string {
	s := "(" + l.E.String()
	if l.Not {
		s += " NOT"
	}
	s += " LIKE " + l.Pattern.String()
	if l.Escape != nil {
		s += " ESCAPE " + l.Escape.String()
	}
	return s + ")"
}

func (l *Like) children() []Expr {
	if l.Escape == nil {
		return []Expr{l.E, l.Pattern}
	}
	return []Expr{l.E, l.Pattern, l.Escape}
}

// Between is e [NOT] BETWEEN lo AND hi, bounds inclusive.
type Between struct {
	E, Lo, Hi Expr
	Not       bool
	t         *types.Type
}

// NewBetween binds e BETWEEN lo AND hi after coercing all three to one type.
func NewBetween(e, lo, hi Expr, not bool) (Expr, error) {
	es, err := magicTimestamps(e, lo, hi)
	if err != nil {
		return nil, err
	}
	e, lo, hi = es[0], es[1], es[2]
	t := comparisonType(e.Type(), lo.Type())
	if t != nil {
		t = comparisonType(t, hi.Type())
	}
	if t == nil || t.Kind == types.KindArray || t.Kind == types.KindMap || t.Kind == types.KindStruct {
		return nil, mismatch("Cannot compare %s (%s) BETWEEN %s (%s) AND %s (%s)", e, e.Type(), lo, lo.Type(), hi, hi.Type())
	}
	return &Between{E: widen(e, t), Lo: widen(lo, t), Hi: widen(hi, t), Not: not, t: t}, nil
}

func (b *Between) Type() *types.Type { return types.BooleanType }

func (b *Between) Eval(row []any) (any, error) {
	var vs [3]any
	for i, x := range [3]Expr{b.E, b.Lo, b.Hi} {
		v, err := x.Eval(row)
		if err != nil {
			return nil, err
		}
		if v == nil {
			// ksqlDB: (e >= lo AND e <= hi), each false on NULL; NOT BETWEEN negates it.
			return b.Not, nil
		}
		vs[i] = v
	}
	in := Compare(vs[0], vs[1], b.t) >= 0 && Compare(vs[0], vs[2], b.t) <= 0
	return in != b.Not, nil
}

func (b *Between) String() string {
	op := " BETWEEN "
	if b.Not {
		op = " NOT BETWEEN "
	}
	return "(" + b.E.String() + op + b.Lo.String() + " AND " + b.Hi.String() + ")"
}

func (b *Between) children() []Expr { return []Expr{b.E, b.Lo, b.Hi} }

// In is e [NOT] IN (list). As in ksqlDB it is never NULL: a NULL value or list
// element matches nothing, so NULL IN (...) is false and NULL NOT IN (...) true.
type In struct {
	E    Expr
	List []Expr
	Not  bool
}

// NewIn binds e IN (list), coercing e and the list to one type.
func NewIn(e Expr, list []Expr, not bool) (Expr, error) {
	// ksqlDB (type-coercion.md, "Expression lists") coerces the value and the
	// list to one common type as for ARRAY[...]: the first non-NULL expression
	// decides, later ones widen it, string literals count as the numbers or
	// booleans they spell and other literals become strings among strings.
	all := append([]Expr{e}, list...)
	lt, listErr := userListType(all)
	if listErr == nil && lt.Kind != types.KindUnknown {
		cs, err := coerceUserList(all, lt)
		if err == nil {
			return &In{E: cs[0], List: cs[1:], Not: not}, nil
		}
		listErr = err
	}
	// Beyond the list rules, what a comparison accepts (a constant string
	// against a DATE or TIMESTAMP, say).
	t := e.Type()
	for _, x := range list {
		t = comparisonType(t, x.Type())
		if t == nil {
			if listErr != nil {
				return nil, listErr
			}
			return nil, mismatch("Cannot compare %s (%s) IN list element %s (%s)", e, e.Type(), x, x.Type())
		}
	}
	out := make([]Expr, len(list))
	for i, x := range list {
		out[i] = widen(x, t)
	}
	return &In{E: widen(e, t), List: out, Not: not}, nil
}

func (n *In) Type() *types.Type { return types.BooleanType }

func (n *In) Eval(row []any) (any, error) {
	v, err := n.E.Eval(row)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return n.Not, nil
	}
	for _, x := range n.List {
		w, err := x.Eval(row)
		if err != nil {
			return nil, err
		}
		if w != nil && Equal(v, w) {
			return !n.Not, nil
		}
	}
	return n.Not, nil
}

func (n *In) String() string {
	s := "(" + n.E.String()
	if n.Not {
		s += " NOT"
	}
	s += " IN ("
	for i, x := range n.List {
		if i > 0 {
			s += ", "
		}
		s += x.String()
	}
	return s + "))"
}

func (n *In) children() []Expr { return append([]Expr{n.E}, n.List...) }
