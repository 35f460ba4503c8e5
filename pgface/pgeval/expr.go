package pgeval

import (
	"math"

	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// expr is a compiled scalar expression.
type expr struct {
	typ  Type
	name string // the output column name Postgres would give it
	eval func(e *env) (any, error)
	// lit is set for string literals and untyped parameters, whose type is decided
	// by context (Postgres' "unknown").
	lit *string
	// colIndex is the row index of a column reference of the current query level,
	// -1 for other expressions.
	colIndex int
}

func constExpr(v any, oid uint32, name string) *expr {
	return &expr{typ: Type{OID: oid}, name: name, eval: func(*env) (any, error) { return v, nil }}
}

func (x *expr) unknown() bool { return x.typ.OID == Unknown }

// coerce returns x converted to type to when x is of unknown type (a literal or
// untyped parameter); other expressions are returned as they are.
func (c *compiler) coerce(x *expr, to uint32) (*expr, error) {
	if !x.unknown() || to == Unknown || to == 0 {
		return x, nil
	}
	c.inferParam(x, to)
	if x.lit != nil {
		v, err := castValue(c.cat, *x.lit, Unknown, to)
		if err != nil {
			return nil, err
		}
		return &expr{typ: Type{OID: to}, name: x.name, eval: func(*env) (any, error) { return v, nil }}, nil
	}
	return c.castExpr(x, to), nil
}

func (c *compiler) castExpr(x *expr, to uint32) *expr {
	from := x.typ.OID
	return &expr{typ: Type{OID: to}, name: x.name, eval: func(e *env) (any, error) {
		v, err := x.eval(e)
		if err != nil || v == nil {
			return nil, err
		}
		return castValue(e.rc.ctx.Names, v, from, to)
	}}
}

// finalType resolves unknown to text, as Postgres does for output columns.
func finalType(t Type) Type {
	if t.OID == Unknown || t.OID == 0 {
		return Type{OID: Text}
	}
	return t
}

func strVal(n *pg_query.Node) string {
	if s := n.GetString_(); s != nil {
		return s.Sval
	}
	return ""
}

func lastName(names []*pg_query.Node) string {
	if len(names) == 0 {
		return ""
	}
	return strVal(names[len(names)-1])
}

// compileExpr compiles a scalar expression in scope sc.
func (c *compiler) compileExpr(n *pg_query.Node, sc *scope) (*expr, error) {
	switch {
	case n == nil:
		return constExpr(nil, Unknown, "?column?"), nil
	case n.GetAConst() != nil:
		return compileConst(n.GetAConst())
	case n.GetColumnRef() != nil:
		return c.compileColumnRef(n.GetColumnRef(), sc)
	case n.GetParamRef() != nil:
		return c.compileParam(n.GetParamRef())
	case n.GetGroupingFunc() != nil:
		return c.compileGroupingFunc(n.GetGroupingFunc(), sc)
	case n.GetTypeCast() != nil:
		return c.compileCast(n.GetTypeCast(), sc)
	case n.GetAExpr() != nil:
		return c.compileAExpr(n.GetAExpr(), sc)
	case n.GetBoolExpr() != nil:
		return c.compileBoolExpr(n.GetBoolExpr(), sc)
	case n.GetNullTest() != nil:
		return c.compileNullTest(n.GetNullTest(), sc)
	case n.GetBooleanTest() != nil:
		return c.compileBooleanTest(n.GetBooleanTest(), sc)
	case n.GetCaseExpr() != nil:
		return c.compileCase(n.GetCaseExpr(), sc)
	case n.GetCoalesceExpr() != nil:
		return c.compileCoalesce(n.GetCoalesceExpr().Args, sc, "coalesce", nil)
	case n.GetMinMaxExpr() != nil:
		return c.compileMinMax(n.GetMinMaxExpr(), sc)
	case n.GetFuncCall() != nil:
		return c.compileFuncCall(n.GetFuncCall(), sc)
	case n.GetSqlvalueFunction() != nil:
		return c.compileSQLValueFunction(n.GetSqlvalueFunction())
	case n.GetSubLink() != nil:
		return c.compileSubLink(n.GetSubLink(), sc)
	case n.GetAIndirection() != nil:
		return c.compileIndirection(n.GetAIndirection(), sc)
	case n.GetAArrayExpr() != nil:
		return c.compileArray(n.GetAArrayExpr().Elements, sc)
	case n.GetCollateClause() != nil:
		return c.compileExpr(n.GetCollateClause().Arg, sc)
	case n.GetRowExpr() != nil:
		return c.compileRow(n.GetRowExpr().Args, sc)
	}
	return nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "expression %s is not supported in catalog queries", nodeKind(n))
}

