package exec

import (
	"math"
	"sort"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/plan"
	"github.com/sluice-db/sluice/types"
)

// windowAgg is a TUMBLING or HOPPING windowed aggregation in one partition: a
// row folds into its group's window for every window its time falls in that
// has not closed (end + grace after stream time). It emits each change, or
// under EMIT FINAL each window once, when it closes.
type windowAgg struct {
	t                *tableQuery
	ps               *partState
	groups           groupCache // keyed by group key + window start
	size, adv, grace int64      // milliseconds
	final            *windowFinal
}

// windowFinal is the EMIT FINAL bookkeeping of a partition's windows.
type windowFinal struct {
	pending map[string]*group // windows updated and not yet emitted
	// minPending is at most the smallest start of a pending window
	// (math.MaxInt64: none).
	minPending int64
	// The window-close time of the last emission, and the largest window start
	// stored (the store's clock, which expires old windows).
	lastEmitClose int64
	emitted       bool
	maxStart      int64
}

func (t *tableQuery) openWindowAgg(ps *partState) (aggKind, error) {
	w := t.agg.Window
	a := &windowAgg{t: t, ps: ps, groups: newGroupCache(t.st, t.queryID, StatePrefix(t.queryID, plan.StoreAgg, ps.p)),
		size: w.Size.Milliseconds(), adv: w.Advance.Milliseconds(), grace: w.Grace.Milliseconds()}
	if t.agg.EmitFinal {
		a.final = &windowFinal{pending: map[string]*group{}, minPending: math.MaxInt64}
		if err := a.loadPending(); err != nil {
			return nil, err
		}
	}
	return a, nil
}

func (a *windowAgg) apply(rec *kgo.Record, row []any, nullValue bool, ts int64, emit func(*kgo.Record)) error {
	keyVals, ok := a.t.groupRow(rec, row, nullValue)
	if !ok {
		return nil
	}
	return a.fold(keyVals, ts, rec, emit)
}

func (a *windowAgg) fold(keyVals []any, ts int64, rec *kgo.Record, emit func(*kgo.Record)) error {
	size, adv := a.size, a.adv
	closeTime := a.ps.streamTime - a.grace
	var k string // the encoded group key, once a window is open
	start := max(0, ts-size+adv) / adv * adv
	for ; start <= ts; start += adv {
		end := start + size
		if end <= closeTime {
			continue // the window has closed: the record is too late for it
		}
		if k == "" {
			var err error
			if k, err = encodeKeyVals(keyVals); err != nil {
				return err
			}
		}
		if err := a.update(k, keyVals, start, end, ts, rec, emit); err != nil {
			return err
		}
	}
	if a.final != nil {
		return a.emitFinal(rec, emit)
	}
	return nil
}

// update folds the current arguments into the window [wstart, wend) of the
// group encoded as groupKey, and emits it unless under EMIT FINAL.
func (a *windowAgg) update(groupKey string, keyVals []any, wstart, wend, ts int64, rec *kgo.Record, emit func(*kgo.Record)) error {
	k := windowSuffix(groupKey, wstart)
	g, err := a.groups.load(k)
	if err != nil {
		return err
	}
	if g == nil {
		g = &group{key: k, keyVals: keyVals, wstart: wstart, wend: wend, states: a.t.initStates(), ts: ts}
		a.groups.groups[k] = g
	}
	a.t.addArgs(g.states, a.t.args)
	g.ts = max(g.ts, ts)
	a.groups.touch(g)
	if f := a.final; f != nil {
		f.maxStart = max(f.maxStart, wstart)
		f.addPending(g)
		return nil
	}
	return a.t.emitGroup(a.ps, g, rec, emit)
}

// addPending records a window that waits for EMIT FINAL.
func (f *windowFinal) addPending(g *group) {
	f.pending[g.key] = g
	f.minPending = min(f.minPending, g.wstart)
}

// emitFinal emits closed windows (EMIT FINAL) the way Kafka Streams' windowed
// aggregation with an on-window-close strategy does: when the close time (stream
// time - grace) advances, every stored window whose start lies between the last
// emission's range and close time - size is emitted, except windows the store has
// already expired (start older than the newest stored start - size - grace).
func (a *windowAgg) emitFinal(rec *kgo.Record, emit func(*kgo.Record)) error {
	f, size, grace := a.final, a.size, a.grace
	closeTime := a.ps.streamTime - grace
	if f.emitted && f.lastEmitClose >= closeTime {
		return nil
	}
	upper := closeTime - size
	if upper < 0 {
		return nil
	}
	lower := int64(0)
	if f.emitted {
		lower = max(0, f.lastEmitClose-size)
	}
	if upper < lower {
		return nil
	}
	from := max(lower, f.maxStart-size-grace)
	if f.minPending > upper && f.minPending >= f.maxStart-size-grace {
		// No pending window is due or expired: skip the walk over them, which
		// per record made EMIT FINAL quadratic in the windows open.
		f.lastEmitClose, f.emitted = closeTime, true
		return nil
	}
	var ready []*group
	f.minPending = math.MaxInt64
	for k, g := range f.pending {
		switch {
		case g.wstart < f.maxStart-size-grace:
			delete(f.pending, k) // expired before it was emitted
			a.groups.touch(g)
		case g.wstart >= from && g.wstart <= upper:
			ready = append(ready, g)
		default:
			f.minPending = min(f.minPending, g.wstart)
		}
	}
	sort.Slice(ready, func(i, j int) bool {
		if ready[i].wstart != ready[j].wstart {
			return ready[i].wstart < ready[j].wstart
		}
		return ready[i].key < ready[j].key
	})
	for _, g := range ready {
		delete(f.pending, g.key)
		if err := a.t.emitGroup(a.ps, g, rec, emit); err != nil {
			return err
		}
		a.groups.touch(g) // persist that it was emitted
	}
	f.lastEmitClose, f.emitted = closeTime, true
	return nil
}

// loadPending caches the stored windows that wait for EMIT FINAL.
func (a *windowAgg) loadPending() error {
	prefix := a.groups.prefix
	return a.t.st.Scan(prefix, func(k, v []byte) bool {
		r, err := types.ReadBinaryRow(v)
		if err != nil || len(r) != 6 || r[5] != true {
			return true
		}
		key := string(k[len(prefix):])
		g, err := decodeGroup(key, v)
		if err == nil {
			a.groups.groups[key] = g
			a.final.addPending(g)
		}
		return true
	})
}

func (a *windowAgg) flush(b stateWriter) error {
	var pending map[string]*group
	if a.final != nil {
		pending = a.final.pending
	}
	if err := a.groups.flush(b, pending); err != nil {
		return err
	}
	a.groups.evict(pending)
	return nil
}
