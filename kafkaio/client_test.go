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
	emb, err := StartEmbedded(t.TempDir(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	c, err := Connect([]string{emb.Addr()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
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
