package exec

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/plan"
	"github.com/sluice-db/sluice/types"
)

// Repartitioning. When a GROUP BY key is not the source's key, rows of one group
// arrive on several source partitions, but a group's state must live in one
// place. A first stage reads the source, filters, computes each row's group key
// and writes the row to the query's repartition topic keyed by the group key; the
// aggregation reads that topic, so each group has one partition and one owner.
//
// Each repartitioned record carries its source partition and offset. After a crash
// the first stage may write records again; the aggregation keeps the last source
// offset it applied per source partition, in the same store batch as its state,
// and skips what it has already counted.

// Repartition record values are binary rows: [sourcePartition, sourceOffset, op, row...].
const (
	opAdd int32 = 1
	opSub int32 = -1
)

// sourceStage is the first stage's state for one source partition.
type sourceStage struct {
	p       int32
	offset  int64
	srcRows *tableSource // table sources: the last row per key, to retract it
}

func (t *tableQuery) sourcePartition(p int32) (*sourceStage, error) {
	if s, ok := t.stage1[p]; ok {
		return s, nil
	}
	s := &sourceStage{p: p, offset: -1, srcRows: newTableSource(t.st, StatePrefix(t.queryID, plan.StoreSrc, p))}
	c, ok, err := readCheckpoint(t.st, t.queryID, plan.StoreCkptSource, p)
	if err != nil {
		return nil, err
	}
	if ok {
		s.offset = c.Offset
	}
	t.stage1[p] = s
	return s, nil
}

// repartitionRecord handles a source record in the first stage.
func (t *tableQuery) repartitionRecord(rec *kgo.Record, row []any, nullValue bool, emit func(*kgo.Record)) error {
	s, err := t.sourcePartition(rec.Partition)
	if err != nil {
		return err
	}
	s.offset = rec.Offset + 1
	send := func(op int32, r []any) error {
		if !t.where(r, rec) {
			return nil
		}
		keyVals, ok := t.groupKey(r, rec)
		if !ok {
			return nil
		}
		key, err := types.AppendBinaryRow(nil, keyVals)
		if err != nil {
			return err
		}
		val, err := types.AppendBinaryRow(nil, append([]any{rec.Partition, rec.Offset, op}, r...))
		if err != nil {
			return err
		}
		// A retraction carries the old row but happens at the update's time, as
		// Kafka Streams' table repartitioning forwards it.
		ts := row[len(t.qp.Source.Columns)].(int64)
		emit(&kgo.Record{Topic: t.repartition, Key: key, Value: val, Headers: rec.Headers, Timestamp: time.UnixMilli(ts)})
		return nil
	}
	if !t.agg.FromTable {
		if nullValue {
			return nil
		}
		return send(opAdd, row)
	}
	key := string(rec.Key)
	old, err := s.srcRows.load(key)
	if err != nil {
		return err
	}
	if nullValue {
		s.srcRows.set(key, nil)
	} else {
		s.srcRows.set(key, row)
	}
	if old != nil {
		if err := send(opSub, old); err != nil {
			return err
		}
	}
	if !nullValue {
		return send(opAdd, row)
	}
	return nil
}

// applyRepartitioned handles a record of the repartition topic in the aggregation.
func (t *tableQuery) applyRepartitioned(ps *partState, rec *kgo.Record, emit func(*kgo.Record)) error {
	ps.offset = rec.Offset + 1
	vals, err := types.ReadBinaryRow(rec.Value)
	if err != nil || len(vals) < 3+t.width {
		return fmt.Errorf("corrupt repartition record at %s/%d@%d", rec.Topic, rec.Partition, rec.Offset)
	}
	srcPart, _ := vals[0].(int32)
	srcOff, _ := vals[1].(int64)
	op, _ := vals[2].(int32)
	last, err := t.lastApplied(ps, srcPart)
	if err != nil {
		return err
	}
	// A table update sends a retraction then an addition with the same source
	// offset; the position orders them.
	pos := 2 * srcOff
	if op == opAdd {
		pos++
	}
	if pos <= last {
		return nil // written again by a first stage that re-ran after a crash
	}
	ps.dedup[srcPart] = pos
	row := vals[3:]
	ts := row[len(t.qp.Source.Columns)].(int64)
	if op == opSub {
		ts = rec.Timestamp.UnixMilli() // the update's time; row is the old row
	}
	ps.streamTime = max(ps.streamTime, ts)
	keyVals, ok := t.groupKey(row, rec)
	if !ok {
		return nil
	}
	t.evalArgs(row, rec)
	if op == opSub {
		// Only a table's aggregation retracts, and it has no window.
		a, ok := ps.agg.(*streamAgg)
		if !ok {
			return fmt.Errorf("corrupt repartition record at %s/%d@%d: a retraction for a windowed aggregation", rec.Topic, rec.Partition, rec.Offset)
		}
		return a.retract(keyVals, t.args, ts, true, rec, emit)
	}
	return ps.agg.fold(keyVals, ts, rec, emit)
}

// lastApplied returns the position (2 × source offset, +1 for an addition) of the
// last record of srcPart applied to ps, -1 if none.
func (t *tableQuery) lastApplied(ps *partState, srcPart int32) (int64, error) {
	if v, ok := ps.dedup[srcPart]; ok {
		return v, nil
	}
	b, ok, err := t.st.Get(dedupKey(t.queryID, ps.p, srcPart))
	if err != nil {
		return 0, err
	}
	v := int64(-1)
	if ok && len(b) == 8 {
		v = int64(binary.BigEndian.Uint64(b))
	}
	ps.dedup[srcPart] = v
	return v, nil
}

func dedupKey(queryID string, p, srcPart int32) []byte {
	return binary.BigEndian.AppendUint32(StatePrefix(queryID, plan.StoreDedup, p), uint32(srcPart))
}

// flushStage1 stages the first stage's source rows and checkpoints, and the
// aggregation's applied source offsets.
func (t *tableQuery) flushRepartition(b stateWriter) error {
	for _, s := range t.stage1 {
		if err := s.srcRows.flush(b); err != nil {
			return err
		}
		if s.offset >= 0 {
			if err := b.Set(StatePrefix(t.queryID, plan.StoreCkptSource, s.p), checkpoint{Offset: s.offset}.encode()); err != nil {
				return err
			}
		}
	}
	for _, ps := range t.parts {
		for sp, off := range ps.dedup {
			if err := b.Set(dedupKey(t.queryID, ps.p, sp), binary.BigEndian.AppendUint64(nil, uint64(off))); err != nil {
				return err
			}
		}
	}
	return nil
}
