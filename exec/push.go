package exec

import (
	"context"
	"time"

	"github.com/sluice-db/sluice/plan"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/expr"
	"github.com/sluice-db/sluice/types"
)

// RowSink receives the rows of a push query. Row may keep vals only until it returns.
type RowSink interface {
	Row(vals []any) error
}

// PushConfig configures a push query.
type PushConfig struct {
	Plan          *plan.QueryPlan
	Clients       ClientFactory
	Log           ProcessingLog
	FromBeginning bool
	// StopAtEnd ends the query once it has read up to the end offsets it saw at
	// start (a pull query over a stream); EndOffsets must then be given.
	StopAtEnd  bool
	EndOffsets map[int32]int64
}

// RunPush streams the plan's rows to sink until the LIMIT is reached, ctx is done,
// or (StopAtEnd) the topic has been read to its end. It reads without a consumer
// group: a push query is transient and commits nothing.
func RunPush(ctx context.Context, cfg PushConfig, sink RowSink) error {
	dec, err := newSourceDecoder(cfg.Plan.Source, cfg.Plan.Timestamp, planReads(cfg.Plan)...)
	if err != nil {
		return err
	}
	reset := kgo.NewOffset().AtEnd()
	if cfg.FromBeginning || cfg.StopAtEnd {
		reset = kgo.NewOffset().AtStart()
	}
	remaining := map[int32]int64{}
	if cfg.StopAtEnd {
		for p, end := range cfg.EndOffsets {
			if end > 0 {
				remaining[p] = end
			}
		}
		if len(remaining) == 0 {
			return nil
		}
	}
	cl, err := cfg.Clients.NewClient(
		kgo.ConsumeTopics(cfg.Plan.Source.Topic),
		kgo.ConsumeResetOffset(reset),
		kgo.FetchMaxWait(100*time.Millisecond),
	)
	if err != nil {
		return err
	}
	defer cl.Close()
	pipe := &pipeline{qp: cfg.Plan, queryID: "transient", log: cfg.Log}
	row := make([]any, dec.width)
	out := make([]any, len(cfg.Plan.Items))
	table := cfg.Plan.Source.Kind == catalog.Table
	tombstone := newTombstoneProjection(cfg.Plan)
	var sent int64
	limit := cfg.Plan.Limit
	if limit == 0 {
		return nil
	}
	var stop bool
	var sinkErr error
	// send delivers out; true when the query must stop (its LIMIT is reached
	// or the client is gone).
	send := func() bool {
		if err := sink.Row(out); err != nil {
			sinkErr = err
			return true
		}
		sent++
		return limit >= 0 && sent >= limit
	}
	for {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		fetches.EachRecord(func(rec *kgo.Record) {
			if stop {
				return
			}
			if cfg.StopAtEnd {
				end, ok := remaining[rec.Partition]
				if !ok || rec.Offset >= end {
					return
				}
				if rec.Offset+1 >= end {
					delete(remaining, rec.Partition)
				}
			}
			nullValue, ok := decodeRow(dec, rec, row, cfg.Log, "transient")
			switch {
			case !ok:
			case table && rec.Key == nil:
				// A table row without a key is dropped, as when it is materialized.
				ok = false
			case nullValue:
				// A stream record without a value is no row. A table's tombstone
				// is a change too: ksqlDB shows it as its key and NULLs.
				if table && cfg.Plan.Where == nil {
					ok = tombstone.apply(row, out)
				} else {
					ok = false
				}
			case cfg.Plan.FlatMap != nil:
				ok = false
				pipe.flatMap(row, out, rec.Topic, rec.Partition, rec.Offset, func() bool {
					stop = send()
					return !stop
				})
			default:
				ok = pipe.apply(row, out, rec.Topic, rec.Partition, rec.Offset)
			}
			if ok && send() {
				stop = true
				return
			}
			if cfg.StopAtEnd && len(remaining) == 0 {
				stop = true
			}
		})
		if sinkErr != nil {
			return sinkErr
		}
		if stop {
			return nil
		}
	}
}

// tombstoneProjection projects a table's tombstone: the items that read only
// the key (key columns, window bounds) are evaluated, the rest are NULL, since
// the deleted row has no value to compute them from.
type tombstoneProjection struct {
	items   []expr.Expr
	keyOnly []bool
}

func newTombstoneProjection(qp *plan.QueryPlan) *tombstoneProjection {
	t := &tombstoneProjection{items: qp.Items, keyOnly: make([]bool, len(qp.Items))}
	if qp.Agg != nil {
		return t // items read the aggregation's row, not the source's
	}
	for i, it := range qp.Items {
		slots := make([]*usage, len(qp.Input))
		keyOnly := markReads(it, slots)
		for col, u := range slots {
			if u == nil {
				continue
			}
			name := qp.Input[col].Name
			isKey := col < len(qp.Source.Columns) && qp.Source.Columns[col].Role == types.KeyColumn
			if !isKey && (col < len(qp.Source.Columns) || (name != plan.WindowStart && name != plan.WindowEnd)) {
				keyOnly = false
			}
		}
		t.keyOnly[i] = keyOnly
	}
	return t
}

func (t *tombstoneProjection) apply(row, out []any) bool {
	for i, it := range t.items {
		out[i] = nil
		if t.keyOnly[i] {
			if v, err := it.Eval(row); err == nil {
				out[i] = v
			}
		}
	}
	return true
}
