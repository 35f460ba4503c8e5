package pgeval

import (
	"math"
	"regexp"
	"strconv"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/sluice-db/sluice/sqlerr"
)

func (c *compiler) compileAExpr(a *pg_query.A_Expr, sc *scope) (*expr, error) {
	op := lastName(a.Name)
	switch a.Kind {
	case pg_query.A_Expr_Kind_AEXPR_IN:
		return c.compileIn(a, op, sc)
	case pg_query.A_Expr_Kind_AEXPR_BETWEEN, pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN,
		pg_query.A_Expr_Kind_AEXPR_BETWEEN_SYM, pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN_SYM:
		return c.compileBetween(a, sc)
	}
	var l *expr
	var err error
	if a.Lexpr != nil {
		if l, err = c.compileExpr(a.Lexpr, sc); err != nil {
			return nil, err
		}
	}
	r, err := c.compileExpr(a.Rexpr, sc)
	if err != nil {
		return nil, err
	}
	switch a.Kind {
	case pg_query.A_Expr_Kind_AEXPR_OP:
		if l == nil {
			return c.unary(op, r)
		}
		return c.binary(op, l, r)
	case pg_query.A_Expr_Kind_AEXPR_LIKE, pg_query.A_Expr_Kind_AEXPR_ILIKE:
		return c.binary(op, l, r)
	case pg_query.A_Expr_Kind_AEXPR_OP_ANY, pg_query.A_Expr_Kind_AEXPR_OP_ALL:
		return c.quantified(op, l, r, a.Kind == pg_query.A_Expr_Kind_AEXPR_OP_ALL)
	case pg_query.A_Expr_Kind_AEXPR_DISTINCT, pg_query.A_Expr_Kind_AEXPR_NOT_DISTINCT:
		eq, err := c.comparison("=", l, r)
		if err != nil {
			return nil, err
		}
		distinct := a.Kind == pg_query.A_Expr_Kind_AEXPR_DISTINCT
		return &expr{typ: Type{OID: Bool}, name: "?column?", eval: func(e *env) (any, error) {
			lv, err := l.eval(e)
			if err != nil {
				return nil, err
			}
			rv, err := r.eval(e)
			if err != nil {
				return nil, err
			}
			var same bool
			switch {
			case lv == nil || rv == nil:
				same = lv == nil && rv == nil
			default:
				v, err := eq.eval(e)
				if err != nil {
					return nil, err
				}
				same = truthy(v)
			}
			return same != distinct, nil
		}}, nil
	case pg_query.A_Expr_Kind_AEXPR_NULLIF:
		eq, err := c.comparison("=", l, r)
		if err != nil {
			return nil, err
		}
		return &expr{typ: finalType(l.typ), name: "nullif", eval: func(e *env) (any, error) {
			v, err := eq.eval(e)
			if err != nil {
				return nil, err
			}
			if truthy(v) {
				return nil, nil
			}
			return l.eval(e)
		}}, nil
	}
	return nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "operator kind %s is not supported", a.Kind)
}

func (c *compiler) unary(op string, r *expr) (*expr, error) {
	if r.typ.OID == Interval_ && (op == "-" || op == "+") {
		return &expr{typ: r.typ, name: "?column?", eval: func(e *env) (any, error) {
			v, err := r.eval(e)
			if err != nil || v == nil || op == "+" {
				return v, err
			}
			iv := v.(Interval)
			return Interval{-iv.Months, -iv.Days, -iv.Micros}, nil
		}}, nil
	}
	r, err := c.coerce(r, Numeric)
	if err != nil {
		return nil, err
	}
	// The prefix operators that are functions: square and cube root, absolute
	// value.
	if fn, ok := map[string]string{"|/": "sqrt", "||/": "cbrt", "@": "abs"}[op]; ok {
		x, err := c.callFunction(fn, []*expr{r})
		if err != nil {
			return nil, err
		}
		x.name = "?column?"
		return x, nil
	}
	switch op {
	case "-", "+":
		return &expr{typ: r.typ, name: "?column?", eval: func(e *env) (any, error) {
			v, err := r.eval(e)
			if err != nil || v == nil || op == "+" {
				return v, err
			}
			return arith("-", int64(0), v)
		}}, nil
	case "~":
		return &expr{typ: r.typ, name: "?column?", eval: func(e *env) (any, error) {
			v, err := r.eval(e)
			if err != nil || v == nil {
				return v, err
			}
			return ^v.(int64), nil
		}}, nil
	}
	return nil, sqlerr.Newf(sqlerr.UndefinedFunction, "operator does not exist: %s", op)
}

