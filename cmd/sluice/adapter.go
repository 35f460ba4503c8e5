package main

import (
	"context"
	"time"

	"github.com/sluice-db/sluice/engine"
	"github.com/sluice-db/sluice/metrics"
	"github.com/sluice-db/sluice/pgface"
	"github.com/sluice-db/sluice/pgface/pgcatalog"
	"github.com/sluice-db/sluice/server"
	"github.com/sluice-db/sluice/types"
)

// wireEngine is what the wire server opens sessions on: each connection's
// engine session wrapped by the Postgres face, which routes catalog SQL and
// Postgres utility statements away from the engine. server, pgface and engine do
// not import each other; these adapters convert between their interfaces.
type wireEngine struct {
	e       *engine.Engine
	face    *pgface.Face
	metrics *metrics.Node
}

func (a wireEngine) NewSession(params map[string]string, pid uint32) server.Session {
	a.metrics.ConnectionOpened()
	return routedSession{a.face.NewSession(engineSession{a.e.NewSession(params)}, params, pid), a.metrics}
}

// routedSession is a pgface session as the server sees it, including the
// optional abilities the server looks for (placeholders, bound describe,
// transaction control beside a cursor).
type routedSession struct {
	s       *pgface.Session
	metrics *metrics.Node
}

func (a routedSession) Execute(ctx context.Context, sql string, params []any, w server.ResultWriter) error {
	began := time.Now()
	err := a.s.Execute(ctx, sql, params, w)
	a.metrics.Statement(time.Since(began), err)
	return err
}

func (a routedSession) Describe(sql string) ([]types.Column, []*types.Type, error) {
	return a.s.Describe(sql)
}

func (a routedSession) Close() {
	a.metrics.ConnectionClosed()
	a.s.Close()
}

func (a routedSession) Placeholders(sql string) int { return a.s.Placeholders(sql) }

func (a routedSession) DescribeBound(sql string, params []any) []types.Column {
	return a.s.DescribeBound(sql, params)
}

func (a routedSession) RunsBeside(sql string) bool { return a.s.RunsBeside(sql) }

func (a routedSession) ShowCursors(list func() []server.CursorInfo) {
	a.s.ShowCursors(func() []pgcatalog.Cursor {
		infos := list()
		out := make([]pgcatalog.Cursor, len(infos))
		for i, c := range infos {
			out[i] = pgcatalog.Cursor{Name: c.Name, Statement: c.Statement, Holdable: c.Holdable, Binary: c.Binary, Scrollable: c.Scrollable, Created: c.Created}
		}
		return out
	})
}

// engineSession is the engine's session as the Postgres face sees it.
type engineSession struct{ s *engine.Session }

func (a engineSession) Execute(ctx context.Context, sql string, params []any, w pgface.ResultWriter) error {
	return a.s.Execute(ctx, sql, params, w)
}

func (a engineSession) Describe(sql string) ([]types.Column, []*types.Type, error) {
	return a.s.Describe(sql)
}

func (a engineSession) Close() { a.s.Close() }
