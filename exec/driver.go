package exec

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
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

// Steps of the commit protocol at which a fault hook is called
// (PersistentConfig.Fault).
const (
	FaultBeforeCommit = "before-commit" // outputs and changelog produced, nothing committed
	FaultAfterOffsets = "after-offsets" // transaction (or offsets) committed, local state not
	FaultAfterState   = "after-state"   // everything committed
)

// drive is a query's loop until it is stopped or fails. A batch gathers polls
// for the query's commit interval (one poll when it is 0), then commits.
func (q *PersistentQuery) drive(ctx context.Context, cl *kgo.Client, proc processor) {
	defer close(q.done)
	defer q.finish(cl)
	var (
		results []*kgo.Record
		polled  []kgo.Fetches
		b       *storage.Batch
		cb      *changelogBatch
		open    bool
		due     time.Time
	)
	emit := func(r *kgo.Record) { results = append(results, r) }
	for {
		if err := q.finishRestores(cl); err != nil {
			if open {
				discardBatch(b, nil) // not committed: processed again when the query starts again
			}
			q.logger.Error("query failed", "err", err)
			q.setError(err)
			return
		}
		var deadline time.Time
		if open && q.commitInterval > 0 {
			deadline = due
		}
		fetches, ok := q.poll(ctx, cl, deadline)
		if !ok && !open {
			return
		}
		if ok && !open && fetches.NumRecords() == 0 {
			cl.AllowRebalance() // nothing to commit: let a pending rebalance go on
			continue
		}
		if !open {
			// A batch starts between commits, where the processor holds only
			// committed state: drop what revoked partitions left.
			q.dropRevoked(proc)
			results, polled, b, cb = results[:0], polled[:0], nil, nil
			if proc.stateful() {
				if proc.indexed() {
					b = q.store.NewIndexedBatch()
				} else {
					b = q.store.NewBatch()
				}
				cb = newChangelogBatch(b, q.ID, q.changelog)
			}
			open, due = true, time.Now().Add(q.commitInterval)
		}
		var err error
		if ok {
			polled = append(polled, fetches)
			err = proc.process(fetches, b, cb, emit)
			if err == nil && q.commitInterval > 0 && time.Now().Before(due) {
				continue // gather more polls into this batch
			}
		}
		if err == nil {
			began := time.Now()
			if err = q.commit(cl, proc, b, cb, &results); err == nil {
				q.countOutputs(results)
				if q.onCommit != nil {
					q.onCommit(time.Since(began))
				}
			}
		} else {
			discardBatch(b, nil)
		}
		open = false
		if errors.Is(err, errRewound) {
			// The batch's transaction aborted: its partitions are sought
			// back, its records are read again, and the positions stay where
			// the last committed batch left them.
			q.rewind(cl, proc, polled)
			if !ok {
				return
			}
			cl.AllowRebalance()
			continue
		}
		if err != nil {
			// The batch is not committed: it is processed again when the query
			// restarts, from the last checkpoint or committed offset.
			q.logger.Error("query failed", "err", err)
			q.setError(err)
			return
		}
		for _, f := range polled {
			q.advance(f)
		}
		q.saveCounters()
		if !ok {
			return // stopping: the last batch is committed
		}
		cl.AllowRebalance()
		q.purgeConsumed(cl, time.Now())
	}
}

// commit is the commit protocol of every query under at-least-once (commitTxn
// is the exactly-once one):
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
	if q.txn != nil {
		return q.commitTxn(cl, proc, b, cb, results)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	fail := func(err error) error { return discardBatch(b, err) }
	if err := proc.held(func(r *kgo.Record) { *results = append(*results, r) }); err != nil {
		return fail(fmt.Errorf("flush result cache: %w", err))
	}
	*results = q.dropOversized(*results)
	if len(*results) > 0 {
		if err := cl.ProduceSync(ctx, *results...).FirstErr(); err != nil {
			return fail(fmt.Errorf("write to sink %s: %w", q.sinkTopic(), err))
		}
	}
	if b != nil {
		if err := proc.stage(cb); err != nil {
			return fail(fmt.Errorf("stage state: %w", err))
		}
		if recs := q.dropOversized(cb.records()); len(recs) > 0 && q.changelogWriter != nil {
			if err := q.changelogWriter.ProduceSync(ctx, recs...).FirstErr(); err != nil {
				return fail(fmt.Errorf("write changelog %s: %w", q.changelog, err))
			}
		}
		if err := q.step(FaultBeforeCommit); err != nil {
			return fail(err)
		}
		if err := commitState(b); err != nil {
			return err
		}
	} else if err := q.step(FaultBeforeCommit); err != nil {
		return err
	}
	if err := cl.CommitUncommittedOffsets(ctx); err != nil {
		return fmt.Errorf("commit offsets: %w", err)
	}
	return q.step(FaultAfterState)
}

