package kafkaio

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// SerialLog is a single-partition topic that several nodes append to, where each
// append is valid only against everything before it: the command topic (a
// statement is validated against the catalog) and the Schema Registry's topic (an
// id is allocated from the registered schemas). A writer reads the log up to its
// end, decides what to append, and appends at that end (AppendAt); the append
// commits only if nothing else landed first, so two nodes cannot both allocate
// the same id or run conflicting statements.
//
// The condition rides on Kafka transactions: the append is a transaction that is
// committed only when its records landed at the expected offsets, and aborted
// (invisible to every read_committed reader) otherwise. Offsets therefore count
// transaction markers too: a reader (Reader) keeps control records, and its
// position after a record is the record's offset plus one whether the record is
// data or a marker. Without transactions in the cluster, appends are
// unconditional (Serialized reports false).
type SerialLog struct {
	topic  string
	reader *kgo.Client
	writer *kgo.Client // nil without transactions
	admin  *kadm.Client
	// newWriter makes a transactional writer with an initialized producer
	// id (and epoch): at the start, and again after a failed append.
	newWriter func(ctx context.Context) (*kgo.Client, error)
}

// ErrAppendRace means another node appended first: the append was aborted, and
// the caller reads up to the new end and decides again.
var ErrAppendRace = errors.New("another node appended first")

// AbortedAppendError is an append that failed and was aborted: the log holds
// nothing of it, so trying again is safe. (A transactional producer can lose its
// sequence after a broker-side fault; aborting recovers it with a bumped epoch.)
type AbortedAppendError struct{ Err error }

func (e *AbortedAppendError) Error() string { return e.Err.Error() }
func (e *AbortedAppendError) Unwrap() error { return e.Err }

// OpenSerialLog opens the log of topic (which must exist), reading it from the
// start with readerOpts added to the reader's client. writerID is the writer's
// transactional id: one per node and log, stable across restarts, so a
// restarted node fences the transaction its predecessor may have left open
// (which would hold every reader back until it timed out). warn is called when
// the cluster has no transactions.
func OpenSerialLog(ctx context.Context, c *Cluster, topic, writerID string, warn func(error), readerOpts ...kgo.Opt) (*SerialLog, error) {
	reader, err := c.NewClient(append([]kgo.Opt{
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.KeepControlRecords(),
	}, readerOpts...)...)
	if err != nil {
		return nil, err
	}
	l := &SerialLog{topic: topic, reader: reader, admin: kadm.NewClient(reader)}
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	terr := c.CheckTransactions(tctx)
	cancel()
	if terr != nil {
		warn(terr)
		return l, nil
	}
	l.newWriter = func(ctx context.Context) (*kgo.Client, error) {
		w, err := c.NewClient(
			kgo.TransactionalID(writerID),
			kgo.TransactionTimeout(10*time.Second),
			kgo.ProducerLinger(0),
			kgo.DefaultProduceTopic(topic),
		)
		if err != nil {
			return nil, err
		}
		ictx, cancel := context.WithTimeout(ctx, 30*time.Second)
		_, _, err = w.ProducerID(ictx)
		cancel()
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("initialize the transactional producer of %s: %w", topic, err)
		}
		return w, nil
	}
	if l.writer, err = l.newWriter(ctx); err != nil {
		reader.Close()
		return nil, err
	}
	return l, nil
}

// Reader is the client that reads the log from its start (read_committed, with
// transaction markers). Its owner polls it.
func (l *SerialLog) Reader() *kgo.Client { return l.reader }

// Serialized reports whether appends are conditional (the cluster has
// transactions).
func (l *SerialLog) Serialized() bool { return l.writer != nil }

// Close closes the clients.
func (l *SerialLog) Close() {
	if l.writer != nil {
		l.writer.Close()
	}
	l.reader.Close()
}

// End is the offset after the log's last committed record (its last stable
// offset): what a node must have read before it decides an append.
func (l *SerialLog) End(ctx context.Context) (int64, error) {
	offs, err := l.admin.ListCommittedOffsets(ctx, l.topic)
	if err != nil {
		return 0, fmt.Errorf("end of %s: %w", l.topic, err)
	}
	o, ok := offs.Lookup(l.topic, 0)
	if !ok {
		return 0, fmt.Errorf("end of %s: partition 0 missing from the answer", l.topic)
	}
	if o.Err != nil {
		return 0, fmt.Errorf("end of %s: %w", l.topic, o.Err)
	}
	return o.Offset, nil
}

// AppendAt appends recs (to partition 0), which the caller decided on having read
// the log up to end, and returns the offset of the last one. With transactions,
// the append commits only if the records landed at end, end+1, ...: otherwise
// another node appended first, the append is aborted and ErrAppendRace returned.
// A failed append that was aborted is an *AbortedAppendError.
func (l *SerialLog) AppendAt(ctx context.Context, end int64, recs ...*kgo.Record) (int64, error) {
	for _, r := range recs {
		r.Topic, r.Partition = l.topic, 0
	}
	if l.writer == nil {
		res := l.reader.ProduceSync(ctx, recs...)
		if err := res.FirstErr(); err != nil {
			return 0, err
		}
		return lastOffset(res), nil
	}
	if err := l.writer.BeginTransaction(); err != nil {
		return 0, err
	}
	res := l.writer.ProduceSync(ctx, recs...)
	err := res.FirstErr()
	if err == nil {
		// Distinct offsets from end to end+n-1 are exactly the n records in a row.
		first, last := res[0].Record.Offset, lastOffset(res)
		for _, r := range res {
			first = min(first, r.Record.Offset)
		}
		if first != end || last != end+int64(len(recs))-1 {
			err = ErrAppendRace
		}
	}
	if err != nil {
		if aerr := l.writer.EndTransaction(ctx, kgo.TryAbort); aerr != nil {
			return 0, fmt.Errorf("%w (and abort: %v)", err, aerr)
		}
		if errors.Is(err, ErrAppendRace) {
			return 0, err
		}
		// The produce itself failed (an out-of-order sequence under load,
		// say): the producer's sequence state is not to be trusted. Seen: a
		// retry on the same producer was acknowledged as a duplicate of the
		// aborted record, at its offset, and committed nothing. A new
		// producer (fencing the old epoch) starts clean.
		if w, werr := l.newWriter(ctx); werr == nil {
			l.writer.Close()
			l.writer = w
		} else {
			err = fmt.Errorf("%w (and a new producer: %v)", err, werr)
		}
		return 0, &AbortedAppendError{err}
	}
	if err := l.writer.EndTransaction(ctx, kgo.TryCommit); err != nil {
		return 0, fmt.Errorf("commit: %w", err)
	}
	return lastOffset(res), nil
}

func lastOffset(res kgo.ProduceResults) int64 {
	var last int64
	for _, r := range res {
		last = max(last, r.Record.Offset)
	}
	return last
}
