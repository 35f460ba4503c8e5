package expr

import "github.com/sluice-db/sluice/types"

// Expr is a bound expression. Eval must not retain or modify row; it may be called
// concurrently from several goroutines (one per partition), so implementations keep
// no mutable state.
type Expr interface {
	Type() *types.Type
	// Eval computes the value for one row laid out as the planner bound it.
	Eval(row []any) (any, error)
	// String renders the expression in ksqlDB's SQL form, for EXPLAIN and for
	// deriving default column names.
	String() string
}
