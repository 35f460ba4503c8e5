package aggregate

import (
	"sort"
	"strings"

	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// Func is an aggregate function bound to its argument types.
type Func struct {
	Name   string
	Result *types.Type
	// Intermediate is the type ksqlDB gives the state (AVG's STRUCT<SUM, COUNT>,
	// TOPK's ARRAY), for checks such as whether a value format can hold it
	// (DELIMITED holds no ARRAY, MAP or STRUCT). Nil when it is Result.
	Intermediate *types.Type
	// Init returns the state of an empty group.
	Init func() any
	// Add folds one row's argument values into state and returns the new state.
	// It may modify state in place.
	Add func(state any, args []any) any
	// Undo removes one row's argument values from state, for aggregations over
	// tables, where an update retracts the old row. Nil when the function cannot.
	Undo func(state any, args []any) any
	// Merge combines the states of two session windows being merged. Nil when the
	// function cannot.
	Merge func(a, b any) any
	// Final turns a state into the function's result, or reports that the
	// result does not fit its type (an INT or BIGINT sum beyond its range).
	Final func(state any) (any, error)
}

// Config holds the settings some aggregates read.
type Config struct {
	CollectListLimit int // ksql.functions.collect_list.limit; 0 for none
	CollectSetLimit  int // ksql.functions.collect_set.limit; 0 for none
}

// Call describes the arguments of one aggregate call: the types of the column
// arguments, and the values of the trailing constant arguments (TOPK's k,
// LATEST_BY_OFFSET's n), which are parameters rather than per-row inputs.
type Call struct {
	Args   []*types.Type
	Consts []any
	// FromTable is set when the aggregation reads a table, whose updates
	// retract old rows: a function may then keep a state it can undo.
	FromTable bool
}

// definition builds a Func for a call or reports why the call is invalid.
type definition struct {
	name        string
	description string
	signatures  []string
	// consts is how many trailing arguments may be constants (parameters).
	maxConsts int
	build     func(cfg Config, c Call) (*Func, error)
}

// Registry resolves aggregate calls.
type Registry struct {
	cfg  Config
	defs map[string]*definition
}

// NewRegistry returns the registry of every aggregate function.
func NewRegistry(cfg Config) *Registry {
	r := &Registry{cfg: cfg, defs: map[string]*definition{}}
	for _, d := range builtins() {
		r.defs[d.name] = d
	}
	return r
}

// Has reports whether name (upper case) is an aggregate function.
func (r *Registry) Has(name string) bool { _, ok := r.defs[name]; return ok }

// MaxConsts returns how many trailing arguments of name are parameters.
func (r *Registry) MaxConsts(name string) int { return r.defs[name].maxConsts }

// Resolve binds name to the argument types and constants of a call.
func (r *Registry) Resolve(name string, c Call) (*Func, error) {
	d, ok := r.defs[name]
	if !ok {
		return nil, sqlerr.Newf(sqlerr.UndefinedFunction, "Can't find any functions with the name '%s'", name)
	}
	f, err := d.build(r.cfg, c)
	if err != nil {
		return nil, err
	}
	f.Name = name
	return f, nil
}

// Doc describes one aggregate function for SHOW FUNCTIONS and DESCRIBE FUNCTION.
type Doc struct {
	Name        string
	Description string
	Signatures  []string
}

// Functions lists every aggregate function, sorted by name.
func (r *Registry) Functions() []Doc {
	out := make([]Doc, 0, len(r.defs))
	for _, d := range r.defs {
		out = append(out, Doc{Name: d.name, Description: d.description, Signatures: d.signatures})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// noSignature is the error for argument types a function does not take.
func noSignature(name string, c Call) error {
	ts := make([]string, len(c.Args))
	for i, t := range c.Args {
		ts[i] = t.String()
	}
	return sqlerr.Newf(sqlerr.UndefinedFunction, "Function '%s' does not accept parameters (%s).", name, strings.Join(ts, ", "))
}