func nodeKind(n *pg_query.Node) string {
	s := strings.TrimPrefix(strings.TrimPrefix(strings.SplitN(strings.TrimSpace(n.String()), ":", 2)[0], "node:"), "{")
	return strings.TrimSpace(s)
}

func compileConst(a *pg_query.A_Const) (*expr, error) {
	if a.Isnull {
		return constExpr(nil, Unknown, "?column?"), nil
	}
	switch {
	case a.GetIval() != nil:
		return constExpr(int64(a.GetIval().Ival), Int4, "?column?"), nil
	case a.GetFval() != nil:
		s := a.GetFval().Fval
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return constExpr(i, Int8, "?column?"), nil
		}
		d, err := parseNumeric(s)
		if err != nil {
			return nil, sqlerr.Newf(sqlerr.InvalidTextRepresentation, "invalid number %q", s)
		}
		return constExpr(d, Numeric, "?column?"), nil
	case a.GetBoolval() != nil:
		return constExpr(a.GetBoolval().Boolval, Bool, "bool"), nil
	case a.GetSval() != nil:
		s := a.GetSval().Sval
		x := constExpr(s, Unknown, "?column?")
		x.lit = &s
		return x, nil
	case a.GetBsval() != nil:
		return constExpr(a.GetBsval().Bsval, Text, "?column?"), nil
	}
	return constExpr(nil, Unknown, "?column?"), nil
}

func (c *compiler) compileParam(p *pg_query.ParamRef) (*expr, error) {
	i := int(p.Number) - 1
	if i < 0 || i > 65535 {
		return nil, sqlerr.Newf(sqlerr.SyntaxError, "there is no parameter $%d", p.Number)
	}
	for len(c.params) <= i {
		c.params = append(c.params, 0)
	}
	t := c.params[i]
	if t == 0 {
		t = Unknown
	}
	x := &expr{typ: Type{OID: t}, name: "?column?", eval: func(e *env) (any, error) {
		if i >= len(e.rc.params) {
			return nil, sqlerr.Newf(sqlerr.ProtocolViolation, "no value for parameter $%d", i+1)
		}
		return normalizeParam(e.rc.params[i]), nil
	}}
	if t == Unknown {
		// Remember the type the context gives it, for ParameterDescription.
		x = &expr{typ: x.typ, name: x.name, eval: x.eval}
		c.pending = append(c.pending, pendingParam{x: x, index: i})
	}
	return x, nil
}

type pendingParam struct {
	x     *expr
	index int
}

// normalizeParam maps a bound parameter onto this package's representation.
func normalizeParam(v any) any {
	switch x := v.(type) {
	case int32:
		return int64(x)
	case int16:
		return int64(x)
	case int:
		return int64(x)
	case uint32:
		return int64(x)
	case float32:
		return float64(x)
	case []byte:
		return string(x)
	case interface{ Float64() (float64, error) }:
		if f, err := x.Float64(); err == nil {
			return f
		}
	}
	return v
}

