package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/parser"
)

// command is one record of the command topic: a statement that changed the catalog,
// with the session properties it was planned under. Replaying the commands in order
// rebuilds the catalog and the set of running queries.
type command struct {
	Statement string            `json:"statement"`
	Props     map[string]string `json:"props,omitempty"`
}

// record appends a command and returns its offset, which names the queries it starts.
func (e *Engine) record(ctx context.Context, c command) (int64, error) {
	value, err := json.Marshal(c)
	if err != nil {
		return 0, err
	}
	res := e.cluster.Producer().ProduceSync(ctx, &kgo.Record{Topic: e.commandTopic(), Partition: 0, Value: value})
	rec, err := res.First()
	if err != nil {
		return 0, fmt.Errorf("record command: %w", err)
	}
	return rec.Offset, nil
}

// replay reads the command topic from the start to its current end and applies each
// command. A command that no longer applies (say, its topic was deleted outside
// Sluice) is logged and skipped: one bad command must not keep the server down.
func (e *Engine) replay(ctx context.Context) error {
	ends, err := e.cluster.EndOffsets(ctx, e.commandTopic())
	if err != nil {
		return err
	}
	end := ends[0]
	if end == 0 {
		return nil
	}
	cl, err := e.cluster.NewClient(
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{e.commandTopic(): {0: kgo.NewOffset().AtStart()}}),
		kgo.FetchMaxWait(100*time.Millisecond),
	)
	if err != nil {
		return err
	}
	defer cl.Close()
	p := parser.New()
	p.Types = e.catalog.Type
	applied := 0
	for {
		fetches := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return err
		}
		var done bool
		fetches.EachRecord(func(rec *kgo.Record) {
			if rec.Offset >= end {
				done = true
				return
			}
			var c command
			if err := json.Unmarshal(rec.Value, &c); err != nil {
				e.logger.Error("skip unreadable command", "offset", rec.Offset, "err", err)
			} else if err := e.applyCommand(ctx, p, c, rec.Offset); err != nil {
				e.logger.Error("skip command that no longer applies", "offset", rec.Offset, "statement", c.Statement, "err", err)
			} else {
				applied++
			}
			if rec.Offset+1 >= end {
				done = true
			}
		})
		if done {
			break
		}
	}
	e.logger.Info("replayed command topic", "commands", applied, "queries", len(e.running))
	return nil
}

// applyCommand re-executes a recorded statement without recording it again and
// without side effects on Kafka beyond what the statement needs to run.
func (e *Engine) applyCommand(ctx context.Context, p *parser.Parser, c command, offset int64) error {
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
	e.mu.Lock()
	defer e.mu.Unlock()
	_, err = e.applyLocked(ctx, stmts[0], props, offset, true)
	return err
}
