package exec

import (
	"errors"
	"fmt"

	"github.com/sluice-db/sluice/storage"
	"github.com/sluice-db/sluice/types"
)

// group is one aggregation group (and time window).
type group struct {
	key          string // store key: encoded group key [+ window start]
	keyVals      []any
	wstart, wend int64
	states       []any
	ts           int64
	dirty        bool
}

// groupCache holds the groups of one partition (plain GROUP BY and time
// windows) in memory in front of the store's plan.StoreAgg entries. Changed
// groups are listed, each once, so that a flush does not walk every cached
// group.
type groupCache struct {
	st      *storage.Store
	queryID string
	prefix  []byte // the partition's plan.StoreAgg prefix
	groups  map[string]*group
	dirty   []*group
}

func newGroupCache(st *storage.Store, queryID string, prefix []byte) groupCache {
	return groupCache{st: st, queryID: queryID, prefix: prefix, groups: map[string]*group{}}
}

// load returns the cached or stored group for key, nil when absent.
func (c *groupCache) load(key string) (*group, error) {
	if g, ok := c.groups[key]; ok {
		return g, nil
	}
	v, ok, err := c.st.Get(append(c.prefix[:len(c.prefix):len(c.prefix)], key...))
	if err != nil || !ok {
		return nil, err
	}
	g, err := decodeGroup(key, v)
	if err != nil {
		return nil, fmt.Errorf("state of query %s is corrupt: %w", c.queryID, err)
	}
	c.groups[key] = g
	return g, nil
}

// touch marks g changed, to be written at the next flush.
func (c *groupCache) touch(g *group) {
	if !g.dirty {
		g.dirty = true
		c.dirty = append(c.dirty, g)
	}
}

// flush stages the changed groups; pending are the windows waiting for EMIT
// FINAL (nil: none), which their stored records say.
func (c *groupCache) flush(b stateWriter, pending map[string]*group) error {
	for _, g := range c.dirty {
		_, due := pending[g.key]
		v, err := encodeGroup(g, due)
		if err != nil {
			return err
		}
		if err := b.Set(append(c.prefix[:len(c.prefix):len(c.prefix)], g.key...), v); err != nil {
			return err
		}
		g.dirty = false
	}
	clear(c.dirty)
	c.dirty = c.dirty[:0]
	return nil
}

// evict keeps the hot groups cached, but not without bound. The walk runs only
// when it can evict at least a quarter of what it visits: under EMIT FINAL the
// group of every open window is pending and stays, and walking them all at
// every flush made flushes quadratic (q5 at 2M events: half of its CPU).
// Pending groups are always cached, so the difference counts the evictable
// ones. Called after a flush.
func (c *groupCache) evict(pending map[string]*group) {
	if n := len(c.groups); n > maxCachedGroups && n-len(pending) >= n/4 {
		for k, g := range c.groups {
			if _, p := pending[k]; !p && !g.dirty {
				delete(c.groups, k)
			}
		}
	}
}

// maxCachedGroups bounds the in-memory group cache per partition.
const maxCachedGroups = 100_000

// A stored group is [keyVals, wstart, wend, ts, states, pendingFinal].
func encodeGroup(g *group, pending bool) ([]byte, error) {
	return types.AppendBinaryRow(nil, []any{g.keyVals, g.wstart, g.wend, g.ts, g.states, pending})
}

func decodeGroup(key string, v []byte) (*group, error) {
	r, err := types.ReadBinaryRow(v)
	if err != nil {
		return nil, err
	}
	if len(r) != 6 {
		return nil, errors.New("bad group record")
	}
	kv, _ := r[0].([]any)
	st, _ := r[4].([]any)
	return &group{key: key, keyVals: kv, wstart: r[1].(int64), wend: r[2].(int64), ts: r[3].(int64), states: st}, nil
}
