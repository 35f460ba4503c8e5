package exec

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/storage"
)

// joinProcessor runs a join query: each polled record updates its side's join
// state and may produce joined rows, which go through the rest of the plan
// (filter and projection to a stream sink, or the table query of a table result
// or an aggregation). The join state, the downstream state and each side's
// checkpoint are staged together at the commit.
type joinProcessor struct {
	q    *PersistentQuery
	tq   *tableQuery // the table result or aggregation over the join; nil for a stream
	enc  *sinkEncoder
	pipe *pipeline
	rows [][]any // per input, its decoded row
	out  []any
	// inputs is what the fetches said of each input partition of the join
	// (order); only the loop's goroutine uses it.
	inputs map[topicPartition]*joinInput
}

func newJoinProcessor(q *PersistentQuery, tq *tableQuery, enc *sinkEncoder) *joinProcessor {
	j := &joinProcessor{q: q, tq: tq, enc: enc, pipe: &pipeline{qp: q.qp, queryID: q.ID, log: q.log},
		rows: make([][]any, len(q.joinDec)), out: make([]any, len(q.qp.Items)),
		inputs: map[topicPartition]*joinInput{}}
	for i, d := range q.joinDec {
		j.rows[i] = make([]any, d.width)
	}
	return j
}

func (j *joinProcessor) stateful() bool { return true }

// indexed: a join probes the other side's state, written earlier in the poll.
func (j *joinProcessor) indexed() bool { return true }

func (j *joinProcessor) held(emit func(*kgo.Record)) error {
	if j.tq == nil {
		return nil
	}
	return j.tq.flushCache(emit)
}

func (j *joinProcessor) stage(cb *changelogBatch) error {
	q := j.q
	if j.tq != nil {
		if err := j.tq.flush(cb); err != nil {
			return err
		}
	}
	if err := q.join.flush(cb); err != nil {
		return fmt.Errorf("join state: %w", err)
	}
	for _, r := range q.joinRepart {
		if r == nil {
			continue
		}
		if err := r.flush(q.ID, cb); err != nil {
			return fmt.Errorf("join repartition state: %w", err)
		}
	}
	return nil
}

// revoke drops the memory of one input partition whose task moved away: a
// repartition stage's source partition, the aggregation's partition of its
// repartition topic, or the join partition (the range balancer moves partition
// p of every input together) with what the table result or aggregation over the
// join keeps for it.
func (j *joinProcessor) revoke(topic string, p int32) {
	q, tq := j.q, j.tq
	if k, ok := q.joinStage1[topic]; ok {
		delete(q.joinRepart[k].stage1, p)
		return
	}
	if tq != nil && tq.repartition != "" && topic == tq.repartition {
		delete(tq.parts, p)
		return
	}
	delete(q.join.parts, p)
	delete(j.inputs, topicPartition{topic, p})
	for _, r := range q.joinRepart {
		if r != nil {
			r.forget(p)
		}
	}
	switch {
	case tq == nil:
	case tq.repartition != "":
		delete(tq.stage1, p) // the stage that moves the joined rows of p
	default:
		delete(tq.parts, p)
	}
}

// skipControl moves the position of the partition a transaction marker is in
// past it (see tableQuery.skipControl).
func (j *joinProcessor) skipControl(rec *kgo.Record) error {
	q, tq := j.q, j.tq
	if tq != nil && tq.repartition != "" && rec.Topic == tq.repartition {
		return tq.skipControl(rec)
	}
	if k, ok := q.joinStage1[rec.Topic]; ok {
		r := q.joinRepart[k]
		off, err := r.stage1Offset(q.store, q.ID, rec.Partition)
		if err != nil {
			return err
		}
		if rec.Offset >= off {
			r.stage1[rec.Partition], r.dirty = rec.Offset+1, true
		}
		return nil
	}
	src := 0
	for i, t := range q.joinTopics {
		if t == rec.Topic {
			src = i
		}
	}
	jp, err := q.join.partition(rec.Partition)
	if err != nil {
		return err
	}
	if rec.Offset >= jp.offset[src] {
		jp.offset[src], jp.dirty = rec.Offset+1, true
	}
	return nil
}