// binary compiles l op r for the operators catalog SQL uses.
func (c *compiler) binary(op string, l, r *expr) (*expr, error) {
	switch op {
	case "=", "<>", "!=", "<", ">", "<=", ">=":
		return c.comparison(op, l, r)
	case "~", "!~", "~*", "!~*", "~~", "!~~", "~~*", "!~~*":
		return c.match(op, l, r)
	case "||":
		return c.concat(l, r)
	case "+", "-", "*", "/", "%", "^", "&", "|", "#", "<<", ">>":
		if x, ok, err := c.temporal(op, l, r); ok || err != nil {
			return x, err
		}
		var err error
		if l.unknown() && !r.unknown() {
			l, err = c.coerce(l, r.typ.OID)
		} else if r.unknown() {
			r, err = c.coerce(r, l.typ.OID)
		}
		if err != nil {
			return nil, err
		}
		if l.unknown() {
			if l, err = c.coerce(l, Numeric); err != nil {
				return nil, err
			}
			if r, err = c.coerce(r, Numeric); err != nil {
				return nil, err
			}
		}
		t := arithType(op, l.typ.OID, r.typ.OID)
		return &expr{typ: Type{OID: t}, name: "?column?", eval: func(e *env) (any, error) {
			lv, err := l.eval(e)
			if err != nil || lv == nil {
				return nil, err
			}
			rv, err := r.eval(e)
			if err != nil || rv == nil {
				return nil, err
			}
			return arith(op, lv, rv)
		}}, nil
	case "@>", "<@", "&&":
		return c.arrayOp(op, l, r)
	}
	return nil, sqlerr.Newf(sqlerr.UndefinedFunction, "operator does not exist: %s %s %s", TypeName(l.typ.OID), op, TypeName(r.typ.OID))
}

// comparison compiles l op r where op is one of = <> != < > <= >=.
func (c *compiler) comparison(op string, l, r *expr) (*expr, error) {
	var err error
	switch {
	case l.unknown() && !r.unknown():
		c.inferParam(l, r.typ.OID)
		l, err = c.coerce(l, r.typ.OID)
	case r.unknown() && !l.unknown():
		c.inferParam(r, l.typ.OID)
		r, err = c.coerce(r, l.typ.OID)
	case l.unknown() && r.unknown():
		if l, err = c.coerce(l, Text); err == nil {
			r, err = c.coerce(r, Text)
		}
	}
	if err != nil {
		return nil, err
	}
	test := comparator(op)
	if test == nil {
		return nil, sqlerr.Newf(sqlerr.UndefinedFunction, "operator does not exist: %s", op)
	}
	lt, rt := l.typ.OID, r.typ.OID
	return &expr{typ: Type{OID: Bool}, name: "?column?", eval: func(e *env) (any, error) {
		lv, err := l.eval(e)
		if err != nil || lv == nil {
			return nil, err
		}
		rv, err := r.eval(e)
		if err != nil || rv == nil {
			return nil, err
		}
		res, err := compareMixed(e, lv, rv, lt, rt)
		if err != nil {
			return nil, err
		}
		return test(res), nil
	}}, nil
}

// compareMixed compares values whose Go types may differ because a parameter was
// bound as text: the text side is converted to the other side's type.
func compareMixed(e *env, lv, rv any, lt, rt uint32) (int, error) {
	if ls, ok := lv.(string); ok {
		if _, ok := rv.(string); !ok {
			conv, err := castValue(e.rc.ctx.Names, ls, Text, rt)
			if err != nil {
				return 0, err
			}
			lv = conv
		}
	} else if rs, ok := rv.(string); ok {
		conv, err := castValue(e.rc.ctx.Names, rs, Text, lt)
		if err != nil {
			return 0, err
		}
		rv = conv
	}
	return compareValues(lv, rv)
}

