// Package expr holds bound, typed scalar expressions and the function registry.
//
// The planner binds parser expressions into this package's Expr values by calling its
// constructors (NewColumn, NewBinary, NewCast, Registry.Call, ...). Constructors apply
// ksqlDB's typing rules (implicit widening INT -> BIGINT -> DECIMAL -> DOUBLE, DECIMAL
// precision/scale arithmetic, string concatenation with +) and return *sqlerr.Error
// with SQLSTATE 42804 (type mismatch) or 42883 (unknown function) on failure.
//
// Evaluation follows SQL null semantics: most operators return NULL (nil) when an
// operand is NULL. Runtime failures that ksqlDB turns into NULL plus a processing-log
// entry (division by zero on integers, bad casts) are reported as errors of type
// *EvalError so that the operator can log them and decide.
//
// Functions live in a Registry built explicitly by NewRegistry (one fn_*.go file per
// family, each with its register function). Lambda arguments are bound as ordinary
// expressions over the row extended by the lambda's parameters (columns W..W+k-1);
// a Lambda evaluates to a closure over a copy of the row, so Eval stays safe for
// concurrent use.
//
// This package never sees SQL text, the parser's AST or the catalog.
package expr