func (c *compiler) compileCast(tc *pg_query.TypeCast, sc *scope) (*expr, error) {
	arg, err := c.compileExpr(tc.Arg, sc)
	if err != nil {
		return nil, err
	}
	tn := tc.TypeName
	name := lastName(tn.Names)
	if len(tn.Names) == 2 && strVal(tn.Names[0]) == "pg_catalog" && name == "bpchar" && len(tn.Typmods) == 0 {
		name = "bpchar"
	}
	to, err := typeFromName(name, len(tn.ArrayBounds))
	if err != nil {
		return nil, err
	}
	if mods := typmods(tn); len(mods) > 0 && len(tn.ArrayBounds) == 0 {
		x, err := c.compileCastTo(arg, to, name)
		if err != nil {
			return nil, err
		}
		return withTypmod(x, to, mods)
	}
	return c.compileCastTo(arg, to, name)
}

// typmods returns the integer modifiers of a type name: numeric(10, 2), varchar(3).
func typmods(tn *pg_query.TypeName) []int64 {
	var out []int64
	for _, m := range tn.Typmods {
		if ac := m.GetAConst(); ac != nil && ac.GetIval() != nil {
			out = append(out, int64(ac.GetIval().Ival))
		}
	}
	return out
}

// withTypmod applies numeric(p, s) rounding and varchar(n)/char(n) truncation.
func withTypmod(x *expr, to uint32, mods []int64) (*expr, error) {
	inner := x
	switch to {
	case Numeric:
		prec, scale := int32(mods[0]), int32(0)
		if len(mods) > 1 {
			scale = int32(mods[1])
		}
		return &expr{typ: x.typ, name: x.name, eval: func(e *env) (any, error) {
			v, err := inner.eval(e)
			if err != nil || v == nil {
				return v, err
			}
			d, ok := v.(*apd.Decimal)
			if !ok {
				return v, nil
			}
			return numericTypmod(d, prec, scale)
		}}, nil
	case Varchar, BPChar:
		n := int(mods[0])
		return &expr{typ: x.typ, name: x.name, eval: func(e *env) (any, error) {
			v, err := inner.eval(e)
			if err != nil || v == nil {
				return v, err
			}
			s, ok := v.(string)
			if !ok {
				return v, nil
			}
			if r := []rune(s); len(r) > n {
				s = string(r[:n])
			}
			return s, nil
		}}, nil
	}
	return x, nil
}

func (c *compiler) compileCastTo(arg *expr, to uint32, name string) (*expr, error) {
	if arg.unknown() && arg.lit != nil {
		x, err := c.coerce(arg, to)
		if err != nil {
			return nil, err
		}
		x.name = TypeName(to)
		if to == Bool {
			x.name = "bool"
		}
		return x, nil
	}
	if arg.typ.OID == to {
		return arg, nil
	}
	x := c.castExpr(arg, to)
	if arg.name == "?column?" {
		x.name = TypeName(to)
	}
	if arg.unknown() {
		c.inferParam(arg, to)
	}
	return x, nil
}

// inferParam records the type an untyped parameter is used as.
func (c *compiler) inferParam(x *expr, t uint32) {
	for _, p := range c.pending {
		if p.x == x && (c.params[p.index] == 0 || c.params[p.index] == Unknown) {
			c.params[p.index] = t
		}
	}
}

func (c *compiler) compileColumnRef(cr *pg_query.ColumnRef, sc *scope) (*expr, error) {
	var parts []string
	for _, f := range cr.Fields {
		if f.GetAStar() != nil {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "* is only supported in a select list or count(*)")
		}
		parts = append(parts, strVal(f))
	}
	name := parts[len(parts)-1]
	qual, schema := "", ""
	if len(parts) >= 2 {
		qual = parts[len(parts)-2]
	}
	if len(parts) >= 3 {
		schema = parts[len(parts)-3]
	}
	if len(parts) == 4 {
		if db, ok := c.cat.(Database); ok && parts[0] != db.CurrentDatabase() {
			return nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "cross-database references are not implemented: %s", strings.Join(parts, "."))
		}
	}
	if len(parts) > 4 {
		return nil, sqlerr.Newf(sqlerr.SyntaxError, "improper qualified name (too many dotted names): %s", strings.Join(parts, "."))
	}
	depth := 0
	for s := sc; s != nil; s = s.parent {
		idx, err := s.lookupIn(schema, qual, name)
		if err != nil {
			return nil, err
		}
		if idx >= 0 {
			if c.refs != nil && s == c.refs.sc {
				c.refs.cols[idx] = true
			}
			col := s.cols[idx]
			d := depth
			ci := -1
			if d == 0 {
				ci = idx
			}
			return &expr{typ: col.typ, name: name, colIndex: ci, eval: func(e *env) (any, error) {
				for range d {
					e = e.outer
				}
				return e.row[idx], nil
			}}, nil
		}
		// A whole-row reference to a relation (e.g. "(result.keys)" needs a column,
		// but "t" alone names the row): not supported.
		depth++
	}
	full := strings.Join(parts, ".")
	return nil, sqlerr.Newf(sqlerr.UndefinedColumn, "column %s does not exist", full)
}

