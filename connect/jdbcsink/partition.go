package jdbcsink

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// A partitionWriter writes one assigned partition's records, in order, in
// batches of up to batch.size, each batch with its new position in one
// transaction. The poll loop only queues records for it, so fetching and
// decoding the next records overlap the database writing the previous batch,
// and a partition never waits for another's batch (no barrier per poll).
//
// Back-pressure: the partition's fetching is paused (kgo's
// PauseFetchPartitions, which keeps the fetch position where the queue ends)
// while its queue holds two batches, or while a batch is being retried
// against a database that refuses it, and resumed once the queue drains and
// the batch is written. Nothing else holds records, so a slow or unavailable
// database bounds the memory a connector uses.
type partitionWriter struct {
	tp     topicPartition
	cancel context.CancelFunc
	done   chan struct{}
	wake   chan struct{} // capacity 1: records were queued

	// Guarded by Connector.mu.
	queue       []*kgo.Record
	queuedBytes int
	retrying    bool
	paused      bool
	// seekPending: after the partition was fenced, its queue was dropped and
	// the poll loop must seek the consumer to pos before records are queued
	// again (records fetched before the seek are dropped).
	seekPending bool
}

// maxQueuedBytes bounds a partition's queue besides its two batches (records
// of 1 MB would otherwise queue 6 GB at the default batch.size).
const maxQueuedBytes = 64 << 20

// dispatch queues each partition's fetched records with its writer, starting
// the writer on the partition's first records. It runs on the poll loop,
// while rebalances are blocked, so no partition is revoked meanwhile.
func (c *Connector) dispatch(ctx context.Context, fetches kgo.Fetches) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fetches.EachPartition(func(p kgo.FetchTopicPartition) {
		tp := topicPartition{p.Topic, p.Partition}
		if _, ok := c.pos[tp]; !ok {
			return // not assigned (any more)
		}
		c.hwm[tp] = p.HighWatermark
		if len(p.Records) == 0 {
			return
		}
		w := c.writers[tp]
		if w == nil {
			wctx, cancel := context.WithCancel(ctx)
			w = &partitionWriter{tp: tp, cancel: cancel, done: make(chan struct{}), wake: make(chan struct{}, 1)}
			c.writers[tp] = w
			go c.runWriter(wctx, w)
		}
		if w.seekPending {
			return
		}
		w.queue = append(w.queue, p.Records...)
		for _, r := range p.Records {
			w.queuedBytes += len(r.Key) + len(r.Value)
		}
		c.updatePauseLocked(w)
		select {
		case w.wake <- struct{}{}:
		default:
		}
	})
}

// updatePauseLocked pauses or resumes w's partition as its queue and retries
// require.
func (c *Connector) updatePauseLocked(w *partitionWriter) {
	want := w.retrying || len(w.queue) >= 2*c.cfg.BatchSize || w.queuedBytes >= maxQueuedBytes
	if want == w.paused {
		return
	}
	w.paused = want
	m := map[string][]int32{w.tp.topic: {w.tp.partition}}
	if want {
		c.client.PauseFetchPartitions(m)
		c.status.PausedPartitions++
	} else {
		c.client.ResumeFetchPartitions(m)
		c.status.PausedPartitions--
	}
}

// applySeeks seeks the fenced partitions to their stored positions. It runs
// on the poll loop between polls, where kgo allows SetOffsets; the seek
// drops the fetches buffered before it.
func (c *Connector) applySeeks() {
	c.mu.Lock()
	seeks := map[string]map[int32]kgo.EpochOffset{}
	for tp, w := range c.writers {
		if !w.seekPending {
			continue
		}
		w.seekPending = false
		if seeks[tp.topic] == nil {
			seeks[tp.topic] = map[int32]kgo.EpochOffset{}
		}
		seeks[tp.topic][tp.partition] = kgo.EpochOffset{Epoch: -1, Offset: c.pos[tp]}
	}
	c.mu.Unlock()
	if len(seeks) > 0 {
		c.client.SetOffsets(seeks)
	}
}

// stopWriters stops the writers of the given partitions (all when tps is
// nil) and waits for them: a batch being written rolls back. Their queues are
// dropped; the partitions are resumed, so that one assigned again is fetched.
func (c *Connector) stopWriters(tps []topicPartition) {
	c.mu.Lock()
	var stopped []*partitionWriter
	for tp, w := range c.writers {
		if tps != nil && !containsTP(tps, tp) {
			continue
		}
		delete(c.writers, tp)
		w.cancel()
		stopped = append(stopped, w)
	}
	c.mu.Unlock()
	resume := map[string][]int32{}
	for _, w := range stopped {
		<-w.done
		if w.paused {
			resume[w.tp.topic] = append(resume[w.tp.topic], w.tp.partition)
			c.mu.Lock()
			c.status.PausedPartitions--
			c.mu.Unlock()
		}
	}
	if len(resume) > 0 {
		c.client.ResumeFetchPartitions(resume)
	}
}

