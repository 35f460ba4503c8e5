package exec

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/plan"
)

// Task lifecycle. A query's work is divided into tasks, one per partition of
// its inputs, each owning its operators' state for that partition (every state
// key carries the partition, exec/state.go). The consumer group decides which
// member runs which task; the steps of a task's life on this member are:
//
//	assign   the group gives the partition: seek the input to the local
//	         checkpoint; with none (or a standby copy to catch up), pause the
//	         partition and restore its state from the changelog in the
//	         background, resuming it when the state is back (nothing is
//	         counted twice or missed);
//	run      the driver loop processes its records and commits them with the
//	         query's commit protocol (driver.go);
//	revoke   the group takes the partition away (or it is lost): the task's
//	         in-memory state is dropped, its stored state stays;
//	close    the query stops: the loop's last batch is committed, the member
//	         leaves the group (finish).

// assign is the first step of a task's life: the group gave this member input
// partitions. Each partition's task resumes where its local state left off, or
// has its state restored from the changelog in the background first.
func (q *PersistentQuery) assign(_ context.Context, cl *kgo.Client, parts map[string][]int32) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closing {
		return // the store may be closed already
	}
	if len(parts) > 0 {
		q.rebalances.Add(1)
	}
	for t, ps := range parts {
		for _, p := range ps {
			q.assigned[topicPartition{t, p}] = true
		}
	}
	if q.store == nil {
		// Stateless: each partition resumes at the group's committed offset.
		q.logger.Info("tasks assigned", "partitions", fmt.Sprint(parts), "resume_at", "committed offsets")
		return
	}
	copies := q.promote(parts)
	committed := q.reconcile(cl, parts, copies)
	q.restoreMissing(cl, parts, copies)
	// Resume each partition where its local state left off: the checkpoint is
	// written with the state, so nothing is counted twice or missed. A
	// partition being restored resumes at the group's committed offset when
	// the restore is done; its operators skip what the restored checkpoint
	// already reflects.
	seek := map[string]map[int32]kgo.EpochOffset{}
	for t, ps := range parts {
		for _, p := range ps {
			if q.restores[p] != nil && !q.isStageOne(t) {
				continue
			}
			c, ok, err := readCheckpoint(q.store, q.ID, q.checkpointStore(t), p)
			if err != nil {
				q.logger.Error("read checkpoint", "topic", t, "partition", p, "err", err)
				continue
			}
			if ok && q.isStageOne(t) {
				// A stateless first stage's checkpoint is only this member's
				// own last batch: behind the group's offset, another member
				// moved on since, and resuming from it would repartition its
				// records twice.
				if g, has := committed.Lookup(t, p); has && g.At > c.Offset {
					continue
				}
			}
			if ok {
				if seek[t] == nil {
					seek[t] = map[int32]kgo.EpochOffset{}
				}
				seek[t][p] = kgo.EpochOffset{Epoch: -1, Offset: c.Offset}
				q.positions[topicPartition{t, p}] = c.Offset
			}
		}
	}
	q.skipDeleted(cl, seek)
	if len(seek) > 0 {
		cl.SetOffsets(seek)
	}
	q.logger.Info("tasks assigned", "partitions", fmt.Sprint(parts), "resume_at", fmt.Sprint(seek))
}

