package exec

import (
	"errors"
	"fmt"

	"github.com/sluice-db/sluice/plan"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/expr"
	"github.com/sluice-db/sluice/formats"
	"github.com/sluice-db/sluice/types"
)

// errSkip marks a record that is dropped by design, not by error.
var errSkip = errors.New("record skipped")

// DeserializationError is a record whose key or value could not be decoded.
type DeserializationError struct {
	Target string // "key" or "value"
	Record []byte // the bytes that failed
	Err    error
}

func (e *DeserializationError) Error() string {
	return "failed to deserialize " + e.Target + ": " + e.Err.Error()
}

func (e *DeserializationError) Unwrap() error { return e.Err }

// errNullValue marks a record without a value. Its row has NULL value columns; a
// stream passes it on as a record with a null value, as ksqlDB does.
var errNullValue = errors.New("record has a null value")

// sourceDecoder turns a Kafka record into an input row laid out as
// plan.InputLayout: declared columns, then ROWTIME, ROWPARTITION, ROWOFFSET.
type sourceDecoder struct {
	src        *catalog.Source
	key, value formats.Codec
	keyIdx     []int // row slot of each key column, in key order
	valueIdx   []int
	headerCols []int // slots of HEADERS / HEADER('k') columns
	width      int
	timestamp  expr.Expr // nil: the record timestamp is ROWTIME
	keyBuf     []any
	valueBuf   []any
}

// newSourceDecoder builds the decoder of src's records. reads are the expressions that will read the decoded rows (planReads); when any
// are given, value columns and struct fields none of them references are checked
// but left NULL instead of built (formats.Projection). Without reads every column
// is decoded.
func newSourceDecoder(src *catalog.Source, timestamp expr.Expr, reads ...expr.Expr) (*sourceDecoder, error) {
	d := &sourceDecoder{src: src, width: len(plan.InputLayout(src)), timestamp: timestamp}
	var err error
	if d.key, err = formats.NewCodec(src.KeyFormat, src.KeyColumns(), plan.KeyOptions(src)); err != nil {
		return nil, err
	}
	for i, c := range src.Columns {
		switch c.Role {
		case types.KeyColumn:
			d.keyIdx = append(d.keyIdx, i)
		case types.ValueColumn:
			d.valueIdx = append(d.valueIdx, i)
		default:
			d.headerCols = append(d.headerCols, i)
		}
	}
	var use *formats.Projection
	if len(reads) > 0 {
		use = valueProjection(src, d.valueIdx, append(reads, timestamp))
	}
	if d.value, err = formats.NewDecoder(src.ValueFormat, src.ValueColumns(), plan.ValueOptions(src), use); err != nil {
		return nil, err
	}
	d.keyBuf = make([]any, len(d.keyIdx))
	d.valueBuf = make([]any, len(d.valueIdx))
	return d, nil
}

// decode fills row (len == width) from rec. It returns errNullValue (with the row
// filled but for its value columns) for a record without a value, and a descriptive
// error for a record that cannot be decoded.
func (d *sourceDecoder) decode(rec *kgo.Record, row []any) error {
	for i := range row {
		row[i] = nil
	}
	nullValue := rec.Value == nil && len(d.valueIdx) > 0
	key := rec.Key
	var wstart, wend any
	if w := d.src.Window; w != nil && key != nil {
		var err error
		var start, end int64
		if w.Kind == "SESSION" {
			key, start, end, err = formats.DecodeSessionWindowKey(key)
		} else {
			key, start, err = formats.DecodeTimeWindowKey(key)
			end = start + w.Size.Milliseconds()
		}
		if err != nil {
			return &DeserializationError{Target: "key", Record: rec.Key, Err: err}
		}
		wstart, wend = start, end
	}
	if len(d.keyIdx) > 0 && key != nil {
		if err := d.key.Decode(key, d.keyBuf); err != nil {
			return &DeserializationError{Target: "key", Record: rec.Key, Err: err}
		}
		for i, slot := range d.keyIdx {
			row[slot] = d.keyBuf[i]
		}
	}
	if len(d.valueIdx) > 0 && !nullValue {
		if err := d.value.Decode(rec.Value, d.valueBuf); err != nil {
			return &DeserializationError{Target: "value", Record: rec.Value, Err: err}
		}
		for i, slot := range d.valueIdx {
			row[slot] = d.valueBuf[i]
		}
	}
	for _, slot := range d.headerCols {
		row[slot] = headerValue(d.src.Columns[slot], rec.Headers)
	}
	n := len(d.src.Columns)
	row[n] = rec.Timestamp.UnixMilli()
	row[n+1] = rec.Partition
	row[n+2] = rec.Offset
	if d.src.Window != nil {
		row[n+3], row[n+4] = wstart, wend
	}
	if d.timestamp != nil {
		v, err := d.timestamp.Eval(row)
		if err != nil {
			return fmt.Errorf("failed to extract timestamp from %s: %w", d.src.TimestampColumn, err)
		}
		ts, ok := toMillis(v)
		if !ok || ts < 0 {
			return fmt.Errorf("invalid timestamp %v in column %s (record timestamps must be non-negative)", v, d.src.TimestampColumn)
		}
		row[n] = ts
	}
	if nullValue {
		return errNullValue
	}
	return nil
}

func toMillis(v any) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case types.Timestamp:
		return int64(v), true
	case int32:
		return int64(v), true
	}
	return 0, false
}

// headerValue is the value of a HEADERS column (every header) or a HEADER('k')
// column (the last header named k).
func headerValue(c types.Column, hs []kgo.RecordHeader) any {
	if c.Role == types.HeadersColumn {
		out := make([]any, len(hs))
		for i, h := range hs {
			var v any
			if h.Value != nil {
				v = h.Value
			}
			out[i] = types.Struct{h.Key, v}
		}
		return out
	}
	var v any
	for _, h := range hs {
		if h.Key == c.HeaderKey {
			if h.Value == nil {
				v = nil
			} else {
				v = h.Value
			}
		}
	}
	return v
}
