package exec

import (
	"fmt"
	"sort"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/plan"
	"github.com/sluice-db/sluice/types"
)

// sessionAgg is a SESSION windowed aggregation in one partition: a row merges
// the sessions of its group within the inactivity gap of its time into one. It
// emits a tombstone for every session merged away and the merged session, or
// under EMIT FINAL each session once, when it closes.
type sessionAgg struct {
	t          *tableQuery
	ps         *partState
	prefix     []byte // the partition's plan.StoreAgg prefix
	gap, grace int64  // milliseconds
	// sessions are the cached session lists by encoded group key; they are
	// all written at each flush that finds them changed.
	sessions map[string]*sessionList
	// due are the sessions waiting for EMIT FINAL, by sessionDueKey; nil for
	// EMIT CHANGES.
	due map[string]*pendingSession
}

// session is one session window of a group.
type session struct {
	start, end, ts int64
	states         []any
}

type sessionList struct {
	key      string // encoded group key
	keyVals  []any
	sessions []*session
	dirty    bool
}

// pendingSession is a session window waiting for EMIT FINAL.
type pendingSession struct {
	keyVals []any
	s       *session
}

func (t *tableQuery) openSessionAgg(ps *partState) (aggKind, error) {
	w := t.agg.Window
	a := &sessionAgg{t: t, ps: ps, prefix: StatePrefix(t.queryID, plan.StoreAgg, ps.p),
		gap: w.Size.Milliseconds(), grace: w.Grace.Milliseconds(), sessions: map[string]*sessionList{}}
	if t.agg.EmitFinal {
		a.due = map[string]*pendingSession{}
		if err := a.loadPending(); err != nil {
			return nil, err
		}
	}
	return a, nil
}

func (a *sessionAgg) apply(rec *kgo.Record, row []any, nullValue bool, ts int64, emit func(*kgo.Record)) error {
	keyVals, ok := a.t.groupRow(rec, row, nullValue)
	if !ok {
		return nil
	}
	return a.fold(keyVals, ts, rec, emit)
}

// fold merges the record into the sessions of its group that lie within the
// inactivity gap, emitting a tombstone for every session merged away and then
// the merged session.
func (a *sessionAgg) fold(keyVals []any, ts int64, rec *kgo.Record, emit func(*kgo.Record)) error {
	t, gap := a.t, a.gap
	// A session can still grow by a record up to the gap after its end, so it
	// closes when stream time passes its end + gap + grace, as in Kafka Streams.
	closeTime := a.ps.streamTime - a.grace - gap
	k, err := encodeKeyVals(keyVals)
	if err != nil {
		return err
	}
	sl, err := a.load(k, keyVals)
	if err != nil {
		return err
	}
	merged := &session{start: ts, end: ts, ts: ts, states: t.initStates()}
	var keep, absorbed []*session
	for _, s := range sl.sessions {
		// A closed session is gone from Kafka Streams' store (its retention is
		// gap + grace): a late record cannot merge into it.
		if s.end >= ts-gap && s.start <= ts+gap && s.end >= closeTime {
			absorbed = append(absorbed, s)
			merged.start, merged.end = min(merged.start, s.start), max(merged.end, s.end)
			merged.ts = max(merged.ts, s.ts)
			continue
		}
		keep = append(keep, s)
	}
	if merged.end < closeTime {
		// The merged session closed before this record arrived: it is late.
		if a.due != nil {
			return a.emitFinal(rec, emit)
		}
		return nil
	}
	for _, s := range absorbed {
		for i, c := range t.agg.Calls {
			if c.Func.Merge != nil {
				merged.states[i] = c.Func.Merge(merged.states[i], s.states[i])
			}
		}
	}
	t.addArgs(merged.states, t.args)
	sl.sessions = append(keep, merged)
	sl.dirty = true
	if a.due != nil {
		for _, s := range absorbed {
			delete(a.due, sessionDueKey(k, s))
		}
		a.due[sessionDueKey(k, merged)] = &pendingSession{keyVals: keyVals, s: merged}
		return a.emitFinal(rec, emit)
	}
	for _, s := range absorbed {
		if err := t.emitRow(a.ps, a.sessionOut(keyVals, s, rec), true, s.end, &window{start: s.start, end: s.end, session: true}, rec, emit); err != nil {
			return err
		}
	}
	return t.emitAggregate(a.ps, keyVals, merged.start, merged.end, merged.states, merged.end, true, rec, emit)
}

func sessionDueKey(groupKey string, s *session) string {
	return windowSuffix(windowSuffix(groupKey, s.start), s.end)
}

