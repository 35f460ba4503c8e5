package exec

import (
	"encoding/binary"
	"fmt"

	"github.com/sluice-db/sluice/plan"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/formats"
	"github.com/sluice-db/sluice/storage"
	"github.com/sluice-db/sluice/types"
)

// ScanTable reads the materialized result of the query that maintains table, in
// every partition this node holds, and calls fn with each row laid out as
// plan.InputLayout(table): the table's columns, ROWTIME, ROWPARTITION, ROWOFFSET
// (NULL: a result row is not one record) and, for windowed tables, WINDOWSTART and
// WINDOWEND. fn returns false to stop.
func ScanTable(st *storage.Store, queryID string, table *catalog.Source, width int, fn func(row []any) (bool, error)) error {
	prefix := StatePrefix(queryID, plan.StoreOut, -1)
	var ferr error
	err := st.Scan(prefix, func(k, v []byte) bool {
		if len(k) < len(prefix)+4 {
			return true
		}
		partition := int32(binary.BigEndian.Uint32(k[len(prefix):]))
		row, err := stateRow(table, width, partition, k[len(prefix)+4:], v)
		if err != nil {
			ferr = err
			return false
		}
		more, err := fn(row)
		if err != nil {
			ferr = err
			return false
		}
		return more
	})
	if ferr != nil {
		return ferr
	}
	return err
}

// LookupTable is ScanTable for the rows whose key columns hold key: one point read
// per partition instead of a scan, whose cost grows with every version of every
// row the state store has not compacted yet. The table must not be windowed
// (a windowed row's state key holds its window too).
func LookupTable(st *storage.Store, queryID string, table *catalog.Source, width int, key []any, fn func(row []any) (bool, error)) error {
	if table.Window != nil {
		return fmt.Errorf("key lookup in windowed table %s", table.Name)
	}
	codec, err := formats.NewCodec(table.KeyFormat, table.KeyColumns(), plan.KeyOptions(table))
	if err != nil {
		return err
	}
	// A result row's state key is its sink record's key (resultEncoder.encode).
	k, err := codec.Encode(nil, key)
	if err != nil {
		return err
	}
	for p := int32(0); p < int32(table.Partitions); p++ {
		v, ok, err := st.Get(append(StatePrefix(queryID, plan.StoreOut, p), k...))
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		row, err := stateRow(table, width, p, k, v)
		if err != nil {
			return err
		}
		if more, err := fn(row); err != nil || !more {
			return err
		}
	}
	return nil
}

// stateRow lays out one materialized row as ScanTable describes.
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
