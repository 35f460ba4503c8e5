package engine

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// A produce the broker rejects with a sequence error fails the command
// topic's transactional producer. The append is aborted, the producer
// recovers, and the statement is recorded once: it succeeds, and a reader
// of committed records sees it exactly once.
func TestCommandAppendRetriesAfterRejectedProduce(t *testing.T) {
	env := startEnv(t, t.TempDir())
	env.exec(`CREATE STREAM first_one (id INT KEY, v STRING) WITH (KAFKA_TOPIC='first_one', VALUE_FORMAT='JSON', PARTITIONS=1);`)
	h := env.broker.Fault(kfake.Fault{
		Keys:  []kmsg.Key{kmsg.Produce},
		Topic: env.engine.commandTopic(),
		Err:   kerr.OutOfOrderSequenceNumber,
	})
	defer h.Remove()
	env.exec(`CREATE STREAM second_one (id INT KEY, v STRING) WITH (KAFKA_TOPIC='second_one', VALUE_FORMAT='JSON', PARTITIONS=1);`)
	if h.Hits() != 1 {
		t.Fatalf("the fault was hit %d times, want 1: the test did not exercise a rejected append", h.Hits())
	}

	cl, err := env.cluster.NewClient(
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{env.engine.commandTopic(): {0: kgo.NewOffset().AtStart()}}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var got []string
	for len(got) < 2 && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
	}
	// Anything committed after the two statements would be a duplicate.
	short, cancelShort := context.WithTimeout(context.Background(), time.Second)
	defer cancelShort()
	cl.PollFetches(short).EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
	if len(got) != 2 {
		t.Fatalf("committed commands: %d, want 2:\n%q", len(got), got)
	}
	if n := len(env.exec(`SHOW STREAMS;`).rows); n < 2 {
		t.Fatalf("SHOW STREAMS lists %d streams, want both", n)
	}
}