func comparator(op string) func(int) bool {
	switch op {
	case "=":
		return func(c int) bool { return c == 0 }
	case "<>", "!=":
		return func(c int) bool { return c != 0 }
	case "<":
		return func(c int) bool { return c < 0 }
	case ">":
		return func(c int) bool { return c > 0 }
	case "<=":
		return func(c int) bool { return c <= 0 }
	case ">=":
		return func(c int) bool { return c >= 0 }
	}
	return nil
}

// match compiles the regular-expression (~ family) and LIKE (~~ family) operators.
func (c *compiler) match(op string, l, r *expr) (*expr, error) {
	var err error
	if l, err = c.coerce(l, Text); err != nil {
		return nil, err
	}
	if r, err = c.coerce(r, Text); err != nil {
		return nil, err
	}
	negate := op[0] == '!'
	like := op == "~~" || op == "!~~" || op == "~~*" || op == "!~~*"
	fold := op[len(op)-1] == '*'
	lt := l.typ.OID
	return &expr{typ: Type{OID: Bool}, name: "?column?", eval: func(e *env) (any, error) {
		lv, err := l.eval(e)
		if err != nil || lv == nil {
			return nil, err
		}
		rv, err := r.eval(e)
		if err != nil || rv == nil {
			return nil, err
		}
		pattern := formatText(e.rc.ctx.Names, rv, Text)
		key := op + "\x00" + pattern
		re, err := e.rc.regex.get(key, func() (*regexp.Regexp, error) {
			if like {
				return likeRegexp(pattern, fold)
			}
			if fold {
				return regexp.Compile("(?i)" + pattern)
			}
			return regexp.Compile(pattern)
		})
		if err != nil {
			return nil, err
		}
		return re.MatchString(formatText(e.rc.ctx.Names, lv, lt)) != negate, nil
	}}, nil
}

func (c *compiler) concat(l, r *expr) (*expr, error) {
	var err error
	if isArray(l.typ.OID) || isArray(r.typ.OID) {
		if l.unknown() {
			l, err = c.coerce(l, r.typ.OID)
		} else if r.unknown() {
			r, err = c.coerce(r, l.typ.OID)
		}
		if err != nil {
			return nil, err
		}
		t := l.typ
		if !isArray(t.OID) {
			t = r.typ
		}
		lArr, rArr := isArray(l.typ.OID), isArray(r.typ.OID)
		return &expr{typ: t, name: "?column?", eval: func(e *env) (any, error) {
			lv, err := l.eval(e)
			if err != nil {
				return nil, err
			}
			rv, err := r.eval(e)
			if err != nil {
				return nil, err
			}
			var out []any
			add := func(v any, isArr bool) {
				if isArr {
					if v != nil {
						out = append(out, v.([]any)...)
					}
					return
				}
				out = append(out, v)
			}
			if lv == nil && rv == nil {
				return nil, nil
			}
			add(lv, lArr)
			add(rv, rArr)
			if out == nil {
				out = []any{}
			}
			return out, nil
		}}, nil
	}
	lt, rt := l.typ.OID, r.typ.OID
	return &expr{typ: Type{OID: Text}, name: "?column?", eval: func(e *env) (any, error) {
		lv, err := l.eval(e)
		if err != nil || lv == nil {
			return nil, err
		}
		rv, err := r.eval(e)
		if err != nil || rv == nil {
			return nil, err
		}
		return formatText(e.rc.ctx.Names, lv, lt) + formatText(e.rc.ctx.Names, rv, rt), nil
	}}, nil
}

