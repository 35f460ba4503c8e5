package exec

import (
	"context"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/planner"
)

// RowSink receives the rows of a push query. Row may keep vals only until it returns.
type RowSink interface {
	Row(vals []any) error
}

// PushConfig configures a push query.
type PushConfig struct {
	Plan          *planner.QueryPlan
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
	pipe := &pipeline{plan: cfg.Plan, queryID: "transient", log: cfg.Log}
	row := make([]any, dec.width)
	out := make([]any, len(cfg.Plan.Items))
	var sent int64
	limit := cfg.Plan.Limit
	if limit == 0 {
		return nil
	}
	for {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var stop bool
		var sinkErr error
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
			// A push query shows rows; a record without a value has none.
			if nullValue, ok := decodeRow(dec, rec, row, cfg.Log, "transient"); ok && !nullValue && pipe.apply(row, out, rec.Topic, rec.Partition, rec.Offset) {
				if err := sink.Row(out); err != nil {
					sinkErr, stop = err, true
					return
				}
				sent++
				if limit >= 0 && sent >= limit {
					stop = true
				}
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
