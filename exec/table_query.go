package exec

import (
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/plan"
	"github.com/sluice-db/sluice/storage"
)

// tableQuery runs a query whose result is a table: an aggregation (GROUP BY,
// windows, HAVING) or a projection/filter of a table. It keeps its state per input
// partition, in memory in front of the store, and emits one changelog record per
// update, as ksqlDB does with caching off.
//
// What every kind shares is here and in table_output.go: each partition's
// checkpoint (next input offset and stream time), the output path (projection,
// encoding, the materialized result, the record cache) and the flush of all of
// it with the checkpoint; aggregate.go holds what the aggregations share (group
// key, arguments, the post-aggregation row and HAVING). The state and logic of
// each kind live in its own type, chosen once, from the plan, in newTableQuery:
//
//	agg_stream.go     GROUP BY without a window (and the second stage of a
//	                  repartitioned table aggregation, whose retractions are records)
//	agg_window.go     TUMBLING and HOPPING windows, with EMIT FINAL
//	agg_session.go    SESSION windows, with EMIT FINAL
//	agg_table.go      GROUP BY over a table: an update retracts the key's old row
//	table_project.go  a table's filter and projection: no state of its own
//
// repartition.go holds the two stages of a query whose groups are not keyed
// like its source.
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
	// openAgg makes the aggregation state of a partition, of the query's kind;
	// nil for a table projection.
	openAgg func(ps *partState) (aggKind, error)
	// scratch
	args [][]any
	post []any
}

// partState is the state of one input partition.
type partState struct {
	p          int32
	streamTime int64 // max input timestamp seen
	offset     int64 // next input offset the state reflects; -1 before any
	outRows    map[string]*outRow
	// agg is the aggregation's state of the partition; nil for a table
	// projection.
	agg aggKind
	// dedup is, for the second stage of a repartitioned query, the position of
	// the last record applied per source partition (see lastApplied); nil when
	// the source is read directly.
	dedup map[int32]int64
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
	if t.agg == nil {
		return t, nil // a table projection: see project
	}
	t.args = make([][]any, len(t.agg.Calls))
	for i, c := range t.agg.Calls {
		t.args[i] = make([]any, len(c.Args))
	}
	t.post = make([]any, len(t.agg.Post))
	switch w := t.agg.Window; {
	case w == nil && t.agg.FromTable && repartition == "":
		t.openAgg = t.openTableAgg
	case w == nil:
		// A repartitioned table aggregation's first stage keeps the table's
		// rows and sends their retractions; its second stage is a plain one.
		t.openAgg = t.openStreamAgg
	case w.Kind == "SESSION":
		t.openAgg = t.openSessionAgg
	default:
		t.openAgg = t.openWindowAgg
	}
	return t, nil
}

// partition returns the state of partition p, loading its checkpoint.
func (t *tableQuery) partition(p int32) (*partState, error) {
	if ps, ok := t.parts[p]; ok {
		return ps, nil
	}
	ps := &partState{p: p, offset: -1, outRows: map[string]*outRow{}}
	if t.repartition != "" {
		ps.dedup = map[int32]int64{}
	}
	c, ok, err := readCheckpoint(t.st, t.queryID, plan.StoreCkpt, p)
	if err != nil {
		return nil, err
	}
	if ok {
		ps.offset, ps.streamTime = c.Offset, c.StreamTime
	}
	if t.openAgg != nil {
		if ps.agg, err = t.openAgg(ps); err != nil {
			return nil, err
		}
	}
	t.parts[p] = ps
	return ps, nil
}

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

// dropPartition forgets a partition's cached state (after a restore); its
// stored state stays.
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
	if ps.agg == nil {
		return t.project(ps, rec, row, nullValue, ts, emit)
	}
	return ps.agg.apply(rec, row, nullValue, ts, emit)
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

// flush stages every change since the last flush, and each partition's
// checkpoint, in b.
func (t *tableQuery) flush(b stateWriter) error {
	if t.repartition != "" {
		if err := t.flushRepartition(b); err != nil {
			return err
		}
	}
	for _, ps := range t.parts {
		if ps.agg != nil {
			if err := ps.agg.flush(b); err != nil {
				return err
			}
		}
		if err := t.flushOutput(ps, b); err != nil {
			return err
		}
		if ps.offset >= 0 {
			c := checkpoint{Offset: ps.offset, StreamTime: ps.streamTime}
			if err := b.Set(StatePrefix(t.queryID, plan.StoreCkpt, ps.p), c.encode()); err != nil {
				return err
			}
		}
	}
	return nil
}

// skipControl moves the position of the partition a transaction marker is in
// past it: the marker has nothing to process, and the checkpoint must reach
// the position the consumer commits.
func (t *tableQuery) skipControl(rec *kgo.Record) error {
	var offset *int64
	switch {
	case t.repartition != "" && rec.Topic != t.repartition:
		s, err := t.sourcePartition(rec.Partition)
		if err != nil {
			return err
		}
		offset = &s.offset
	default:
		ps, err := t.partition(rec.Partition)
		if err != nil {
			return err
		}
		offset = &ps.offset
	}
	*offset = max(*offset, rec.Offset+1)
	return nil
}