// sessionOut is the projection of a session, used to key its tombstone.
func (a *sessionAgg) sessionOut(keyVals []any, s *session, rec *kgo.Record) []any {
	agg := a.t.agg
	post := make([]any, len(agg.Post))
	copy(post, keyVals)
	post[len(keyVals)], post[len(keyVals)+1] = s.start, s.end
	for i, c := range agg.Calls {
		// The tombstone's key is the group's: a result that cannot be
		// computed only leaves its column empty.
		v, _ := c.Func.Final(s.states[i])
		post[agg.CallBase()+i] = v
	}
	return a.t.eval(post, rec)
}

// emitFinal emits every pending session that has closed: its end plus grace is
// at or before stream time.
func (a *sessionAgg) emitFinal(rec *kgo.Record, emit func(*kgo.Record)) error {
	closeTime := a.ps.streamTime - a.grace
	var ready []string
	for k, p := range a.due {
		if p.s.end < closeTime {
			ready = append(ready, k)
		}
	}
	sort.Slice(ready, func(i, j int) bool {
		x, y := a.due[ready[i]].s, a.due[ready[j]].s
		if x.end != y.end {
			return x.end < y.end
		}
		return ready[i] < ready[j]
	})
	for _, k := range ready {
		p := a.due[k]
		delete(a.due, k)
		if sl, ok := a.sessions[k[:len(k)-16]]; ok {
			sl.dirty = true // persist that it was emitted
		}
		if err := a.t.emitAggregate(a.ps, p.keyVals, p.s.start, p.s.end, p.s.states, p.s.end, true, rec, emit); err != nil {
			return err
		}
	}
	return nil
}

// load returns the cached or stored sessions of the group encoded as key
// (empty when none); under EMIT FINAL, the stored sessions waiting for it
// become due.
func (a *sessionAgg) load(key string, keyVals []any) (*sessionList, error) {
	if sl, ok := a.sessions[key]; ok {
		return sl, nil
	}
	sl := &sessionList{key: key, keyVals: keyVals}
	v, ok, err := a.t.st.Get(append(a.prefix[:len(a.prefix):len(a.prefix)], key...))
	if err != nil {
		return nil, err
	}
	if ok {
		r, err := types.ReadBinaryRow(v)
		if err != nil {
			return nil, err
		}
		for _, x := range r {
			s := x.([]any)
			st, _ := s[3].([]any)
			sess := &session{start: s[0].(int64), end: s[1].(int64), ts: s[2].(int64), states: st}
			sl.sessions = append(sl.sessions, sess)
			if a.due != nil && len(s) > 4 && s[4] == true {
				a.due[sessionDueKey(key, sess)] = &pendingSession{keyVals: keyVals, s: sess}
			}
		}
	}
	a.sessions[key] = sl
	return sl, nil
}

// loadPending loads the session lists holding a session that waits for EMIT
// FINAL, which registers those sessions as due.
func (a *sessionAgg) loadPending() error {
	prefix := a.prefix
	var keys []string
	err := a.t.st.Scan(prefix, func(k, v []byte) bool {
		r, err := types.ReadBinaryRow(v)
		if err != nil {
			return true
		}
		for _, x := range r {
			if s, ok := x.([]any); ok && len(s) > 4 && s[4] == true {
				keys = append(keys, string(k[len(prefix):]))
				break
			}
		}
		return true
	})
	if err != nil {
		return err
	}
	for _, key := range keys {
		keyVals, err := types.ReadBinaryRow([]byte(key))
		if err != nil {
			return fmt.Errorf("state of query %s is corrupt: %w", a.t.queryID, err)
		}
		if _, err := a.load(key, keyVals); err != nil {
			return err
		}
	}
	return nil
}

// flush stages the changed session lists. Session lists stay cached.
func (a *sessionAgg) flush(b stateWriter) error {
	for k, sl := range a.sessions {
		if !sl.dirty {
			continue
		}
		var list []any
		for _, s := range sl.sessions {
			// The last field: the session waits for EMIT FINAL.
			due := false
			if a.due != nil {
				_, due = a.due[sessionDueKey(k, s)]
			}
			list = append(list, []any{s.start, s.end, s.ts, s.states, due})
		}
		v, err := types.AppendBinaryRow(nil, list)
		if err != nil {
			return err
		}
		if err := b.Set(append(a.prefix[:len(a.prefix):len(a.prefix)], k...), v); err != nil {
			return err
		}
		sl.dirty = false
	}
	return nil
}
