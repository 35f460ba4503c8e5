package engine

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// ASSERT TOPIC waits for a topic another system creates while it waits, and
// answers as soon as it appears; a cancelled statement stops waiting.
func TestAssertTopicWaitsForTheTopic(t *testing.T) {
	env := startEnv(t, t.TempDir())
	done := make(chan error, 1)
	c := &collect{}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		done <- env.engine.NewSession(nil).Execute(ctx, "ASSERT TOPIC late_topic WITH (PARTITIONS=3) TIMEOUT 20 SECONDS", nil, c)
	}()
	time.Sleep(300 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("the assertion ended before the topic existed: %v", err)
	default:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := env.cluster.CreateTopic(ctx, "late_topic", 3, 1, nil); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(c.rows, c.tags); got != "[[late_topic true]] [ASSERT TOPIC]" {
		t.Fatalf("result %s", got)
	}

	ctx, cancel = context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := env.engine.NewSession(nil).Execute(ctx, "ASSERT TOPIC never_created TIMEOUT 1 MINUTE", nil, &collect{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cancelled assertion: %v", err)
	}
}