func (c *compiler) compileBoolExpr(b *pg_query.BoolExpr, sc *scope) (*expr, error) {
	args := make([]*expr, len(b.Args))
	for i, a := range b.Args {
		x, err := c.compileExpr(a, sc)
		if err != nil {
			return nil, err
		}
		if x, err = c.coerce(x, Bool); err != nil {
			return nil, err
		}
		args[i] = x
	}
	switch b.Boolop {
	case pg_query.BoolExprType_NOT_EXPR:
		a := args[0]
		return &expr{typ: Type{OID: Bool}, name: "?column?", eval: func(e *env) (any, error) {
			v, err := a.eval(e)
			if err != nil || v == nil {
				return nil, err
			}
			return !truthy(v), nil
		}}, nil
	case pg_query.BoolExprType_AND_EXPR, pg_query.BoolExprType_OR_EXPR:
		isAnd := b.Boolop == pg_query.BoolExprType_AND_EXPR
		return &expr{typ: Type{OID: Bool}, name: "?column?", eval: func(e *env) (any, error) {
			sawNull := false
			for _, a := range args {
				v, err := a.eval(e)
				if err != nil {
					return nil, err
				}
				if v == nil {
					sawNull = true
					continue
				}
				if truthy(v) != isAnd {
					return !isAnd, nil
				}
			}
			if sawNull {
				return nil, nil
			}
			return isAnd, nil
		}}, nil
	}
	return nil, sqlerr.New(sqlerr.FeatureNotSupported, "unknown boolean operator")
}

func (c *compiler) compileNullTest(nt *pg_query.NullTest, sc *scope) (*expr, error) {
	a, err := c.compileExpr(nt.Arg, sc)
	if err != nil {
		return nil, err
	}
	isNull := nt.Nulltesttype == pg_query.NullTestType_IS_NULL
	return &expr{typ: Type{OID: Bool}, name: "?column?", eval: func(e *env) (any, error) {
		v, err := a.eval(e)
		if err != nil {
			return nil, err
		}
		return (v == nil) == isNull, nil
	}}, nil
}

func (c *compiler) compileBooleanTest(bt *pg_query.BooleanTest, sc *scope) (*expr, error) {
	a, err := c.compileExpr(bt.Arg, sc)
	if err != nil {
		return nil, err
	}
	if a, err = c.coerce(a, Bool); err != nil {
		return nil, err
	}
	kind := bt.Booltesttype
	return &expr{typ: Type{OID: Bool}, name: "?column?", eval: func(e *env) (any, error) {
		v, err := a.eval(e)
		if err != nil {
			return nil, err
		}
		switch kind {
		case pg_query.BoolTestType_IS_TRUE:
			return v == true, nil
		case pg_query.BoolTestType_IS_NOT_TRUE:
			return v != true, nil
		case pg_query.BoolTestType_IS_FALSE:
			return v == false, nil
		case pg_query.BoolTestType_IS_NOT_FALSE:
			return v != false, nil
		case pg_query.BoolTestType_IS_UNKNOWN:
			return v == nil, nil
		default:
			return v != nil, nil
		}
	}}, nil
}

