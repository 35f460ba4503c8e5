package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// newClient returns a client for the benchmark's own producing and reading.
func newClient(broker string, opts ...kgo.Opt) (*kgo.Client, error) {
	base := []kgo.Opt{
		kgo.SeedBrokers(broker),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerBatchMaxBytes(1 << 20),
		kgo.MaxBufferedRecords(100_000),
	}
	return kgo.NewClient(append(base, opts...)...)
}

func createTopic(ctx context.Context, cl *kgo.Client, topic string, partitions int) error {
	resp, err := kadm.NewClient(cl).CreateTopic(ctx, int32(partitions), 1, nil, topic)
	if err != nil {
		return fmt.Errorf("create topic %s: %w", topic, err)
	}
	if resp.Err != nil {
		return fmt.Errorf("create topic %s: %w", topic, resp.Err)
	}
	return nil
}

// produceEvents writes events [0, n) of g to topic (see produceRange).
func produceEvents(ctx context.Context, cl *kgo.Client, topic string, partitions int, g *generator, n int64, stamp func(id int64) time.Time) error {
	return produceRange(ctx, cl, topic, partitions, n, stamp, func(id int64, dst []byte) []byte {
		var e Event
		g.event(id, &e)
		return appendEventJSON(dst, &e)
	})
}

// produceRange writes the records [0, n) that value encodes to topic, record i to
// partition i mod partitions, stamped with the wall clock, and waits until the
// broker has acknowledged them all. Encoding is spread over a few goroutines; each
// produces a contiguous range. value must be safe for concurrent use, and must not
// keep dst.
//
// With stamp set, record i's timestamp is stamp(i) instead: the verification
// topic uses a strictly increasing function of the id, so that the queries whose
// results depend on record time (stream-table joins, WITHIN over record time)
// have one expected result, not one per interleaving of the producing goroutines
// and clock tick; and one goroutine produces them all, so that every partition
// is in timestamp order.
func produceRange(ctx context.Context, cl *kgo.Client, topic string, partitions int, n int64, stamp func(id int64) time.Time, value func(id int64, dst []byte) []byte) error {
	workers := int64(2)
	if stamp != nil {
		workers = 1
	}
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for w := int64(0); w < workers; w++ {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := lo; id < hi && ctx.Err() == nil; id++ {
				ts := time.Now()
				if stamp != nil {
					ts = stamp(id)
				}
				rec := &kgo.Record{Topic: topic, Partition: int32(id % int64(partitions)),
					Value: value(id, nil), Timestamp: ts}
				cl.Produce(ctx, rec, func(_ *kgo.Record, err error) {
					if err != nil {
						firstErr.CompareAndSwap(nil, err)
					}
				})
			}
		}()
	}
	wg.Wait()
	if err := cl.Flush(ctx); err != nil {
		return err
	}
	if err, _ := firstErr.Load().(error); err != nil {
		return fmt.Errorf("produce to %s: %w", topic, err)
	}
	return nil
}

// endOffsets returns the next offset of every partition of topic.
func endOffsets(ctx context.Context, adm *kadm.Client, topic string) (map[int32]int64, error) {
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return nil, err
	}
	out := map[int32]int64{}
	var ferr error
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err != nil {
			ferr = o.Err
		}
		out[o.Partition] = o.Offset
	})
	return out, ferr
}

// topicRecord is one record read back: its key and value (nil for a
// tombstone) and timestamp.
type topicRecord struct {
	key, value []byte
	ts         time.Time
}

// readTopic returns every record of topic, from the start to the end offsets at
// the time of the call; each partition's records in offset order.
func readTopic(ctx context.Context, broker, topic string) ([]topicRecord, error) {
	cl, err := newClient(broker)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	ends, err := endOffsets(ctx, kadm.NewClient(cl), topic)
	if err != nil {
		return nil, fmt.Errorf("end offsets of %s: %w", topic, err)
	}
	offsets := map[int32]kgo.Offset{}
	remaining := 0
	for p, end := range ends {
		if end > 0 {
			offsets[p] = kgo.NewOffset().AtStart()
			remaining++
		}
	}
	var out []topicRecord
	if remaining == 0 {
		return out, nil
	}
	// read_committed, as a reader of an exactly-once sink must; transaction
	// markers are returned (and skipped below) so the read reaches the end.
	rd, err := kgo.NewClient(kgo.SeedBrokers(broker),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: offsets}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.KeepControlRecords())
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	seen := map[int32]bool{}
	for remaining > 0 {
		fs := rd.PollFetches(ctx)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errs := fs.Errors(); len(errs) > 0 {
			return nil, fmt.Errorf("read %s: %w", topic, errs[0].Err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if r.Offset >= ends[r.Partition] {
				return
			}
			if !r.Attrs.IsControl() {
				out = append(out, topicRecord{key: r.Key, value: r.Value, ts: r.Timestamp})
			}
			if r.Offset == ends[r.Partition]-1 && !seen[r.Partition] {
				seen[r.Partition] = true
				remaining--
			}
		})
	}
	return out, nil
}

// groupsCaughtUp reports whether every group has committed, on every partition of
// every topic it reads, the end offset; and whether the first group covers
// every partition of source. Persistent queries commit only after their output is
// acknowledged, so a caught-up group has written all its results.
func groupsCaughtUp(ctx context.Context, adm *kadm.Client, source string, sourceEnds map[int32]int64, groups []string) (bool, error) {
	for i, g := range groups {
		committed, err := adm.FetchOffsets(ctx, g)
		if errors.Is(err, kerr.GroupIDNotFound) || errors.Is(err, kerr.CoordinatorLoadInProgress) {
			return false, nil // the group has not joined yet
		}
		if err != nil {
			return false, err
		}
		if i == 0 {
			for p, end := range sourceEnds {
				o, ok := committed.Lookup(source, p)
				if end > 0 && (!ok || o.At < end) {
					return false, nil
				}
			}
			continue
		}
		// The topics the group reads: those its members subscribed to, and
		// those it has committed. An empty one (an EMIT FINAL sink whose windows
		// have not closed) needs no commit; the groups are checked in statement
		// order, so its writers were caught up, with all their output written,
		// before this group is looked at.
		described, err := adm.DescribeGroups(ctx, g)
		if err != nil {
			return false, err
		}
		names := map[string]bool{}
		if dg, ok := described[g]; ok && dg.Err == nil {
			for _, t := range dg.JoinTopics() {
				names[t] = true
			}
		}
		for _, o := range committed.Sorted() {
			names[o.Topic] = true
		}
		if len(names) == 0 {
			return false, nil
		}
		for t := range names {
			ends, err := endOffsets(ctx, adm, t)
			if err != nil {
				return false, err
			}
			for p, end := range ends {
				o, ok := committed.Lookup(t, p)
				if end > 0 && (!ok || o.At < end) {
					return false, nil
				}
			}
		}
	}
	return true, nil
}