func (c *compiler) arrayOp(op string, l, r *expr) (*expr, error) {
	var err error
	if l.unknown() {
		l, err = c.coerce(l, r.typ.OID)
	} else if r.unknown() {
		r, err = c.coerce(r, l.typ.OID)
	}
	if err != nil {
		return nil, err
	}
	return &expr{typ: Type{OID: Bool}, name: "?column?", eval: func(e *env) (any, error) {
		lv, err := l.eval(e)
		if err != nil || lv == nil {
			return nil, err
		}
		rv, err := r.eval(e)
		if err != nil || rv == nil {
			return nil, err
		}
		la, ra := lv.([]any), rv.([]any)
		contains := func(hay, needles []any) bool {
			for _, n := range needles {
				found := false
				for _, h := range hay {
					if c, err := compareNullable(h, n, false); err == nil && c == 0 && h != nil {
						found = true
						break
					}
				}
				if !found {
					return false
				}
			}
			return true
		}
		switch op {
		case "@>":
			return contains(la, ra), nil
		case "<@":
			return contains(ra, la), nil
		}
		for _, x := range la {
			for _, y := range ra {
				if x != nil && y != nil {
					if c, err := compareValues(x, y); err == nil && c == 0 {
						return true, nil
					}
				}
			}
		}
		return false, nil
	}}, nil
}

// quantified compiles l op ANY (array) and l op ALL (array).
func (c *compiler) quantified(op string, l, arr *expr, all bool) (*expr, error) {
	var err error
	if arr.unknown() {
		at := ArrayOf(l.typ.OID)
		if l.unknown() {
			at = TextArr
		}
		if arr, err = c.coerce(arr, at); err != nil {
			return nil, err
		}
	}
	elem := ElemOf(arr.typ.OID)
	if elem == 0 {
		return nil, sqlerr.Newf(sqlerr.DatatypeMismatch, "op ANY/ALL (array) requires array on right side, not %s", TypeName(arr.typ.OID))
	}
	if l, err = c.coerce(l, elem); err != nil {
		return nil, err
	}
	test := comparator(op)
	if test == nil {
		return nil, sqlerr.Newf(sqlerr.UndefinedFunction, "operator does not exist: %s", op)
	}
	lt := l.typ.OID
	return &expr{typ: Type{OID: Bool}, name: "?column?", eval: func(e *env) (any, error) {
		lv, err := l.eval(e)
		if err != nil {
			return nil, err
		}
		av, err := arr.eval(e)
		if err != nil || av == nil {
			return nil, err
		}
		return quantify(e, lv, av.([]any), lt, elem, test, all)
	}}, nil
}

func quantify(e *env, lv any, items []any, lt, et uint32, test func(int) bool, all bool) (any, error) {
	sawNull := false
	for _, it := range items {
		if lv == nil || it == nil {
			sawNull = true
			continue
		}
		c, err := compareMixed(e, lv, it, lt, et)
		if err != nil {
			return nil, err
		}
		if test(c) != all {
			return !all, nil
		}
	}
	if sawNull {
		return nil, nil
	}
	return all, nil
}

func (c *compiler) compileIn(a *pg_query.A_Expr, op string, sc *scope) (*expr, error) {
	l, err := c.compileExpr(a.Lexpr, sc)
	if err != nil {
		return nil, err
	}
	list := a.Rexpr.GetList()
	if list == nil {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "IN needs a list")
	}
	items := make([]*expr, len(list.Items))
	for i, it := range list.Items {
		x, err := c.compileExpr(it, sc)
		if err != nil {
			return nil, err
		}
		items[i] = x
	}
	if l.unknown() {
		if l, err = c.coerce(l, commonType(items)); err != nil {
			return nil, err
		}
	}
	for i, x := range items {
		if items[i], err = c.coerce(x, l.typ.OID); err != nil {
			return nil, err
		}
	}
	notIn := op == "<>"
	lt := l.typ.OID
	return &expr{typ: Type{OID: Bool}, name: "?column?", eval: func(e *env) (any, error) {
		lv, err := l.eval(e)
		if err != nil {
			return nil, err
		}
		vals := make([]any, len(items))
		for i, x := range items {
			if vals[i], err = x.eval(e); err != nil {
				return nil, err
			}
		}
		if notIn {
			return quantify(e, lv, vals, lt, lt, comparator("<>"), true)
		}
		return quantify(e, lv, vals, lt, lt, comparator("="), false)
	}}, nil
}

