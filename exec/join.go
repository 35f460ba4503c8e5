package exec

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/sluice-db/sluice/plan"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/storage"
	"github.com/sluice-db/sluice/types"
)

// Joins. A join query reads both inputs in one consumer group whose balancer
// gives partition p of both topics to the same member, so a partition's join
// state holds every record of its keys on both sides. The state is in the store,
// per partition:
//
//	jw<side>  stream windows:  <key> <ts> <offset>  -> the side's input row
//	jx<side>  window expiry:   <ts> <key> <offset>  -> nothing (derived from
//	          jw, so kept out of the changelog and rebuilt with jw)
//	jt<side>  table rows:      <key>                -> the side's input row
//	jo        outer rows waiting for their window to close (joins with a grace
//	          period): <ts> <side> <key> <offset>   -> the side's input row
//	ckpt-j<side>  the side's next offset and the side's stream time
//	jtime     the partition's stream time over both sides and its output sequence
//
// <key> is the join key, length-prefixed; <ts> sorts in time order. Keys are
// made of what the record is (its key, time and offset), so processing a record
// again after a crash writes the same state.
const (
	sideLeft  = 0
	sideRight = 1
)

// joinOp is the join operator of one query: one step per JOIN of an n-way
// join. Records of the first source enter the first step's left side; records
// of source k (k >= 1) enter step k-1's right side; each step's joined rows are
// the next step's left records, and the last step's go to the rest of the plan.
type joinOp struct {
	queryID string
	steps   []*joinStep
	sources int
	parts   map[int32]*joinPart
	st      *storage.Store
}

// joinStep is one two-way join of the chain.
type joinStep struct {
	queryID string
	idx     int
	j       *plan.Join
	sides   [2]*plan.JoinSide
	width   int // the step's joined row width
}

// joinPart is one partition's join progress; its state is in the store.
type joinPart struct {
	p      int32
	offset []int64 // next offset to process per source, -1 for none yet
	steps  []*stepPart
	dirty  bool
}

// stepPart is one step's progress in a partition.
type stepPart struct {
	p          int32
	sideTime   [2]int64 // the largest timestamp stored per side's window
	streamTime int64    // the largest timestamp seen on either side
	seq        int64    // output sequence: numbers the step's joined rows
}

func newJoinOp(queryID string, qp *plan.QueryPlan, st *storage.Store) *joinOp {
	o := &joinOp{queryID: queryID, parts: map[int32]*joinPart{}, st: st}
	for i, j := range qp.Join.Steps() {
		o.steps = append(o.steps, newJoinStep(queryID, i, j))
	}
	o.sources = len(o.steps) + 1
	return o
}

// newJoinStep prepares step i of a join. Its joined row is the step's virtual
// source's input layout: the columns before ROWKEY, ROWKEY, the three
// pseudo-columns, and the window bounds when the inputs are windowed.
func newJoinStep(queryID string, i int, j *plan.Join) *joinStep {
	width := j.RowKey + 4
	if j.Left.Source.Window != nil {
		width += 2
	}
	return &joinStep{queryID: queryID, idx: i, j: j, sides: [2]*plan.JoinSide{j.Left, j.Right}, width: width}
}

func joinCkptStore(source int) string { return fmt.Sprintf("%s%d", plan.StoreJoinCkpt, source) }

func joinTimeStore(step int) string { return fmt.Sprintf("%s%d", plan.StoreJoinTime, step) }

// partition returns partition p's progress, loading it from the store.
func (o *joinOp) partition(p int32) (*joinPart, error) {
	if jp, ok := o.parts[p]; ok {
		return jp, nil
	}
	jp := &joinPart{p: p, offset: make([]int64, o.sources)}
	for src := range o.sources {
		jp.offset[src] = -1
		c, ok, err := readCheckpoint(o.st, o.queryID, joinCkptStore(src), p)
		if err != nil {
			return nil, err
		}
		if ok {
			jp.offset[src] = c.Offset
		}
	}
	for i := range o.steps {
		sp := &stepPart{p: p, sideTime: [2]int64{-1 << 62, -1 << 62}, streamTime: -1 << 62}
		for side := range 2 {
			c, ok, err := readCheckpoint(o.st, o.queryID, fmt.Sprintf("%s%d.%d", plan.StoreJoinTime, i, side), p)
			if err != nil {
				return nil, err
			}
			if ok {
				sp.sideTime[side] = c.StreamTime
			}
		}
		c, ok, err := readCheckpoint(o.st, o.queryID, joinTimeStore(i), p)
		if err != nil {
			return nil, err
		}
		if ok {
			sp.streamTime, sp.seq = c.StreamTime, c.Offset
		}
		jp.steps = append(jp.steps, sp)
	}
	o.parts[p] = jp
	return jp, nil
}

