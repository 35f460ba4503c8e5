package pgeval

import (
	"context"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/sluice-db/sluice/sqlerr"
)

// Column is a named, typed column of a relation or result.
type Column struct {
	Name string
	Type Type
}

// Relation is an in-memory relation. Rows hold values in this package's
// representation (see the package documentation) and must not be modified once
// handed to the evaluator.
type Relation struct {
	Columns []Column
	Rows    [][]any
	// OID, when set, is the value of the relation's tableoid system column.
	OID int64
	// Schema is the relation's schema, which three-part column references
	// (schema.table.column) must name.
	Schema string
	// Hidden is the number of trailing Columns that are system columns: they
	// resolve by name but are left out of * (Sluice's rowtime).
	Hidden int
	// Load, when set, produces the rows instead of Rows: it is called at most once
	// per Run, when the statement first reads the relation (Sluice's streams and
	// tables are read this way, so a statement reads one snapshot of each).
	Load func() ([][]any, error)
	// Lookup, when set beside Load, reads only the rows whose column KeyColumn
	// equals key (a point read in a table's state store). It is used for a WHERE
	// conjunct fixing that column to a value known before the scan.
	Lookup    func(key any) ([][]any, error)
	KeyColumn int
}

// Database is implemented by catalogs that know the current database, so that
// three-part relation names (db.schema.table) can be checked against it.
type Database interface {
	CurrentDatabase() string
}

// Catalog is what statements are bound against. Implementations decide which
// relations and functions exist; the evaluator supplies the generic SQL functions
// (string, array, aggregate and set-returning ones) and looks up the others here.
type Catalog interface {
	Names
	// Relation returns schema.name; schema is "" for an unqualified name. It returns
	// an error with SQLSTATE 42P01 when there is no such relation.
	Relation(schema, name string) (*Relation, error)
	// Function returns the function name (lower case, schema dropped), or nil to
	// fall back to the evaluator's built-in functions.
	Function(name string) *Func
}

// Func is a scalar or set-returning function.
type Func struct {
	// Ret is the result type, unless Return computes it from the argument types.
	Ret    uint32
	Return func(args []Type) Type
	// Args are the declared argument types: string literals passed in these
	// positions are converted to them (the remaining ones stay text).
	Args []uint32
	// MinArgs and MaxArgs bound the argument count; MaxArgs < 0 means no bound.
	MinArgs, MaxArgs int
	// NonStrict functions are called with NULL arguments; strict ones (the default)
	// return NULL when any argument is NULL.
	NonStrict bool
	// Eval computes a scalar function.
	Eval func(ctx *Ctx, args []any) (any, error)
	// Set computes a set-returning function: one value (a Record for functions of
	// record type) per row.
	Set func(ctx *Ctx, args []any) ([]any, error)
}

// Ctx is what functions may use while a statement runs.
type Ctx struct {
	Names Names
	// Context is the statement's: it ends on a cancel request or at
	// statement_timeout, and functions that wait (pg_sleep) stop with it.
	Context context.Context
}

// Result is a statement's output.
type Result struct {
	Columns []Column
	Rows    [][]any
}

// Statement is a compiled SELECT, ready to run any number of times.
type Statement struct {
	sel    *compiledSelect
	params []uint32
	cat    Catalog
}

// Compile binds sel against cat. paramTypes are the types the client declared for
// $1..$n (0 or missing: to be inferred).
func Compile(cat Catalog, funcs *Functions, sel *pg_query.SelectStmt, paramTypes []uint32) (_ *Statement, err error) {
	defer recoverInternal(&err)
	c := &compiler{cat: cat, funcs: funcs, params: append([]uint32(nil), paramTypes...), ctes: map[string]*cteDef{}}
	cs, err := c.compileSelect(sel, nil)
	if err != nil {
		return nil, err
	}
	return &Statement{sel: cs, params: c.params, cat: cat}, nil
}

// Columns returns the statement's result columns.
func (s *Statement) Columns() []Column { return s.sel.cols }

// ParamTypes returns the types of $1..$n: declared, inferred from context, or text.
func (s *Statement) ParamTypes() []uint32 {
	out := make([]uint32, len(s.params))
	for i, t := range s.params {
		if t == 0 || t == Unknown {
			t = Text
		}
		out[i] = t
	}
	return out
}

// Run executes the statement. params are the values of $1..$n in this package's
// representation (strings for parameters sent as text). reg* values in the result
// are replaced by the names they refer to, as Postgres prints them. The row
// loops stop with ctx's error when ctx ends (a cancel request, a
// statement_timeout).
func (s *Statement) Run(ctx context.Context, params []any) (_ *Result, err error) {
	defer recoverInternal(&err)
	rc := &runCtx{params: params, regex: regexCache{}, ctx: &Ctx{Names: s.cat, Context: ctx}}
	if len(params) < len(s.params) {
		return nil, sqlerr.Newf(sqlerr.ProtocolViolation, "statement has %d parameters, %d given", len(s.params), len(params))
	}
	rows, err := s.sel.run(&env{rc: rc})
	if err != nil {
		return nil, err
	}
	for i, col := range s.sel.cols {
		if !isReg(col.Type.OID) {
			continue
		}
		for _, r := range rows {
			if r[i] != nil {
				r[i] = formatText(s.cat, r[i], col.Type.OID)
			}
		}
	}
	return &Result{Columns: s.sel.cols, Rows: rows}, nil
}

// runCtx is the state of one Run.
type runCtx struct {
	params []any
	regex  regexCache
	ctx    *Ctx
	loaded map[*Relation][][]any
	// steps counts the rows the loops have handled, to look at the
	// statement's context every checkEvery of them.
	steps int
}

// checkEvery is how many rows a statement handles between looks at whether it
// was cancelled: often enough to stop within milliseconds, rarely enough to
// cost nothing.
const checkEvery = 1024

// step counts one row handled by a loop and reports the statement's context
// error when it has ended.
func (rc *runCtx) step() error {
	rc.steps++
	if rc.steps%checkEvery != 0 {
		return nil
	}
	return rc.ctx.Context.Err()
}

// rows returns rel's rows, loading them once per Run.
func (rc *runCtx) rows(rel *Relation) ([][]any, error) {
	if rel.Load == nil {
		return rel.Rows, nil
	}
	if rows, ok := rc.loaded[rel]; ok {
		return rows, nil
	}
	rows, err := rel.Load()
	if err != nil {
		return nil, err
	}
	if rc.loaded == nil {
		rc.loaded = map[*Relation][][]any{}
	}
	rc.loaded[rel] = rows
	return rows, nil
}

// env is the evaluation environment of one row: its values, the slots computed for
// it (aggregates, window functions, set-returning function outputs) and the
// environment of the enclosing query's current row.
type env struct {
	row   []any
	slots []any
	outer *env
	rc    *runCtx
}

func (e *env) child(row []any, slots []any) *env {
	return &env{row: row, slots: slots, outer: e, rc: e.rc}
}

// recoverInternal turns a panic (an evaluator bug, such as a value of an
// unexpected Go type reaching a function) into an internal error for the client,
// so that one bad catalog query cannot take the connection down.
func recoverInternal(err *error) {
	if r := recover(); r != nil {
		*err = sqlerr.Newf(sqlerr.InternalError, "internal error evaluating catalog query: %v", r)
	}
}
