package exec

import (
	"github.com/sluice-db/sluice/storage"
	"github.com/sluice-db/sluice/types"
)

// srcRowCache holds, per key of a table source, its last row (so an update can
// retract it), in memory in front of the store's plan.StoreSrc entries of one
// partition. Changed rows are listed so that a flush writes only them.
type srcRowCache struct {
	rows  map[string]*srcRow
	dirty []string
}

func newSrcRowCache() *srcRowCache { return &srcRowCache{rows: map[string]*srcRow{}} }

// load returns the key's last row (nil: none), reading the store on a miss.
func (c *srcRowCache) load(st *storage.Store, prefix []byte, key string) ([]any, error) {
	if r, ok := c.rows[key]; ok {
		return r.row, nil
	}
	v, ok, err := st.Get(append(prefix[:len(prefix):len(prefix)], key...))
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

// set records the key's new row (nil: deleted).
func (c *srcRowCache) set(key string, row []any) {
	if old, ok := c.rows[key]; !ok || !old.dirty {
		c.dirty = append(c.dirty, key)
	}
	if row != nil {
		row = append([]any(nil), row...)
	}
	c.rows[key] = &srcRow{row: row, dirty: true}
}

// flush stages the changed rows under prefix, and forgets the cached rows when
// there are more than maxCachedGroups.
func (c *srcRowCache) flush(prefix []byte, b stateWriter) error {
	for _, k := range c.dirty {
		r := c.rows[k]
		key := append(prefix[:len(prefix):len(prefix)], k...)
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