func containsTP(tps []topicPartition, tp topicPartition) bool {
	for _, x := range tps {
		if x == tp {
			return true
		}
	}
	return false
}

// runWriter writes w's queue until ctx ends or a write fails for good, which
// fails the connector.
func (c *Connector) runWriter(ctx context.Context, w *partitionWriter) {
	defer close(w.done)
	for {
		batch, from, ok := c.take(ctx, w)
		if !ok {
			return
		}
		select {
		case c.slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		err := c.writeBatch(ctx, w, batch, from)
		<-c.slots
		if err != nil {
			if ctx.Err() == nil {
				c.fail(err)
			}
			return
		}
	}
}

// take waits for w's next batch: up to batch.size queued records at or past
// the partition's position (records before it were fetched before a seek),
// and the position it starts from.
func (c *Connector) take(ctx context.Context, w *partitionWriter) ([]*kgo.Record, int64, bool) {
	for {
		c.mu.Lock()
		from, assigned := c.pos[w.tp]
		skip := 0
		for skip < len(w.queue) && w.queue[skip].Offset < from {
			skip++
		}
		n := min(len(w.queue)-skip, c.cfg.BatchSize)
		var batch []*kgo.Record
		if assigned && n > 0 {
			batch = w.queue[skip : skip+n]
			for _, r := range w.queue[:skip+n] {
				w.queuedBytes -= len(r.Key) + len(r.Value)
			}
			w.queue = w.queue[skip+n:]
			if len(w.queue) == 0 {
				w.queue = nil // let the fetched records go
			}
			c.updatePauseLocked(w)
		}
		c.mu.Unlock()
		if batch != nil {
			return batch, from, true
		}
		select {
		case <-w.wake:
		case <-ctx.Done():
			return nil, 0, false
		}
	}
}

// writeBatch decodes and writes one batch, retrying while the database is
// unavailable (the partition paused meanwhile).
func (c *Connector) writeBatch(ctx context.Context, w *partitionWriter, batch []*kgo.Record, from int64) error {
	t := c.tables[w.tp.topic]
	ops, rejects, err := c.decode(t, batch)
	if err != nil {
		return err
	}
	next := batch[len(batch)-1].Offset + 1
	var dbRejects []rejected
	err = c.retryPausing(ctx, w, func(ctx context.Context) (err error) {
		dbRejects, err = c.commit(ctx, t, w.tp, ops, rejects, from, next)
		return err
	})
	if errors.Is(err, errFenced) {
		return c.resync(ctx, w)
	}
	if err != nil {
		return fmt.Errorf("write %s partition %d (offsets %d to %d) to %s: %w", w.tp.topic, w.tp.partition, batch[0].Offset, next-1, t.name.Sanitize(), err)
	}
	c.mu.Lock()
	if _, ok := c.pos[w.tp]; ok {
		c.pos[w.tp] = next
	}
	c.status.RowsWritten += int64(len(ops) - len(dbRejects))
	c.status.Rejected += int64(len(rejects) + len(dbRejects))
	c.status.Batches++
	c.status.LastBatchAt = time.Now()
	c.mu.Unlock()
	return nil
}

// retryPausing is retry with w's partition paused from the first failure
// until the batch is written or given up.
func (c *Connector) retryPausing(ctx context.Context, w *partitionWriter, f func(context.Context) error) error {
	failed := false
	defer func() {
		if failed {
			c.mu.Lock()
			w.retrying = false
			c.updatePauseLocked(w)
			c.mu.Unlock()
		}
	}()
	return c.retry(ctx, func(ctx context.Context) error {
		err := f(ctx)
		if err != nil && !failed && transient(err) {
			failed = true
			c.mu.Lock()
			w.retrying = true
			c.updatePauseLocked(w)
			c.mu.Unlock()
		}
		return err
	})
}

// resync reloads a fenced partition's stored position, drops its queue and
// has the poll loop seek to the position.
func (c *Connector) resync(ctx context.Context, w *partitionWriter) error {
	stored, err := loadOffsets(ctx, c.pool, c.d.Name)
	if err != nil {
		return err
	}
	next, ok := stored[w.tp.topic][w.tp.partition]
	if !ok {
		return fmt.Errorf("partition %s/%d was fenced but has no stored offset", w.tp.topic, w.tp.partition)
	}
	c.d.Logger.Warn("connector partition written by another task; resuming from the stored offset", "connector", c.d.Name, "topic", w.tp.topic, "partition", w.tp.partition, "offset", next)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.pos[w.tp]; ok {
		c.pos[w.tp] = next
	}
	w.queue, w.queuedBytes, w.seekPending = nil, 0, true
	c.updatePauseLocked(w)
	return nil
}
