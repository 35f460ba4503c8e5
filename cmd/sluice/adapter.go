package main

import (
	"context"

	"github.com/sluice-db/sluice/engine"
	"github.com/sluice-db/sluice/server"
	"github.com/sluice-db/sluice/types"
)

// engineAdapter lets the wire server use the engine through the server's own
// interface; the two packages do not import each other.
type engineAdapter struct{ e *engine.Engine }

func (a engineAdapter) NewSession(params map[string]string) server.Session {
	return sessionAdapter{a.e.NewSession(params)}
}

type sessionAdapter struct{ s *engine.Session }

func (a sessionAdapter) Execute(ctx context.Context, sql string, params []any, w server.ResultWriter) error {
	return a.s.Execute(ctx, sql, params, w)
}

func (a sessionAdapter) Describe(sql string) ([]types.Column, []*types.Type, error) {
	return a.s.Describe(sql)
}

func (a sessionAdapter) Close() { a.s.Close() }
