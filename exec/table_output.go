package exec

import (
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/formats"
	"github.com/sluice-db/sluice/plan"
	"github.com/sluice-db/sluice/types"
)

// The output path of a table result, shared by every kind: the projection of a
// result row, its encoding as a sink record (or a row for a transient query's
// client), the record cache, and the materialized result pull queries read.

// outRow is the current result row of a key, for pull queries; vals nil means
// deleted.
type outRow struct {
	vals  []any
	ts    int64
	dirty bool
}

// window is the window of an output key.
type window struct {
	start, end int64
	session    bool
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

// flushOutput stages the partition's result rows changed since the last flush.
func (t *tableQuery) flushOutput(ps *partState, b stateWriter) error {
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
	return nil
}

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