// commonType picks the result type of CASE/COALESCE/UNION branches: the first
// branch type that is not unknown, text when all are.
func commonType(xs []*expr) uint32 {
	for _, x := range xs {
		if x != nil && !x.unknown() {
			return x.typ.OID
		}
	}
	return Text
}

func (c *compiler) unify(xs []*expr) (Type, error) {
	t := commonType(xs)
	for i, x := range xs {
		if x == nil {
			continue
		}
		y, err := c.coerce(x, t)
		if err != nil {
			return Type{}, err
		}
		xs[i] = y
	}
	for _, x := range xs {
		if x != nil && x.typ.OID == t {
			return x.typ, nil
		}
	}
	return Type{OID: t}, nil
}

func (c *compiler) compileCase(ce *pg_query.CaseExpr, sc *scope) (*expr, error) {
	var arg *expr
	var err error
	if ce.Arg != nil {
		if arg, err = c.compileExpr(ce.Arg, sc); err != nil {
			return nil, err
		}
	}
	conds := make([]*expr, len(ce.Args))
	results := make([]*expr, len(ce.Args)+1)
	for i, w := range ce.Args {
		cw := w.GetCaseWhen()
		cond, err := c.compileExpr(cw.Expr, sc)
		if err != nil {
			return nil, err
		}
		if arg != nil {
			cond, err = c.comparison("=", arg, cond)
		} else {
			cond, err = c.coerce(cond, Bool)
		}
		if err != nil {
			return nil, err
		}
		conds[i] = cond
		if results[i], err = c.compileExpr(cw.Result, sc); err != nil {
			return nil, err
		}
	}
	if ce.Defresult != nil {
		if results[len(ce.Args)], err = c.compileExpr(ce.Defresult, sc); err != nil {
			return nil, err
		}
	}
	t, err := c.unify(results)
	if err != nil {
		return nil, err
	}
	def := results[len(ce.Args)]
	return &expr{typ: t, name: "case", eval: func(e *env) (any, error) {
		for i, cond := range conds {
			v, err := cond.eval(e)
			if err != nil {
				return nil, err
			}
			if truthy(v) {
				return results[i].eval(e)
			}
		}
		if def == nil {
			return nil, nil
		}
		return def.eval(e)
	}}, nil
}

func (c *compiler) compileCoalesce(args []*pg_query.Node, sc *scope, name string, pick func(a, b any) (bool, error)) (*expr, error) {
	xs := make([]*expr, len(args))
	for i, a := range args {
		x, err := c.compileExpr(a, sc)
		if err != nil {
			return nil, err
		}
		xs[i] = x
	}
	t, err := c.unify(xs)
	if err != nil {
		return nil, err
	}
	return &expr{typ: t, name: name, eval: func(e *env) (any, error) {
		var best any
		for _, x := range xs {
			v, err := x.eval(e)
			if err != nil {
				return nil, err
			}
			if v == nil {
				continue
			}
			if pick == nil {
				return v, nil
			}
			if best == nil {
				best = v
			} else if better, err := pick(v, best); err != nil {
				return nil, err
			} else if better {
				best = v
			}
		}
		return best, nil
	}}, nil
}

func (c *compiler) compileMinMax(m *pg_query.MinMaxExpr, sc *scope) (*expr, error) {
	greatest := m.Op == pg_query.MinMaxOp_IS_GREATEST
	name := "least"
	if greatest {
		name = "greatest"
	}
	return c.compileCoalesce(m.Args, sc, name, func(a, b any) (bool, error) {
		r, err := compareValues(a, b)
		return (greatest && r > 0) || (!greatest && r < 0), err
	})
}

