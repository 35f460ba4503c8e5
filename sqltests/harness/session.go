package harness

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/jackc/pgx/v5/pgconn"
)

// Session is one Postgres wire connection to the server, which the engine treats as
// one session. It remembers setup statements (such as SET 'auto.offset.reset') and
// replays them whenever it has to reconnect: after a restart, or after a timed-out
// push query left the connection closed.
type Session struct {
	addr  string
	setup []string
	conn  *pgconn.PgConn
}

// Result is one statement's outcome.
type Result struct {
	// Columns are the column names of the RowDescription; nil for statements without rows.
	Columns []string
	// Rows are text-format values; a nil entry is SQL NULL.
	Rows [][]*string
	// Tag is the CommandComplete tag, e.g. "SELECT 3"; empty when the statement did not complete.
	Tag string
}

// Error is a Postgres ErrorResponse, reduced to what tests check.
type Error struct {
	Code     string // SQLSTATE
	Position int32  // 1-based character position in the statement text; 0 if absent
	Message  string
}

func (e *Error) Error() string {
	return fmt.Sprintf("ERROR %s at %d: %s", e.Code, e.Position, e.Message)
}

// Connect opens a session on the server at addr (host:port) and runs setup in it.
func Connect(ctx context.Context, addr string, setup ...string) (*Session, error) {
	s := &Session{addr: addr, setup: setup}
	if err := s.connect(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Session) connect(ctx context.Context) error {
	host, port, err := net.SplitHostPort(s.addr)
	if err != nil {
		return err
	}
	conn, err := pgconn.Connect(ctx, fmt.Sprintf("host=%s port=%s user=sluice dbname=sluice sslmode=disable", host, port))
	if err != nil {
		return fmt.Errorf("connect to %s: %w", s.addr, err)
	}
	s.conn = conn
	for _, stmt := range s.setup {
		if _, err := s.Run(ctx, stmt); err != nil {
			return fmt.Errorf("session setup %q: %w", stmt, err)
		}
	}
	return nil
}

// Reconnect closes the connection and opens a new one to addr, replaying setup.
func (s *Session) Reconnect(ctx context.Context, addr string) error {
	s.Close()
	s.addr = addr
	return s.connect(ctx)
}

// Close closes the connection.
func (s *Session) Close() {
	if s.conn != nil {
		_ = s.conn.Close(context.Background())
		s.conn = nil
	}
}

// Run sends sql as one simple-protocol Query and collects every statement's result.
// Rows that arrived before an error or before ctx ended are kept in the results, so
// a push query that stalls still shows what it produced. A server error is returned
// as *Error; other errors (timeouts, broken connections) as they are.
func (s *Session) Run(ctx context.Context, sql string) ([]Result, error) {
	if s.conn == nil || s.conn.IsClosed() {
		if err := s.connect(ctx); err != nil {
			return nil, err
		}
	}
	var results []Result
	mrr := s.conn.Exec(ctx, sql)
	var firstErr error
	for mrr.NextResult() {
		rr := mrr.ResultReader()
		res := Result{}
		if fds := rr.FieldDescriptions(); fds != nil {
			res.Columns = make([]string, len(fds))
			for i, fd := range fds {
				res.Columns[i] = fd.Name
			}
		}
		for rr.NextRow() {
			row := make([]*string, len(rr.Values()))
			for i, v := range rr.Values() {
				if v != nil {
					text := string(v) // copies: the reader reuses its buffer
					row[i] = &text
				}
			}
			res.Rows = append(res.Rows, row)
		}
		tag, err := rr.Close()
		if err == nil {
			res.Tag = tag.String()
		} else if firstErr == nil {
			firstErr = err
		}
		results = append(results, res)
	}
	if err := mrr.Close(); err != nil && firstErr == nil {
		firstErr = err
	}
	if firstErr != nil {
		var pgErr *pgconn.PgError
		if errors.As(firstErr, &pgErr) {
			return results, &Error{Code: pgErr.Code, Position: pgErr.Position, Message: pgErr.Message}
		}
		return results, firstErr
	}
	return results, nil
}
