package exec

import (
	"context"
	"maps"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

const (
	// defaultPurgeInterval is how often a query looks for records of its
	// repartition topics to delete.
	defaultPurgeInterval = 30 * time.Second
	// defaultPurgeAfter is how long a consumed repartition record is kept: Kafka's
	// default retention, counted from when the query committed it rather than from
	// the record's timestamp.
	defaultPurgeAfter = 7 * 24 * time.Hour
)

// repartitionPurge deletes what a query has consumed from its repartition topics.
//
// The engine creates those topics without time retention: their records carry the
// rows' event times, and records older than a topic's retention would be deleted
// before the query's second stage reads them, silently losing rows whenever old
// data is replayed. So the query deletes its consumed records itself, but only
// `after` they were committed: a node that owned a partition before keeps a local
// checkpoint there and, when the partition comes back to it, resumes from that
// checkpoint, which must still be readable (as the default retention of the
// topic's writes used to guarantee).
type repartitionPurge struct {
	interval, after time.Duration
	topics          map[string]bool
	last            time.Time
	// marks are committed positions with when they were seen, oldest first, one
	// per interval; a mark older than after is what can be deleted.
	marks  []purgeMark
	purged map[topicPartition]int64
}

type purgeMark struct {
	at        time.Time
	positions map[topicPartition]int64
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

// purgeConsumed runs at most once per interval, called by the query's loop after a
// batch's state and offsets are committed: it marks the committed positions of the
// repartition partitions and deletes the records below the newest mark older than
// after. A failure is logged and retried later (the records are only kept longer).
func (q *PersistentQuery) purgeConsumed(cl *kgo.Client, now time.Time) {
	p := &q.purge
	if p.topics == nil {
		p.topics = q.repartitionTopics()
		p.purged = map[topicPartition]int64{}
		if p.interval <= 0 {
			p.interval = defaultPurgeInterval
		}
		if p.after <= 0 {
			p.after = defaultPurgeAfter
		}
		p.last = now.Add(-p.interval)
	}
	if len(p.topics) == 0 || now.Sub(p.last) < p.interval {
		return
	}
	p.last = now
	// A hundred marks at most span after, whatever the interval: each holds a
	// position per partition.
	if n := len(p.marks); n == 0 || now.Sub(p.marks[n-1].at) >= max(p.interval, p.after/100) {
		mark := purgeMark{at: now, positions: map[topicPartition]int64{}}
		q.mu.Lock()
		for tp, pos := range q.positions {
			if p.topics[tp.topic] {
				mark.positions[tp] = pos
			}
		}
		q.mu.Unlock()
		p.marks = append(p.marks, mark)
	}
	var due map[topicPartition]int64
	for len(p.marks) > 0 && now.Sub(p.marks[0].at) >= p.after {
		due = p.marks[0].positions
		p.marks = p.marks[1:]
	}
	if due == nil {
		return
	}
	offsets := kadm.Offsets{}
	q.mu.Lock()
	assigned := maps.Clone(q.assigned)
	q.mu.Unlock()
	for tp, pos := range due {
		// A partition given to another member since is that member's to purge.
		if pos <= p.purged[tp] || !assigned[tp] {
			continue
		}
		if offsets[tp.topic] == nil {
			offsets[tp.topic] = map[int32]kadm.Offset{}
		}
		offsets[tp.topic][tp.partition] = kadm.Offset{Topic: tp.topic, Partition: tp.partition, At: pos, LeaderEpoch: -1}
	}
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