func (c *compiler) compileBetween(a *pg_query.A_Expr, sc *scope) (*expr, error) {
	bounds := a.Rexpr.GetList()
	if bounds == nil || len(bounds.Items) != 2 {
		return nil, sqlerr.New(sqlerr.SyntaxError, "BETWEEN needs two bounds")
	}
	x, err := c.compileExpr(a.Lexpr, sc)
	if err != nil {
		return nil, err
	}
	lo, err := c.compileExpr(bounds.Items[0], sc)
	if err != nil {
		return nil, err
	}
	hi, err := c.compileExpr(bounds.Items[1], sc)
	if err != nil {
		return nil, err
	}
	ge, err := c.comparison(">=", x, lo)
	if err != nil {
		return nil, err
	}
	le, err := c.comparison("<=", x, hi)
	if err != nil {
		return nil, err
	}
	sym := a.Kind == pg_query.A_Expr_Kind_AEXPR_BETWEEN_SYM || a.Kind == pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN_SYM
	not := a.Kind == pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN || a.Kind == pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN_SYM
	var geSwap, leSwap *expr
	if sym {
		if geSwap, err = c.comparison(">=", x, hi); err != nil {
			return nil, err
		}
		if leSwap, err = c.comparison("<=", x, lo); err != nil {
			return nil, err
		}
	}
	both := func(e *env, a, b *expr) (any, error) {
		av, err := a.eval(e)
		if err != nil {
			return nil, err
		}
		bv, err := b.eval(e)
		if err != nil {
			return nil, err
		}
		if av == false || bv == false {
			return false, nil
		}
		if av == nil || bv == nil {
			return nil, nil
		}
		return true, nil
	}
	return &expr{typ: Type{OID: Bool}, name: "?column?", eval: func(e *env) (any, error) {
		v, err := both(e, ge, le)
		if err != nil {
			return nil, err
		}
		if sym && v != true {
			w, err := both(e, geSwap, leSwap)
			if err != nil {
				return nil, err
			}
			if w == true || v == nil {
				v = w
			}
		}
		if not && v != nil {
			return !v.(bool), nil
		}
		return v, nil
	}}, nil
}

// intArg reads an integer argument.
func intArg(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case float64:
		return int64(x), nil
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return 0, sqlerr.Newf(sqlerr.InvalidTextRepresentation, "invalid input syntax for type integer: %q", x)
		}
		return n, nil
	}
	return 0, sqlerr.Newf(sqlerr.DatatypeMismatch, "expected an integer, got %T", v)
}

func isTemporal(oid uint32) bool {
	switch oid {
	case Timestamp, TimestampTZ, Date, Interval_, Time:
		return true
	}
	return false
}

