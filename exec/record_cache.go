package exec

import (
	"sort"

	"github.com/twmb/franz-go/pkg/kgo"
)

// recordCache collapses a table query's result records per key between
// commits, as Kafka Streams' record cache does under ksqlDB's
// cache.max.bytes.buffering: of several updates to one key in a poll only the
// last reaches the sink, in the order of the keys' last updates. A cache over
// its byte bound is drained at once; a bound of 0 turns caching off, so every
// update is a record (ksqlDB's test mode).
type recordCache struct {
	maxBytes int64
	bytes    int64
	seq      int64
	entries  map[string]*cachedRecord
}

type cachedRecord struct {
	rec *kgo.Record
	seq int64
	// prior is the key's materialized result before the first cached update
	// (nil: not in memory, the store has it): a tombstone for a key that was
	// not in the result before the poll is dropped, not sent.
	prior      *outRow
	priorKnown bool
	partition  int32
}

func newRecordCache(maxBytes int64) *recordCache {
	if maxBytes <= 0 {
		return nil
	}
	return &recordCache{maxBytes: maxBytes, entries: map[string]*cachedRecord{}}
}

func recordSize(r *kgo.Record) int64 { return int64(len(r.Key) + len(r.Value) + 64) }

// put caches r for key of partition p; prior is the key's result row before
// this update. It reports whether the cache is now over its bound.
func (c *recordCache) put(p int32, key string, r *kgo.Record, prior *outRow, priorKnown bool) bool {
	c.seq++
	if e, ok := c.entries[key]; ok {
		c.bytes += recordSize(r) - recordSize(e.rec)
		e.rec, e.seq = r, c.seq
	} else {
		c.entries[key] = &cachedRecord{rec: r, seq: c.seq, prior: prior, priorKnown: priorKnown, partition: p}
		c.bytes += recordSize(r)
	}
	return c.bytes > c.maxBytes
}

// drain sends the cached records, oldest last update first, and empties the
// cache. stored reports, for a key whose prior row was not in memory, whether
// the stored result (not yet updated by this poll) holds it.
func (c *recordCache) drain(emit func(*kgo.Record), stored func(p int32, key string) (bool, error)) error {
	if c == nil || len(c.entries) == 0 {
		return nil
	}
	keys := make([]string, 0, len(c.entries))
	for k := range c.entries {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return c.entries[keys[i]].seq < c.entries[keys[j]].seq })
	for _, k := range keys {
		e := c.entries[k]
		if e.rec.Value == nil {
			existed := e.priorKnown && e.prior != nil && e.prior.vals != nil
			if !e.priorKnown {
				ok, err := stored(e.partition, k)
				if err != nil {
					return err
				}
				existed = ok
			}
			if !existed {
				continue
			}
		}
		emit(e.rec)
	}
	clear(c.entries)
	c.bytes = 0
	return nil
}
