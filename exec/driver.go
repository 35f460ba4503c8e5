package exec

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/storage"
)

// processor is the operators of one query kind (stateless, table result, join)
// as the driver loop sees them. Every query runs the same loop: poll a batch,
// process it, then commit it with the one commit protocol (commit), so the
// guarantees hold alike for every kind and are changed in one place.
type processor interface {
	// stateful reports whether the processor keeps state in the store: its
	// batches then get a store batch and a changelog batch.
	stateful() bool
	// indexed reports whether process reads its own writes from the batch (a
	// join probes state written earlier in the same poll).
	indexed() bool
	// process runs one poll's records through the operators. State changes are
	// kept by the processor until stage, or written to b when it reads them back
	// (indexed); output records are passed to emit. An error fails the query.
	process(fetches kgo.Fetches, b *storage.Batch, cb *changelogBatch, emit func(*kgo.Record)) error
	// held passes the output records the processor held back for this commit
	// (a table result's record cache) to emit.
	held(emit func(*kgo.Record)) error
	// stage writes the state changed since the last commit, with the input
	// checkpoints it reflects, to cb.
	stage(cb *changelogBatch) error
	// revoke drops what the processor holds in memory for a partition of one
	// of its input topics, whose task moved to another member.
	revoke(topic string, partition int32)
}

// drive is a query's loop until it is stopped or fails.
func (q *PersistentQuery) drive(ctx context.Context, cl *kgo.Client, proc processor) {
	defer close(q.done)
	defer q.finish(cl)
	var results []*kgo.Record
	emit := func(r *kgo.Record) { results = append(results, r) }
	for {
		fetches, ok := q.poll(ctx, cl)
		if !ok {
			return
		}
		q.dropRevoked(proc)
		results = results[:0]
		var (
			b  *storage.Batch
			cb *changelogBatch
		)
		if proc.stateful() {
			if proc.indexed() {
				b = q.store.NewIndexedBatch()
			} else {
				b = q.store.NewBatch()
			}
			cb = newChangelogBatch(b, q.ID, q.changelog)
		}
		err := proc.process(fetches, b, cb, emit)
		if err == nil {
			err = q.commit(cl, proc, b, cb, &results)
		} else if b != nil {
			b.Close()
		}
		if err != nil {
			// The batch is not committed: it is processed again when the query
			// restarts, from the last checkpoint or committed offset.
			q.logger.Error("query failed", "err", err)
			q.setError(err)
			cl.AllowRebalance()
			return
		}
		q.advance(fetches)
		cl.AllowRebalance()
		q.purgeConsumed(cl, time.Now())
	}
}

// commit is the commit protocol of every query:
//
//  1. the output records (and those the processor held back) are produced and
//     acknowledged by the broker;
//  2. the state changed by the batch, with each partition's input checkpoint,
//     is staged, its changelog records produced and acknowledged (the changelog
//     never lags the local state it would rebuild);
//  3. the store batch commits, synced (Pebble keeps unsynced WAL writes in its
//     own buffer: without a sync a kill -9 would lose the batch while the input
//     offsets move on);
//  4. the consumer group's offsets are committed.
//
// A crash before 3 processes the batch again from the previous checkpoint (its
// outputs may be written twice: at-least-once); after 3 the state and the
// checkpoint agree, so aggregates never count twice. It deliberately ignores the
// query's context: a stop request must not abandon a half-written batch.
func (q *PersistentQuery) commit(cl *kgo.Client, proc processor, b *storage.Batch, cb *changelogBatch, results *[]*kgo.Record) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	fail := func(err error) error {
		if b != nil {
			b.Close()
		}
		return err
	}
	if err := proc.held(func(r *kgo.Record) { *results = append(*results, r) }); err != nil {
		return fail(fmt.Errorf("flush result cache: %w", err))
	}
	if len(*results) > 0 {
		if err := cl.ProduceSync(ctx, *results...).FirstErr(); err != nil {
			return fail(fmt.Errorf("write to sink %s: %w", q.sinkTopic(), err))
		}
		q.emitted.Add(int64(len(*results)))
	}
	if b != nil {
		if err := proc.stage(cb); err != nil {
			return fail(fmt.Errorf("stage state: %w", err))
		}
		if recs := cb.records(); len(recs) > 0 && q.changelogWriter != nil {
			if err := q.changelogWriter.ProduceSync(ctx, recs...).FirstErr(); err != nil {
				return fail(fmt.Errorf("write changelog %s: %w", q.changelog, err))
			}
		}
		if b.Empty() {
			b.Close()
		} else if err := b.Commit(true); err != nil {
			return fmt.Errorf("commit state: %w", err)
		}
	}
	if err := cl.CommitUncommittedOffsets(ctx); err != nil {
		return fmt.Errorf("commit offsets: %w", err)
	}
	return nil
}

// finish ends a query's loop: a bug in an operator fails the query (recovered
// here, not hanging it or the server), the consumer leaves the group, and the
// state becomes STOPPED unless it is ERROR. Deferred by the loop.
func (q *PersistentQuery) finish(cl *kgo.Client) {
	if r := recover(); r != nil {
		q.logger.Error("query panicked", "panic", r, "stack", string(debug.Stack()))
		q.setError(fmt.Errorf("internal error: %v", r))
	}
	cl.AllowRebalance()
	cl.Close() // leaves the group; offsets were committed batch by batch
	if q.changelogWriter != nil {
		q.changelogWriter.Close()
	}
	q.mu.Lock()
	if q.state == StateRunning {
		q.state = StateStopped
	}
	q.mu.Unlock()
}