// commitTxn is the commit protocol under exactly-once:
//
//  1. a transaction begins; the output records (and those held back), then the
//     staged state's changelog records, are produced in it;
//  2. the transaction commits with the batch's input offsets (a member fenced
//     by a newer generation cannot commit);
//  3. the store batch commits, synced.
//
// The group's committed offsets are the authority. A crash before 2 aborts the
// transaction (the next producer with the same transactional id fences it):
// nothing is visible to read_committed readers and the local checkpoint equals
// the committed offsets. A crash between 2 and 3 leaves a local checkpoint
// behind the committed offsets: at assignment the partition's local state is
// discarded and rebuilt from the changelog, which holds the state as of the
// committed transaction (task.go). A transaction that aborts without a crash
// (the member lost its partitions) rewinds the batch.
func (q *PersistentQuery) commitTxn(cl *kgo.Client, proc processor, b *storage.Batch, cb *changelogBatch, results *[]*kgo.Record) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	fail := func(err error) error { return discardBatch(b, err) }
	if err := q.txn.Begin(); err != nil {
		return fail(fmt.Errorf("begin transaction: %w", err))
	}
	abort := func(err error) error {
		if _, aerr := q.txn.End(ctx, kgo.TryAbort); aerr != nil {
			err = fmt.Errorf("%w (and the abort failed: %v)", err, aerr)
		}
		return fail(err)
	}
	if err := proc.held(func(r *kgo.Record) { *results = append(*results, r) }); err != nil {
		return abort(fmt.Errorf("flush result cache: %w", err))
	}
	var (
		mu      sync.Mutex
		produce error
	)
	promise := func(_ *kgo.Record, err error) {
		if err != nil {
			mu.Lock()
			if produce == nil {
				produce = err
			}
			mu.Unlock()
		}
	}
	*results = q.dropOversized(*results)
	for _, r := range *results {
		cl.Produce(ctx, r, promise)
	}
	var changelog []*kgo.Record
	if b != nil {
		if err := proc.stage(cb); err != nil {
			return abort(fmt.Errorf("stage state: %w", err))
		}
		changelog = q.dropOversized(cb.records())
		for _, r := range changelog {
			cl.Produce(ctx, r, promise)
		}
	}
	if err := cl.Flush(ctx); err != nil {
		return abort(fmt.Errorf("write transaction: %w", err))
	}
	if produce != nil {
		return abort(fmt.Errorf("write to sink %s or changelog: %w", q.sinkTopic(), produce))
	}
	if err := q.step(FaultBeforeCommit); err != nil {
		// As a crash would: the transaction stays open until the next producer
		// with this transactional id fences it, or it times out.
		return fail(err)
	}
	committed, err := q.txn.End(ctx, kgo.TryCommit)
	if err != nil {
		return fail(fmt.Errorf("commit transaction: %w", err))
	}
	if !committed {
		// The group rebalanced or fenced this member before the commit: the
		// transaction aborted, and the batch is processed again from the last
		// committed state.
		q.logger.Warn("transaction aborted by a rebalance; reprocessing the batch", "outputs", len(*results))
		discardBatch(b, nil)
		*results = (*results)[:0] // nothing was written
		return errRewound
	}
	if err := q.step(FaultAfterOffsets); err != nil {
		return fail(err)
	}
	if b != nil {
		if err := commitState(b); err != nil {
			return err
		}
	}
	return q.step(FaultAfterState)
}

// errRewound says a batch's transaction was aborted by a rebalance and its
// partitions sought back to their last committed positions: nothing of it
// happened, so the loop must not move its positions past it.
var errRewound = errors.New("transaction aborted by a rebalance; batch rewound")

