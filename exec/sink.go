package exec

import (
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/formats"
	"github.com/sluice-db/sluice/planner"
)

// sinkEncoder turns a projected row into a Kafka record for the sink topic.
type sinkEncoder struct {
	sink       *planner.Sink
	key, value formats.Codec
	keyVals    []any
	valueVals  []any
}

func newSinkEncoder(s *planner.Sink) (*sinkEncoder, error) {
	e := &sinkEncoder{sink: s}
	var err error
	if e.key, err = formats.NewCodec(s.Source.KeyFormat, s.Source.KeyColumns(), planner.KeyOptions(s.Source)); err != nil {
		return nil, err
	}
	if e.value, err = formats.NewCodec(s.Source.ValueFormat, s.Source.ValueColumns(), planner.ValueOptions(s.Source)); err != nil {
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
	rec := &kgo.Record{Topic: e.sink.Source.Topic, Headers: headers}
	var err error
	// A single NULL key column is a null key, as Kafka Streams writes it.
	if len(e.keyVals) > 0 && !(allNull && len(e.keyVals) == 1) {
		if rec.Key, err = e.key.Encode(nil, e.keyVals); err != nil {
			return nil, fmt.Errorf("failed to serialize key for sink %s: %w", e.sink.Source.Name, err)
		}
	}
	if nullValue {
		rec.Value = nil
	} else if rec.Value, err = e.value.Encode(nil, e.valueVals); err != nil {
		return nil, fmt.Errorf("failed to serialize value for sink %s: %w", e.sink.Source.Name, err)
	}
	if e.sink.TimestampIndex >= 0 {
		if v, ok := toMillis(out[e.sink.TimestampIndex]); ok && v >= 0 {
			ts = v
		}
	}
	rec.Timestamp = time.UnixMilli(ts)
	return rec, nil
}