func (j *joinProcessor) process(fetches kgo.Fetches, b *storage.Batch, cb *changelogBatch, emit func(*kgo.Record)) error {
	q, op, tq, rows := j.q, j.q.join, j.tq, j.rows
	ordered, held := j.order(fetches, time.Now())
	if held != nil {
		// Read the held records again from the next poll on (SetOffsets
		// drops what is buffered of those partitions).
		q.client.SetOffsets(held)
	}
	for _, rec := range ordered {
		if rec.Attrs.IsControl() {
			if err := j.skipControl(rec); err != nil {
				return err
			}
			continue
		}
		if tq != nil && tq.repartition != "" && rec.Topic == tq.repartition {
			ps, err := tq.partition(rec.Partition)
			if err == nil && rec.Offset >= ps.offset {
				err = tq.applyRepartitioned(ps, rec, emit)
			}
			if err != nil {
				return err
			}
			continue
		}
		if k, ok := q.joinStage1[rec.Topic]; ok {
			if err := q.joinStage1Record(k, rec, rows[k], emit); err != nil {
				return err
			}
			continue
		}
		src := 0
		for i, t := range q.joinTopics {
			if t == rec.Topic {
				src = i
			}
		}
		jp, err := op.partition(rec.Partition)
		if err != nil {
			return err
		}
		if rec.Offset < jp.offset[src] {
			continue // already reflected in the state (re-delivered after a crash)
		}
		row := rows[src]
		var nullValue, ok bool
		if r := q.repartitionOf(src); r != nil {
			row, nullValue, ok, err = r.receive(q.store, q.ID, rec, q.joinDec[src].width)
			if err != nil {
				q.log.Record(q.ID, err, rec.Topic, rec.Partition, rec.Offset)
			}
		} else {
			nullValue, ok = decodeRow(q.joinDec[src], rec, row, q.log, q.ID)
		}
		if !ok {
			jp.offset[src], jp.dirty = rec.Offset+1, true
			continue
		}
		err = op.process(b, cb, jp, src, rec, row, nullValue, func(joined []any, tombstone bool, ts int64) error {
			return q.joinResult(jp, rec, joined, tombstone, ts, tq, j.pipe, j.enc, j.out, emit)
		})
		var keyErr errJoinKey
		if errors.As(err, &keyErr) {
			q.log.Record(q.ID, keyErr.err, rec.Topic, rec.Partition, rec.Offset)
			err = nil
		}
		if err != nil {
			return err
		}
	}
	return op.expire(b, cb)
}

// joinResult passes a joined row to the rest of the plan. Each joined row gets
// the next number of its partition's output sequence as its offset, which the
// downstream stages use to skip what they have already applied.
func (q *PersistentQuery) joinResult(jp *joinPart, rec *kgo.Record, row []any, tombstone bool, ts int64, tq *tableQuery, pipe *pipeline, enc *sinkEncoder, out []any, emit func(*kgo.Record)) error {
	last := jp.steps[len(jp.steps)-1]
	last.seq++
	synth := &kgo.Record{Partition: jp.p, Offset: last.seq, Headers: rec.Headers, Timestamp: time.UnixMilli(ts)}
	if tq != nil {
		kb, err := encodeJoinKey(row[q.qp.Join.RowKey])
		if err != nil {
			return err
		}
		synth.Key = kb
		if tq.repartition != "" {
			return tq.repartitionRecord(synth, row, tombstone, emit)
		}
		ps, err := tq.partition(jp.p)
		if err != nil {
			return err
		}
		return tq.process(ps, synth, row, tombstone, emit)
	}
	var failure error
	pipe.each(row, out, tombstone, rec, func() bool {
		if q.rows != nil {
			failure = q.rows.Row(out)
			return failure == nil
		}
		r, err := enc.encode(out, ts, rec.Headers, tombstone)
		if err != nil {
			q.log.Record(q.ID, err, rec.Topic, rec.Partition, rec.Offset)
			return true
		}
		if w := q.qp.Sink.Source.Window; w != nil {
			r.Key = windowedKey(w, r.Key, row[q.qp.Join.RowKey+4:])
		}
		emit(r)
		return true
	})
	return failure
}

// joinFetchWait bounds how long a join partition's records wait for another
// input's partition that is not known to be read to its end: past it they are
// processed anyway, so a partition the fetches never mention (say one with
// nothing in it, on a broker whose responses carry no records) cannot stop the
// join.
const joinFetchWait = 2 * time.Second