// process handles one decoded record of source src. row is the source's input
// row; nullValue marks a record without a value (a table's delete).
func (o *joinOp) process(b *storage.Batch, w stateWriter, jp *joinPart, src int, rec *kgo.Record, row []any, nullValue bool, emit joinEmit) error {
	jp.offset[src] = rec.Offset + 1
	jp.dirty = true
	step, side := 0, sideLeft
	if src > 0 {
		step, side = src-1, sideRight
	}
	return o.stepProcess(b, w, jp, step, side, rec, row, nullValue, emit)
}

func (o *joinOp) stepProcess(b *storage.Batch, w stateWriter, jp *joinPart, step, side int, rec *kgo.Record, row []any, nullValue bool, emit joinEmit) error {
	s := o.steps[step]
	next := emit
	if step+1 < len(o.steps) {
		next = func(joined []any, tombstone bool, ts int64) error {
			sp := jp.steps[step]
			sp.seq++
			// The joined row is a record of the next step's left side, numbered
			// by this step's output sequence.
			synth := &kgo.Record{Partition: jp.p, Offset: sp.seq, Headers: rec.Headers}
			return o.stepProcess(b, w, jp, step+1, sideLeft, synth, joined, tombstone, emit)
		}
	}
	return s.process(b, w, jp.steps[step], side, rec, row, nullValue, next)
}

