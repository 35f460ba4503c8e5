package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// End-to-end latency is measured on a live topic, not the preloaded one (whose
// records all wait from the start of the run). The benchmark produces events at a
// fixed rate with each record's timestamp set to the wall clock at produce time;
// the engine copies an input record's timestamp to the records it derives from it;
// the benchmark's consumer of the sink topic takes receive time minus that
// timestamp. So a latency spans produce, broker append, engine fetch, decode,
// evaluate, encode, produce and acknowledge, commit-independent, and the
// benchmark's own fetch of the result, at millisecond resolution (Kafka
// timestamps are milliseconds).

func (r *runner) latency(ctx context.Context, q benchQuery, res *queryResult) error {
	r.runs++
	topic := "nexmark_live_" + strconv.Itoa(r.runs)
	src := "nexmark_live_" + strconv.Itoa(r.runs)
	if err := r.exec(ctx, render(strings.NewReplacer("{topic}", topic,
		"{partitions}", strconv.Itoa(r.cfg.partitions)).Replace(sourceDDL), src, "")); err != nil {
		return err
	}
	st, err := r.start(ctx, q, src, "")
	if err != nil {
		return err
	}
	defer r.stop(ctx, st)
	if st.errMsg != "" {
		return fmt.Errorf("%s on the live topic: %s", q.name, st.errMsg)
	}
	// Warm up: the group joins and the sink topic exists before timing starts.
	var next int64
	produce := func(n int64) {
		var e Event
		for i := int64(0); i < n; i++ {
			r.gen.event(next, &e)
			r.cl.Produce(ctx, &kgo.Record{Topic: topic, Partition: int32(next % int64(r.cfg.partitions)),
				Value: appendEventJSON(nil, &e), Timestamp: time.Now()}, nil)
			next++
		}
	}
	produce(int64(totalProportion * 20))
	if err := r.cl.Flush(ctx); err != nil {
		return err
	}
	if err := r.waitCaughtUp(ctx, st, topic); err != nil {
		return err
	}
	sinkEnds, err := endOffsets(ctx, r.adm, st.sink)
	if err != nil {
		return err
	}
	offsets := map[int32]kgo.Offset{}
	for p, end := range sinkEnds {
		offsets[p] = kgo.NewOffset().At(end)
	}
	rd, err := kgo.NewClient(kgo.SeedBrokers(r.broker), kgo.FetchMaxWait(100*time.Millisecond),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{st.sink: offsets}),
		// An exactly-once sink is read as its readers would: committed records
		// only, with its transaction markers moving the position to the end.
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.KeepControlRecords())
	if err != nil {
		return err
	}
	defer rd.Close()
	var mu sync.Mutex
	var lat []float64
	pos := map[int32]int64{}
	readCtx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	go func() {
		for readCtx.Err() == nil {
			fs := rd.PollFetches(readCtx)
			now := time.Now()
			mu.Lock()
			fs.EachRecord(func(rec *kgo.Record) {
				if !rec.Attrs.IsControl() {
					lat = append(lat, float64(now.Sub(rec.Timestamp).Microseconds())/1000)
				}
				pos[rec.Partition] = rec.Offset + 1
			})
			mu.Unlock()
		}
	}()

	rate := float64(r.cfg.latencyRate)
	if rate <= 0 {
		rate = min(res.EventsPerSec/2, 50_000)
	}
	t0 := time.Now()
	var sent int64
	for tick := time.NewTicker(2 * time.Millisecond); ; {
		elapsed := time.Since(t0)
		if elapsed >= r.cfg.latencyFor {
			tick.Stop()
			break
		}
		due := int64(rate * elapsed.Seconds())
		produce(due - sent)
		sent = due
		<-tick.C
	}
	// The rate achieved: a starved producer falls behind the target.
	res.LatencyRate = float64(sent) / r.cfg.latencyFor.Seconds()
	if err := r.cl.Flush(ctx); err != nil {
		return err
	}
	if err := r.waitCaughtUp(ctx, st, topic); err != nil {
		return err
	}
	if sinkEnds, err = endOffsets(ctx, r.adm, st.sink); err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		done := true
		for p, end := range sinkEnds {
			if pos[p] < end && offsets[p].EpochOffset().Offset < end {
				done = false
			}
		}
		mu.Unlock()
		if done {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: sink %s not read to its end", q.name, st.sink)
		}
		time.Sleep(20 * time.Millisecond)
	}
	stopReading()
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(lat)
	res.LatencySamples = len(lat)
	if len(lat) > 0 {
		res.P50LatencyMs = percentile(lat, 0.50)
		res.P99LatencyMs = percentile(lat, 0.99)
	}
	r.progress("%s: latency at %.0f events/s (target %.0f) for %s: p50 %.1f ms, p99 %.1f ms over %d results",
		q.name, res.LatencyRate, rate, r.cfg.latencyFor, res.P50LatencyMs, res.P99LatencyMs, len(lat))
	return nil
}

// percentile of sorted values, nearest rank.
func percentile(sorted []float64, p float64) float64 {
	i := int(p*float64(len(sorted)) + 0.5)
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}
