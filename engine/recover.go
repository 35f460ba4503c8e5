package engine

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/exec"
	"github.com/sluice-db/sluice/plan"
)

// A persistent query that fails (its broker went away mid-commit, its group
// moved on to a new generation, a write was refused) is started again, from
// its checkpoints and committed offsets, after a backoff that doubles with each
// failure: ksqlDB's ksql.query.retry.backoff.initial.ms and
// ksql.query.retry.backoff.max.ms, with ksqlDB's defaults. Meanwhile the query
// reports RECOVERING with the reason. A run that stays up for
// recoveryResetAfter (or for its last backoff, if longer) starts the count again.
const (
	propRetryInitial = "ksql.query.retry.backoff.initial.ms"
	propRetryMax     = "ksql.query.retry.backoff.max.ms"

	defaultRetryInitial = 15 * time.Second
	defaultRetryMax     = 15 * time.Minute
	recoveryResetAfter  = 5 * time.Minute
	recoveryPoll        = 250 * time.Millisecond
)

// StateRecovering is the state of a failed query waiting to be started again.
const StateRecovering = "RECOVERING"

// runSpec is what starting a query's run takes, kept to start it again.
type runSpec struct {
	q     *catalog.Query
	qp    *plan.QueryPlan
	props map[string]string
}

// recovery follows the failures of one query.
type recovery struct {
	failed   *exec.PersistentQuery // the run that failed; nil once restarted
	reason   string
	attempts int
	next     time.Time // when the next start is due
	started  time.Time // when the current run started
	backoff  time.Duration
	inFlight bool // a start is under way, outside the engine lock
}

// retryBackoff is the wait before start number attempt (1-based) of a query.
func retryBackoff(props map[string]string, attempt int) time.Duration {
	initial, max := durationMS(props, propRetryInitial, defaultRetryInitial), durationMS(props, propRetryMax, defaultRetryMax)
	d := initial
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}

func durationMS(props map[string]string, name string, def time.Duration) time.Duration {
	if v, ok := props[name]; ok {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
			return time.Duration(n) * time.Millisecond
		}
	}
	return def
}

// superviseQueries restarts failed queries until ctx ends.
func (e *Engine) superviseQueries(ctx context.Context) {
	t := time.NewTicker(recoveryPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			e.recoverFailed(now)
		}
	}
}

// recoverFailed notes newly failed queries and starts again those whose
// backoff has passed. The starts run outside the engine lock (they talk to the
// broker, which may still be away); a query terminated or replaced meanwhile is
// left alone.
func (e *Engine) recoverFailed(now time.Time) {
	type restart struct {
		id   string
		old  *exec.PersistentQuery
		spec runSpec
		r    *recovery
	}
	var due []restart
	e.mu.Lock()
	for id, run := range e.running {
		st, msg := run.State()
		r := e.recovering[id]
		if st != exec.StateError {
			if r != nil && r.failed == nil && now.Sub(r.started) > max(recoveryResetAfter, r.backoff) {
				delete(e.recovering, id) // up long enough: the next failure counts from 1
			}
			continue
		}
		spec, ok := e.specs[id]
		if !ok {
			continue
		}
		if r == nil {
			r = &recovery{}
			e.recovering[id] = r
		}
		if r.failed != run {
			r.failed, r.reason = run, msg
			r.backoff = retryBackoff(spec.props, r.attempts+1)
			r.next = now.Add(r.backoff)
			e.logger.Warn("query failed; starting it again after a backoff", "query", id, "err", msg,
				"attempt", r.attempts+1, "backoff", r.backoff)
		}
		if r.inFlight || now.Before(r.next) {
			continue
		}
		r.inFlight = true
		due = append(due, restart{id: id, old: run, spec: spec, r: r})
	}
	e.mu.Unlock()

	for _, d := range due {
		d.old.Stop() // its loop has ended; this closes what it left (standby copies)
		run, err := e.startRun(d.spec.qp, d.spec.props, d.spec.q.Paused)
		e.mu.Lock()
		d.r.inFlight = false
		d.r.attempts++
		if e.closed || e.running[d.id] != d.old {
			e.mu.Unlock()
			if run != nil {
				run.Stop()
			}
			continue
		}
		if err != nil {
			d.r.reason = fmt.Sprintf("start again: %v", err)
			d.r.backoff = retryBackoff(d.spec.props, d.r.attempts+1)
			d.r.next = now.Add(d.r.backoff)
			e.logger.Warn("query could not start again", "query", d.id, "err", err, "attempt", d.r.attempts, "next_in", d.r.backoff)
			e.mu.Unlock()
			continue
		}
		e.running[d.id] = run
		if q := e.catalog.Query(d.id); q != nil && q.Paused != d.spec.q.Paused {
			// PAUSE or RESUME applied while the run started.
			if q.Paused {
				run.Pause()
			} else {
				run.Resume()
			}
		}
		d.r.failed, d.r.started = nil, now
		e.logger.Info("query started again", "query", d.id, "attempt", d.r.attempts, "after", d.r.reason)
		e.mu.Unlock()
	}
}

// queryState is a query's state as users see it: a failed query waiting to
// start again is RECOVERING, with the reason.
func (e *Engine) queryStateLocked(id string, run *exec.PersistentQuery) (state, msg string) {
	st, m := run.State()
	if r := e.recovering[id]; r != nil && r.failed == run && st == exec.StateError {
		return StateRecovering, fmt.Sprintf("%s (start %d in %s)", r.reason, r.attempts+1, time.Until(r.next).Round(time.Second))
	}
	return string(st), m
}

// Failing returns the queries that are ERROR or RECOVERING, with their
// reasons (ID, State and Error set): what health checks and AWAIT IDLE report,
// without the per-query statistics Queries gathers.
func (e *Engine) Failing() []QueryStatus {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []QueryStatus
	for id, run := range e.running {
		if st, msg := e.queryStateLocked(id, run); st == string(exec.StateError) || st == StateRecovering {
			out = append(out, QueryStatus{ID: id, State: st, Error: msg})
		}
	}
	slices.SortFunc(out, func(a, b QueryStatus) int { return strings.Compare(a.ID, b.ID) })
	return out
}
