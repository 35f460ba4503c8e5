package expr

import (
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// Table functions (ksqlDB's table-functions.md) return zero or more values per
// row: the query emits one row per value. They are registered like scalar
// functions, with overloads and implicit casts, but an overload's body returns
// the list of values ([]any) and its return type is the type of one value. They
// are bound only through TableCall; Call refuses them, since a table function is
// not a value of its row.

// cubeMaxColumns bounds CUBE_EXPLODE's input: it emits up to 2^n rows.
const cubeMaxColumns = 20

func registerTableFunctions(r *Registry) {
	tf := func(name, desc string, os ...*overload) {
		r.add(&function{name: name, category: "TABLE", description: desc, overloads: os, table: true})
	}
	arr := pg("input", "ARRAY<T>", isArray)
	elemOf := func(args []Expr) ([]Expr, *types.Type, error) {
		t := args[0].Type()
		if t.Kind == types.KindUnknown {
			return nil, nil, mismatch("cannot infer the array type of a NULL argument")
		}
		return args, t.Elem, nil
	}
	tf("EXPLODE", "Explodes an array: one row for each element of the array, in order. A NULL or empty array gives no row.",
		&overload{params: []param{arr}, bind: elemOf, retDoc: "T", fn: func(a []any) (any, error) { return a[0].([]any), nil }})
	tf("CUBE_EXPLODE", "Takes an array of columns and outputs every combination of them (each element kept or NULL): 2^n rows for n elements; combinations that differ only at an element that is already NULL are emitted once.",
		&overload{params: []param{arr}, bind: sameAsArg(0), retDoc: "ARRAY<T>", fn: func(a []any) (any, error) { return cube(a[0].([]any)) }})
}

// cube lists every combination of cols, each element either kept or NULL, in
// ksqlDB's order: the combination number counts up from 0 (all NULL) to 2^n-1
// (all kept), its highest bit standing for the first element. A combination that
// keeps an element that is NULL duplicates one that does not, and is skipped.
func cube(cols []any) ([]any, error) {
	n := len(cols)
	if n > cubeMaxColumns {
		return nil, evalErrorf("CUBE_EXPLODE input size (%d) exceeds the maximum of %d columns. The output cardinality is 2^N rows and would exhaust server memory.", n, cubeMaxColumns)
	}
	present := 0
	for i, v := range cols {
		if v != nil {
			present |= 1 << (n - 1 - i)
		}
	}
	out := make([]any, 0, 1<<n)
	for mask := 0; mask < 1<<n; mask++ {
		if mask&present != mask {
			continue
		}
		row := make([]any, n)
		for i := range cols {
			if mask&(1<<(n-1-i)) != 0 {
				row[i] = cols[i]
			}
		}
		out = append(out, row)
	}
	return out, nil
}

// IsTableFunction reports whether name (upper case) is a table function.
func (r *Registry) IsTableFunction(name string) bool {
	f, ok := r.funcs[name]
	return ok && f.table
}

// TableCall is a bound table function call: Values evaluates it for one row.
// It is not an Expr: its result is a set of rows, which the flat-map operator
// zips into the query's rows (see plan.FlatMap).
type TableCall struct {
	call *Call
}

// TableCall binds a table function call name(args...) with the rules of Call.
func (r *Registry) TableCall(name string, args []Expr) (*TableCall, error) {
	f, ok := r.funcs[name]
	if !ok || !f.table {
		return nil, sqlerr.Newf(sqlerr.UndefinedFunction, "%s is not a table function", name)
	}
	e, err := r.resolve(f, args)
	if err != nil {
		return nil, err
	}
	return &TableCall{call: e.(*Call)}, nil
}

// Name is the function's name.
func (t *TableCall) Name() string { return t.call.Name }

// Args are the bound arguments, over the input row.
func (t *TableCall) Args() []Expr { return t.call.Args }

// Type is the type of one value the call returns.
func (t *TableCall) Type() *types.Type { return t.call.T }

func (t *TableCall) String() string {
	return t.call.Name + "(" + joinExprs(t.call.Args) + ")"
}

// Values returns the call's values for row. A NULL argument gives no value. An
// argument or the function that fails gives no value and the error, which the
// caller writes to the processing log (ksqlDB's TableFunctionApplier).
func (t *TableCall) Values(row []any) ([]any, error) {
	v, err := t.call.Eval(row)
	if err != nil {
		return nil, err
	}
	list, _ := v.([]any)
	return list, nil
}

// tableFunctionMisuse is the error of a table function bound as a scalar.
func tableFunctionMisuse(name string) *sqlerr.Error {
	return sqlerr.Newf(sqlerr.FeatureNotSupported,
		"Table function %s can only be used in the SELECT list of a query over a stream", name)
}
