package exec

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/sluice-db/sluice/plan"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/formats"
	"github.com/sluice-db/sluice/storage"
	"github.com/sluice-db/sluice/types"
)

// tableQuery runs a query whose result is a table: an aggregation (GROUP BY,
// windows, HAVING) or a projection/filter of a table. It keeps its state per input
// partition, in memory in front of the store, and emits one changelog record per
// update, as ksqlDB does with caching off.
type tableQuery struct {
	// repartition is the internal topic that moves rows to the partition of
	// their group when the group key is not the source's key; "" when the
	// source is read directly.
	repartition string
	stage1      map[int32]*sourceStage
	queryID     string
	qp          *plan.QueryPlan
	agg         *plan.Aggregation // nil for a table projection
	st          *storage.Store
	log         ProcessingLog
	out         *resultEncoder
	// rows receives the results instead of the sink for a transient query.
	rows RowSink
	// cache collapses result records per key until the commit; nil when off.
	cache *recordCache
	width int // input row width
	parts map[int32]*partState
	// scratch
	args [][]any
	post []any
	row  []any
}

// partState is the state of one input partition.
type partState struct {
	p          int32
	streamTime int64 // max input timestamp seen
	offset     int64 // next input offset the state reflects; -1 before any
	groups     map[string]*group
	// dirtyGroups are the groups changed since the last flush (each once), so
	// that a flush does not walk every cached group.
	dirtyGroups []*group
	sessions    map[string]*sessionList
	srcRows     *srcRowCache
	outRows     map[string]*outRow
	pending     map[string]*group // EMIT FINAL: windows updated and not yet emitted
	// minPending is at most the smallest start of a pending window
	// (math.MaxInt64: none).
	minPending int64
	dedup      map[int32]int64 // repartitioned input: last source offset applied per source partition
	// EMIT FINAL bookkeeping: the window-close time of the last emission, and the
	// largest window start stored (the store's clock, which expires old windows).
	lastEmitClose int64
	emitted       bool
	maxStart      int64
	sessionsDue   map[string]*pendingSession
}

// pendingSession is a session window waiting for EMIT FINAL.
type pendingSession struct {
	keyVals []any
	s       *session
}

