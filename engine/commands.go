package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/kafkaio"
	"github.com/sluice-db/sluice/parser"
	"github.com/sluice-db/sluice/sqlerr"
)

// The command topic is the cluster's catalog: every statement that changed it,
// in one partition, in the order every node applies them. Each node follows the
// topic for as long as it runs (follow), so a statement run on any node reaches
// all of them; a node appends a statement only once it has applied everything
// before it, and only at the offset it validated against (recordAt), so two
// nodes cannot interleave conflicting statements.

// command is one record of the command topic: a statement that changed the catalog,
// with the session properties it was planned under. Replaying the commands in order
// rebuilds the catalog and the set of running queries.
type command struct {
	Statement string            `json:"statement"`
	Props     map[string]string `json:"props,omitempty"`
	// Node is the node that ran the statement (for the log).
	Node string `json:"node,omitempty"`
}

// commandLog is the command topic and its follower.
type commandLog struct {
	log  *kafkaio.SerialLog
	stop context.CancelFunc
	done chan struct{}
}

// openCommandLog opens the command topic. Without transactions in the cluster,
// appends are unconditional, and two nodes running conflicting statements at
// once may both be told they succeeded.
func (e *Engine) openCommandLog(ctx context.Context) error {
	l, err := kafkaio.OpenSerialLog(ctx, e.cluster, e.commandTopic(), "_sluice_"+e.cfg.ServiceID+"_command_"+e.cfg.NodeID,
		func(err error) {
			e.logger.Warn("the Kafka cluster has no transactions: statements run on several nodes at once are not serialized", "err", err)
		},
		kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		return fmt.Errorf("command topic: %w", err)
	}
	e.cmds = &commandLog{log: l, done: make(chan struct{})}
	return nil
}

// closeCommandLog stops following the topic.
func (e *Engine) closeCommandLog() {
	if e.cmds.stop != nil {
		e.cmds.stop()
		<-e.cmds.done
	}
	e.cmds.log.Close()
}

// committedEnd is the offset after the last committed record of the command
// topic: what a node must have applied before it validates a statement.
func (e *Engine) committedEnd(ctx context.Context) (int64, error) {
	return e.cmds.log.End(ctx)
}

// startFollowing applies the topic up to its current end (the catalog as it
// was when the node stopped, and what other nodes added since), then goes on
// following it in the background.
func (e *Engine) startFollowing(ctx context.Context) error {
	end, err := e.committedEnd(ctx)
	if err != nil {
		return err
	}
	fctx, stop := context.WithCancel(context.Background())
	e.cmds.stop = stop
	e.mu.Lock()
	e.deferStarts = true
	go e.follow(fctx)
	err = e.waitAppliedLocked(ctx, end)
	e.mu.Unlock()
	if err != nil {
		return fmt.Errorf("replay the command topic: %w", err)
	}
	// Starting the queries the replay left takes the statement lock, as the
	// follower's applying does.
	if err := e.lockStatements(ctx); err != nil {
		return fmt.Errorf("replay the command topic: %w", err)
	}
	defer e.unlockStatements()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.startPendingLocked()
	e.logger.Info("replayed command topic", "commands", end, "queries", len(e.running))
	return nil
}

// follow applies the command topic's records as they come, until ctx ends. A
// command that does not apply (say, its topic was deleted outside Sluice) is
// logged and skipped: one bad command must not keep the node down, and every
// node skips it alike.
func (e *Engine) follow(ctx context.Context) {
	defer close(e.cmds.done)
	p := parser.New()
	p.Types = e.catalog.Type
	for {
		fetches := e.cmds.log.Reader().PollFetches(ctx)
		if ctx.Err() != nil {
			return
		}
		fetches.EachError(func(t string, part int32, err error) {
			e.logger.Warn("read the command topic", "err", err)
		})
		if e.lockStatements(ctx) != nil {
			return
		}
		e.mu.Lock()
		fetches.EachRecord(func(rec *kgo.Record) {
			if rec.Offset < e.applied {
				return // this node's own statement, applied when it ran
			}
			e.applied = rec.Offset + 1
			if rec.Attrs.IsControl() {
				return
			}
			var c command
			if err := json.Unmarshal(rec.Value, &c); err != nil {
				e.logger.Error("skip unreadable command", "offset", rec.Offset, "err", err)
			} else if err := e.applyCommandLocked(ctx, p, c, rec.Offset); err != nil {
				e.logger.Error("skip command that no longer applies", "offset", rec.Offset, "statement", c.Statement, "err", err)
			} else if c.Node != e.cfg.NodeID && c.Node != "" {
				e.logger.Info("applied statement from another node", "from_node", c.Node, "offset", rec.Offset, "statement", c.Statement)
			}
		})
		e.applyCond.Broadcast()
		e.mu.Unlock()
		e.unlockStatements()
	}
}