// discardBatch drops a batch that will not commit (b may be nil) and returns err.
func discardBatch(b *storage.Batch, err error) error {
	if b != nil {
		b.Close()
	}
	return err
}

// commitState commits a batch's state, synced: Pebble keeps unsynced WAL
// writes in its own buffer, so without a sync a kill -9 would lose the batch
// while the input offsets move on.
func commitState(b *storage.Batch) error {
	if b.Empty() {
		b.Close()
		return nil
	}
	if err := b.Commit(true); err != nil {
		return fmt.Errorf("commit state: %w", err)
	}
	return nil
}

// rewind undoes an aborted batch: the processor forgets every partition (its
// memory holds the batch's changes; the store holds the last committed state)
// and each input partition the batch read is read again from its first record
// in the batch. That is where the last commit left it, also for a partition
// with no committed offset yet (the group's first batch) and one whose
// position the processor set itself (a join holding records back), which the
// client's own reset to its committed offsets gets wrong.
func (q *PersistentQuery) rewind(cl *kgo.Client, proc processor, polled []kgo.Fetches) {
	seek := map[string]map[int32]kgo.EpochOffset{}
	for _, f := range polled {
		f.EachPartition(func(p kgo.FetchTopicPartition) {
			if len(p.Records) == 0 {
				return
			}
			if seek[p.Topic] == nil {
				seek[p.Topic] = map[int32]kgo.EpochOffset{}
			}
			if _, ok := seek[p.Topic][p.Partition]; !ok {
				seek[p.Topic][p.Partition] = kgo.EpochOffset{Epoch: -1, Offset: p.Records[0].Offset}
			}
		})
	}
	q.mu.Lock()
	committed := cl.CommittedOffsets()
	for tp := range q.assigned {
		q.revoked = append(q.revoked, tp)
		if _, ok := seek[tp.topic][tp.partition]; ok {
			continue
		}
		off, ok := q.positions[tp]
		if !ok {
			c, have := committed[tp.topic][tp.partition]
			if !have {
				continue
			}
			off = c.Offset
		}
		if seek[tp.topic] == nil {
			seek[tp.topic] = map[int32]kgo.EpochOffset{}
		}
		seek[tp.topic][tp.partition] = kgo.EpochOffset{Epoch: -1, Offset: off}
	}
	q.mu.Unlock()
	q.dropRevoked(proc)
	cl.SetOffsets(seek)
}

// step calls the fault hook, if any, at a step of the commit protocol.
func (q *PersistentQuery) step(name string) error {
	if q.fault == nil {
		return nil
	}
	if err := q.fault(name); err != nil {
		return fmt.Errorf("fault at %s: %w", name, err)
	}
	return nil
}

// changelogPartitioner sends changelog records to the partition they carry
// (their state's) and every other record where rest would.
type changelogPartitioner struct {
	changelog string
	rest      kgo.Partitioner
}

func (p changelogPartitioner) ForTopic(topic string) kgo.TopicPartitioner {
	if topic == p.changelog {
		return kgo.ManualPartitioner().ForTopic(topic)
	}
	return p.rest.ForTopic(topic)
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
	// Offsets were committed batch by batch. The member leaves the group (a
	// static one stays, for a restart); closing may wait for a rebalance in
	// progress, which waits for members that will not come back (static ones
	// that stopped) up to the rebalance timeout. Nothing of the query's is
	// needed for that: the wait is bounded, the client finishes closing in the
	// background, and its callbacks do nothing from now on (closing).
	q.mu.Lock()
	q.closing = true
	q.stopRestores(nil, nil)
	q.mu.Unlock()
	q.restoreWG.Wait() // they write to the store, which closes after the query
	q.saveCounters()   // with the rebalances and restores since the last batch
	closed := make(chan struct{})
	go func() { cl.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		q.logger.Info("the query's consumer is still leaving its group; going on without waiting")
	}
	if q.changelogWriter != nil {
		q.changelogWriter.Close()
	}
	q.mu.Lock()
	if q.state == StateRunning {
		q.state = StateStopped
	}
	q.mu.Unlock()
}
