package exec

import (
	"fmt"

	"github.com/sluice-db/sluice/plan"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/formats"
	"github.com/sluice-db/sluice/storage"
	"github.com/sluice-db/sluice/types"
)

// stateRow lays out one materialized row as plan.InputLayout(table): the
// table's columns, ROWTIME, ROWPARTITION, ROWOFFSET (NULL: a result row is not
// one record) and, for windowed tables, WINDOWSTART and WINDOWEND.
func stateRow(table *catalog.Source, width int, partition int32, key, v []byte) ([]any, error) {
	vals, err := types.ReadBinaryRow(v)
	if err != nil || len(vals) < 1 {
		return nil, fmt.Errorf("materialized state of %s is corrupt: %v", table.Name, err)
	}
	base := len(table.Columns)
	row := make([]any, width)
	copy(row[:base], vals[1:])
	row[base] = vals[0]
	row[base+1] = partition
	if table.Window != nil && width >= base+5 {
		start, end, err := windowOf(table.Window, key)
		if err != nil {
			return nil, err
		}
		row[base+3], row[base+4] = start, end
	}
	return row, nil
}

func windowOf(w *catalog.Window, key []byte) (start, end int64, err error) {
	if w.Kind == "SESSION" {
		_, start, end, err = formats.DecodeSessionWindowKey(key)
		return start, end, err
	}
	_, start, err = formats.DecodeTimeWindowKey(key)
	return start, start + w.Size.Milliseconds(), err
}

// StateEntry is one materialized row as the store holds it: the partition of
// the task that maintains it, its state key (the result record's key) and its
// value. Nodes pass entries to each other (a pull query on one node reads the
// partitions another runs) and lay them out with EntryRow.
type StateEntry struct {
	Partition  int32
	Key, Value []byte
}

// ScanEntries calls fn with the materialized rows of query queryID in the
// given partitions: every row, or with key set only the row whose state key it
// is (see TableKey).
func ScanEntries(st *storage.Store, queryID string, partitions []int32, key []byte, fn func(StateEntry) (bool, error)) error {
	for _, p := range partitions {
		prefix := StatePrefix(queryID, plan.StoreOut, p)
		if key != nil {
			v, ok, err := st.Get(append(prefix, key...))
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			if more, err := fn(StateEntry{Partition: p, Key: key, Value: v}); err != nil || !more {
				return err
			}
			continue
		}
		var ferr error
		stopped := false
		err := st.Scan(prefix, func(k, v []byte) bool {
			more, err := fn(StateEntry{Partition: p, Key: append([]byte(nil), k[len(prefix):]...), Value: append([]byte(nil), v...)})
			if err != nil {
				ferr = err
			}
			stopped = !more || err != nil
			return !stopped
		})
		if ferr != nil {
			return ferr
		}
		if err != nil {
			return err
		}
		if stopped {
			return nil
		}
	}
	return nil
}

// EntryRow lays out an entry of table's state (stateRow).
func EntryRow(table *catalog.Source, width int, e StateEntry) ([]any, error) {
	return stateRow(table, width, e.Partition, e.Key, e.Value)
}

// TableKey is the state key of table's row whose key columns hold key. The
// table must not be windowed (a windowed row's state key holds its window too).
func TableKey(table *catalog.Source, key []any) ([]byte, error) {
	if table.Window != nil {
		return nil, fmt.Errorf("key lookup in windowed table %s", table.Name)
	}
	codec, err := formats.NewCodec(table.KeyFormat, table.KeyColumns(), plan.KeyOptions(table))
	if err != nil {
		return nil, err
	}
	// A result row's state key is its sink record's key (resultEncoder.encode).
	return codec.Encode(nil, key)
}

// KeyPartition returns the state partition of the query qp that holds the
// table row whose key columns hold key, when the query itself chose it: an
// aggregation moves each row through its repartition topic keyed by the
// group's values (repartitionRecord) and partitioned by the client's murmur2
// hash, so the partition follows from the key. ok is false otherwise: a table
// read straight from its input topic is partitioned as that topic's producers
// chose, which Sluice cannot know.
func KeyPartition(qp *plan.QueryPlan, key []any) (partition int32, ok bool) {
	ph := qp.Physical
	if ph == nil || ph.Repartition == nil || qp.Agg == nil || qp.Agg.Window != nil || len(qp.Agg.GroupBy) != len(key) || ph.Repartition.Partitions <= 0 {
		return 0, false
	}
	k, err := types.AppendBinaryRow(nil, key)
	if err != nil {
		return 0, false
	}
	// The partitioner the repartition records are produced with (the cluster's
	// clients' default), asked for this key.
	p := kgo.StickyKeyPartitioner(nil).ForTopic(ph.Repartition.Name).Partition(&kgo.Record{Key: k}, ph.Repartition.Partitions)
	return int32(p), true
}