// joinInput is what the join knows of one input partition from its fetches.
type joinInput struct {
	caughtUp bool      // as of the last fetch, everything readable in it was read
	next     int64     // the offset after the last record fetched, -1 if none
	waiting  time.Time // when a partition of the join began to wait for it
	gaveUp   bool      // the wait ran out (logged once)
}

// order orders a poll's records for the join as Kafka Streams does within a
// task: of the inputs' partitions with records, the one whose next record has
// the smallest timestamp goes first, so a table loaded before a stream's
// records (by time) is joined as of then, even when both are read from the
// start at once. Each partition's records keep their offset order; records of
// the aggregation's repartition topic and of the inputs' repartitioning stages
// come first, in fetch order.
//
// Like a Kafka Streams task, a join partition whose other input has records
// readable on the broker but none in this poll is not processed further: its
// remaining records are held (cut from fetches, so positions and committed
// offsets stay before them, and returned as the offsets to read them again
// from) until a fetch brings the other input's records or shows it caught up.
// Without that, a stream's first records could be joined before the table's
// partition, already written, had been fetched at all.
func (j *joinProcessor) order(fetches kgo.Fetches, now time.Time) (out []*kgo.Record, held map[string]map[int32]kgo.EpochOffset) {
	q := j.q
	byPartition := map[int32][]*joinRun{}
	var parts []int32
	for i := range fetches {
		for k := range fetches[i].Topics {
			ft := &fetches[i].Topics[k]
			src := -1
			for s, t := range q.joinTopics {
				if t == ft.Topic {
					src = s
				}
			}
			for n := range ft.Partitions {
				fp := &ft.Partitions[n]
				if src < 0 {
					out = append(out, fp.Records...)
					continue
				}
				if fp.Err == nil {
					j.observe(topicPartition{ft.Topic, fp.Partition}, fp)
				}
				if len(fp.Records) == 0 {
					continue
				}
				if _, ok := byPartition[fp.Partition]; !ok {
					parts = append(parts, fp.Partition)
				}
				byPartition[fp.Partition] = append(byPartition[fp.Partition], &joinRun{src: src, topic: ft.Topic, fp: fp, recs: fp.Records})
			}
		}
	}
	for _, p := range parts {
		runs := byPartition[p]
		wait := j.mustWait(p, runs, now)
		for {
			var best *joinRun
			for _, r := range runs {
				if len(r.recs) == 0 {
					continue
				}
				if best == nil || r.recs[0].Timestamp.Before(best.recs[0].Timestamp) ||
					r.recs[0].Timestamp.Equal(best.recs[0].Timestamp) && r.src < best.src {
					best = r
				}
			}
			if best == nil {
				break
			}
			if wait {
				for _, r := range runs {
					if len(r.recs) == 0 {
						continue
					}
					if held == nil {
						held = map[string]map[int32]kgo.EpochOffset{}
					}
					if held[r.topic] == nil {
						held[r.topic] = map[int32]kgo.EpochOffset{}
					}
					if _, ok := held[r.topic][p]; !ok {
						held[r.topic][p] = kgo.EpochOffset{Epoch: -1, Offset: r.recs[0].Offset}
						in := j.inputs[topicPartition{r.topic, p}]
						in.next, in.caughtUp = r.recs[0].Offset, false
					}
					r.fp.Records = r.fp.Records[:len(r.fp.Records)-len(r.recs)]
					r.recs = nil
				}
				break
			}
			out = append(out, best.recs[0])
			best.recs = best.recs[1:]
			if len(best.recs) == 0 {
				wait = j.mustWait(p, runs, now) // an input ran out of records
			}
		}
	}
	return out, held
}

// joinRun is one input partition's records in a poll, those not yet ordered
// first.
type joinRun struct {
	src   int
	topic string
	fp    *kgo.FetchPartition
	recs  []*kgo.Record
}

// observe records what a fetch of an input partition says of it.
func (j *joinProcessor) observe(tp topicPartition, fp *kgo.FetchPartition) {
	in := j.inputs[tp]
	if in == nil {
		in = &joinInput{next: -1}
		j.inputs[tp] = in
	}
	if n := len(fp.Records); n > 0 {
		in.next = fp.Records[n-1].Offset + 1
	} else if in.next < 0 {
		in.next = j.q.resumeOffset(tp)
	}
	end := fp.LastStableOffset // read_committed
	if end < 0 {
		end = fp.HighWatermark
	}
	if in.next >= 0 {
		in.caughtUp = in.next >= end
	} else {
		// Where the consumer reads from is not known (a reset to the
		// start): read to its end only if there is nothing to read.
		in.caughtUp = fp.LogStartOffset >= end
	}
	if len(fp.Records) > 0 || in.caughtUp {
		in.waiting, in.gaveUp = time.Time{}, false
	}
}

