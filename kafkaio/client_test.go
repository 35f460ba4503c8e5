package kafkaio

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestDescribeTopicAfterCreate pins that a topic described as missing, then
// created, is found at once: DescribeTopic must not answer from metadata cached
// by the first call (a CREATE STREAM over a sink topic created a moment ago
// failed with "does not exist").
func TestDescribeTopicAfterCreate(t *testing.T) {
	c := startCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.DescribeTopic(ctx, "t1"); !errors.Is(err, ErrTopicNotFound) {
		t.Fatalf("describe before create: %v, want ErrTopicNotFound", err)
	}
	if err := c.CreateTopic(ctx, "t1", 3, 1, nil); err != nil {
		t.Fatal(err)
	}
	info, err := c.DescribeTopic(ctx, "t1")
	if err != nil {
		t.Fatalf("describe after create: %v", err)
	}
	if info.Partitions != 3 || info.Replicas != 1 {
		t.Fatalf("describe after create: %+v, want 3 partitions, 1 replica", info)
	}
}

// TestOffsetsAfterCreate: the offsets of a topic created right after the client
// saw it missing are listed, not failed with UNKNOWN_TOPIC_OR_PARTITION (a pull
// query over a CSAS sink created a moment before failed so).
func TestOffsetsAfterCreate(t *testing.T) {
	c := startCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := range 2 {
		name := "t" + string(rune('a'+i))
		if _, err := c.EndOffsets(ctx, name); err == nil {
			t.Fatalf("end offsets of %s before it exists: no error", name)
		}
		if err := c.CreateTopic(ctx, name, 2, 1, nil); err != nil {
			t.Fatal(err)
		}
		ends, err := c.EndOffsets(ctx, name)
		if err != nil || len(ends) != 2 {
			t.Fatalf("end offsets of %s after create: %v %v", name, ends, err)
		}
		r, err := c.Ranges(ctx, name)
		if err != nil || len(r[name]) != 2 {
			t.Fatalf("ranges of %s after create: %v %v", name, r, err)
		}
	}
}

// startCluster connects to an embedded broker of its own, closed when the test ends.
func startCluster(t *testing.T) *Cluster {
	t.Helper()
	emb, err := StartEmbedded(t.TempDir(), "127.0.0.1:0", EmbeddedConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Close)
	c, err := Connect([]string{emb.Addr()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}
