package server

import (
	"context"
	"errors"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/sluice-db/sluice/sqlerr"
)

// errorResponse converts err, raised while running sql, into an ErrorResponse.
// Errors without a SQLSTATE become XX000. Positions are turned from sqlerr's byte
// offsets into the 1-based character positions the protocol specifies (psql puts its
// caret by counting characters).
func errorResponse(err error, sql string) *pgproto3.ErrorResponse {
	e := sqlerr.As(err)
	return &pgproto3.ErrorResponse{
		Severity:            "ERROR",
		SeverityUnlocalized: "ERROR",
		Code:                e.Code,
		Message:             e.Message,
		Detail:              e.Detail,
		Hint:                e.Hint,
		Position:            charPosition(sql, e.Position),
	}
}

// fatalResponse is an ErrorResponse after which the server closes the connection.
func fatalResponse(code, msg string) *pgproto3.ErrorResponse {
	return &pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: code, Message: msg}
}

// charPosition returns the 1-based character index of byte offset off in sql, or 0
// (field omitted) when off is negative.
func charPosition(sql string, off int) int32 {
	if off < 0 {
		return 0
	}
	off = min(off, len(sql))
	for off > 0 && off < len(sql) && !utf8.RuneStart(sql[off]) {
		off-- // inside a multi-byte character: point at the character itself
	}
	return int32(utf8.RuneCountInString(sql[:off]) + 1)
}

// statementError maps the error Session.Execute returned under ctx: the engine
// giving back ctx's own error after a CancelRequest is Postgres' 57014.
func statementError(ctx context.Context, err error) error {
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return sqlerr.New(sqlerr.QueryCanceled, "canceling statement due to user request")
	}
	return err
}