// skipDeleted moves each resume point that the broker has deleted records under
// (retention, or a purge, ran past a checkpoint this member kept while another
// owned the partition) to the partition's first offset, and reports the records
// lost, in the processing log and the server log: the consumer's offset reset
// would read on from there too, but without a word about the loss.
func (q *PersistentQuery) skipDeleted(cl *kgo.Client, seek map[string]map[int32]kgo.EpochOffset) {
	if len(seek) == 0 {
		return
	}
	topics := make([]string, 0, len(seek))
	for t := range seek {
		topics = append(topics, t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	starts, err := kadm.NewClient(cl).ListStartOffsets(ctx, topics...)
	if err != nil {
		q.logger.Warn("list start offsets to check resume points", "err", err)
		return
	}
	starts.Each(func(o kadm.ListedOffset) {
		at, ok := seek[o.Topic][o.Partition]
		if !ok || o.Err != nil || o.Offset <= at.Offset {
			return
		}
		q.logger.Error("records deleted before this query read them; resuming at the partition's first offset",
			"topic", o.Topic, "partition", o.Partition, "resume_offset", at.Offset, "first_offset", o.Offset, "lost_records", o.Offset-at.Offset)
		q.log.Record(q.ID, fmt.Errorf("records %d to %d of %s partition %d were deleted by the broker before the query read them", at.Offset, o.Offset-1, o.Topic, o.Partition), o.Topic, o.Partition, at.Offset)
		seek[o.Topic][o.Partition] = kgo.EpochOffset{Epoch: -1, Offset: o.Offset}
		q.positions[topicPartition{o.Topic, o.Partition}] = o.Offset
	})
}

// restoreMissing starts, in the background, the rebuilding of the state of
// every newly assigned partition that has a standby copy (caught up from where
// the copy is) or no local checkpoint (rebuilt from the whole changelog). Called
// with q.mu held, inside the assignment callback: the callback returns at once,
// so the group's rebalance and the node's other tasks go on while the state
// comes back.
func (q *PersistentQuery) restoreMissing(cl *kgo.Client, parts map[string][]int32, copies map[int32]int64) {
	if q.changelog == "" {
		return
	}
	state := q.StateTopics()
	for t, ps := range parts {
		if !slices.Contains(state, t) {
			continue // a stateless first stage has nothing to restore
		}
		for _, p := range ps {
			if q.restored[p] {
				continue
			}
			q.restored[p] = true
			from, isCopy := copies[p]
			if !isCopy && q.hasCheckpoint(p) {
				continue
			}
			q.startRestore(cl, p, from, isCopy)
		}
	}
}

// restoreJob is a partition's state being rebuilt beside the query's loop. The
// partition's state topics are not fetched meanwhile, so no record of it is
// processed before its state is back.
type restoreJob struct {
	cancel context.CancelFunc
	paused map[string][]int32
}

// restoreResult is how a restore ended, for the loop (finishRestores).
type restoreResult struct {
	p   int32
	job *restoreJob
	err error
}

// startRestore pauses partition p's state topics and rebuilds its state in a
// goroutine. Called with q.mu held.
func (q *PersistentQuery) startRestore(cl *kgo.Client, p int32, from int64, isCopy bool) {
	paused := map[string][]int32{}
	for _, t := range q.StateTopics() {
		paused[t] = []int32{p}
	}
	cl.PauseFetchPartitions(paused)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	job := &restoreJob{cancel: cancel, paused: paused}
	q.restores[p] = job
	q.restoring.Add(1)
	q.restoreWG.Add(1)
	q.logger.Info("restoring state in the background", "partition", p, "from_standby_copy", isCopy)
	go func() {
		defer q.restoreWG.Done()
		defer cancel()
		err := q.rebuild(ctx, p, from, isCopy)
		q.restoring.Add(-1)
		q.mu.Lock()
		q.restoreResults = append(q.restoreResults, restoreResult{p: p, job: job, err: err})
		wake := q.wake
		q.mu.Unlock()
		if wake != nil {
			wake() // the loop's poll may be waiting for records of other partitions
		}
	}()
}

// rebuild restores partition p's state into the store: from the standby copy
// when there is one (from the changelog offset it has applied up to), else, or
// when catching the copy up fails, from the whole changelog. It touches only
// the store.
func (q *PersistentQuery) rebuild(ctx context.Context, p int32, from int64, isCopy bool) error {
	if isCopy {
		n, err := q.catchUpCopy(ctx, p, from)
		if err == nil {
			q.restoredRecords.Add(int64(n))
			return nil
		}
		if ctx.Err() != nil {
			return err
		}
		q.logger.Error("catch up standby copy failed; the partition is rebuilt from the whole changelog", "partition", p, "err", err)
	}
	began := time.Now()
	n, err := restorePartition(ctx, q.clients, q.store, q.ID, q.changelog, p, 0)
	if err != nil {
		return fmt.Errorf("restore partition %d from changelog %s: %w", p, q.changelog, err)
	}
	q.restoredRecords.Add(int64(n))
	if n > 0 {
		took := time.Since(began)
		q.logger.Info("restored state from changelog", "partition", p, "records", n,
			"took", took.Round(time.Millisecond), "records_per_s", int(float64(n)/max(took.Seconds(), 1e-3)))
	}
	return nil
}

// finishRestores resumes the partitions whose restore ended since the last call,
// with what the processor holds of them dropped (loaded again from the store at
// their first record). A restore that failed fails the query: it starts again
// (and restores again) after its backoff, instead of running on partial state.
// Called by the loop, between polls.
func (q *PersistentQuery) finishRestores(cl *kgo.Client) error {
	q.mu.Lock()
	results := q.restoreResults
	q.restoreResults = nil
	var done []restoreResult
	for _, r := range results {
		if q.restores[r.p] == r.job { // else revoked since, and cancelled
			delete(q.restores, r.p)
			done = append(done, r)
		}
	}
	q.mu.Unlock()
	var failed error
	for _, r := range done {
		if r.err != nil && failed == nil {
			failed = r.err
		}
		q.forgetPartition(r.p)
		cl.ResumeFetchPartitions(r.job.paused)
	}
	return failed
}

// stopRestores cancels the restore of every partition in parts (nil: all), as
// their tasks leave this member. Called with q.mu held.
func (q *PersistentQuery) stopRestores(cl *kgo.Client, parts map[string][]int32) {
	for p, job := range q.restores {
		if parts != nil && !slices.ContainsFunc(q.StateTopics(), func(t string) bool { return slices.Contains(parts[t], p) }) {
			continue
		}
		job.cancel()
		delete(q.restores, p)
		if cl != nil {
			// Paused partitions stay paused across assignments.
			cl.ResumeFetchPartitions(job.paused)
		}
	}
}

// hasCheckpoint reports whether partition p has local state: any of its
// checkpoints is in the store (or cannot be read, which is not a reason to
// overwrite it).
func (q *PersistentQuery) hasCheckpoint(p int32) bool {
	// Only the checkpoints of the stage that keeps the state: a first stage's
	// (repartitioning, stateless) checkpoint says nothing about it.
	stores := []string{plan.StoreCkpt}
	for src := range q.joinTopics {
		stores = append(stores, joinCkptStore(src))
	}
	for _, s := range stores {
		if _, ok, err := readCheckpoint(q.store, q.ID, s, p); err != nil || ok {
			return true
		}
	}
	return false
}

// revoke ends a task's life on this member: the group moved its partition
// elsewhere (or the member lost it). Its last batch is committed (the loop
// commits before it allows a rebalance); what the processor holds in memory for
// the partition is dropped at the loop's next step (dropRevoked), and a later
// assignment checks its checkpoint and restores it again.
func (q *PersistentQuery) revoke(_ context.Context, cl *kgo.Client, parts map[string][]int32) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(parts) > 0 {
		q.rebalances.Add(1)
		q.logger.Info("tasks revoked", "partitions", fmt.Sprint(parts))
	}
	q.stopRestores(cl, parts)
	for t, ps := range parts {
		for _, p := range ps {
			tp := topicPartition{t, p}
			delete(q.assigned, tp)
			delete(q.positions, tp)
			delete(q.ends, tp)
			delete(q.reading, tp)
			q.revoked = append(q.revoked, tp)
			if q.restored != nil {
				delete(q.restored, p)
			}
		}
	}
}

// dropRevoked drops the processor's memory of the partitions revoked since the
// last call. The loop calls it between polls, so the processor is not in the
// middle of a batch; a partition assigned again reloads from the store.
func (q *PersistentQuery) dropRevoked(proc processor) {
	q.mu.Lock()
	revoked := q.revoked
	q.revoked = nil
	q.mu.Unlock()
	for _, tp := range revoked {
		// Dropped even when assigned again since: the state in the store is
		// what this member committed last, which its memory held anyway.
		proc.revoke(tp.topic, tp.partition)
	}
}

// reconcile applies the recovery rule to newly assigned partitions: the
// group's committed offsets are the authority.
//
// Under exactly-once they were committed in the same transaction as the
// outputs and changelog records: a partition whose local checkpoint is behind
// them (a crash between the transaction's commit and the store's, or another
// member processed the partition since) or ahead of them (no committed
// transaction covers it) has its local state discarded, so restoreMissing
// rebuilds it from the changelog as of the last committed transaction.
//
// Under at-least-once the store commits before the offsets, so a checkpoint
// one batch ahead of them is this member's own last batch and stays; one
// behind them is state another member moved on from since this one owned the
// partition, and is rebuilt from the changelog that member wrote (resuming
// from the stale checkpoint instead would process the records between again
// and write their results twice). Called with q.mu held.
func (q *PersistentQuery) reconcile(cl *kgo.Client, parts map[string][]int32, copies map[int32]int64) kadm.OffsetResponses {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var offsets kadm.OffsetResponses
	var err error
	for {
		offsets, err = kadm.NewClient(cl).FetchOffsets(kadm.RequireStable(ctx), q.Group)
		if err == nil {
			err = offsets.Error()
		}
		// A transaction of the group is still open (a member that was just
		// stopped or moved): its offsets become stable when it commits or
		// aborts, within the transaction timeout. Resuming from the local
		// checkpoint instead could keep the effects of a batch whose
		// transaction is then aborted.
		if !errors.Is(err, kerr.UnstableOffsetCommit) || ctx.Err() != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		q.logger.Error("fetch committed offsets to check local state; resuming from local checkpoints", "err", err)
		return nil
	}
	if !q.exactlyOnce && q.changelog == "" {
		return offsets // nothing to rebuild from: the local checkpoint is all there is
	}
	discard := map[int32]bool{}
	for t, ps := range parts {
		if q.isStageOne(t) {
			continue // stateless: the group's offset decides where it resumes (assign)
		}
		for _, p := range ps {
			if _, ok := copies[p]; ok {
				continue // a standby copy: caught up to the changelog's end (restoreMissing)
			}
			c, ok, err := readCheckpoint(q.store, q.ID, q.checkpointStore(t), p)
			if err != nil || !ok {
				continue // no local state: restoreMissing rebuilds it
			}
			g, committed := offsets.Lookup(t, p)
			if committed && g.At == c.Offset {
				continue
			}
			if !q.exactlyOnce && (!committed || g.At < c.Offset) {
				continue
			}
			at := int64(-1)
			if committed {
				at = g.At
			}
			q.logger.Warn("local state disagrees with the committed transaction; rebuilding it from the changelog",
				"topic", t, "partition", p, "checkpoint", c.Offset, "committed", at)
			discard[p] = true
		}
	}
	for p := range discard {
		if err := q.discardPartition(p); err != nil {
			q.logger.Error("discard local state", "partition", p, "err", err)
			continue
		}
		delete(q.restored, p)
	}
	return offsets
}

// isStageOne reports whether topic is read by a query's stateless first stage
// (the one that repartitions), not by the stage that keeps the state.
func (q *PersistentQuery) isStageOne(topic string) bool {
	return !slices.Contains(q.StateTopics(), topic)
}

// discardPartition deletes every key of the query's state for partition p,
// in every store, and what the processor caches of it.
func (q *PersistentQuery) discardPartition(p int32) error {
	if err := q.discardStored(p); err != nil {
		return err
	}
	q.forgetPartition(p)
	return nil
}

// forgetPartition drops what the query's operators hold in memory of partition
// p's state (loaded again from the store at its next record): after the
// stored state changed under them (a restore, a discard).
func (q *PersistentQuery) forgetPartition(p int32) {
	if q.table != nil {
		q.table.dropPartition(p)
	}
	if q.join != nil {
		delete(q.join.parts, p)
	}
	for _, r := range q.joinRepart {
		if r != nil {
			r.forget(p)
		}
	}
}

// discardStored deletes every key of the query's state for partition p, in
// every store.
func (q *PersistentQuery) discardStored(p int32) error {
	prefix := StatePrefix(q.ID, "", -1)
	b := q.store.NewBatch()
	err := q.store.Scan(prefix, func(key, _ []byte) bool {
		rest := key[len(prefix):]
		i := bytes.IndexByte(rest, 0)
		if i >= 0 && len(rest) >= i+5 && int32(binary.BigEndian.Uint32(rest[i+1:])) == p {
			if err := b.Delete(append([]byte(nil), key...)); err != nil {
				return false
			}
		}
		return true
	})
	if err != nil {
		b.Close()
		return err
	}
	return b.Commit(true)
}
