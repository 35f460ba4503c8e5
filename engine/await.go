package engine

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/sluice-db/sluice/exec"
	"github.com/sluice-db/sluice/kafkaio"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/twmb/franz-go/pkg/kadm"
)

// defaultAwaitTimeout bounds AWAIT IDLE without a TIMEOUT clause.
const defaultAwaitTimeout = 30 * time.Second

// awaitPoll is how often AWAIT IDLE re-reads offsets: short, because tests call it
// after every input record.
const awaitPoll = 2 * time.Millisecond

// AwaitIdle blocks until every persistent query on this node has processed its
// source partitions up to their end offsets and its outputs are acknowledged, and
// that still holds on a second look with no offset moved: one query's output can be
// another's input, and an output acknowledged just after the first look shows up
// as a moved end offset on the second.
func (e *Engine) AwaitIdle(ctx context.Context, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = defaultAwaitTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var (
		prev    map[string]map[int32]kafkaio.PartitionRange
		lastErr error
	)
	for {
		// A paused query reads nothing until RESUME: not waited for.
		qs := slices.DeleteFunc(e.runningQueries(), func(q *exec.PersistentQuery) bool {
			st, _ := q.State()
			return st == exec.StatePaused
		})
		behind, ranges, err := e.behind(ctx, qs)
		switch {
		case err != nil:
			// A topic created a moment ago may not be visible yet: try again
			// until the deadline, then report it.
			prev, lastErr = nil, err
		case len(behind) == 0:
			if prev != nil && sameRanges(prev, ranges) {
				return nil
			}
			prev = ranges
		default:
			prev, lastErr = nil, nil
		}
		select {
		case <-ctx.Done():
			return e.awaitError(ctx, timeout, behind, lastErr)
		case <-time.After(awaitPoll):
		}
	}
}

func (e *Engine) runningQueries() []*exec.PersistentQuery {
	e.mu.Lock()
	defer e.mu.Unlock()
	qs := make([]*exec.PersistentQuery, 0, len(e.running))
	for _, q := range e.running {
		qs = append(qs, q)
	}
	return qs
}

// behind returns the ids of queries not yet caught up with the offsets it read.
func (e *Engine) behind(ctx context.Context, qs []*exec.PersistentQuery) ([]string, map[string]map[int32]kafkaio.PartitionRange, error) {
	if len(qs) == 0 {
		return nil, map[string]map[int32]kafkaio.PartitionRange{}, nil
	}
	seen := map[string]bool{}
	var topics []string
	for _, q := range qs {
		for _, t := range q.Topics() {
			if !seen[t] {
				seen[t] = true
				topics = append(topics, t)
			}
		}
	}
	ranges, err := e.cluster.Ranges(ctx, topics...)
	if err != nil {
		return nil, nil, err
	}
	var behind []string
	peers := e.hasLivePeers()
	for _, q := range qs {
		if st, _ := q.State(); st == exec.StateError {
			// A failed query is not idle, whatever its offsets say: it may
			// start again (and catch up) before the deadline.
			behind = append(behind, q.ID)
			continue
		}
		// With other nodes up, the partitions they run are caught up when
		// the group's committed offsets reached their ends.
		var committed map[string]map[int32]int64
		if peers {
			if committed, err = e.groupCommitted(ctx, q.Group); err != nil {
				return nil, nil, err
			}
		}
		for _, t := range q.Topics() {
			starts, ends := map[int32]int64{}, map[int32]int64{}
			for p, r := range ranges[t] {
				starts[p], ends[p] = r.Start, r.End
			}
			var elsewhere map[int32]int64
			if peers {
				elsewhere = committed[t]
				if elsewhere == nil {
					elsewhere = map[int32]int64{}
				}
			}
			if !q.CaughtUp(t, starts, ends, elsewhere) {
				behind = append(behind, q.ID)
				break
			}
		}
	}
	sort.Strings(behind)
	return behind, ranges, nil
}

func sameRanges(a, b map[string]map[int32]kafkaio.PartitionRange) bool {
	return maps.EqualFunc(a, b, func(x, y map[int32]kafkaio.PartitionRange) bool { return maps.Equal(x, y) })
}

func (e *Engine) awaitError(ctx context.Context, timeout time.Duration, behind []string, lastErr error) error {
	if ctx.Err() != context.DeadlineExceeded {
		return ctx.Err()
	}
	msg := "AWAIT IDLE timed out after " + timeout.String()
	if len(behind) > 0 {
		msg += "; queries still behind: " + strings.Join(behind, ", ")
	}
	if lastErr != nil {
		msg += "; last error: " + lastErr.Error()
	}
	var failed []string
	for _, q := range e.Failing() {
		failed = append(failed, fmt.Sprintf("%s is %s: %s", q.ID, q.State, q.Error))
	}
	if len(failed) > 0 {
		// The queries did not stall: they failed, and that is the answer.
		return sqlerr.New(sqlerr.ObjectNotInPrerequisiteState, msg+"; "+strings.Join(failed, "; "))
	}
	return sqlerr.New(sqlerr.QueryCanceled, msg)
}

// groupCommitted returns a consumer group's committed offsets by topic and
// partition (stable ones: a transaction in flight holds the answer back).
func (e *Engine) groupCommitted(ctx context.Context, group string) (map[string]map[int32]int64, error) {
	offs, err := kadm.NewClient(e.cluster.Producer()).FetchOffsets(kadm.RequireStable(ctx), group)
	if err == nil {
		err = offs.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("committed offsets of group %s: %w", group, err)
	}
	out := map[string]map[int32]int64{}
	offs.Each(func(o kadm.OffsetResponse) {
		if out[o.Topic] == nil {
			out[o.Topic] = map[int32]int64{}
		}
		out[o.Topic][o.Partition] = o.At
	})
	return out, nil
}