// waitAppliedLocked waits, with e.mu held (released while waiting), until the
// node has applied the command topic up to end.
func (e *Engine) waitAppliedLocked(ctx context.Context, end int64) error {
	if e.applied >= end {
		return nil
	}
	stop := context.AfterFunc(ctx, func() {
		e.mu.Lock()
		e.applyCond.Broadcast()
		e.mu.Unlock()
	})
	defer stop()
	for e.applied < end {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("the command topic was applied up to offset %d of %d: %w", e.applied, end, err)
		}
		e.applyCond.Wait()
	}
	return nil
}

// recordAt appends a command, which the caller validated against the catalog
// as of offset end, and returns its offset: kafkaio.ErrAppendRace when another
// node's statement came first (validate again), a *kafkaio.AbortedAppendError
// when the append failed and left nothing behind (try again).
func (e *Engine) recordAt(ctx context.Context, c command, end int64) (int64, error) {
	value, err := json.Marshal(c)
	if err != nil {
		return 0, err
	}
	off, err := e.cmds.log.AppendAt(ctx, end, &kgo.Record{Value: value})
	if err != nil {
		return 0, fmt.Errorf("record command: %w", err)
	}
	return off, nil
}

// executeDDL validates, records and applies a statement: validated against a
// catalog that has every statement before it, from any node.
func (e *Engine) executeDDL(ctx context.Context, stmt parser.Statement, props map[string]string) (string, error) {
	text, _ := stmt.Source()
	c := command{Statement: text, Props: persistedProps(props), Node: e.cfg.NodeID}
	for attempt := 1; ; attempt++ {
		// Catching up holds no lock: the follower applies the topic meanwhile.
		end, err := e.committedEnd(ctx)
		if err == nil {
			e.mu.Lock()
			err = e.waitAppliedLocked(ctx, end)
			e.mu.Unlock()
		}
		if err != nil {
			return "", sqlerr.Wrap(sqlerr.ConnectionFailure, err, "could not catch up with the command topic")
		}
		tag, err := e.tryDDL(ctx, stmt, props, c, end)
		if errors.Is(err, kafkaio.ErrAppendRace) && attempt < 50 {
			e.logger.Info("another node ran a statement at the same time; validating again", "statement", text, "attempt", attempt)
			continue
		}
		var aborted *kafkaio.AbortedAppendError
		if errors.As(err, &aborted) && attempt < 5 && ctx.Err() == nil {
			e.logger.Warn("appending a statement to the command topic failed and was rolled back; trying again", "statement", text, "attempt", attempt, "err", aborted.Err)
			continue
		}
		if errors.Is(err, kafkaio.ErrAppendRace) || errors.As(err, &aborted) {
			return "", sqlerr.Wrap(sqlerr.ConnectionFailure, err, "could not record the statement in the command topic")
		}
		return tag, err
	}
}

// tryDDL validates stmt against the catalog, records it where the command
// topic ended (end, or further if the follower applied more since) and
// applies it, under the statement lock. It returns kafkaio.ErrAppendRace or an
// *kafkaio.AbortedAppendError when the statement can be tried again.
func (e *Engine) tryDDL(ctx context.Context, stmt parser.Statement, props map[string]string, c command, end int64) (string, error) {
	if err := e.lockStatements(ctx); err != nil {
		return "", sqlerr.Wrap(sqlerr.QueryCanceled, err, "waiting for another statement")
	}
	defer e.unlockStatements()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return "", sqlerr.New(sqlerr.ObjectNotInPrerequisiteState, "the server is shutting down")
	}
	end = max(end, e.applied)
	action, err := e.prepareLocked(ctx, stmt, props, false)
	if err != nil {
		return "", err
	}
	var offset int64
	e.unlocked(func() { offset, err = e.recordAt(ctx, c, end) })
	var aborted *kafkaio.AbortedAppendError
	if errors.Is(err, kafkaio.ErrAppendRace) || errors.As(err, &aborted) {
		return "", err
	}
	if err != nil {
		return "", sqlerr.Wrap(sqlerr.ConnectionFailure, err, "could not record the statement in the command topic")
	}
	e.applied = offset + 1
	e.applyCond.Broadcast()
	return action(ctx, offset, false)
}

// applyCommandLocked re-executes a recorded statement without recording it
// again and without side effects on Kafka beyond what the statement needs to
// run. e.mu and the statement lock are held.
func (e *Engine) applyCommandLocked(ctx context.Context, p *parser.Parser, c command, offset int64) error {
	stmts, err := p.ParseScript(c.Statement)
	if err != nil {
		return err
	}
	if len(stmts) != 1 {
		return fmt.Errorf("command holds %d statements", len(stmts))
	}
	props := c.Props
	if props == nil {
		props = map[string]string{}
	}
	if e.closed {
		return nil
	}
	_, err = e.applyLocked(ctx, stmts[0], props, offset, true)
	return err
}
