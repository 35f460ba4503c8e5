package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-db/sluice/plan"

	"github.com/sluice-db/sluice/exec"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// runTransient runs a push query that needs state (a join or an aggregation) as
// a persistent query of its own: a fresh consumer group, state in the store
// under a one-off query id, and its results handed to the client instead of a
// sink topic. When the client has its LIMIT, cancels or goes away, the query is
// stopped and its state, repartition topic and group are removed.
func (s *Session) runTransient(ctx context.Context, qp *plan.QueryPlan, w ResultWriter) error {
	e := s.engine
	if e.cfg.State == nil {
		return sqlerr.New(sqlerr.FeatureNotSupported, "this push query needs state, and the server has no state store")
	}
	// Unique across restarts: state a crashed run left behind is never resumed.
	id := transientPrefix + strconv.FormatInt(time.Now().UnixNano(), 36)
	if err := e.planPhysical(qp, id, false); err != nil {
		e.dropTransientState(id, qp.Physical)
		return err
	}
	rows := make(chan []any, 1024)
	done := make(chan struct{})
	sink := rowFunc(func(vals []any) error {
		select {
		case rows <- append([]any(nil), vals...):
		case <-done:
		}
		return nil
	})
	run, err := exec.StartPersistent(exec.PersistentConfig{
		Plan: qp, Clients: e.cluster, Log: e.proclog, Logger: e.logger,
		FromBeginning: fromBeginning(s.props), State: e.cfg.State,
		Rows:          sink,
		PurgeInterval: e.cfg.RepartitionPurgeInterval, PurgeAfter: e.cfg.RepartitionPurgeAfter,
	})
	if err != nil {
		e.dropTransientState(id, qp.Physical)
		return err
	}
	defer func() {
		close(done)
		run.Stop()
		e.dropTransientState(id, qp.Physical)
	}()
	cols := make([]types.Column, len(qp.Output))
	for i, c := range qp.Output {
		cols[i] = types.Column{Name: c.Name, Type: c.Type}
	}
	if err := w.Columns(cols); err != nil {
		return err
	}
	var sent int64
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for qp.Limit < 0 || sent < qp.Limit {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case vals := <-rows:
			if err := w.Row(vals); err != nil {
				return err
			}
			sent++
		case <-tick.C:
			if st, msg := run.State(); st == exec.StateError {
				return sqlerr.New(sqlerr.InternalError, "push query failed: "+msg)
			}
		}
	}
	return w.Complete("SELECT " + strconv.FormatInt(sent, 10))
}

type rowFunc func([]any) error

func (f rowFunc) Row(vals []any) error { return f(vals) }

// transientPrefix starts the id of every transient query.
const transientPrefix = "TRANSIENT_"

// dropTransientState removes what a finished transient query leaves: its state,
// its internal topics and its consumer group.
func (e *Engine) dropTransientState(id string, ph *plan.Physical) {
	b := e.cfg.State.NewBatch()
	if err := b.DeletePrefix(exec.StatePrefix(id, "", -1)); err == nil {
		if err := b.Commit(false); err != nil {
			e.logger.Warn("drop transient query state", "query", id, "err", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, t := range ph.InternalTopics() {
		if err := e.cluster.DeleteTopic(ctx, t.Name); err != nil && !errors.Is(err, context.Canceled) {
			e.logger.Warn("delete transient query topic", "topic", t.Name, "err", fmt.Sprint(err))
		}
	}
	if _, err := e.cluster.DeleteEmptyGroups(ctx, func(g string) bool { return g == ph.Group }); err != nil {
		e.logger.Warn("delete transient query group", "group", ph.Group, "err", err)
	}
}

// dropAbandonedTransientGroups deletes the groups of transient queries that no
// client runs any more (a node that crashed while serving them left them; they
// are never resumed). Groups with members, another node's live push queries,
// stay.
func (e *Engine) dropAbandonedTransientGroups(ctx context.Context) {
	prefix := e.queryGroup(transientPrefix)
	deleted, err := e.cluster.DeleteEmptyGroups(ctx, func(g string) bool { return strings.HasPrefix(g, prefix) })
	if err != nil {
		e.logger.Warn("delete abandoned transient query groups", "err", err)
	}
	if len(deleted) > 0 {
		e.logger.Info("deleted abandoned transient query groups", "groups", len(deleted))
	}
}
