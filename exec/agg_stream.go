package exec

import (
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/plan"
)

// streamAgg is a GROUP BY without a window in one partition: each group folds
// the rows of its key, and every change emits the group's result.
type streamAgg struct {
	t      *tableQuery
	ps     *partState
	groups groupCache
}

func (t *tableQuery) newStreamAgg(ps *partState) streamAgg {
	return streamAgg{t: t, ps: ps, groups: newGroupCache(t.st, t.queryID, StatePrefix(t.queryID, plan.StoreAgg, ps.p))}
}

func (t *tableQuery) openStreamAgg(ps *partState) (aggKind, error) {
	a := t.newStreamAgg(ps)
	return &a, nil
}

func (a *streamAgg) apply(rec *kgo.Record, row []any, nullValue bool, ts int64, emit func(*kgo.Record)) error {
	keyVals, ok := a.t.groupRow(rec, row, nullValue)
	if !ok {
		return nil
	}
	return a.fold(keyVals, ts, rec, emit)
}

func (a *streamAgg) fold(keyVals []any, ts int64, rec *kgo.Record, emit func(*kgo.Record)) error {
	k, err := encodeKeyVals(keyVals)
	if err != nil {
		return err
	}
	g, err := a.groups.load(k)
	if err != nil {
		return err
	}
	if g == nil {
		g = &group{key: k, keyVals: keyVals, states: a.t.initStates(), ts: ts}
		a.groups.groups[k] = g
	}
	a.t.addArgs(g.states, a.t.args)
	g.ts = max(g.ts, ts)
	a.groups.touch(g)
	return a.t.emitGroup(a.ps, g, rec, emit)
}

// retract takes args (a table row that left the group of keyVals) out of the
// group. The group's result is emitted unless emitNow is false (the row moved
// within its group: the addition that follows emits it). It reports nothing
// for a group that is not in the state.
func (a *streamAgg) retract(keyVals []any, args [][]any, ts int64, emitNow bool, rec *kgo.Record, emit func(*kgo.Record)) error {
	k, err := encodeKeyVals(keyVals)
	if err != nil {
		return err
	}
	g, err := a.groups.load(k)
	if err != nil || g == nil {
		return err
	}
	a.t.undoArgs(g.states, args)
	g.ts = max(g.ts, ts)
	a.groups.touch(g)
	if !emitNow {
		return nil
	}
	return a.t.emitGroup(a.ps, g, rec, emit)
}

func (a *streamAgg) flush(b stateWriter) error {
	if err := a.groups.flush(b, nil); err != nil {
		return err
	}
	a.groups.evict(nil)
	return nil
}
