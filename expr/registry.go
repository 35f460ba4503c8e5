package expr

import (
	"sort"
	"strings"

	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// Config selects behaviour that differs between ksqlDB versions or settings.
type Config struct {
	// SubstringLegacyArgs selects the pre-5.1 SUBSTRING(str, start0, end0)
	// semantics (ksql.functions.substring.legacy.args).
	SubstringLegacyArgs bool
}

// Registry holds the scalar functions. It is built once by NewRegistry and is
// read-only afterwards, so it may be shared by concurrent binders.
type Registry struct {
	cfg   Config
	funcs map[string]*function
}

// FunctionDoc describes a function for SHOW FUNCTIONS and DESCRIBE FUNCTION.
type FunctionDoc struct {
	Name        string
	Category    string
	Description string
	Signatures  []SignatureDoc
}

// SignatureDoc is one overload: parameters and return type as ksqlDB prints them.
type SignatureDoc struct {
	Params  []string // e.g. "input VARCHAR", "values ARRAY<T>"
	Returns string
}

// evalFn computes a function from its evaluated arguments.
type evalFn func(args []any) (any, error)

// function is one named function with its overloads, tried in order.
type function struct {
	name, category, description string
	overloads                   []*overload
	// nondeterministic functions (RANDOM, UUID) are never constant-folded.
	nondeterministic bool
	// lambdaParams gives the parameter types of the lambda at argIndex.
	lambdaParams func(argIndex int, args []Expr) ([]*types.Type, error)
	// table functions return a list of values per row (see fn_table.go).
	table bool
}

// overload is one signature. Params are matched against the argument types; a
// concrete param type coerces its argument implicitly, a generic one (match set)
// takes it as is. bind, when set, validates generic arguments, may rewrite them
// and computes the return type; otherwise ret is the return type.
type overload struct {
	params   []param
	variadic bool // the last param repeats zero or more times
	ret      *types.Type
	retDoc   string
	bind     func(args []Expr) ([]Expr, *types.Type, error)
	fn       evalFn
	// mk builds the evaluator from the bound argument and return types, for
	// functions whose evaluation depends on them (DECIMAL scale, element types).
	mk func(args []*types.Type, ret *types.Type) evalFn
	// nullable: fn sees NULL arguments; otherwise any NULL argument gives NULL.
	nullable bool
}

type param struct {
	name   string
	t      *types.Type
	match  func(*types.Type) bool
	doc    string
	lambda bool
}

func (p param) String() string {
	d := p.doc
	if d == "" && p.t != nil {
		d = p.t.String()
	}
	return p.name + " " + d
}

// NewRegistry builds the registry with every built-in scalar function.
func NewRegistry(cfg Config) *Registry {
	r := &Registry{cfg: cfg, funcs: map[string]*function{}}
	registerNullFunctions(r)
	registerStringFunctions(r)
	registerMathFunctions(r)
	registerCollectionFunctions(r)
	registerLambdaFunctions(r)
	registerJSONFunctions(r)
	registerDateTimeFunctions(r)
	registerURLFunctions(r)
	registerBytesFunctions(r)
	registerTableFunctions(r)
	return r
}

func (r *Registry) add(f *function) { r.funcs[f.name] = f }

// Has reports whether name (upper case) is a scalar or table function.
func (r *Registry) Has(name string) bool { _, ok := r.funcs[name]; return ok }

// Functions lists every function, sorted by name.
func (r *Registry) Functions() []FunctionDoc {
	out := make([]FunctionDoc, 0, len(r.funcs))
	for _, f := range r.funcs {
		d := FunctionDoc{Name: f.name, Category: f.category, Description: f.description}
		for _, o := range f.overloads {
			s := SignatureDoc{Returns: o.retDoc}
			if s.Returns == "" && o.ret != nil {
				s.Returns = o.ret.String()
			}
			for i, p := range o.params {
				txt := p.String()
				if o.variadic && i == len(o.params)-1 {
					txt += "[]"
				}
				s.Params = append(s.Params, txt)
			}
			d.Signatures = append(d.Signatures, s)
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LambdaParamTypes tells the binder the types of the parameters of the lambda
// that is argument argIndex of function name, given the arguments bound before it.
func (r *Registry) LambdaParamTypes(name string, argIndex int, boundArgsSoFar []Expr) ([]*types.Type, error) {
	f, ok := r.funcs[name]
	if !ok {
		return nil, unknownFunction(name)
	}
	if f.lambdaParams == nil {
		return nil, mismatch("function %s does not take a lambda", name)
	}
	return f.lambdaParams(argIndex, boundArgsSoFar)
}

func unknownFunction(name string) *sqlerr.Error {
	return sqlerr.Newf(sqlerr.UndefinedFunction, "Can't find any functions with the name '%s'", name)
}

// Call binds name(args...): it picks the first overload whose parameters accept
// the argument types exactly, else the first one they coerce to implicitly.
func (r *Registry) Call(name string, args []Expr) (Expr, error) {
	f, ok := r.funcs[name]
	if !ok {
		return nil, unknownFunction(name)
	}
	if f.table {
		return nil, tableFunctionMisuse(name)
	}
	return r.resolve(f, args)
}

// resolve picks f's overload for args and binds it.
func (r *Registry) resolve(f *function, args []Expr) (Expr, error) {
	name := f.name
	for _, exact := range []bool{true, false} {
		for _, o := range f.overloads {
			if !o.accepts(args, exact) {
				continue
			}
			return o.build(f, args)
		}
	}
	return nil, sqlerr.Newf(sqlerr.UndefinedFunction,
		"Function '%s' does not accept parameters (%s).", name, typeList(exprTypes(args))).
		WithHint("Valid alternatives are:\n" + strings.Join(signatureLines(f), "\n"))
}

func signatureLines(f *function) []string {
	var out []string
	for _, o := range f.overloads {
		ps := make([]string, len(o.params))
		for i, p := range o.params {
			ps[i] = p.String()
		}
		out = append(out, f.name+"("+strings.Join(ps, ", ")+")")
	}
	return out
}

func (o *overload) paramAt(i int) param {
	if i >= len(o.params) {
		return o.params[len(o.params)-1]
	}
	return o.params[i]
}

func (o *overload) accepts(args []Expr, exact bool) bool {
	n := len(o.params)
	if o.variadic {
		if len(args) < n-1 {
			return false
		}
	} else if len(args) != n {
		return false
	}
	for i, a := range args {
		p := o.paramAt(i)
		_, isLambda := a.(*Lambda)
		if isLambda != p.lambda {
			return false
		}
		t := a.Type()
		switch {
		case p.lambda:
		case t.Kind == types.KindUnknown:
		case p.match != nil:
			if !p.match(t) {
				return false
			}
		case exact:
			if !t.Equal(p.t) {
				return false
			}
		default:
			if _, ok := implicitConverter(t, p.t, IsConstant(a)); !ok {
				return false
			}
		}
	}
	return true
}

func (o *overload) build(f *function, args []Expr) (Expr, error) {
	bound := make([]Expr, len(args))
	for i, a := range args {
		p := o.paramAt(i)
		if p.t != nil {
			c, err := ImplicitCast(a, p.t)
			if err != nil {
				return nil, err
			}
			bound[i] = c
		} else {
			bound[i] = a
		}
	}
	// ksqlDB's nested error handling: an argument that is itself a call, a struct
	// field or a conversion evaluates to NULL when it fails, and the call goes on.
	var recoverArgs []bool
	for i, a := range args {
		switch a.(type) {
		case *Call, *Deref, *Cast:
		default:
			if bound[i] == a {
				continue
			}
		}
		if recoverArgs == nil {
			recoverArgs = make([]bool, len(args))
		}
		recoverArgs[i] = true
	}
	ret := o.ret
	if o.bind != nil {
		var err error
		if bound, ret, err = o.bind(bound); err != nil {
			return nil, err
		}
	}
	fn := o.fn
	if o.mk != nil {
		fn = o.mk(exprTypes(bound), ret)
	}
	if len(bound) != len(args) {
		recoverArgs = nil // bind rewrote the argument list
	}
	return &Call{Name: f.name, Args: bound, T: ret, fn: fn, nullable: o.nullable, deterministic: !f.nondeterministic, recoverArgs: recoverArgs}, nil
}

// Call is a bound function call.
type Call struct {
	Name          string
	Args          []Expr
	T             *types.Type
	fn            evalFn
	nullable      bool
	deterministic bool
	// recoverArgs marks arguments whose *EvalError becomes a NULL argument.
	recoverArgs []bool
}

func (c *Call) Type() *types.Type { return c.T }

func (c *Call) Eval(row []any) (any, error) {
	var buf [4]any
	vals := buf[:0]
	if len(c.Args) > len(buf) {
		vals = make([]any, 0, len(c.Args))
	}
	for i, a := range c.Args {
		v, err := a.Eval(row)
		if err != nil {
			if i >= len(c.recoverArgs) || !c.recoverArgs[i] || !isEvalError(err) {
				return nil, err
			}
			v = nil
		}
		if v == nil && !c.nullable {
			return nil, nil
		}
		vals = append(vals, v)
	}
	return c.fn(vals)
}

func (c *Call) String() string { return c.Name + "(" + joinExprs(c.Args) + ")" }

func (c *Call) children() []Expr { return c.Args }