// expire deletes expired window records of every step; called once per poll.
func (o *joinOp) expire(b *storage.Batch, w stateWriter) error {
	for _, jp := range o.parts {
		for i, s := range o.steps {
			if err := s.expire(b, w, jp.steps[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// flush stages each touched partition's checkpoints.
func (o *joinOp) flush(w stateWriter) error {
	for _, jp := range o.parts {
		if !jp.dirty {
			continue
		}
		for src, off := range jp.offset {
			if off >= 0 {
				if err := w.Set(StatePrefix(o.queryID, joinCkptStore(src), jp.p), checkpoint{Offset: off}.encode()); err != nil {
					return err
				}
			}
		}
		for i, sp := range jp.steps {
			for side := range 2 {
				if err := w.Set(StatePrefix(o.queryID, fmt.Sprintf("%s%d.%d", plan.StoreJoinTime, i, side), jp.p), checkpoint{StreamTime: sp.sideTime[side]}.encode()); err != nil {
					return err
				}
			}
			if err := w.Set(StatePrefix(o.queryID, joinTimeStore(i), jp.p), checkpoint{Offset: sp.seq, StreamTime: sp.streamTime}.encode()); err != nil {
				return err
			}
		}
		jp.dirty = false
	}
	return nil
}

// joinEmit receives a joined row (nil values on a missing side), whether it
// deletes the result's key (a table join's tombstone), and its timestamp.
type joinEmit func(row []any, tombstone bool, ts int64) error

// process handles one decoded record of a side. row is the side's input row;
// nullValue marks a record without a value (a table's delete).
func (o *joinStep) process(b *storage.Batch, w stateWriter, jp *stepPart, side int, rec *kgo.Record, row []any, nullValue bool, emit joinEmit) error {
	s := o.sides[side]
	tsIdx := len(s.Source.Columns)
	ts, _ := row[tsIdx].(int64)
	keyVal, err := s.Key.Eval(row)
	if err != nil {
		return errJoinKey{err}
	}
	var kb []byte
	if keyVal != nil {
		if kb, err = o.joinKey(side, row, keyVal); err != nil {
			return err
		}
	}
	switch o.j.Kind {
	case plan.StreamStream:
		if nullValue || keyVal == nil {
			return nil // nothing to join: ksqlDB drops stream records without a key or value
		}
		return o.streamStream(b, w, jp, side, rec, row, keyVal, kb, ts, emit)
	case plan.StreamTable:
		if side == sideRight {
			if keyVal == nil {
				return nil
			}
			return o.putTable(w, jp, side, kb, row, nullValue)
		}
		if nullValue {
			return nil
		}
		if keyVal == nil {
			if o.j.Type == plan.LeftJoin {
				return emit(o.joined(row, nil, nil, ts, jp.p, rec.Offset), false, ts)
			}
			return nil
		}
		other, err := o.getTable(b, jp, sideRight, kb)
		if err != nil {
			return err
		}
		if other == nil && o.j.Type != plan.LeftJoin {
			return nil
		}
		return emit(o.joined(row, other, keyVal, ts, jp.p, rec.Offset), false, ts)
	default:
		if o.j.ForeignKey {
			return o.foreignKey(b, w, jp, side, rec, row, nullValue, ts, emit)
		}
		if keyVal == nil {
			return nil
		}
		return o.tableTable(b, w, jp, side, rec, row, nullValue, keyVal, kb, ts, emit)
	}
}

// errJoinKey is a join expression that failed on a record: the record is
// skipped and logged.
type errJoinKey struct{ err error }

func (e errJoinKey) Error() string { return "join key: " + e.err.Error() }

// joined builds the joined row of left and right (either may be nil).
func (o *joinStep) joined(left, right []any, key any, ts int64, p int32, offset int64) []any {
	row := make([]any, o.width)
	if left != nil {
		copy(row[o.sides[sideLeft].Offset:], left[:len(o.sides[sideLeft].Input)])
	}
	if right != nil {
		copy(row[o.sides[sideRight].Offset:], right[:len(o.sides[sideRight].Input)])
	}
	row[o.j.RowKey] = key
	row[o.j.RowKey+1] = ts
	row[o.j.RowKey+2] = p
	row[o.j.RowKey+3] = offset
	if o.sides[sideLeft].Source.Window != nil {
		// A join of windowed sources keeps the window (both sides share it).
		src := left
		s := o.sides[sideLeft]
		if src == nil {
			src, s = right, o.sides[sideRight]
		}
		w := len(s.Source.Columns) + 3
		row[o.j.RowKey+4], row[o.j.RowKey+5] = src[w], src[w+1]
	}
	return row
}

// pair orders a side's row and the other side's as (left, right).
func pair(side int, mine, other []any) (left, right []any) {
	if side == sideLeft {
		return mine, other
	}
	return other, mine
}

// outer reports whether a side's unmatched rows are emitted null-padded.
func (o *joinStep) outer(side int) bool {
	switch o.j.Type {
	case plan.FullJoin:
		return true
	case plan.LeftJoin:
		return side == sideLeft
	case plan.RightJoin:
		return side == sideRight
	}
	return false
}

// joinKey encodes a row's join key for the state: the key value, and for a
// windowed input its window too (records of windowed sources join only within
// the same window).
func (o *joinStep) joinKey(side int, row []any, keyVal any) ([]byte, error) {
	s := o.sides[side]
	if s.Source.Window == nil {
		return encodeJoinKey(keyVal)
	}
	w := len(s.Source.Columns) + 3
	return encodeJoinKey([]any{keyVal, row[w], row[w+1]})
}

func encodeJoinKey(v any) ([]byte, error) {
	kb, err := types.AppendBinaryRow(nil, []any{v})
	if err != nil {
		return nil, err
	}
	out := binary.BigEndian.AppendUint32(nil, uint32(len(kb)))
	return append(out, kb...), nil
}

// sortableTime encodes a timestamp so that byte order is time order.
func sortableTime(b []byte, ts int64) []byte {
	return binary.BigEndian.AppendUint64(b, uint64(ts)^(1<<63))
}

func timeFromSortable(b []byte) int64 { return int64(binary.BigEndian.Uint64(b) ^ (1 << 63)) }

// storeKey is StatePrefix(queryID, "<store><step>[.<side>]", p) followed by
// parts, built in one allocation: it runs several times per joined record.
func (o *joinStep) storeKey(store string, side int, p int32, parts ...[]byte) []byte {
	n := len(o.queryID) + len(store) + 16
	for _, x := range parts {
		n += len(x)
	}
	k := make([]byte, 0, n)
	k = append(k, 'q')
	k = append(k, o.queryID...)
	k = append(k, 0)
	k = append(k, store...)
	k = strconv.AppendInt(k, int64(o.idx), 10)
	if side >= 0 {
		k = append(k, '.')
		k = strconv.AppendInt(k, int64(side), 10)
	}
	k = append(k, 0)
	k = binary.BigEndian.AppendUint32(k, uint32(p))
	for _, x := range parts {
		k = append(k, x...)
	}
	return k
}

func be64(v int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(v)) }

// streamStream joins a stream record with the other side's window, as Kafka
// Streams' windowed join does: the record is stored in its side's window (unless
// its window has already expired), every record of the other side within the
// window joins it with the later of the two timestamps, and an outer side's
// record that matches nothing is emitted null-padded: at once for a join
// without a grace period (or when its window has already closed), else when
// stream time passes its window's end plus the grace period.
func (o *joinStep) streamStream(b *storage.Batch, w stateWriter, jp *stepPart, side int, rec *kgo.Record, row []any, keyVal any, kb []byte, ts int64, emit joinEmit) error {
	j := o.j
	before, after := j.Before.Milliseconds(), j.After.Milliseconds()
	retention := j.Retention().Milliseconds()
	jp.streamTime = max(jp.streamTime, ts)
	if j.HasGrace && ts == jp.streamTime {
		if err := o.emitClosedOuter(b, w, jp, rec, emit); err != nil {
			return err
		}
	}
	jp.sideTime[side] = max(jp.sideTime[side], ts)
	v, err := types.AppendBinaryRow(nil, row)
	if err != nil {
		return err
	}
	if ts >= jp.sideTime[side]-retention {
		if err := w.Set(o.storeKey(plan.StoreJoinWindow, side, jp.p, kb, sortableTime(nil, ts), be64(rec.Offset)), v); err != nil {
			return err
		}
		// The expiry index is derived from the window key, so it is not in the
		// changelog: a rebuild derives it again (joinExpiryIndex).
		if err := b.Set(o.storeKey(plan.StoreJoinExpiry, side, jp.p, sortableTime(nil, ts), kb, be64(rec.Offset)), []byte{}); err != nil {
			return err
		}
	}
	// The other side's records this one joins: left at t joins right in
	// [t-before, t+after]; right at t joins left in [t-after, t+before].
	from, to := ts-before, ts+after
	if side == sideRight {
		from, to = ts-after, ts+before
	}
	other := 1 - side
	prefix := o.storeKey(plan.StoreJoinWindow, other, jp.p, kb)
	lower := sortableTime(append([]byte(nil), prefix...), max(from, 0))
	upper := sortableTime(append([]byte(nil), prefix...), to+1)
	type match struct {
		row    []any
		ts     int64
		offset int64
	}
	var matches []match
	var scanErr error
	err = b.Scan(lower, upper, func(k, val []byte) bool {
		rest := k[len(prefix):]
		r, err := types.ReadBinaryRow(val)
		if err != nil {
			scanErr = err
			return false
		}
		matches = append(matches, match{row: r, ts: timeFromSortable(rest), offset: int64(binary.BigEndian.Uint64(rest[8:]))})
		return true
	})
	if err == nil {
		err = scanErr
	}
	if err != nil {
		return err
	}
	for _, m := range matches {
		l, r := pair(side, row, m.row)
		out := max(ts, m.ts)
		if err := emit(o.joined(l, r, keyVal, out, jp.p, rec.Offset), false, out); err != nil {
			return err
		}
		if j.HasGrace && o.outer(other) {
			// The other record has found a match: it is not emitted null-padded.
			if err := w.Delete(o.outerKey(jp.p, m.ts, other, kb, m.offset)); err != nil {
				return err
			}
		}
	}
	if len(matches) > 0 || !o.outer(side) {
		return nil
	}
	if !j.HasGrace || to < jp.streamTime {
		l, r := pair(side, row, nil)
		return emit(o.joined(l, r, keyVal, ts, jp.p, rec.Offset), false, ts)
	}
	return w.Set(o.outerKey(jp.p, ts, side, kb, rec.Offset), v)
}

func (o *joinStep) outerKey(p int32, ts int64, side int, kb []byte, offset int64) []byte {
	return o.storeKey(plan.StoreJoinOuter, -1, p, sortableTime(nil, ts), []byte{byte(side)}, kb, be64(offset))
}

// emitClosedOuter emits, null-padded, the waiting outer rows whose window has
// closed: stream time is past their time plus the window's far side plus grace.
func (o *joinStep) emitClosedOuter(b *storage.Batch, w stateWriter, jp *stepPart, rec *kgo.Record, emit joinEmit) error {
	j := o.j
	prefix := o.storeKey(plan.StoreJoinOuter, -1, jp.p)
	type due struct {
		key  []byte
		side int
		row  []any
		ts   int64
		kv   any
	}
	var dues []due
	var scanErr error
	err := b.Scan(prefix, storage.PrefixEnd(prefix), func(k, v []byte) bool {
		rest := k[len(prefix):]
		ts := timeFromSortable(rest)
		side := int(rest[8])
		lookBack := j.After.Milliseconds()
		if side == sideRight {
			lookBack = j.Before.Milliseconds()
		}
		if ts+lookBack+j.Grace.Milliseconds() >= jp.streamTime {
			return false
		}
		r, err := types.ReadBinaryRow(v)
		if err != nil {
			scanErr = err
			return false
		}
		kv, err := o.sides[side].Key.Eval(r)
		if err != nil {
			scanErr = err
			return false
		}
		dues = append(dues, due{key: append([]byte(nil), k...), side: side, row: r, ts: ts, kv: kv})
		return true
	})
	if err == nil {
		err = scanErr
	}
	if err != nil {
		return err
	}
	for _, d := range dues {
		l, r := pair(d.side, d.row, nil)
		if err := emit(o.joined(l, r, d.kv, d.ts, jp.p, rec.Offset), false, d.ts); err != nil {
			return err
		}
		if err := w.Delete(d.key); err != nil {
			return err
		}
	}
	return nil
}

// expire deletes window records older than their side's stream time minus the
// retention; called once per poll.
func (o *joinStep) expire(b *storage.Batch, w stateWriter, jp *stepPart) error {
	if o.j.Kind != plan.StreamStream {
		return nil
	}
	retention := o.j.Retention().Milliseconds()
	{
		for side := range 2 {
			limit := jp.sideTime[side] - retention
			prefix := o.storeKey(plan.StoreJoinExpiry, side, jp.p)
			var dead [][]byte
			err := b.Scan(prefix, sortableTime(append([]byte(nil), prefix...), limit), func(k, _ []byte) bool {
				dead = append(dead, append([]byte(nil), k...))
				return len(dead) < 10000
			})
			if err != nil {
				return err
			}
			for _, k := range dead {
				rest := k[len(prefix):]
				ts, kbAndOff := rest[:8], rest[8:]
				kb, off := kbAndOff[:len(kbAndOff)-8], kbAndOff[len(kbAndOff)-8:]
				if err := w.Delete(o.storeKey(plan.StoreJoinWindow, side, jp.p, kb, ts, off)); err != nil {
					return err
				}
				if err := b.Delete(k); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// joinExpiryIndex derives the expiry index entry of a stream window's state
// key: store jw<step>.<side>, key <key> <ts> <offset> gives store
// jx<step>.<side>, key <ts> <key> <offset>. ok is false for other stores.
func joinExpiryIndex(store string, key []byte) (string, []byte, bool) {
	rest, ok := strings.CutPrefix(store, plan.StoreJoinWindow)
	if !ok || len(key) < 4 {
		return "", nil, false
	}
	n := 4 + int(binary.BigEndian.Uint32(key))
	if len(key) != n+16 {
		return "", nil, false
	}
	ix := make([]byte, 0, len(key))
	ix = append(ix, key[n:n+8]...)
	ix = append(ix, key[:n]...)
	ix = append(ix, key[n+8:]...)
	return plan.StoreJoinExpiry + rest, ix, true
}

func (o *joinStep) getTable(b *storage.Batch, jp *stepPart, side int, kb []byte) ([]any, error) {
	v, ok, err := b.Get(o.storeKey(plan.StoreJoinTable, side, jp.p, kb))
	if err != nil || !ok {
		return nil, err
	}
	return types.ReadBinaryRow(v)
}

func (o *joinStep) putTable(w stateWriter, jp *stepPart, side int, kb []byte, row []any, deleted bool) error {
	k := o.storeKey(plan.StoreJoinTable, side, jp.p, kb)
	if deleted {
		return w.Delete(k)
	}
	v, err := types.AppendBinaryRow(nil, row)
	if err != nil {
		return err
	}
	return w.Set(k, v)
}

// tableTable applies an update of one side of a primary-key table join and
// emits the result's change for the key, as Kafka Streams' table joins do: the
// joined row, or a tombstone when the key no longer has a result, timestamped
// with the later of the update and the other side's row.
func (o *joinStep) tableTable(b *storage.Batch, w stateWriter, jp *stepPart, side int, rec *kgo.Record, row []any, deleted bool, keyVal any, kb []byte, ts int64, emit joinEmit) error {
	old, err := o.getTable(b, jp, side, kb)
	if err != nil {
		return err
	}
	if deleted && old == nil {
		return nil // deleting what is not there changes nothing
	}
	if err := o.putTable(w, jp, side, kb, row, deleted); err != nil {
		return err
	}
	other, err := o.getTable(b, jp, 1-side, kb)
	if err != nil {
		return err
	}
	mine := row
	if deleted {
		mine = nil
	}
	out := ts
	if other != nil {
		if ots, ok := other[len(o.sides[1-side].Source.Columns)].(int64); ok {
			out = max(out, ots)
		}
	}
	// Whether the key has a result: both sides present for an inner join, the
	// outer side present for a left or right join, either for a full join.
	exists := func(left, right bool) bool {
		switch o.j.Type {
		case plan.LeftJoin:
			return left
		case plan.RightJoin:
			return right
		case plan.FullJoin:
			return left || right
		}
		return left && right
	}
	var now, before bool
	if side == sideLeft {
		now, before = exists(mine != nil, other != nil), exists(old != nil, other != nil)
	} else {
		now, before = exists(other != nil, mine != nil), exists(other != nil, old != nil)
	}
	l, r := pair(side, mine, other)
	switch {
	case now:
		return emit(o.joined(l, r, keyVal, out, jp.p, rec.Offset), false, out)
	case before:
		l, r := pair(side, row, other)
		return emit(o.joined(l, r, keyVal, out, jp.p, rec.Offset), true, out)
	}
	return nil
}

// foreignKey applies an update of one side of a foreign-key table join: left
// rows reference a right row by a column, and the result, keyed by the left
// key, is each left row with the right row it references. A left change emits
// that left key's result; a right change emits the result of every left row
// referencing it, found through an index of (foreign key, left key). Results
// are tombstoned when an inner join loses its right row or a left row goes.
func (o *joinStep) foreignKey(b *storage.Batch, w stateWriter, jp *stepPart, side int, rec *kgo.Record, row []any, deleted bool, ts int64, emit joinEmit) error {
	left, right := o.sides[sideLeft], o.sides[sideRight]
	tsOf := func(s *plan.JoinSide, r []any) int64 {
		v, _ := r[len(s.Source.Columns)].(int64)
		return v
	}
	fkBytes := func(r []any) ([]byte, any, error) {
		if r == nil {
			return nil, nil, nil
		}
		fk, err := left.Key.Eval(r)
		if err != nil || fk == nil {
			return nil, nil, err
		}
		kb, err := encodeJoinKey(fk)
		return kb, fk, err
	}
	inner := o.j.Type == plan.InnerJoin
	if side == sideLeft {
		lk, err := o.j.LeftKey.Eval(row)
		if err != nil || lk == nil {
			return err
		}
		lkb, err := encodeJoinKey(lk)
		if err != nil {
			return err
		}
		old, err := o.getTable(b, jp, sideLeft, lkb)
		if err != nil {
			return err
		}
		if deleted && old == nil {
			return nil
		}
		if err := o.putTable(w, jp, sideLeft, lkb, row, deleted); err != nil {
			return err
		}
		oldFK, _, err := fkBytes(old)
		if err != nil {
			return errJoinKey{err}
		}
		mine := row
		if deleted {
			mine = nil
		}
		newFK, _, err := fkBytes(mine)
		if err != nil {
			return errJoinKey{err}
		}
		if oldFK != nil {
			if err := w.Delete(o.storeKey(plan.StoreJoinFKIndex, -1, jp.p, oldFK, lkb)); err != nil {
				return err
			}
		}
		if newFK != nil {
			if err := w.Set(o.storeKey(plan.StoreJoinFKIndex, -1, jp.p, newFK, lkb), []byte{}); err != nil {
				return err
			}
		}
		var other, oldOther []any
		if newFK != nil {
			if other, err = o.getTable(b, jp, sideRight, newFK); err != nil {
				return err
			}
		}
		if oldFK != nil {
			if oldOther, err = o.getTable(b, jp, sideRight, oldFK); err != nil {
				return err
			}
		}
		out := ts
		if other != nil {
			out = max(out, tsOf(right, other))
		}
		if mine != nil && (other != nil || !inner) {
			return emit(o.joined(mine, other, lk, out, jp.p, rec.Offset), false, out)
		}
		if old != nil && (oldOther != nil || !inner) {
			return emit(o.joined(row, nil, lk, out, jp.p, rec.Offset), true, out)
		}
		return nil
	}
	rk, err := right.Key.Eval(row)
	if err != nil || rk == nil {
		return err
	}
	rkb, err := encodeJoinKey(rk)
	if err != nil {
		return err
	}
	old, err := o.getTable(b, jp, sideRight, rkb)
	if err != nil {
		return err
	}
	if deleted && old == nil {
		return nil
	}
	if err := o.putTable(w, jp, sideRight, rkb, row, deleted); err != nil {
		return err
	}
	prefix := o.storeKey(plan.StoreJoinFKIndex, -1, jp.p, rkb)
	var lefts [][]byte
	if err := b.Scan(prefix, storage.PrefixEnd(prefix), func(k, _ []byte) bool {
		lefts = append(lefts, append([]byte(nil), k[len(prefix):]...))
		return true
	}); err != nil {
		return err
	}
	for _, lkb := range lefts {
		l, err := o.getTable(b, jp, sideLeft, lkb)
		if err != nil {
			return err
		}
		if l == nil {
			continue
		}
		lk, err := o.j.LeftKey.Eval(l)
		if err != nil {
			return err
		}
		out := max(ts, tsOf(left, l))
		switch {
		case !deleted:
			err = emit(o.joined(l, row, lk, out, jp.p, rec.Offset), false, out)
		case inner:
			err = emit(o.joined(l, nil, lk, out, jp.p, rec.Offset), true, out)
		default:
			err = emit(o.joined(l, nil, lk, out, jp.p, rec.Offset), false, out)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// JoinTables joins materialized tables for a pull query: rows[k] are the rows
// of the join's k-th input (plan.InputLayout of its source, as ScanTable
// gives them), and the result is the joined rows in the plan's input layout,
// step by step with the join's type. Each joined row's ROWTIME is the later of
// its inputs'.
func JoinTables(qp *plan.QueryPlan, rows [][][]any) ([][]any, error) {
	steps := qp.Join.Steps()
	current := rows[0]
	for i, j := range steps {
		s := newJoinStep("", i, j)
		right := rows[i+1]
		type entry struct {
			row     []any
			matched bool
		}
		byKey := map[string][]*entry{}
		for _, r := range right {
			kv, err := j.Right.Key.Eval(r)
			if err != nil || kv == nil {
				continue
			}
			kb, err := s.joinKey(sideRight, r, kv)
			if err != nil {
				return nil, err
			}
			byKey[string(kb)] = append(byKey[string(kb)], &entry{row: r})
		}
		tsOf := func(side *plan.JoinSide, r []any) int64 {
			v, _ := r[len(side.Source.Columns)].(int64)
			return v
		}
		var next [][]any
		for _, l := range current {
			kv, err := j.Left.Key.Eval(l)
			if err != nil {
				return nil, err
			}
			key := kv
			if j.ForeignKey {
				if key, err = j.LeftKey.Eval(l); err != nil {
					return nil, err
				}
			}
			var matches []*entry
			if kv != nil {
				kb, err := s.joinKey(sideLeft, l, kv)
				if err != nil {
					return nil, err
				}
				matches = byKey[string(kb)]
			}
			for _, m := range matches {
				m.matched = true
				next = append(next, s.joined(l, m.row, key, max(tsOf(j.Left, l), tsOf(j.Right, m.row)), 0, 0))
			}
			if len(matches) == 0 && s.outer(sideLeft) {
				next = append(next, s.joined(l, nil, key, tsOf(j.Left, l), 0, 0))
			}
		}
		if s.outer(sideRight) {
			for _, es := range byKey {
				for _, e := range es {
					if !e.matched {
						kv, _ := j.Right.Key.Eval(e.row)
						next = append(next, s.joined(nil, e.row, kv, tsOf(j.Right, e.row), 0, 0))
					}
				}
			}
		}
		for _, r := range next {
			r[j.RowKey+2], r[j.RowKey+3] = nil, nil // a joined result row is no one record
		}
		current = next
	}
	return current, nil
}
