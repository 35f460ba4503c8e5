package harness

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Kafka produces, consumes and administers topics on one broker, independently of
// the engine, as an outside client would.
type Kafka struct {
	addr string
	cl   *kgo.Client // producer and admin; consumers get their own client per read
	adm  *kadm.Client
}

// clientOpts are shared by every client: short metadata ages, so that a topic the
// engine creates a moment ago is seen at once rather than after minutes.
func clientOpts(addr string) []kgo.Opt {
	return []kgo.Opt{
		kgo.SeedBrokers(addr),
		kgo.MetadataMinAge(50 * time.Millisecond),
		kgo.MetadataMaxAge(time.Second),
		kgo.RetryBackoffFn(func(int) time.Duration { return 50 * time.Millisecond }),
	}
}

// NewKafka connects to the broker at addr (host:port).
func NewKafka(addr string) (*Kafka, error) {
	cl, err := kgo.NewClient(append(clientOpts(addr),
		// Records carry an explicit partition: tests choose where each one goes.
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerLinger(0),
	)...)
	if err != nil {
		return nil, fmt.Errorf("kafka client for %s: %w", addr, err)
	}
	return &Kafka{addr: addr, cl: cl, adm: kadm.NewClient(cl)}, nil
}

// Close releases the client.
func (k *Kafka) Close() { k.cl.Close() }

// CreateTopic creates topic with the given number of partitions (replication 1).
func (k *Kafka) CreateTopic(ctx context.Context, topic string, partitions int32) error {
	resp, err := k.adm.CreateTopic(ctx, partitions, 1, nil, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		return fmt.Errorf("create topic %s: %w", topic, err)
	}
	return nil
}

// Partitions returns the number of partitions of topic, or an error if it does not exist.
func (k *Kafka) Partitions(ctx context.Context, topic string) (int, error) {
	details, err := k.adm.ListTopics(ctx, topic)
	if err != nil {
		return 0, fmt.Errorf("describe topic %s: %w", topic, err)
	}
	d, ok := details[topic]
	if !ok || errors.Is(d.Err, kerr.UnknownTopicOrPartition) {
		return 0, fmt.Errorf("topic %s does not exist", topic)
	}
	if d.Err != nil {
		return 0, fmt.Errorf("describe topic %s: %w", topic, d.Err)
	}
	return len(d.Partitions), nil
}

// Produce writes recs to topic in order and waits until the broker has acknowledged
// all of them. A record whose Partition is -1 goes to partition 0.
func (k *Kafka) Produce(ctx context.Context, topic string, recs []Record) error {
	krs := make([]*kgo.Record, 0, len(recs))
	for _, r := range recs {
		kr := &kgo.Record{
			Topic:     topic,
			Partition: max(r.Partition, 0),
			Key:       r.Key,
			Value:     r.Value,
			// Always explicit: a zero time.Time would make kgo stamp the wall clock.
			Timestamp: time.UnixMilli(r.Timestamp),
		}
		for _, h := range r.Headers {
			kr.Headers = append(kr.Headers, kgo.RecordHeader{Key: h.Key, Value: h.Value})
		}
		krs = append(krs, kr)
	}
	if err := k.cl.ProduceSync(ctx, krs...).FirstErr(); err != nil {
		return fmt.Errorf("produce to %s: %w", topic, err)
	}
	return nil
}

// ConsumeResult is what Consume read.
type ConsumeResult struct {
	// Records are ordered by partition, then offset.
	Records []Record
	// TimedOut is set when fewer records than wanted arrived before the deadline.
	TimedOut bool
}

// Consume reads topic from the beginning of every partition, committed records only,
// without a consumer group. With want >= 0 it reads until want records have arrived
// (or ctx ends), then keeps reading for settle so that extra records show up too.
// With want < 0 it reads until no record arrives for settle.
func (k *Kafka) Consume(ctx context.Context, topic string, want int, settle time.Duration) (ConsumeResult, error) {
	cl, err := kgo.NewClient(append(clientOpts(k.addr),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.FetchMaxWait(100*time.Millisecond),
	)...)
	if err != nil {
		return ConsumeResult{}, fmt.Errorf("consumer for %s: %w", topic, err)
	}
	defer cl.Close()

	type located struct {
		Record
		offset int64
	}
	var got []located
	var quietUntil time.Time // zero until the wanted count is reached (want >= 0)
	if want < 0 {
		quietUntil = time.Now().Add(settle)
	}
	res := ConsumeResult{}
	for {
		pollCtx, cancel := ctx, context.CancelFunc(func() {})
		if !quietUntil.IsZero() {
			pollCtx, cancel = context.WithDeadline(ctx, quietUntil)
		}
		fetches := cl.PollFetches(pollCtx)
		cancel()
		n := len(got)
		fetches.EachRecord(func(r *kgo.Record) {
			rec := Record{Partition: r.Partition, Key: r.Key, Value: r.Value, Timestamp: r.Timestamp.UnixMilli()}
			for _, h := range r.Headers {
				rec.Headers = append(rec.Headers, Header{Key: h.Key, Value: h.Value})
			}
			got = append(got, located{rec, r.Offset})
		})
		for _, fe := range fetches.Errors() {
			if errors.Is(fe.Err, context.Canceled) || errors.Is(fe.Err, context.DeadlineExceeded) {
				continue
			}
			// A sink topic that does not exist yet is retried until the deadline.
			if errors.Is(fe.Err, kerr.UnknownTopicOrPartition) {
				continue
			}
			return ConsumeResult{}, fmt.Errorf("consume %s partition %d: %w", topic, fe.Partition, fe.Err)
		}
		switch {
		case want >= 0 && quietUntil.IsZero() && len(got) >= want:
			quietUntil = time.Now().Add(settle)
		case want < 0 && len(got) > n:
			quietUntil = time.Now().Add(settle)
		}
		if ctx.Err() != nil {
			res.TimedOut = want >= 0 && len(got) < want
			break
		}
		if !quietUntil.IsZero() && !time.Now().Before(quietUntil) {
			break
		}
	}
	slices.SortStableFunc(got, func(a, b located) int {
		return cmp.Or(cmp.Compare(a.Partition, b.Partition), cmp.Compare(a.offset, b.offset))
	})
	for _, l := range got {
		res.Records = append(res.Records, l.Record)
	}
	return res, nil
}