// group is one aggregation group (and window).
type group struct {
	key          string // store key: encoded group key [+ window start]
	keyVals      []any
	wstart, wend int64
	states       []any
	ts           int64
	dirty        bool
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

// srcRow is the last row of a table input key; row nil means deleted.
type srcRow struct {
	row   []any
	dirty bool
}

// outRow is the current result row of a key, for pull queries; vals nil means
// deleted.
type outRow struct {
	vals  []any
	ts    int64
	dirty bool
}

func newTableQuery(queryID string, qp *plan.QueryPlan, st *storage.Store, log ProcessingLog, repartition string) (*tableQuery, error) {
	var enc *resultEncoder
	if qp.Sink != nil {
		var err error
		if enc, err = newResultEncoder(qp); err != nil {
			return nil, err
		}
	}
	t := &tableQuery{
		queryID: queryID, qp: qp, agg: qp.Agg, st: st, log: log, out: enc,
		width: len(qp.Input), parts: map[int32]*partState{},
		repartition: repartition, stage1: map[int32]*sourceStage{},
	}
	if t.agg != nil {
		t.args = make([][]any, len(t.agg.Calls))
		for i, c := range t.agg.Calls {
			t.args[i] = make([]any, len(c.Args))
		}
		t.post = make([]any, len(t.agg.Post))
	}
	return t, nil
}

// partition returns the state of partition p, loading its checkpoint.
func (t *tableQuery) partition(p int32) (*partState, error) {
	if ps, ok := t.parts[p]; ok {
		return ps, nil
	}
	ps := &partState{p: p, offset: -1, groups: map[string]*group{}, sessions: map[string]*sessionList{},
		srcRows: newSrcRowCache(), outRows: map[string]*outRow{}, pending: map[string]*group{}, minPending: math.MaxInt64,
		sessionsDue: map[string]*pendingSession{}, dedup: map[int32]int64{}}
	c, ok, err := readCheckpoint(t.st, t.queryID, plan.StoreCkpt, p)
	if err != nil {
		return nil, err
	}
	if ok {
		ps.offset, ps.streamTime = c.Offset, c.StreamTime
	}
	if t.agg != nil && t.agg.EmitFinal {
		if err := t.loadPending(ps); err != nil {
			return nil, err
		}
	}
	t.parts[p] = ps
	return ps, nil
}

// dropPartition forgets a partition's cached state (after a revoke); its stored
// state stays for when it comes back.
// revoke drops the memory of one input partition whose task moved away: the
// source stage's of a repartitioning query's source partition, else the
// partition's state.
func (t *tableQuery) revoke(topic string, p int32) {
	if t.repartition != "" && topic != t.repartition {
		delete(t.stage1, p)
		return
	}
	delete(t.parts, p)
}

func (t *tableQuery) dropPartition(p int32) {
	delete(t.parts, p)
	delete(t.stage1, p)
}

// process handles one decoded input record; emit receives output records.
func (t *tableQuery) process(ps *partState, rec *kgo.Record, row []any, nullValue bool, emit func(*kgo.Record)) error {
	ts := row[len(t.qp.Source.Columns)].(int64)
	if ts > ps.streamTime {
		ps.streamTime = ts
	}
	ps.offset = rec.Offset + 1
	if rec.Key == nil && t.qp.Source.Kind == catalog.Table && rec.Topic == t.qp.Source.Topic {
		return nil // a table has no row without a key: Kafka Streams skips the record
	}
	if t.agg == nil {
		return t.project(ps, rec, row, nullValue, ts, emit)
	}
	if t.agg.FromTable {
		return t.aggregateTable(ps, rec, row, nullValue, ts, emit)
	}
	if nullValue {
		return nil // a stream aggregation has nothing to fold from a record without a value
	}
	if !t.where(row, rec) {
		return nil
	}
	keyVals, ok := t.groupKey(row, rec)
	if !ok {
		return nil
	}
	t.evalArgs(row, rec)
	return t.fold(ps, keyVals, ts, rec, emit)
}

// fold adds the current arguments to the group of keyVals (in every window the
// timestamp falls in) and emits the changes.
func (t *tableQuery) fold(ps *partState, keyVals []any, ts int64, rec *kgo.Record, emit func(*kgo.Record)) error {
	switch {
	case t.agg.Window == nil:
		return t.update(ps, keyVals, 0, 0, ts, rec, emit, false)
	case t.agg.Window.Kind == "SESSION":
		return t.sessionUpdate(ps, keyVals, ts, rec, emit)
	default:
		w := t.agg.Window
		size, adv := w.Size.Milliseconds(), w.Advance.Milliseconds()
		closeTime := ps.streamTime - w.Grace.Milliseconds()
		start := max(0, ts-size+adv) / adv * adv
		for ; start <= ts; start += adv {
			end := start + size
			if end <= closeTime {
				continue // the window has closed: the record is too late for it
			}
			if err := t.update(ps, keyVals, start, end, ts, rec, emit, true); err != nil {
				return err
			}
		}
		return t.emitFinal(ps, rec, emit)
	}
}

func (t *tableQuery) where(row []any, rec *kgo.Record) bool {
	if t.qp.Where == nil {
		return true
	}
	v, err := t.qp.Where.Eval(row)
	if err != nil {
		t.log.Record(t.queryID, err, rec.Topic, rec.Partition, rec.Offset)
		return false
	}
	b, ok := v.(bool)
	return ok && b
}

// groupKey evaluates the GROUP BY expressions. A row whose key has a NULL is
// skipped and logged, as ksqlDB does.
func (t *tableQuery) groupKey(row []any, rec *kgo.Record) ([]any, bool) {
	vals := make([]any, len(t.agg.GroupBy))
	for i, g := range t.agg.GroupBy {
		v, err := g.Eval(row)
		if err != nil {
			t.log.Record(t.queryID, err, rec.Topic, rec.Partition, rec.Offset)
			return nil, false
		}
		if v == nil {
			t.log.Record(t.queryID, fmt.Errorf("Group-by column with null value in record: %s", g), rec.Topic, rec.Partition, rec.Offset)
			return nil, false
		}
		vals[i] = v
	}
	return vals, true
}

func (t *tableQuery) evalArgs(row []any, rec *kgo.Record) {
	for i, c := range t.agg.Calls {
		for j, a := range c.Args {
			v, err := a.Eval(row)
			if err != nil {
				t.log.Record(t.queryID, err, rec.Topic, rec.Partition, rec.Offset)
				v = nil
			}
			t.args[i][j] = v
		}
	}
}

func encodeKeyVals(vals []any) (string, error) {
	b, err := types.AppendBinaryRow(nil, vals)
	return string(b), err
}

func windowSuffix(key string, start int64) string {
	var b [8]byte
	for i := 0; i < 8; i++ {
		b[i] = byte(uint64(start) >> (56 - 8*i))
	}
	return key + string(b[:])
}

// update folds the current arguments into a group (and time window) and emits it.
func (t *tableQuery) update(ps *partState, keyVals []any, wstart, wend, ts int64, rec *kgo.Record, emit func(*kgo.Record), windowed bool) error {
	k, err := encodeKeyVals(keyVals)
	if err != nil {
		return err
	}
	if windowed {
		k = windowSuffix(k, wstart)
	}
	g, err := t.loadGroup(ps, k)
	if err != nil {
		return err
	}
	if g == nil {
		g = &group{key: k, keyVals: keyVals, wstart: wstart, wend: wend, states: t.initStates(), ts: ts}
		ps.groups[k] = g
	}
	for i, c := range t.agg.Calls {
		g.states[i] = c.Func.Add(g.states[i], t.args[i])
	}
	g.ts = max(g.ts, ts)
	ps.touch(g)
	if windowed {
		ps.maxStart = max(ps.maxStart, wstart)
	}
	if t.agg.EmitFinal {
		ps.addPending(g)
		return nil
	}
	return t.emitGroup(ps, g, rec, emit)
}

func (t *tableQuery) initStates() []any {
	s := make([]any, len(t.agg.Calls))
	for i, c := range t.agg.Calls {
		s[i] = c.Func.Init()
	}
	return s
}

// emitGroup evaluates HAVING and the projection over a group and emits the result,
// or a tombstone when HAVING rejects it.
func (t *tableQuery) emitGroup(ps *partState, g *group, rec *kgo.Record, emit func(*kgo.Record)) error {
	return t.emitState(ps, g.keyVals, g.wstart, g.wend, g.states, g.ts, false, rec, emit)
}

func (t *tableQuery) emitState(ps *partState, keyVals []any, wstart, wend int64, states []any, ts int64, session bool, rec *kgo.Record, emit func(*kgo.Record)) error {
	post := t.post
	copy(post, keyVals)
	base := t.agg.CallBase()
	if t.agg.Window != nil {
		post[len(keyVals)], post[len(keyVals)+1] = wstart, wend
	}
	for i, c := range t.agg.Calls {
		post[base+i] = c.Func.Final(states[i])
	}
	keep := true
	if t.agg.Having != nil {
		v, err := t.agg.Having.Eval(post)
		if err != nil {
			t.log.Record(t.queryID, err, rec.Topic, rec.Partition, rec.Offset)
		}
		b, ok := v.(bool)
		keep = err == nil && ok && b
	}
	out := t.eval(post, rec)
	var win *window
	if t.agg.Window != nil {
		win = &window{start: wstart, end: wend, session: session}
	}
	return t.emitRow(ps, out, !keep, ts, win, rec, emit)
}

// eval computes the projection over a row; failures give NULL and a log entry.
func (t *tableQuery) eval(row []any, rec *kgo.Record) []any {
	out := make([]any, len(t.qp.Items))
	for i, it := range t.qp.Items {
		v, err := it.Eval(row)
		if err != nil {
			t.log.Record(t.queryID, err, rec.Topic, rec.Partition, rec.Offset)
			v = nil
		}
		out[i] = v
	}
	return out
}

// window is the window of an output key.
type window struct {
	start, end int64
	session    bool
}

// emitRow encodes one result (a tombstone when deleted), emits it and records it
// in the materialized result.
func (t *tableQuery) emitRow(ps *partState, out []any, deleted bool, ts int64, win *window, rec *kgo.Record, emit func(*kgo.Record)) error {
	if t.rows != nil {
		// A transient query's rows go to its client; deletions are not rows.
		if deleted {
			return nil
		}
		return t.rows.Row(out)
	}
	r, keyBytes, err := t.out.encode(out, deleted, ts, win, rec.Headers)
	if err != nil {
		t.log.Record(t.queryID, err, rec.Topic, rec.Partition, rec.Offset)
		return nil
	}
	if deleted && (t.agg != nil || t.qp.Join != nil) {
		// A group HAVING rejects is deleted from the result only if it was in it:
		// like Kafka Streams' table filter with old values, no tombstone for a key
		// that was never emitted.
		had, err := t.hasOutput(ps, keyBytes)
		if err != nil {
			return err
		}
		if !had {
			return nil
		}
	}
	if !t.qp.Sink.MaterializeOnly {
		if t.cache == nil {
			emit(r)
		} else {
			prior, known := ps.outRows[string(keyBytes)]
			if t.cache.put(ps.p, string(keyBytes), r, prior, known) {
				if err := t.drainCache(emit); err != nil {
					return err
				}
			}
		}
	}
	o := &outRow{ts: ts, dirty: true}
	if !deleted {
		o.vals = t.out.sinkOrder(out)
	}
	ps.outRows[string(keyBytes)] = o
	return nil
}

// drainCache sends the result records the cache holds (see recordCache).
func (t *tableQuery) drainCache(emit func(*kgo.Record)) error {
	return t.cache.drain(emit, func(p int32, key string) (bool, error) {
		_, ok, err := t.st.Get(append(StatePrefix(t.queryID, plan.StoreOut, p), key...))
		return ok, err
	})
}

// flushCache sends the cached result records; called before each commit.
func (t *tableQuery) flushCache(emit func(*kgo.Record)) error {
	if t.cache == nil {
		return nil
	}
	return t.drainCache(emit)
}

// hasOutput reports whether the materialized result holds a row for key.
func (t *tableQuery) hasOutput(ps *partState, key []byte) (bool, error) {
	if o, ok := ps.outRows[string(key)]; ok {
		return o.vals != nil, nil
	}
	_, ok, err := t.st.Get(append(StatePrefix(t.queryID, plan.StoreOut, ps.p), key...))
	return ok, err
}

// emitFinal emits closed windows (EMIT FINAL) the way Kafka Streams' windowed
// aggregation with an on-window-close strategy does: when the close time (stream
// time - grace) advances, every stored window whose start lies between the last
// emission's range and close time - size is emitted, except windows the store has
// already expired (start older than the newest stored start - size - grace).
func (t *tableQuery) emitFinal(ps *partState, rec *kgo.Record, emit func(*kgo.Record)) error {
	if !t.agg.EmitFinal {
		return nil
	}
	w := t.agg.Window
	size, grace := w.Size.Milliseconds(), w.Grace.Milliseconds()
	closeTime := ps.streamTime - grace
	if ps.emitted && ps.lastEmitClose >= closeTime {
		return nil
	}
	upper := closeTime - size
	if upper < 0 {
		return nil
	}
	lower := int64(0)
	if ps.emitted {
		lower = max(0, ps.lastEmitClose-size)
	}
	if upper < lower {
		return nil
	}
	from := max(lower, ps.maxStart-size-grace)
	if ps.minPending > upper && ps.minPending >= ps.maxStart-size-grace {
		// No pending window is due or expired: skip the walk over them, which
		// per record made EMIT FINAL quadratic in the windows open.
		ps.lastEmitClose, ps.emitted = closeTime, true
		return nil
	}
	var ready []*group
	ps.minPending = math.MaxInt64
	for k, g := range ps.pending {
		switch {
		case g.wstart < ps.maxStart-size-grace:
			delete(ps.pending, k) // expired before it was emitted
			ps.touch(g)
		case g.wstart >= from && g.wstart <= upper:
			ready = append(ready, g)
		default:
			ps.minPending = min(ps.minPending, g.wstart)
		}
	}
	sort.Slice(ready, func(i, j int) bool {
		if ready[i].wstart != ready[j].wstart {
			return ready[i].wstart < ready[j].wstart
		}
		return ready[i].key < ready[j].key
	})
	for _, g := range ready {
		delete(ps.pending, g.key)
		if err := t.emitGroup(ps, g, rec, emit); err != nil {
			return err
		}
		ps.touch(g) // persist that it was emitted
	}
	ps.lastEmitClose, ps.emitted = closeTime, true
	return nil
}

// emitFinalSessions emits every pending session that has closed: its end plus
// grace is at or before stream time.
func (t *tableQuery) emitFinalSessions(ps *partState, rec *kgo.Record, emit func(*kgo.Record)) error {
	closeTime := ps.streamTime - t.agg.Window.Grace.Milliseconds()
	var ready []string
	for k, p := range ps.sessionsDue {
		if p.s.end < closeTime {
			ready = append(ready, k)
		}
	}
	sort.Slice(ready, func(i, j int) bool {
		a, b := ps.sessionsDue[ready[i]].s, ps.sessionsDue[ready[j]].s
		if a.end != b.end {
			return a.end < b.end
		}
		return ready[i] < ready[j]
	})
	for _, k := range ready {
		p := ps.sessionsDue[k]
		delete(ps.sessionsDue, k)
		if sl, ok := ps.sessions[k[:len(k)-16]]; ok {
			sl.dirty = true // persist that it was emitted
		}
		if err := t.emitState(ps, p.keyVals, p.s.start, p.s.end, p.s.states, p.s.end, true, rec, emit); err != nil {
			return err
		}
	}
	return nil
}

// addPending records a window that waits for EMIT FINAL.
func (ps *partState) addPending(g *group) {
	ps.pending[g.key] = g
	ps.minPending = min(ps.minPending, g.wstart)
}

// touch marks g changed, to be written at the next flush.
func (ps *partState) touch(g *group) {
	if !g.dirty {
		g.dirty = true
		ps.dirtyGroups = append(ps.dirtyGroups, g)
	}
}

// loadGroup returns the cached or stored group for key, nil when absent.
func (t *tableQuery) loadGroup(ps *partState, key string) (*group, error) {
	if g, ok := ps.groups[key]; ok {
		return g, nil
	}
	v, ok, err := t.st.Get(append(StatePrefix(t.queryID, plan.StoreAgg, ps.p), key...))
	if err != nil || !ok {
		return nil, err
	}
	g, err := decodeGroup(key, v)
	if err != nil {
		return nil, fmt.Errorf("state of query %s is corrupt: %w", t.queryID, err)
	}
	ps.groups[key] = g
	return g, nil
}

// A stored group is [keyVals, wstart, wend, ts, states, pendingFinal].
func (t *tableQuery) encodeGroup(ps *partState, g *group) ([]byte, error) {
	_, pending := ps.pending[g.key]
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

func (t *tableQuery) loadPending(ps *partState) error {
	if t.agg.Window != nil && t.agg.Window.Kind == "SESSION" {
		return t.loadPendingSessions(ps)
	}
	return t.st.Scan(StatePrefix(t.queryID, plan.StoreAgg, ps.p), func(k, v []byte) bool {
		r, err := types.ReadBinaryRow(v)
		if err != nil || len(r) != 6 || r[5] != true {
			return true
		}
		key := string(k[len(StatePrefix(t.queryID, plan.StoreAgg, ps.p)):])
		g, err := decodeGroup(key, v)
		if err == nil {
			ps.groups[key] = g
			ps.addPending(g)
		}
		return true
	})
}

// loadPendingSessions loads the session lists holding a session that waits for
// EMIT FINAL, which registers those sessions as due.
func (t *tableQuery) loadPendingSessions(ps *partState) error {
	prefix := StatePrefix(t.queryID, plan.StoreAgg, ps.p)
	var keys []string
	err := t.st.Scan(prefix, func(k, v []byte) bool {
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
			return fmt.Errorf("state of query %s is corrupt: %w", t.queryID, err)
		}
		if _, err := t.loadSessions(ps, key, keyVals); err != nil {
			return err
		}
	}
	return nil
}

// sessionUpdate merges the record into the sessions of its group that lie within
// the inactivity gap, emitting a tombstone for every session merged away and then
// the merged session.
func (t *tableQuery) sessionUpdate(ps *partState, keyVals []any, ts int64, rec *kgo.Record, emit func(*kgo.Record)) error {
	gap := t.agg.Window.Size.Milliseconds()
	// A session can still grow by a record up to the gap after its end, so it
	// closes when stream time passes its end + gap + grace, as in Kafka Streams.
	closeTime := ps.streamTime - t.agg.Window.Grace.Milliseconds() - gap
	k, err := encodeKeyVals(keyVals)
	if err != nil {
		return err
	}
	sl, err := t.loadSessions(ps, k, keyVals)
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
		if t.agg.EmitFinal {
			return t.emitFinalSessions(ps, rec, emit)
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
	for i, c := range t.agg.Calls {
		merged.states[i] = c.Func.Add(merged.states[i], t.args[i])
	}
	sl.sessions = append(keep, merged)
	sl.dirty = true
	if t.agg.EmitFinal {
		for _, s := range absorbed {
			delete(ps.sessionsDue, sessionDueKey(k, s))
		}
		ps.sessionsDue[sessionDueKey(k, merged)] = &pendingSession{keyVals: keyVals, s: merged}
		return t.emitFinalSessions(ps, rec, emit)
	}
	for _, s := range absorbed {
		if err := t.emitRow(ps, t.sessionOut(keyVals, s, rec), true, s.end, &window{start: s.start, end: s.end, session: true}, rec, emit); err != nil {
			return err
		}
	}
	return t.emitState(ps, keyVals, merged.start, merged.end, merged.states, merged.end, true, rec, emit)
}

func sessionDueKey(groupKey string, s *session) string {
	return windowSuffix(windowSuffix(groupKey, s.start), s.end)
}

// sessionOut is the projection of a session, used to key its tombstone.
func (t *tableQuery) sessionOut(keyVals []any, s *session, rec *kgo.Record) []any {
	post := make([]any, len(t.agg.Post))
	copy(post, keyVals)
	post[len(keyVals)], post[len(keyVals)+1] = s.start, s.end
	for i, c := range t.agg.Calls {
		post[t.agg.CallBase()+i] = c.Func.Final(s.states[i])
	}
	return t.eval(post, rec)
}

func (t *tableQuery) loadSessions(ps *partState, key string, keyVals []any) (*sessionList, error) {
	if sl, ok := ps.sessions[key]; ok {
		return sl, nil
	}
	sl := &sessionList{key: key, keyVals: keyVals}
	v, ok, err := t.st.Get(append(StatePrefix(t.queryID, plan.StoreAgg, ps.p), key...))
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
			if t.agg.EmitFinal && len(s) > 4 && s[4] == true {
				ps.sessionsDue[sessionDueKey(key, sess)] = &pendingSession{keyVals: keyVals, s: sess}
			}
		}
	}
	ps.sessions[key] = sl
	return sl, nil
}

// aggregateTable applies a table update: the old row of the key leaves its group,
// the new row joins its group. Each changed group emits one record.
func (t *tableQuery) aggregateTable(ps *partState, rec *kgo.Record, row []any, nullValue bool, ts int64, emit func(*kgo.Record)) error {
	key := string(rec.Key)
	old, err := t.loadSrc(ps, key)
	if err != nil {
		return err
	}
	var oldKey, newKey []any
	oldOK, newOK := false, false
	if old != nil && t.where(old, rec) {
		oldKey, oldOK = t.groupKey(old, rec)
	}
	if !nullValue && t.where(row, rec) {
		newKey, newOK = t.groupKey(row, rec)
	}
	var oldArgs [][]any
	if oldOK {
		t.evalArgs(old, rec)
		oldArgs = make([][]any, len(t.args))
		for i := range t.args {
			oldArgs[i] = append([]any(nil), t.args[i]...)
		}
	}
	if nullValue {
		ps.srcRows.set(key, nil)
	} else {
		ps.srcRows.set(key, row)
	}
	sameGroup := oldOK && newOK && sameVals(oldKey, newKey)
	if oldOK {
		k, err := encodeKeyVals(oldKey)
		if err != nil {
			return err
		}
		g, err := t.loadGroup(ps, k)
		if err != nil {
			return err
		}
		if g != nil {
			for i, c := range t.agg.Calls {
				g.states[i] = c.Func.Undo(g.states[i], oldArgs[i])
			}
			g.ts = max(g.ts, ts)
			ps.touch(g)
			if !sameGroup {
				if err := t.emitGroup(ps, g, rec, emit); err != nil {
					return err
				}
			}
		}
	}
	if newOK {
		t.evalArgs(row, rec)
		return t.update(ps, newKey, 0, 0, ts, rec, emit, false)
	}
	return nil
}

func sameVals(a, b []any) bool {
	ka, err1 := encodeKeyVals(a)
	kb, err2 := encodeKeyVals(b)
	return err1 == nil && err2 == nil && ka == kb
}

func (t *tableQuery) loadSrc(ps *partState, key string) ([]any, error) {
	return ps.srcRows.load(t.st, StatePrefix(t.queryID, plan.StoreSrc, ps.p), key)
}

// project applies a table's filter and projection: a row the filter rejects, or
// a deleted row, becomes a tombstone of its key.
func (t *tableQuery) project(ps *partState, rec *kgo.Record, row []any, nullValue bool, ts int64, emit func(*kgo.Record)) error {
	if rec.Key == nil && t.qp.Source.Kind == catalog.Table {
		return nil // a table row without a key has no identity: dropped, as ksqlDB does
	}
	deleted := nullValue || !t.where(row, rec)
	out := t.eval(row, rec)
	return t.emitRow(ps, out, deleted, ts, nil, rec, emit)
}

// flush stages every change since the last flush, and each partition's
// checkpoint, in b.
func (t *tableQuery) flush(b stateWriter) error {
	if t.repartition != "" {
		if err := t.flushRepartition(b); err != nil {
			return err
		}
	}
	for _, ps := range t.parts {
		agg := StatePrefix(t.queryID, plan.StoreAgg, ps.p)
		for _, g := range ps.dirtyGroups {
			v, err := t.encodeGroup(ps, g)
			if err != nil {
				return err
			}
			if err := b.Set(append(agg[:len(agg):len(agg)], g.key...), v); err != nil {
				return err
			}
			g.dirty = false
		}
		clear(ps.dirtyGroups)
		ps.dirtyGroups = ps.dirtyGroups[:0]
		for k, sl := range ps.sessions {
			if !sl.dirty {
				continue
			}
			var list []any
			for _, s := range sl.sessions {
				// The last field: the session waits for EMIT FINAL.
				_, due := ps.sessionsDue[sessionDueKey(k, s)]
				list = append(list, []any{s.start, s.end, s.ts, s.states, due})
			}
			v, err := types.AppendBinaryRow(nil, list)
			if err != nil {
				return err
			}
			if err := b.Set(append(agg[:len(agg):len(agg)], k...), v); err != nil {
				return err
			}
			sl.dirty = false
		}
		if err := ps.srcRows.flush(StatePrefix(t.queryID, plan.StoreSrc, ps.p), b); err != nil {
			return err
		}
		out := StatePrefix(t.queryID, plan.StoreOut, ps.p)
		for k, o := range ps.outRows {
			key := append(out[:len(out):len(out)], k...)
			if o.vals == nil {
				if err := b.Delete(key); err != nil {
					return err
				}
				continue
			}
			v, err := types.AppendBinaryRow(nil, append([]any{o.ts}, o.vals...))
			if err != nil {
				return err
			}
			if err := b.Set(key, v); err != nil {
				return err
			}
		}
		clear(ps.outRows)
		if ps.offset >= 0 {
			c := checkpoint{Offset: ps.offset, StreamTime: ps.streamTime}
			if err := b.Set(StatePrefix(t.queryID, plan.StoreCkpt, ps.p), c.encode()); err != nil {
				return err
			}
		}
		// Keep the hot groups cached, but not without bound. The walk runs only
		// when it can evict at least a quarter of what it visits: under EMIT
		// FINAL the group of every open window is pending and stays, and walking
		// them all at every flush made flushes quadratic (q5 at 2M events: half
		// of its CPU). Pending groups are always cached, so the difference
		// counts the evictable ones.
		if n := len(ps.groups); n > maxCachedGroups && n-len(ps.pending) >= n/4 {
			for k, g := range ps.groups {
				if _, pending := ps.pending[k]; !pending && !g.dirty {
					delete(ps.groups, k)
				}
			}
			clear(ps.sessions)
		}
	}
	return nil
}

// maxCachedGroups bounds the in-memory group cache per partition.
const maxCachedGroups = 100_000

// resultEncoder encodes result rows (plan Items) as sink records.
type resultEncoder struct {
	qp         *plan.QueryPlan
	key, value formats.Codec
}

func newResultEncoder(qp *plan.QueryPlan) (*resultEncoder, error) {
	s := qp.Sink.Source
	k, err := formats.NewCodec(s.KeyFormat, s.KeyColumns(), plan.KeyOptions(s))
	if err != nil {
		return nil, err
	}
	v, err := formats.NewCodec(s.ValueFormat, s.ValueColumns(), plan.ValueOptions(s))
	if err != nil {
		return nil, err
	}
	return &resultEncoder{qp: qp, key: k, value: v}, nil
}

// sinkOrder reorders a result row (plan Items) into the sink's column order: key
// columns, then value columns. The materialized result is stored that way, so a
// pull query reads it as rows of the table.
func (e *resultEncoder) sinkOrder(out []any) []any {
	s := e.qp.Sink
	row := make([]any, 0, len(s.KeyIndexes)+len(s.ValueIndexes))
	for _, i := range s.KeyIndexes {
		row = append(row, out[i])
	}
	for _, i := range s.ValueIndexes {
		row = append(row, out[i])
	}
	return row
}

// encode builds the record for a result row. keyBytes is the record key, which
// also keys the materialized result.
func (e *resultEncoder) encode(out []any, deleted bool, ts int64, win *window, headers []kgo.RecordHeader) (*kgo.Record, []byte, error) {
	sink := e.qp.Sink
	keyVals := make([]any, len(sink.KeyIndexes))
	allNull := true
	for i, idx := range sink.KeyIndexes {
		keyVals[i] = out[idx]
		if out[idx] != nil {
			allNull = false
		}
	}
	rec := &kgo.Record{Topic: sink.Source.Topic, Headers: headers, Timestamp: time.UnixMilli(ts)}
	var err error
	if len(keyVals) > 0 && !(allNull && len(keyVals) == 1) {
		if rec.Key, err = e.key.Encode(nil, keyVals); err != nil {
			return nil, nil, fmt.Errorf("failed to serialize key for sink %s: %w", sink.Source.Name, err)
		}
	}
	if win != nil {
		if win.session {
			rec.Key = formats.EncodeSessionWindowKey(nil, rec.Key, win.start, win.end)
		} else {
			rec.Key = formats.EncodeTimeWindowKey(nil, rec.Key, win.start)
		}
	}
	if !deleted {
		vals := make([]any, len(sink.ValueIndexes))
		for i, idx := range sink.ValueIndexes {
			vals[i] = out[idx]
		}
		if rec.Value, err = e.value.Encode(nil, vals); err != nil {
			return nil, nil, fmt.Errorf("failed to serialize value for sink %s: %w", sink.Source.Name, err)
		}
	}
	if sink.TimestampIndex >= 0 {
		if v, ok := toMillis(out[sink.TimestampIndex]); ok {
			// As for a stream sink: a result whose TIMESTAMP column is negative
			// is not written, as in ksqlDB, rather than keeping the input's time.
			if v < 0 && !deleted {
				return nil, nil, fmt.Errorf("invalid timestamp %d for sink %s: record timestamps cannot be negative", v, sink.Source.Name)
			}
			if v >= 0 {
				rec.Timestamp = time.UnixMilli(v)
			}
		}
	}
	return rec, rec.Key, nil
}
