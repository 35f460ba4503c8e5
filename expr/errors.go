package expr

import (
	"errors"
	"fmt"

	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// EvalError is a runtime failure while evaluating an expression for one row
// (division by zero, an unparsable string in a CAST, a bad function argument).
// ksqlDB writes such failures to the processing log and carries on with NULL;
// operators do the same when they see an *EvalError.
type EvalError struct {
	Message string
}

func (e *EvalError) Error() string { return e.Message }

func evalErrorf(format string, args ...any) *EvalError {
	return &EvalError{Message: fmt.Sprintf(format, args...)}
}

// isEvalError reports whether err is a per-row evaluation failure. ksqlDB's nested
// error handling turns such a failure inside a CAST, a function argument that is
// itself a call, or an element of an ARRAY/MAP/STRUCT constructor into NULL at
// that spot and goes on evaluating the enclosing expression. (ksqlDB also writes
// it to the processing log; an expression cannot reach the log yet, so these
// nested failures are not logged.)
func isEvalError(err error) bool {
	var ee *EvalError
	return errors.As(err, &ee)
}

// mismatch is the bind-time error for operands whose types do not fit an operator.
func mismatch(format string, args ...any) *sqlerr.Error {
	return sqlerr.Newf(sqlerr.DatatypeMismatch, format, args...)
}

// typeList renders argument types the way ksqlDB's error messages list them.
func typeList(ts []*types.Type) string {
	s := ""
	for i, t := range ts {
		if i > 0 {
			s += ", "
		}
		s += t.String()
	}
	return s
}

func exprTypes(es []Expr) []*types.Type {
	ts := make([]*types.Type, len(es))
	for i, e := range es {
		ts[i] = e.Type()
	}
	return ts
}
