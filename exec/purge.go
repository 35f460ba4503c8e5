package exec

import (
	"context"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// defaultPurgeInterval is how often a query deletes, from its repartition topics,
// the records its committed state already reflects (Kafka Streams' default too).
const defaultPurgeInterval = 30 * time.Second

// repartitionPurge tracks what a query has deleted from its repartition topics.
// The engine creates those topics without time retention (records carrying event
// times older than a topic's retention would otherwise be deleted before the
// query's second stage reads them, silently losing rows when old data is
// replayed), so the query itself deletes what it has consumed, as Kafka Streams
// does with its repartition topics.
type repartitionPurge struct {
	interval time.Duration
	topics   map[string]bool
	last     time.Time
	purged   map[topicPartition]int64
}

// repartitionTopics lists the internal topics the query both writes and reads.
func (q *PersistentQuery) repartitionTopics() map[string]bool {
	ts := map[string]bool{}
	if q.table != nil && q.table.repartition != "" {
		ts[q.table.repartition] = true
	}
	for k, r := range q.joinRepart {
		if r != nil {
			ts[q.joinTopics[k]] = true
		}
	}
	return ts
}

// purgeConsumed deletes the records below each repartition partition's committed
// position, at most once per interval. Called by the query's loop after a
// batch's state and offsets are committed; a failure is logged and retried at
// the next interval (the records are only kept longer).
func (q *PersistentQuery) purgeConsumed(cl *kgo.Client, now time.Time) {
	p := &q.purge
	if p.topics == nil {
		p.topics = q.repartitionTopics()
		p.purged = map[topicPartition]int64{}
		p.last = now
		if p.interval <= 0 {
			p.interval = defaultPurgeInterval
		}
	}
	if len(p.topics) == 0 || now.Sub(p.last) < p.interval {
		return
	}
	p.last = now
	offsets := kadm.Offsets{}
	q.mu.Lock()
	for tp, pos := range q.positions {
		if p.topics[tp.topic] && pos > p.purged[tp] {
			if offsets[tp.topic] == nil {
				offsets[tp.topic] = map[int32]kadm.Offset{}
			}
			offsets[tp.topic][tp.partition] = kadm.Offset{Topic: tp.topic, Partition: tp.partition, At: pos, LeaderEpoch: -1}
		}
	}
	q.mu.Unlock()
	if len(offsets) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resps, err := kadm.NewClient(cl).DeleteRecords(ctx, offsets)
	if err != nil {
		q.logger.Warn("purge repartition topics", "err", err)
		return
	}
	resps.Each(func(r kadm.DeleteRecordsResponse) {
		if r.Err != nil {
			q.logger.Warn("purge repartition topic", "topic", r.Topic, "partition", r.Partition, "err", r.Err)
			return
		}
		if o, ok := offsets.Lookup(r.Topic, r.Partition); ok {
			p.purged[topicPartition{r.Topic, r.Partition}] = o.At
		}
	})
}