// mustWait reports whether join partition p must wait for an input partition
// that has no records left in this poll (runs are p's records by input) and is
// not known to have been read to its end. An input is waited for at most
// joinFetchWait, from the first poll that waited for it.
func (j *joinProcessor) mustWait(p int32, runs []*joinRun, now time.Time) bool {
	for _, topic := range j.q.joinTopics {
		if slices.ContainsFunc(runs, func(r *joinRun) bool { return r.topic == topic && len(r.recs) > 0 }) {
			continue
		}
		tp := topicPartition{topic, p}
		in := j.inputs[tp]
		if in == nil {
			// No fetch has said anything of it (the responses that would
			// have carried nothing new): ask the broker once.
			in = j.q.probeInput(tp)
			j.inputs[tp] = in
		}
		if in.caughtUp {
			continue
		}
		if in.waiting.IsZero() {
			in.waiting = now
		}
		if now.Sub(in.waiting) < joinFetchWait {
			return true
		}
		if !in.gaveUp {
			in.gaveUp = true
			j.q.logger.Info("join input not fetched in time; joining without waiting for it",
				"topic", topic, "partition", p, "waited", joinFetchWait)
		}
	}
	return false
}

func (q *PersistentQuery) repartitionOf(src int) *joinRepartition {
	if q.joinRepart == nil {
		return nil
	}
	return q.joinRepart[src]
}

// joinStage1Record moves a record of input k to the input's repartition topic.
func (q *PersistentQuery) joinStage1Record(k int, rec *kgo.Record, row []any, emit func(*kgo.Record)) error {
	r := q.joinRepart[k]
	off, err := r.stage1Offset(q.store, q.ID, rec.Partition)
	if err != nil {
		return err
	}
	if rec.Offset < off {
		return nil // forwarded before the crash and checkpointed
	}
	nullValue, ok := decodeRow(q.joinDec[k], rec, row, q.log, q.ID)
	if !ok {
		r.stage1[rec.Partition], r.dirty = rec.Offset+1, true
		return nil
	}
	err = r.forward(rec, row, nullValue, emit)
	var keyErr errJoinKey
	if errors.As(err, &keyErr) {
		q.log.Record(q.ID, keyErr.err, rec.Topic, rec.Partition, rec.Offset)
		return nil
	}
	return err
}

// resumeOffset is where the consumer reads tp from when none of its records
// were fetched yet: the checkpoint it was sought to at assignment, else the
// group's committed offset; -1 when neither is known.
func (q *PersistentQuery) resumeOffset(tp topicPartition) int64 {
	q.mu.Lock()
	off, ok := q.positions[tp]
	q.mu.Unlock()
	if ok {
		return off
	}
	if c, ok := q.client.CommittedOffsets()[tp.topic][tp.partition]; ok && c.Offset >= 0 {
		return c.Offset
	}
	return -1
}

// probeInput asks the broker whether the consumer has read tp to its end, for
// an input partition no fetch has told of yet. On an error it is taken as not
// read to its end: the join waits for a fetch of it, at most joinFetchWait.
func (q *PersistentQuery) probeInput(tp topicPartition) *joinInput {
	in := &joinInput{next: q.resumeOffset(tp)}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	adm := kadm.NewClient(q.client)
	ends, err := adm.ListCommittedOffsets(ctx, tp.topic) // last stable offsets
	if err != nil {
		return in
	}
	end, ok := ends.Lookup(tp.topic, tp.partition)
	if !ok || end.Err != nil {
		return in
	}
	if in.next >= 0 {
		in.caughtUp = in.next >= end.Offset
		return in
	}
	starts, err := adm.ListStartOffsets(ctx, tp.topic)
	if err != nil {
		return in
	}
	if start, ok := starts.Lookup(tp.topic, tp.partition); ok && start.Err == nil {
		in.caughtUp = start.Offset >= end.Offset
	}
	return in
}
