package exec

import (
	"errors"
	"fmt"
	"time"

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
}

func newJoinProcessor(q *PersistentQuery, tq *tableQuery, enc *sinkEncoder) *joinProcessor {
	j := &joinProcessor{q: q, tq: tq, enc: enc, pipe: &pipeline{qp: q.qp, queryID: q.ID, log: q.log},
		rows: make([][]any, len(q.joinDec)), out: make([]any, len(q.qp.Items))}
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
	for _, rec := range q.joinOrder(fetches) {
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

// joinOrder orders a poll's records for the join as Kafka Streams does within a
// task: of the inputs' partitions with records, the one whose next record has
// the smallest timestamp goes first, so a table loaded before a stream's
// records (by time) is joined as of then, even when both are read from the
// start at once. Each partition's records keep their offset order; records of
// the aggregation's repartition topic come first, in fetch order.
func (q *PersistentQuery) joinOrder(fetches kgo.Fetches) []*kgo.Record {
	var out []*kgo.Record
	type run struct {
		src  int
		recs []*kgo.Record
	}
	byPartition := map[int32][]*run{}
	var parts []int32
	fetches.EachPartition(func(p kgo.FetchTopicPartition) {
		if len(p.Records) == 0 {
			return
		}
		src := -1
		for i, t := range q.joinTopics {
			if t == p.Topic {
				src = i
			}
		}
		if src < 0 {
			out = append(out, p.Records...)
			return
		}
		if _, ok := byPartition[p.Partition]; !ok {
			parts = append(parts, p.Partition)
		}
		byPartition[p.Partition] = append(byPartition[p.Partition], &run{src: src, recs: p.Records})
	})
	for _, p := range parts {
		runs := byPartition[p]
		for {
			var best *run
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
			out = append(out, best.recs[0])
			best.recs = best.recs[1:]
		}
	}
	return out
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
