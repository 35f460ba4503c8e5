package sqlerr

import (
	"errors"
	"fmt"
)

// SQLSTATE codes used by Sluice. Names follow Postgres' errcodes.txt.
const (
	SyntaxError                  = "42601"
	UndefinedTable               = "42P01"
	UndefinedColumn              = "42703"
	UndefinedFunction            = "42883"
	DatatypeMismatch             = "42804"
	DuplicateTable               = "42P07"
	DuplicateColumn              = "42701"
	DuplicateObject              = "42710"
	AmbiguousColumn              = "42702"
	InvalidParameterValue        = "22023"
	InvalidTextRepresentation    = "22P02"
	DivisionByZero               = "22012"
	NumericValueOutOfRange       = "22003"
	DataException                = "22000"
	FeatureNotSupported          = "0A000"
	ObjectInUse                  = "55006"
	UndefinedObject              = "42704"
	InvalidObjectDefinition      = "42P17"
	QueryCanceled                = "57014"
	InternalError                = "XX000"
	ProtocolViolation            = "08P01"
	InvalidName                  = "42602"
	InsufficientPrivilege        = "42501"
	ConnectionFailure            = "08006"
	ObjectNotInPrerequisiteState = "55000"
	ProgramLimitExceeded         = "54000"
	OutOfMemory                  = "53200"
	GroupingError                = "42803"
	WrongObjectType              = "42809"
	NullValueNotAllowed          = "22004"
	// AssertFailure is a failed ASSERT TOPIC or ASSERT SCHEMA (Postgres'
	// assert_failure, of PL/pgSQL's ASSERT).
	AssertFailure = "P0004"
)

// Error is an error with a SQLSTATE. Position is a 0-based byte offset into the
// statement text the user sent, or -1 when unknown.
type Error struct {
	Code     string
	Message  string
	Detail   string
	Hint     string
	Position int
	cause    error
}

func (e *Error) Error() string { return e.Message }

// Unwrap returns the wrapped cause, if any.
func (e *Error) Unwrap() error { return e.cause }

// New returns an error with the given SQLSTATE and no position.
func New(code, msg string) *Error { return &Error{Code: code, Message: msg, Position: -1} }

// Newf is New with formatting.
func Newf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Position: -1}
}

// Wrap returns an error with the given SQLSTATE whose message is msg: cause.
func Wrap(code string, cause error, msg string) *Error {
	return &Error{Code: code, Message: msg + ": " + cause.Error(), Position: -1, cause: cause}
}

// WithPosition returns a copy of e pointing at byte offset pos.
func (e *Error) WithPosition(pos int) *Error {
	c := *e
	c.Position = pos
	return &c
}

// WithDetail returns a copy of e with a detail line.
func (e *Error) WithDetail(d string) *Error { c := *e; c.Detail = d; return &c }

// WithHint returns a copy of e with a hint saying what to do.
func (e *Error) WithHint(h string) *Error { c := *e; c.Hint = h; return &c }

// As extracts an *Error from err's chain. Errors without a SQLSTATE become
// internal errors (XX000) carrying err's message.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: InternalError, Message: err.Error(), Position: -1, cause: err}
}

// CodeOf returns the SQLSTATE of err, XX000 when it has none.
func CodeOf(err error) string { return As(err).Code }
