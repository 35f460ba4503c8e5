package exec

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/storage"
)

// Changelog. Every state write of a table query is also written to the query's
// compacted changelog topic, in the partition of the state it changes, before the
// store batch commits. A node that is given a partition it has no local state for
// (a new node, a lost disk) rebuilds the partition from the changelog instead of
// reprocessing the input.
//
// A changelog record's key is "<store> 0x00 <store key>" and its value the stored
// bytes, or nil for a deletion. Each flush ends every partition it touched with a
// marker record; a rebuild applies records up to the last marker, so a batch cut
// short by a crash (its marker missing) is not half applied.

// markerKey ends one flush's records in a changelog partition.
var markerKey = []byte("\x00flush")

// stateWriter receives a flush's writes.
type stateWriter interface {
	Set(key, value []byte) error
	Delete(key []byte) error
}

// changelogBatch writes to a store batch and records the changelog records.
type changelogBatch struct {
	b       *storage.Batch
	topic   string
	prefix  []byte // StatePrefix(queryID, "", -1)
	recs    []*kgo.Record
	touched map[int32]bool
}

func newChangelogBatch(b *storage.Batch, queryID, topic string) *changelogBatch {
	return &changelogBatch{b: b, topic: topic, prefix: StatePrefix(queryID, "", -1), touched: map[int32]bool{}}
}

func (c *changelogBatch) Set(key, value []byte) error {
	if err := c.b.Set(key, value); err != nil {
		return err
	}
	return c.record(key, value)
}

func (c *changelogBatch) Delete(key []byte) error {
	if err := c.b.Delete(key); err != nil {
		return err
	}
	return c.record(key, nil)
}

// record turns a state key (prefix, store, 0x00, partition, rest) into a changelog
// record in that partition.
func (c *changelogBatch) record(key, value []byte) error {
	if c.topic == "" {
		return nil
	}
	rest, ok := bytes.CutPrefix(key, c.prefix)
	i := bytes.IndexByte(rest, 0)
	if !ok || i < 0 || len(rest) < i+5 {
		return fmt.Errorf("state key %q has no store and partition", key)
	}
	p := int32(binary.BigEndian.Uint32(rest[i+1:]))
	k := append(append([]byte(nil), rest[:i+1]...), rest[i+5:]...)
	var v []byte
	if value != nil {
		v = append([]byte{}, value...)
	}
	c.recs = append(c.recs, &kgo.Record{Topic: c.topic, Partition: p, Key: k, Value: v})
	c.touched[p] = true
	return nil
}

// records returns the changelog records, each touched partition ended by a marker.
func (c *changelogBatch) records() []*kgo.Record {
	for p := range c.touched {
		c.recs = append(c.recs, &kgo.Record{Topic: c.topic, Partition: p, Key: markerKey, Value: []byte{}})
	}
	return c.recs
}

// restorePartition rebuilds partition p of a query's state from its changelog,
// reading from offset from (0: the whole log; a standby copy's position to
// catch up): every record up to the last flush marker is applied to the store
// in one batch. It returns how many records were applied.
func restorePartition(ctx context.Context, clients ClientFactory, st *storage.Store, queryID, topic string, p int32, from int64) (int, error) {
	adm, err := clients.NewClient()
	if err != nil {
		return 0, err
	}
	// The last stable offset: under exactly-once the changelog is written in
	// transactions, and only committed ones count.
	ends, err := kadm.NewClient(adm).ListCommittedOffsets(ctx, topic)
	adm.Close()
	if err != nil {
		return 0, fmt.Errorf("changelog %s: %w", topic, err)
	}
	end, ok := ends.Lookup(topic, p)
	if !ok || end.Err != nil || end.Offset <= from {
		return 0, nil
	}
	start := kgo.NewOffset().AtStart()
	if from > 0 {
		start = kgo.NewOffset().At(from)
	}
	cl, err := clients.NewClient(
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {p: start}}),
		kgo.FetchMaxWait(100*time.Millisecond),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		// Transaction markers are returned too, so that the read reaches the
		// end offset even when the last record is a marker.
		kgo.KeepControlRecords(),
	)
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	var pending []*kgo.Record // records since the last marker
	applied := 0
	b := st.NewBatch()
	for done := false; !done; {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		var ferr error
		fs.EachError(func(_ string, _ int32, err error) { ferr = err })
		if ferr != nil {
			return 0, fmt.Errorf("read changelog %s/%d: %w", topic, p, ferr)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if r.Offset >= end.Offset-1 {
				done = true
			}
			if r.Offset >= end.Offset || r.Attrs.IsControl() {
				return
			}
			if bytes.Equal(r.Key, markerKey) {
				for _, pr := range pending {
					if err := applyChangelog(b, queryID, p, pr); err != nil && ferr == nil {
						ferr = err
					}
				}
				applied += len(pending)
				pending = pending[:0]
				return
			}
			pending = append(pending, r)
		})
		if ferr != nil {
			return 0, ferr
		}
	}
	if err := b.Commit(true); err != nil {
		return 0, err
	}
	return applied, nil
}

func applyChangelog(b *storage.Batch, queryID string, p int32, r *kgo.Record) error {
	i := bytes.IndexByte(r.Key, 0)
	if i < 0 {
		return fmt.Errorf("changelog record at offset %d has a malformed key", r.Offset)
	}
	store, rest := string(r.Key[:i]), r.Key[i+1:]
	key := append(StatePrefix(queryID, store, p), rest...)
	if ixStore, ix, ok := joinExpiryIndex(store, rest); ok {
		ixKey := append(StatePrefix(queryID, ixStore, p), ix...)
		if r.Value == nil {
			if err := b.Delete(ixKey); err != nil {
				return err
			}
		} else if err := b.Set(ixKey, []byte{}); err != nil {
			return err
		}
	}
	if r.Value == nil {
		return b.Delete(key)
	}
	return b.Set(key, r.Value)
}
