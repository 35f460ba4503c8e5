package exec

import (
	"github.com/sluice-db/sluice/storage"
	"github.com/sluice-db/sluice/types"
)

// tableSource holds, per key of a table input, its last row (so an update can
// retract it from its group), in memory in front of the store's plan.StoreSrc
// entries of one partition. Changed rows are listed so that a flush writes only
// them. The aggregation of a table (agg_table.go) keeps one per partition, the
// first stage of a repartitioned one (repartition.go) one per source partition.
type tableSource struct {
	st     *storage.Store
	prefix []byte // the partition's plan.StoreSrc prefix
	rows   map[string]*srcRow
	dirty  []string
}

// srcRow is the last row of a table input key; row nil means deleted.
type srcRow struct {
	row   []any
	dirty bool
}

func newTableSource(st *storage.Store, prefix []byte) *tableSource {
	return &tableSource{st: st, prefix: prefix, rows: map[string]*srcRow{}}
}

// load returns the key's last row (nil: none), reading the store on a miss.
func (c *tableSource) load(key string) ([]any, error) {
	if r, ok := c.rows[key]; ok {
		return r.row, nil
	}
	v, ok, err := c.st.Get(append(c.prefix[:len(c.prefix):len(c.prefix)], key...))
	if err != nil || !ok {
		return nil, err
	}
	row, err := types.ReadBinaryRow(v)
	if err != nil {
		return nil, err
	}
	c.rows[key] = &srcRow{row: row}
	return row, nil
}

// set records the key's new row (nil: deleted); the row is copied.
func (c *tableSource) set(key string, row []any) {
	if old, ok := c.rows[key]; !ok || !old.dirty {
		c.dirty = append(c.dirty, key)
	}
	if row != nil {
		row = append([]any(nil), row...)
	}
	c.rows[key] = &srcRow{row: row, dirty: true}
}

// flush stages the changed rows, and forgets the cached rows when there are
// more than maxCachedGroups.
func (c *tableSource) flush(b stateWriter) error {
	for _, k := range c.dirty {
		r := c.rows[k]
		key := append(c.prefix[:len(c.prefix):len(c.prefix)], k...)
		if r.row == nil {
			if err := b.Delete(key); err != nil {
				return err
			}
		} else {
			v, err := types.AppendBinaryRow(nil, r.row)
			if err != nil {
				return err
			}
			if err := b.Set(key, v); err != nil {
				return err
			}
		}
		r.dirty = false
	}
	clear(c.dirty)
	c.dirty = c.dirty[:0]
	if len(c.rows) > maxCachedGroups {
		clear(c.rows)
	}
	return nil
}
