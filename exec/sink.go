package exec

import (
	"fmt"
	"time"

	"github.com/sluice-db/sluice/plan"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/formats"
)

// sinkEncoder turns a projected row into a Kafka record for the sink topic.
type sinkEncoder struct {
	sink       *plan.Sink
	key, value formats.Codec
	keyVals    []any
	valueVals  []any
	// Records and their bytes are cut from slabs: one allocation serves many
	// records. A slab is never written again once handed out, so records stay
	// valid for as long as anyone holds them (the producer, until acknowledged).
	recs    []kgo.Record
	bytes   []byte
	maxSize int // the largest key or value encoded so far
}

// slab sizes: records per record slab, and the least bytes per byte slab.
const (
	recordSlab = 128
	byteSlab   = 32 << 10
)

func newSinkEncoder(s *plan.Sink) (*sinkEncoder, error) {
	e := &sinkEncoder{sink: s}
	var err error
	if e.key, err = formats.NewCodec(s.Source.KeyFormat, s.Source.KeyColumns(), plan.KeyOptions(s.Source)); err != nil {
		return nil, err
	}
	if e.value, err = formats.NewCodec(s.Source.ValueFormat, s.Source.ValueColumns(), plan.ValueOptions(s.Source)); err != nil {
		return nil, err
	}
	e.keyVals = make([]any, len(s.KeyIndexes))
	e.valueVals = make([]any, len(s.ValueIndexes))
	return e, nil
}

// encode builds the sink record for out; ts is the input record's timestamp. The
// input record's headers travel on, as Kafka Streams forwards them; nullValue
// writes a record without a value.
func (e *sinkEncoder) encode(out []any, ts int64, headers []kgo.RecordHeader, nullValue bool) (*kgo.Record, error) {
	if e.sink.Timestamp != nil {
		// The sink's TIMESTAMP column sets the record timestamp; a record whose
		// timestamp cannot be computed or is negative is not written, as in ksqlDB.
		v, err := e.sink.Timestamp.Eval(out)
		if err != nil {
			return nil, fmt.Errorf("failed to compute the timestamp of a record for sink %s: %w", e.sink.Source.Name, err)
		}
		if ms, ok := toMillis(v); ok {
			if ms < 0 {
				return nil, fmt.Errorf("invalid timestamp %d for sink %s: record timestamps cannot be negative", ms, e.sink.Source.Name)
			}
			ts = ms
		}
	}
	allNull := true
	for i, idx := range e.sink.KeyIndexes {
		e.keyVals[i] = out[idx]
		if out[idx] != nil {
			allNull = false
		}
	}
	for i, idx := range e.sink.ValueIndexes {
		e.valueVals[i] = out[idx]
	}
	if len(e.recs) == 0 {
		e.recs = make([]kgo.Record, recordSlab)
	}
	rec := &e.recs[0]
	e.recs = e.recs[1:]
	rec.Topic, rec.Headers = e.sink.Source.Topic, headers
	var err error
	// A single NULL key column is a null key, as Kafka Streams writes it; so is a
	// carried-over key whose columns are all NULL (the input had no key).
	if len(e.keyVals) > 0 && !(allNull && (len(e.keyVals) == 1 || e.sink.KeyFromSource)) {
		if rec.Key, err = e.encodeTo(e.key, e.keyVals); err != nil {
			return nil, fmt.Errorf("failed to serialize key for sink %s: %w", e.sink.Source.Name, err)
		}
	}
	if nullValue {
		rec.Value = nil
	} else if rec.Value, err = e.encodeTo(e.value, e.valueVals); err != nil {
		return nil, fmt.Errorf("failed to serialize value for sink %s: %w", e.sink.Source.Name, err)
	}
	if e.sink.Timestamp == nil && e.sink.TimestampIndex >= 0 {
		if v, ok := toMillis(out[e.sink.TimestampIndex]); ok && v >= 0 {
			ts = v
		}
	}
	rec.Timestamp = time.UnixMilli(ts)
	return rec, nil
}

// encodeTo encodes vals into the byte slab and returns exactly the bytes
// codec.Encode(nil, vals) would: an encoding of no bytes is encoded again on its
// own, because codecs tell a nil result (no key or value) from an empty one.
func (e *sinkEncoder) encodeTo(codec formats.Codec, vals []any) ([]byte, error) {
	if cap(e.bytes)-len(e.bytes) < e.maxSize+64 {
		e.bytes = make([]byte, 0, max(byteSlab, 8*e.maxSize))
	}
	start := len(e.bytes)
	out, err := codec.Encode(e.bytes, vals)
	if err != nil {
		return nil, err
	}
	if len(out) <= start {
		// Nothing appended (an absent or null encoding, which some codecs return
		// as a fresh nil slice): encode on its own.
		return codec.Encode(nil, vals)
	}
	n := len(out) - start
	e.maxSize = max(e.maxSize, n)
	// If the slab was too small, Encode moved the bytes to a new array; it becomes
	// the slab. Either way the record's slice is capped so no later append reaches it.
	e.bytes = out
	return out[start:len(out):len(out)], nil
}
