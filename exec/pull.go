package exec

import (
	"encoding/binary"
	"fmt"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/formats"
	"github.com/sluice-db/sluice/storage"
	"github.com/sluice-db/sluice/types"
)

// ScanTable reads the materialized result of the query that maintains table, in
// every partition this node holds, and calls fn with each row laid out as
// planner.InputLayout(table): the table's columns, ROWTIME, ROWPARTITION, ROWOFFSET
// (NULL: a result row is not one record) and, for windowed tables, WINDOWSTART and
// WINDOWEND. fn returns false to stop.
func ScanTable(st *storage.Store, queryID string, table *catalog.Source, width int, fn func(row []any) (bool, error)) error {
	prefix := StatePrefix(queryID, storeOut, -1)
	var ferr error
	err := st.Scan(prefix, func(k, v []byte) bool {
		if len(k) < len(prefix)+4 {
			return true
		}
		partition := int32(binary.BigEndian.Uint32(k[len(prefix):]))
		key := k[len(prefix)+4:]
		vals, err := types.ReadBinaryRow(v)
		if err != nil || len(vals) < 1 {
			ferr = fmt.Errorf("materialized state of %s is corrupt: %v", table.Name, err)
			return false
		}
		row := make([]any, width)
		n := copy(row, vals[1:])
		if n > len(table.Columns) {
			n = len(table.Columns)
		}
		base := len(table.Columns)
		row[base] = vals[0]
		row[base+1] = partition
		if table.Window != nil && width >= base+5 {
			start, end, err := windowOf(table.Window, key)
			if err != nil {
				ferr = err
				return false
			}
			row[base+3], row[base+4] = start, end
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

func windowOf(w *catalog.Window, key []byte) (start, end int64, err error) {
	if w.Kind == "SESSION" {
		_, start, end, err = formats.DecodeSessionWindowKey(key)
		return start, end, err
	}
	_, start, err = formats.DecodeTimeWindowKey(key)
	return start, start + w.Size.Milliseconds(), err
}
