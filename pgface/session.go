package pgface

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"

	"github.com/sluice-db/sluice/pgface/pgcatalog"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// ResultWriter receives one statement's results, as the wire server's
// ResultWriter does: Columns, Row*, Complete; statements without rows call only
// Complete. A writer may also implement ParameterReporter.
type ResultWriter interface {
	Columns(cols []types.Column) error
	Row(vals []any) error
	Complete(tag string) error
	Notice(msg string) error
}

// ParameterReporter is a ResultWriter that can tell the client about a changed
// run-time parameter (ParameterStatus), as Postgres does after SET
// application_name. Reports for a statement are made after it ran, before its
// Execute returns.
type ParameterReporter interface {
	ParameterStatus(name, value string)
}

// EngineSession is the KSQL session of one connection: what the router sends
// every statement that is not Postgres catalog SQL. It is used by one goroutine
// at a time; errors are *sqlerr.Error values positioned in the sql passed in.
type EngineSession interface {
	Execute(ctx context.Context, sql string, params []any, w ResultWriter) error
	Describe(sql string) (cols []types.Column, params []*types.Type, err error)
	Close()
}

// Config describes the server as catalog queries report it.
type Config struct {
	// Sources is the engine's catalog as pg_catalog and information_schema show it.
	Sources pgcatalog.Sources
	// ServerVersion is server_version (default "13.0.0"); it must be the version
	// the wire server reports at startup.
	ServerVersion string
	// SluiceVersion appears in version().
	SluiceVersion string
	// StartTime is pg_postmaster_start_time(); default the time of New.
	StartTime time.Time
}

// Face is the Postgres face shared by every connection of one server: the
// catalog relations and the configuration sessions are opened with. It is safe
// for concurrent use.
type Face struct {
	catalog *pgcatalog.Catalog
	src     pgcatalog.Sources
}

// New returns a Face over cfg.Sources.
func New(cfg Config) *Face {
	if cfg.StartTime.IsZero() {
		cfg.StartTime = time.Now()
	}
	return &Face{
		catalog: pgcatalog.NewCatalog(pgcatalog.Config{ServerVersion: cfg.ServerVersion, SluiceVersion: cfg.SluiceVersion, StartTime: cfg.StartTime}),
		src:     cfg.Sources,
	}
}

// NewSession wraps engine, the KSQL session of one connection, in a session that
// routes each statement. params are the client's startup parameters; pid is the
// backend process ID the client was given (pg_backend_pid()).
func (f *Face) NewSession(engine EngineSession, params map[string]string, pid uint32) *Session {
	return &Session{engine: engine, pg: f.catalog.NewSession(f.src, params, pid)}
}

// Session sends each statement where it belongs: Postgres catalog queries and
// session utility statements (SET/SHOW/RESET of Postgres parameters,
// BEGIN/COMMIT/ROLLBACK, DISCARD, DEALLOCATE) to the catalog path, everything
// else (KSQL) to the engine session. A query string that Postgres' grammar cannot
// parse is KSQL as a whole. It is used by one goroutine at a time, except that
// statements that only read may run beside a running statement (RunsBeside).
type Session struct {
	engine EngineSession
	pg     *pgcatalog.Session
}

// errStatementTimeout is the error of a statement that ran past the session's
// statement_timeout, as Postgres reports it.
var errStatementTimeout = sqlerr.New(sqlerr.QueryCanceled, "canceling statement due to statement timeout")

// Execute runs every statement of sql in order, each on its path, and stops at
// the first error. Error positions are byte offsets into sql.
func (r *Session) Execute(ctx context.Context, sql string, params []any, w ResultWriter) (err error) {
	if d := r.pg.StatementTimeout(); d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, d, errStatementTimeout)
		defer cancel()
		defer func() {
			if err != nil && errors.Is(context.Cause(ctx), errStatementTimeout) {
				err = errStatementTimeout
			}
		}()
	}
	stmts, ok := r.pg.Split(sql)
	if !ok || !anyCatalog(stmts) {
		texts := []string{sql}
		if ok {
			texts = texts[:0]
			for _, st := range stmts {
				texts = append(texts, st.SQL)
			}
		}
		return r.engine.Execute(ctx, sql, params, r.engineWriter(w, texts...))
	}
	for _, st := range stmts {
		if st.Catalog {
			err := r.pg.Execute(ctx, st, params, w)
			if ps, ok := w.(ParameterReporter); ok {
				for _, p := range r.pg.TakeReports() {
					ps.ParameterStatus(p[0], p[1])
				}
			}
			var np *pgcatalog.NotPostgres
			if errors.As(err, &np) {
				err = r.asKSQL(ctx, st, params, w, np)
			}
			if err != nil {
				return err
			}
			continue
		}
		if err := r.engine.Execute(ctx, st.SQL, params, r.engineWriter(w, st.SQL)); err != nil {
			return shiftPosition(err, st.Offset)
		}
	}
	return nil
}

// asKSQL runs a statement over Sluice's relations that the Postgres path could
// not bind (np) on the KSQL engine. When KSQL cannot parse it either, the
// Postgres error is the one reported: the statement was Postgres SQL.
func (r *Session) asKSQL(ctx context.Context, st pgcatalog.Statement, params []any, w ResultWriter, np *pgcatalog.NotPostgres) error {
	err := r.engine.Execute(ctx, st.SQL, params, r.engineWriter(w, st.SQL))
	if err == nil {
		return nil
	}
	if e := sqlerr.As(err); e != nil && e.Code == sqlerr.SyntaxError {
		return shiftPosition(np.Err, st.Offset)
	}
	return shiftPosition(err, st.Offset)
}