func (c *compiler) compileSQLValueFunction(f *pg_query.SQLValueFunction) (*expr, error) {
	var fn string
	switch f.Op {
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_USER, pg_query.SQLValueFunctionOp_SVFOP_CURRENT_ROLE,
		pg_query.SQLValueFunctionOp_SVFOP_USER:
		fn = "current_user"
	case pg_query.SQLValueFunctionOp_SVFOP_SESSION_USER:
		fn = "session_user"
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_CATALOG:
		fn = "current_database"
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_SCHEMA:
		fn = "current_schema"
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_DATE:
		fn = "current_date"
	case pg_query.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP, pg_query.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP_N:
		fn = "localtimestamp"
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIME, pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIME_N,
		pg_query.SQLValueFunctionOp_SVFOP_LOCALTIME, pg_query.SQLValueFunctionOp_SVFOP_LOCALTIME_N:
		fn = "localtime"
	default:
		fn = "now"
	}
	x, err := c.callFunction(fn, nil)
	if err != nil {
		return nil, err
	}
	x.name = strings.TrimSuffix(strings.TrimPrefix(strings.ToLower(f.Op.String()), "svfop_"), "_n")
	if fn == "current_database" {
		x.name = "current_catalog"
	}
	return x, nil
}

func (c *compiler) compileArray(elems []*pg_query.Node, sc *scope) (*expr, error) {
	xs := make([]*expr, len(elems))
	for i, el := range elems {
		x, err := c.compileExpr(el, sc)
		if err != nil {
			return nil, err
		}
		xs[i] = x
	}
	t, err := c.unify(xs)
	if err != nil {
		return nil, err
	}
	return &expr{typ: Type{OID: ArrayOf(t.OID)}, name: "array", eval: func(e *env) (any, error) {
		out := make([]any, len(xs))
		for i, x := range xs {
			v, err := x.eval(e)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}}, nil
}

func (c *compiler) compileRow(args []*pg_query.Node, sc *scope) (*expr, error) {
	xs := make([]*expr, len(args))
	t := Type{OID: Record_}
	for i, a := range args {
		x, err := c.compileExpr(a, sc)
		if err != nil {
			return nil, err
		}
		xs[i] = x
		t.Fields = append(t.Fields, Field{Name: "f" + strconv.Itoa(i+1), Type: finalType(x.typ)})
	}
	return &expr{typ: t, name: "row", eval: func(e *env) (any, error) {
		out := make(Record, len(xs))
		for i, x := range xs {
			v, err := x.eval(e)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}}, nil
}

func (c *compiler) compileIndirection(ind *pg_query.A_Indirection, sc *scope) (*expr, error) {
	x, err := c.compileExpr(ind.Arg, sc)
	if err != nil {
		return nil, err
	}
	for _, step := range ind.Indirection {
		switch {
		case step.GetAIndices() != nil:
			if x, err = c.subscript(x, step.GetAIndices(), sc); err != nil {
				return nil, err
			}
		case step.GetString_() != nil:
			field := strVal(step)
			idx := -1
			for i, f := range x.typ.Fields {
				if f.Name == field {
					idx = i
				}
			}
			if idx < 0 {
				return nil, sqlerr.Newf(sqlerr.UndefinedColumn, "could not identify column %q in record data type", field)
			}
			inner := x
			x = &expr{typ: x.typ.Fields[idx].Type, name: field, eval: func(e *env) (any, error) {
				v, err := inner.eval(e)
				if err != nil || v == nil {
					return nil, err
				}
				return v.(Record)[idx], nil
			}}
		default:
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "unsupported indirection")
		}
	}
	return x, nil
}

func (c *compiler) subscript(x *expr, ai *pg_query.A_Indices, sc *scope) (*expr, error) {
	if ai.IsSlice {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "array slices are not supported")
	}
	if x.unknown() {
		var err error
		if x, err = c.coerce(x, TextArr); err != nil {
			return nil, err
		}
	}
	elem := ElemOf(x.typ.OID)
	if elem == 0 {
		return nil, sqlerr.Newf(sqlerr.DatatypeMismatch, "cannot subscript type %s because it does not support subscripting", TypeName(x.typ.OID))
	}
	idx, err := c.compileExpr(ai.Uidx, sc)
	if err != nil {
		return nil, err
	}
	if idx, err = c.coerce(idx, Int4); err != nil {
		return nil, err
	}
	lower := int64(1)
	if x.typ.OID == Int2Vector || x.typ.OID == OIDVector {
		lower = 0
	}
	arr := x
	return &expr{typ: Type{OID: elem}, name: x.name, eval: func(e *env) (any, error) {
		a, err := arr.eval(e)
		if err != nil || a == nil {
			return nil, err
		}
		i, err := idx.eval(e)
		if err != nil || i == nil {
			return nil, err
		}
		n, ok := i.(int64)
		if !ok {
			return nil, sqlerr.New(sqlerr.DatatypeMismatch, "array subscript must have type integer")
		}
		list := a.([]any)
		n -= lower
		if n < 0 || n >= int64(len(list)) {
			return nil, nil
		}
		return list[n], nil
	}}, nil
}

