package engine

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// readAll returns every record of topic up to its current end, without waiting.
func (env *testEnv) readAll(topic string) []string {
	env.t.Helper()
	ctx := context.Background()
	ends, err := env.cluster.EndOffsets(ctx, topic)
	if err != nil {
		env.t.Fatal(err)
	}
	var total int64
	for _, e := range ends {
		total += e
	}
	if total == 0 {
		return nil
	}
	return env.consume(topic, int(total))
}

// TestAwaitIdleChain checks the barrier over a chain of two queries: after AWAIT
// IDLE returns, each record produced before it has gone through both queries, with
// no polling by the test.
func TestAwaitIdleChain(t *testing.T) {
	env := startEnv(t, t.TempDir())
	env.exec(`CREATE STREAM a (k VARCHAR KEY, v INT) WITH (kafka_topic='a', value_format='JSON', partitions=1);`)
	env.exec(`CREATE STREAM b AS SELECT k, v * 2 AS v FROM a;`)
	env.exec(`CREATE STREAM c AS SELECT k, v + 1 AS v FROM b;`)
	env.exec(`AWAIT IDLE;`)
	if got := env.readAll("C"); len(got) != 0 {
		t.Fatalf("sink before input: %q", got)
	}
	for i := 1; i <= 5; i++ {
		env.produce("a", fmt.Sprintf("k%d", i), fmt.Sprintf(`{"v":%d}`, i))
		env.exec(`AWAIT IDLE TIMEOUT 10 SECONDS;`)
		got := env.readAll("C")
		want := fmt.Sprintf(`k%d={"V":%d}`, i, 2*i+1)
		if len(got) != i || got[i-1] != want {
			t.Fatalf("after record %d and AWAIT IDLE, sink C = %q, want %d records ending %s", i, got, i, want)
		}
	}
}

// TestAwaitIdleStoppedQuery checks that a query that has stopped reading does
// not hold the barrier forever: it will read nothing more.
func TestAwaitIdleStoppedQuery(t *testing.T) {
	env := startEnv(t, t.TempDir())
	env.exec(`CREATE STREAM a (k VARCHAR KEY, v INT) WITH (kafka_topic='a', value_format='JSON', partitions=1);`)
	env.exec(`CREATE STREAM b AS SELECT * FROM a;`)
	env.exec(`AWAIT IDLE;`)
	for _, q := range env.engine.runningQueries() {
		q.Stop()
	}
	rec := &kgo.Record{Topic: "a", Key: []byte("x"), Value: []byte(`{"v":1}`)}
	if err := env.cluster.Producer().ProduceSync(context.Background(), rec).FirstErr(); err != nil {
		t.Fatal(err)
	}
	if err := env.engine.AwaitIdle(context.Background(), 5*time.Second); err != nil {
		t.Fatalf("AWAIT IDLE with a stopped query: %v", err)
	}
}
