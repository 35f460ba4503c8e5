package server

import (
	"context"

	"github.com/sluice-db/sluice/pgface/pgcatalog"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// routedSession sends each statement where it belongs: Postgres catalog queries
// and session utility statements (SET/SHOW/RESET of Postgres parameters,
// BEGIN/COMMIT/ROLLBACK) to the catalog path, everything else (KSQL) to the
// engine. A query string that Postgres' grammar cannot parse is KSQL as a whole.
type routedSession struct {
	engine Session
	pg     *pgcatalog.Session
}

var _ Session = (*routedSession)(nil)

func (r *routedSession) Execute(ctx context.Context, sql string, params []any, w ResultWriter) error {
	stmts, ok := r.pg.Split(sql)
	if !ok || !anyCatalog(stmts) {
		return r.engine.Execute(ctx, sql, params, w)
	}
	for _, st := range stmts {
		if st.Catalog {
			err := r.pg.Execute(ctx, st, params, w)
			if ps, ok := w.(parameterReporter); ok {
				for _, p := range r.pg.TakeReports() {
					ps.ParameterStatus(p[0], p[1])
				}
			}
			if err != nil {
				return statementError(ctx, err)
			}
			continue
		}
		if err := r.engine.Execute(ctx, st.SQL, params, w); err != nil {
			return shiftPosition(err, st.Offset)
		}
	}
	return nil
}

func (r *routedSession) Describe(sql string) ([]types.Column, []*types.Type, error) {
	stmts, ok := r.pg.Split(sql)
	if ok && len(stmts) == 1 && stmts[0].Catalog {
		return r.pg.Describe(stmts[0])
	}
	return r.engine.Describe(sql)
}

func (r *routedSession) Close() { r.engine.Close() }

// parameterReporter is a ResultWriter that can tell the client about a changed
// run-time parameter (ParameterStatus), as Postgres does after SET application_name.
type parameterReporter interface {
	ParameterStatus(name, value string)
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