// Describe returns the result columns and parameter types of sql, a single
// statement, without running it.
func (r *Session) Describe(sql string) ([]types.Column, []*types.Type, error) {
	stmts, ok := r.pg.Split(sql)
	if ok && len(stmts) == 1 && stmts[0].Catalog {
		cols, params, err := r.pg.Describe(stmts[0])
		var np *pgcatalog.NotPostgres
		if !errors.As(err, &np) {
			return cols, params, err
		}
	}
	cols, params, err := r.engine.Describe(sql)
	if err == nil && cols == nil && params == nil {
		if cols, params := r.describeKSQLQuery(sql); cols != nil || params != nil {
			return cols, params, nil
		}
		if cols := r.describeListing(sql); cols != nil {
			return cols, nil, nil
		}
	}
	if err != nil || r.pg.KSQLDialect() || !isQuery(sql) {
		return cols, params, err
	}
	return postgresLabels(cols), params, nil
}

// engineWriter is w for KSQL statements, stmts the text of each in the order
// the engine runs them: the result columns of a query (a push or pull
// SELECT) are labelled as Postgres labels them (pgcatalog.PostgresName:
// ksqlDB's upper-case names in lower case, quoted names as written), unless
// the session asked for ksqlDB's answers. The fixed headers of SHOW,
// DESCRIBE, EXPLAIN ("QUERY PLAN", as Postgres) and the like are not names and
// stay as the engine writes them.
func (r *Session) engineWriter(w ResultWriter, stmts ...string) ResultWriter {
	if r.pg.KSQLDialect() {
		return w
	}
	lw := &labelWriter{ResultWriter: w}
	anyQuery := false
	for _, sql := range stmts {
		q := isQuery(sql)
		lw.queries = append(lw.queries, q)
		anyQuery = anyQuery || q
	}
	if !anyQuery {
		return w
	}
	return lw
}

// labelWriter is a ResultWriter that gives the columns of queries Postgres
// labels. Every statement ends with one Complete (or an error, which ends the
// statements), which is how it knows which statement's columns come next.
type labelWriter struct {
	ResultWriter
	queries []bool // per statement, whether it is a query
	stmt    int    // the statement running
}

func (w *labelWriter) Columns(cols []types.Column) error {
	if w.stmt < len(w.queries) && w.queries[w.stmt] {
		cols = postgresLabels(cols)
	}
	return w.ResultWriter.Columns(cols)
}

func (w *labelWriter) Complete(tag string) error {
	w.stmt++
	return w.ResultWriter.Complete(tag)
}

// isQuery reports whether a KSQL statement is a query: one whose first word
// is SELECT.
func isQuery(sql string) bool { return firstWord(sql) == "select" }

// firstWord returns the first word of sql, after comments and opening
// parentheses, in lower case.
func firstWord(sql string) string {
	for {
		sql = strings.TrimLeft(sql, " \t\r\n(")
		switch {
		case strings.HasPrefix(sql, "--"):
			_, rest, ok := strings.Cut(sql, "\n")
			if !ok {
				return ""
			}
			sql = rest
		case strings.HasPrefix(sql, "/*"):
			_, rest, ok := strings.Cut(sql, "*/")
			if !ok {
				return ""
			}
			sql = rest
		default:
			word := sql
			if i := strings.IndexFunc(sql, func(r rune) bool { return !unicode.IsLetter(r) }); i >= 0 {
				word = sql[:i]
			}
			return strings.ToLower(word)
		}
	}
}

// postgresLabels returns cols labelled with pgcatalog.PostgresName; cols is
// not modified, and nil (no result columns) stays nil.
func postgresLabels(cols []types.Column) []types.Column {
	if cols == nil {
		return nil
	}
	out := make([]types.Column, len(cols))
	for i, c := range cols {
		c.Name = pgcatalog.PostgresName(c.Name)
		out[i] = c
	}
	return out
}

// ShowCursors makes pg_cursors list the connection's open cursors, which the wire
// server keeps; list may be called while any statement runs.
func (r *Session) ShowCursors(list func() []pgcatalog.Cursor) { r.pg.ShowCursors(list) }

// Close closes the engine session.
func (r *Session) Close() { r.engine.Close() }

// RunsBeside reports whether sql may run, or be described, while another
// statement of the session runs (a cursor's): true when every statement of it
// runs on the Postgres path and only reads (BEGIN/COMMIT/ROLLBACK, SHOW, and a
// SELECT the Postgres path binds, over the catalog or Sluice's materialized
// relations). Those use neither the engine session nor a setting a running
// statement could be changing.
func (r *Session) RunsBeside(sql string) bool {
	stmts, ok := r.pg.Split(sql)
	if !ok {
		return false
	}
	for _, st := range stmts {
		if !st.Catalog || !st.ReadOnly() {
			return false
		}
		if st.User {
			// Over Sluice's relations the Postgres path may hand the statement
			// to the engine (NotPostgres); it runs beside only if it binds.
			if _, _, err := r.pg.Describe(st); err != nil {
				return false
			}
		}
	}
	return true
}

func anyCatalog(stmts []pgcatalog.Statement) bool {
	for _, st := range stmts {
		if st.Catalog {
			return true
		}
	}
	return false
}

// shiftPosition makes an error position relative to one statement of a query
// string relative to the whole string.
func shiftPosition(err error, offset int) error {
	e := sqlerr.As(err)
	if e == nil || e.Position < 0 || offset == 0 {
		return err
	}
	return e.WithPosition(e.Position + offset)
}
