package exec

import (
	"encoding/binary"
	"sync/atomic"

	"github.com/sluice-db/sluice/plan"
)

// The query's counters (Stats) are kept in the node's store under one key of
// the query's state with no partition (so no task's discard or changelog sees
// it), written unsynced after each committed batch: they continue where they
// were when the node restarts. The next synced write (any stateful query's
// commit, or Pebble's close) makes them durable; a kill -9 may lose the
// counts of the last batches, and a batch read again after a crash counts
// again.
const countersVersion = 1

// counterFields lists the persisted counters in their encoded order.
func (q *PersistentQuery) counterFields() []*atomic.Int64 {
	return []*atomic.Int64{&q.recordsIn, &q.recordsOut, &q.repartitioned, &q.logEntries, &q.rebalances, &q.restoredRecords, &q.lastEventMs}
}

func (q *PersistentQuery) countersKey() []byte { return StatePrefix(q.ID, plan.StoreCounters, -1) }

// loadCounters starts the counters from what the node saved last (nothing
// for a new query, or a store without them).
func (q *PersistentQuery) loadCounters() {
	if q.counters == nil {
		return
	}
	v, ok, err := q.counters.Get(q.countersKey())
	if err != nil {
		q.logger.Warn("read saved counters", "err", err)
		return
	}
	fields := q.counterFields()
	if !ok || len(v) != 1+8*len(fields) || v[0] != countersVersion {
		return
	}
	for i, f := range fields {
		f.Store(int64(binary.BigEndian.Uint64(v[1+8*i:])))
	}
}

// saveCounters writes the counters to the store (unsynced; see above). A
// failure (a full disk) is logged: the counters are not worth stopping for.
func (q *PersistentQuery) saveCounters() {
	if q.counters == nil {
		return
	}
	fields := q.counterFields()
	v := make([]byte, 1, 1+8*len(fields))
	v[0] = countersVersion
	for _, f := range fields {
		v = binary.BigEndian.AppendUint64(v, uint64(f.Load()))
	}
	b := q.counters.NewBatch()
	if err := b.Set(q.countersKey(), v); err != nil {
		b.Close()
		return
	}
	if err := b.Commit(false); err != nil && !q.counterSaveFailed {
		q.counterSaveFailed = true
		q.logger.Warn("save counters", "err", err)
	}
}

// countingLog counts the entries a query writes to the processing log.
type countingLog struct {
	ProcessingLog
	n *atomic.Int64
}

func (l countingLog) Record(queryID string, err error, topic string, partition int32, offset int64) {
	l.n.Add(1)
	l.ProcessingLog.Record(queryID, err, topic, partition, offset)
}
