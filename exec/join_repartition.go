package exec

import (
	"encoding/binary"
	"fmt"

	"github.com/sluice-db/sluice/plan"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/formats"
	"github.com/sluice-db/sluice/storage"
	"github.com/sluice-db/sluice/types"
)

// Repartitioning a join input. An input whose join expression is not its key
// has a key's records on several partitions. A first stage reads the input,
// computes each record's join key and writes the record to the input's
// repartition topic keyed by the join key, serialized as the other side's key
// (so the default partitioner puts it in the partition the other side's records
// of that key are in); the join reads the repartition topic instead of the
// input. Each repartitioned record carries its source partition and offset: a
// first stage that re-runs after a crash writes records again, and the join
// skips those it has applied (the last source offset per source partition is
// kept with the join state).
//
// Repartition record values are binary rows: [sourcePartition, sourceOffset,
// nullValue, row...], row being the input's decoded row (columns and
// pseudo-columns).

// joinRepartition is the first stage and the deduplication of one input.
type joinRepartition struct {
	src    int // the input's index
	topic  string
	side   *plan.JoinSide
	keyEnc formats.Codec // nil: the join key as a binary row
	stage1 map[int32]int64
	dedup  map[[2]int32]int64 // (join partition, source partition) -> last applied offset
	dirty  bool
}

// newJoinRepartition prepares the stage of input src; partner is the other
// side of its join when that side is read as it is (its key format then keys
// the repartition topic), else nil.
func newJoinRepartition(src int, topic string, side, partner *plan.JoinSide) (*joinRepartition, error) {
	r := &joinRepartition{src: src, topic: topic, side: side, stage1: map[int32]int64{}, dedup: map[[2]int32]int64{}}
	if partner != nil && partner.Inner == nil {
		keys := partner.Source.KeyColumns()
		if len(keys) == 1 {
			enc, err := formats.NewCodec(partner.Source.KeyFormat, keys, plan.KeyOptions(partner.Source))
			if err != nil {
				return nil, err
			}
			r.keyEnc = enc
		}
	}
	return r, nil
}

func (r *joinRepartition) stage1Offset(st *storage.Store, queryID string, p int32) (int64, error) {
	if off, ok := r.stage1[p]; ok {
		return off, nil
	}
	c, ok, err := readCheckpoint(st, queryID, fmt.Sprintf("%s%d", plan.StoreJoinStage1, r.src), p)
	if err != nil {
		return 0, err
	}
	off := int64(-1)
	if ok {
		off = c.Offset
	}
	r.stage1[p] = off
	return off, nil
}

// forward handles a record of the input in the first stage.
func (r *joinRepartition) forward(rec *kgo.Record, row []any, nullValue bool, emit func(*kgo.Record)) error {
	r.stage1[rec.Partition] = rec.Offset + 1
	r.dirty = true
	kv, err := r.side.Key.Eval(row)
	if err != nil {
		return errJoinKey{err}
	}
	if kv == nil {
		return nil // no key to join on: the join drops it as it would the record
	}
	var key []byte
	if r.keyEnc != nil {
		if key, err = r.keyEnc.Encode(nil, []any{kv}); err != nil {
			return err
		}
	} else if key, err = types.AppendBinaryRow(nil, []any{kv}); err != nil {
		return err
	}
	val, err := types.AppendBinaryRow(nil, append([]any{rec.Partition, rec.Offset, nullValue}, row...))
	if err != nil {
		return err
	}
	emit(&kgo.Record{Topic: r.topic, Key: key, Value: val, Headers: rec.Headers, Timestamp: rec.Timestamp})
	return nil
}

// receive decodes a repartitioned record for the join; ok is false for a
// record the join has already applied (or a malformed one, reported).
func (r *joinRepartition) receive(st *storage.Store, queryID string, rec *kgo.Record, width int) (row []any, nullValue, ok bool, err error) {
	vals, err := types.ReadBinaryRow(rec.Value)
	if err != nil || len(vals) != 3+width {
		return nil, false, false, fmt.Errorf("corrupt repartition record at %s/%d@%d", rec.Topic, rec.Partition, rec.Offset)
	}
	srcPart, _ := vals[0].(int32)
	srcOff, _ := vals[1].(int64)
	nullValue, _ = vals[2].(bool)
	k := [2]int32{rec.Partition, srcPart}
	last, seen := r.dedup[k]
	if !seen {
		b, found, err := st.Get(r.dedupKey(queryID, rec.Partition, srcPart))
		if err != nil {
			return nil, false, false, err
		}
		last = -1
		if found && len(b) == 8 {
			last = int64(binary.BigEndian.Uint64(b))
		}
	}
	if srcOff <= last {
		r.dedup[k] = last
		return nil, false, false, nil // written again by a first stage that re-ran
	}
	r.dedup[k] = srcOff
	r.dirty = true
	return vals[3:], nullValue, true, nil
}

// forget drops what is held in memory of join partition p's applied source
// offsets: the store has them as of the last commit. Kept, an aborted batch's
// offsets would make the join skip its records when they are read again.
func (r *joinRepartition) forget(p int32) {
	for k := range r.dedup {
		if k[0] == p {
			delete(r.dedup, k)
		}
	}
}

func (r *joinRepartition) dedupKey(queryID string, p, srcPart int32) []byte {
	return binary.BigEndian.AppendUint32(StatePrefix(queryID, fmt.Sprintf("%s%d", plan.StoreJoinDedup, r.src), p), uint32(srcPart))
}

// flush stages the first stage's checkpoints and the applied source offsets.
func (r *joinRepartition) flush(queryID string, w stateWriter) error {
	if !r.dirty {
		return nil
	}
	for p, off := range r.stage1 {
		if off >= 0 {
			if err := w.Set(StatePrefix(queryID, fmt.Sprintf("%s%d", plan.StoreJoinStage1, r.src), p), checkpoint{Offset: off}.encode()); err != nil {
				return err
			}
		}
	}
	for k, off := range r.dedup {
		if err := w.Set(r.dedupKey(queryID, k[0], k[1]), binary.BigEndian.AppendUint64(nil, uint64(off))); err != nil {
			return err
		}
	}
	r.dirty = false
	return nil
}
