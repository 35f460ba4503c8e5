package exec

import (
	"errors"

	"github.com/sluice-db/sluice/plan"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/types"
)

// ProcessingLog receives per-record failures: undecodable records, expression
// errors, unwritable results. Implementations must be safe for concurrent use.
type ProcessingLog interface {
	Record(queryID string, err error, topic string, partition int32, offset int64)
}

// pipeline evaluates a plan's filter, table functions and projection over
// input rows.
type pipeline struct {
	qp      *plan.QueryPlan
	queryID string
	log     ProcessingLog
	// ext and lists are the flat map's buffers: the input row extended by the
	// table functions' columns, and each call's values for the current row.
	ext   []any
	lists [][]any
	// valueKeys are the items of PARTITION BY keys that read more than the
	// record key; computed on first use.
	valueKeys     []int
	valueKeysDone bool
}

// valueDependentKeys returns the items projecting a PARTITION BY key that reads
// a column other than the source's key columns.
func (p *pipeline) valueDependentKeys() []int {
	if p.valueKeysDone {
		return p.valueKeys
	}
	p.valueKeysDone = true
	for i, e := range p.qp.PartitionBy {
		if i >= len(p.qp.KeySlots) || p.qp.KeySlots[i] < 0 {
			continue
		}
		slots := make([]*usage, len(p.qp.Input))
		keyOnly := markReads(e, slots)
		for col, u := range slots {
			if u != nil && (col >= len(p.qp.Source.Columns) || p.qp.Source.Columns[col].Role != types.KeyColumn) {
				keyOnly = false
			}
		}
		if !keyOnly {
			p.valueKeys = append(p.valueKeys, p.qp.KeySlots[i])
		}
	}
	return p.valueKeys
}

// apply evaluates the filter and, when the row passes, the projection into out
// (len == len(plan.Items)). An expression that fails at run time yields NULL and a
// processing-log entry, as in ksqlDB; a failing filter drops the row.
func (p *pipeline) apply(row, out []any, topic string, partition int32, offset int64) bool {
	if !p.passes(row, topic, partition, offset) {
		return false
	}
	p.projectInto(row, out, topic, partition, offset)
	return true
}

// passes evaluates the filter; a failing filter drops the row.
func (p *pipeline) passes(row []any, topic string, partition int32, offset int64) bool {
	if p.qp.Where == nil {
		return true
	}
	v, err := p.qp.Where.Eval(row)
	if err != nil {
		p.logError(err, topic, partition, offset)
		return false
	}
	b, ok := v.(bool)
	return ok && b
}

// each runs the filter, the table functions and the projection over a decoded
// row: every result row is written into out and passed to emit, which returns
// false to stop. Without table functions a row yields at most one result.
func (p *pipeline) each(row, out []any, nullValue bool, rec *kgo.Record, emit func() bool) {
	if p.qp.FlatMap == nil {
		if p.applyTo(row, out, nullValue, rec) {
			emit()
		}
		return
	}
	if nullValue {
		return // a record without a value has nothing to explode
	}
	p.flatMap(row, out, rec.Topic, rec.Partition, rec.Offset, emit)
}

// flatMap is each for a plan with table functions: the calls' values are
// zipped into rows, as many as the longest list, shorter lists padded with
// NULLs. A call that fails gives no values and a processing-log entry.
func (p *pipeline) flatMap(row, out []any, topic string, partition int32, offset int64, emit func() bool) {
	if !p.passes(row, topic, partition, offset) {
		return
	}
	fm := p.qp.FlatMap
	if p.ext == nil {
		p.ext = make([]any, fm.Width(len(p.qp.Input)))
		p.lists = make([][]any, len(fm.Calls))
	}
	n := 0
	for i, c := range fm.Calls {
		vals, err := c.Values(row)
		if err != nil {
			p.logError(err, topic, partition, offset)
		}
		p.lists[i] = vals
		n = max(n, len(vals))
	}
	base := copy(p.ext, row[:len(p.qp.Input)])
	for r := 0; r < n; r++ {
		for i, vals := range p.lists {
			var v any
			if r < len(vals) {
				v = vals[r]
			}
			p.ext[base+i] = v
		}
		p.projectInto(p.ext, out, topic, partition, offset)
		if !emit() {
			return
		}
	}
}

// projectInto evaluates the items over row into out; an item that fails is
// NULL and a processing-log entry.
func (p *pipeline) projectInto(row, out []any, topic string, partition int32, offset int64) {
	for i, it := range p.qp.Items {
		v, err := it.Eval(row)
		if err != nil {
			p.logError(err, topic, partition, offset)
			v = nil
		}
		out[i] = v
	}
}

// logError records a failed evaluation. Evaluation errors (*expr.EvalError) are
// the expected kind; anything else is logged too rather than lost silently.
// applyTo is apply for a decoded record; a record without a value passes only when
// there is no filter (a predicate over a missing row is not true).
func (p *pipeline) applyTo(row, out []any, nullValue bool, rec *kgo.Record) bool {
	if nullValue && p.qp.Where != nil {
		return false
	}
	if nullValue && len(p.qp.PartitionBy) > 0 {
		if !p.apply(row, out, rec.Topic, rec.Partition, rec.Offset) {
			return false
		}
		// ksqlDB re-keys a record without a value from its key alone: a new key
		// computed from anything else (value or pseudo-columns) is NULL.
		for _, item := range p.valueDependentKeys() {
			out[item] = nil
		}
		return true
	}
	return p.apply(row, out, rec.Topic, rec.Partition, rec.Offset)
}

// decodeRow decodes rec into row, logging undecodable records. ok is false when the
// record yields no row.
func decodeRow(dec *sourceDecoder, rec *kgo.Record, row []any, log ProcessingLog, queryID string) (nullValue, ok bool) {
	switch err := dec.decode(rec, row); {
	case err == nil:
		return false, true
	case errors.Is(err, errNullValue):
		return true, true
	case errors.Is(err, errSkip):
		return false, false
	default:
		log.Record(queryID, err, rec.Topic, rec.Partition, rec.Offset)
		return false, false
	}
}

func (p *pipeline) logError(err error, topic string, partition int32, offset int64) {
	p.log.Record(p.queryID, err, topic, partition, offset)
}