// temporal compiles arithmetic on dates, timestamps and intervals: timestamp ±
// interval, timestamp - timestamp (an interval), date ± integer, date - date (an
// integer), interval ± interval and interval * or / a number. ok is false when
// neither side is temporal.
func (c *compiler) temporal(op string, l, r *expr) (*expr, bool, error) {
	lt, rt := l.typ.OID, r.typ.OID
	if !isTemporal(lt) && !isTemporal(rt) {
		return nil, false, nil
	}
	// An untyped literal takes a type as Postgres' operator resolution gives it:
	// the other operand's type when that operator exists (every type here has a
	// "-" with itself, interval also "+"), else the one candidate left: an
	// interval beside a timestamp or date (date + unknown is ambiguous between
	// integer, interval and time).
	lit := func(other uint32) (uint32, error) {
		if op == "-" || other == Interval_ {
			return other, nil
		}
		if other == Date && op == "+" {
			return 0, sqlerr.New("42725", "operator is not unique: date + unknown")
		}
		return Interval_, nil
	}
	if l.unknown() != r.unknown() {
		x, other := &l, rt
		if r.unknown() {
			x, other = &r, lt
		}
		if (op == "*" || op == "/") && other == Interval_ {
			to := uint32(Float8)
			var err error
			if *x, err = c.coerce(*x, to); err != nil {
				return nil, true, err
			}
		} else if op == "+" || op == "-" {
			to, err := lit(other)
			if err != nil {
				return nil, true, err
			}
			if *x, err = c.coerce(*x, to); err != nil {
				return nil, true, err
			}
		}
	}
	lt, rt = l.typ.OID, r.typ.OID
	isTS := func(t uint32) bool { return t == Timestamp || t == TimestampTZ }
	var typ uint32
	var fn func(a, b any) (any, error)
	switch {
	case (isTS(lt) || lt == Date) && rt == Interval_ && (op == "+" || op == "-"):
		typ = lt
		if lt == Date {
			typ = Timestamp
		}
		sign := int64(1)
		if op == "-" {
			sign = -1
		}
		fn = func(a, b any) (any, error) { return addInterval(a.(time.Time), b.(Interval), sign), nil }
	case lt == Interval_ && (isTS(rt) || rt == Date) && op == "+":
		typ = rt
		if rt == Date {
			typ = Timestamp
		}
		fn = func(a, b any) (any, error) { return addInterval(b.(time.Time), a.(Interval), 1), nil }
	case isTS(lt) && isTS(rt) && op == "-":
		typ = Interval_
		fn = func(a, b any) (any, error) { return subTimestamps(a.(time.Time), b.(time.Time)), nil }
	case lt == Date && rt == Date && op == "-":
		typ = Int4
		fn = func(a, b any) (any, error) { return int64(a.(time.Time).Sub(b.(time.Time)).Hours() / 24), nil }
	case lt == Date && isInteger(rt) && (op == "+" || op == "-"):
		typ = Date
		fn = func(a, b any) (any, error) {
			n := b.(int64)
			if op == "-" {
				n = -n
			}
			return a.(time.Time).AddDate(0, 0, int(n)), nil
		}
	case isInteger(lt) && rt == Date && op == "+":
		typ = Date
		fn = func(a, b any) (any, error) { return b.(time.Time).AddDate(0, 0, int(a.(int64))), nil }
	case lt == Interval_ && rt == Interval_ && (op == "+" || op == "-"):
		typ = Interval_
		fn = func(a, b any) (any, error) {
			x, y := a.(Interval), b.(Interval)
			if op == "-" {
				y = Interval{-y.Months, -y.Days, -y.Micros}
			}
			return Interval{x.Months + y.Months, x.Days + y.Days, x.Micros + y.Micros}, nil
		}
	case lt == Interval_ && (isInteger(rt) || isFloat(rt)) && (op == "*" || op == "/"):
		typ = Interval_
		fn = func(a, b any) (any, error) { return scaleInterval(a.(Interval), b, op == "/") }
	case (isInteger(lt) || isFloat(lt)) && rt == Interval_ && op == "*":
		typ = Interval_
		fn = func(a, b any) (any, error) { return scaleInterval(b.(Interval), a, false) }
	default:
		return nil, true, sqlerr.Newf(sqlerr.UndefinedFunction, "operator does not exist: %s %s %s", FormatType(lt, -1), op, FormatType(rt, -1))
	}
	return &expr{typ: Type{OID: typ}, name: "?column?", eval: func(e *env) (any, error) {
		lv, err := l.eval(e)
		if err != nil || lv == nil {
			return nil, err
		}
		rv, err := r.eval(e)
		if err != nil || rv == nil {
			return nil, err
		}
		return fn(lv, rv)
	}}, true, nil
}

func scaleInterval(iv Interval, by any, divide bool) (any, error) {
	f, ok := toFloat(decFloat(by))
	if !ok {
		return nil, badNumber(by)
	}
	if divide {
		if f == 0 {
			return nil, sqlerr.New(sqlerr.DivisionByZero, "division by zero")
		}
		f = 1 / f
	}
	months := float64(iv.Months) * f
	wholeMonths := math.Trunc(months)
	days := float64(iv.Days)*f + (months-wholeMonths)*30
	wholeDays := math.Trunc(days)
	micros := float64(iv.Micros)*f + (days-wholeDays)*float64(microsPerDay)
	return Interval{int64(wholeMonths), int64(wholeDays), int64(math.Round(micros))}, nil
}