// arith applies an arithmetic operator to non-nil numbers.
func arith(op string, a, b any) (any, error) {
	_, aDec := a.(*apd.Decimal)
	_, bDec := b.(*apd.Decimal)
	if aDec || bDec {
		_, af := a.(float64)
		_, bf := b.(float64)
		if !af && !bf {
			x, ok1 := toDecimal(a)
			y, ok2 := toDecimal(b)
			if ok1 && ok2 {
				return decArith(op, x, y)
			}
		}
		if aDec {
			f, _ := a.(*apd.Decimal).Float64()
			a = f
		}
		if bDec {
			f, _ := b.(*apd.Decimal).Float64()
			b = f
		}
	}
	ai, aInt := a.(int64)
	bi, bInt := b.(int64)
	if aInt && bInt {
		switch op {
		case "+":
			return fitBigint(types.AddInt64(ai, bi))
		case "-":
			return fitBigint(types.SubInt64(ai, bi))
		case "*":
			return fitBigint(types.MulInt64(ai, bi))
		case "/", "%":
			if bi == 0 {
				return nil, sqlerr.New(sqlerr.DivisionByZero, "division by zero")
			}
			if op == "/" {
				return fitBigint(types.DivInt64(ai, bi))
			}
			return ai % bi, nil
		case "&":
			return ai & bi, nil
		case "|":
			return ai | bi, nil
		case "#":
			return ai ^ bi, nil
		case "<<":
			return ai << uint(bi), nil
		case ">>":
			return ai >> uint(bi), nil
		case "^":
			return math.Pow(float64(ai), float64(bi)), nil
		}
	}
	af, ok1 := toFloat(a)
	bf, ok2 := toFloat(b)
	if !ok1 || !ok2 {
		return nil, sqlerr.Newf(sqlerr.UndefinedFunction, "operator does not exist: %T %s %T", a, op, b)
	}
	switch op {
	case "+":
		return af + bf, nil
	case "-":
		return af - bf, nil
	case "*":
		return af * bf, nil
	case "/":
		if bf == 0 {
			return nil, sqlerr.New(sqlerr.DivisionByZero, "division by zero")
		}
		return af / bf, nil
	case "%":
		if bf == 0 {
			return nil, sqlerr.New(sqlerr.DivisionByZero, "division by zero")
		}
		return math.Mod(af, bf), nil
	case "^":
		return math.Pow(af, bf), nil
	}
	return nil, sqlerr.Newf(sqlerr.UndefinedFunction, "operator does not exist: %s", op)
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

func arithType(op string, l, r uint32) uint32 {
	switch {
	case op == "^":
		return Float8
	case l == Float8 || r == Float8 || l == Float4 || r == Float4:
		return Float8
	case l == Numeric || r == Numeric:
		return Numeric
	case l == Int8 || r == Int8:
		return Int8
	case l == Int2 && r == Int2:
		return Int2
	}
	return Int4
}

// fitBigint is an exact integer result, or PostgreSQL's error when it does
// not fit.
func fitBigint(v int64, ok bool) (any, error) {
	if !ok {
		return nil, sqlerr.New(sqlerr.NumericValueOutOfRange, "bigint out of range")
	}
	return v, nil
}
