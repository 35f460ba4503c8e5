package engine

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
)

// produceOldEvents writes n events of groups a, b, c whose event time (the
// stream's TIMESTAMP column) is in 2015, far beyond any topic's retention.
func produceOldEvents(env *testEnv, first, n int) {
	var kvs []string
	for i := first; i < first+n; i++ {
		kvs = append(kvs, fmt.Sprint(i), fmt.Sprintf(`{"g":"%c","ts":%d}`, 'a'+i%3, 1436918400000+i))
	}
	env.produce("ev", kvs...)
}

// repartitionRanges sums the start and end offsets of the engine's one
// aggregation repartition topic.
func repartitionRanges(t *testing.T, env *testEnv) (start, end int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	names := repartitionTopicNames(t, env)
	if len(names) != 1 {
		t.Fatalf("repartition topics %v, want one", names)
	}
	rs, err := env.cluster.Ranges(ctx, names[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs[names[0]] {
		start, end = start+r.Start, end+r.End
	}
	return start, end
}

// repartitionTopicNames lists the engine's repartition topics.
func repartitionTopicNames(t *testing.T, env *testEnv) []string {
	t.Helper()
	topics, err := env.cluster.ListTopics(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tp := range topics {
		if strings.HasSuffix(tp.Name, "-repartition") {
			names = append(names, tp.Name)
		}
	}
	return names
}

func startOldEventsAggregation(t *testing.T, cfg Config) *testEnv {
	env := startEnvWith(t, t.TempDir(), cfg)
	env.exec(`CREATE STREAM ev (id VARCHAR KEY, g VARCHAR, ts BIGINT) WITH (kafka_topic='ev', value_format='JSON', partitions=2, timestamp='ts');`)
	env.exec(`CREATE TABLE by_g AS SELECT g, COUNT(*) AS n FROM ev GROUP BY g;`)
	return env
}

func checkCounts(t *testing.T, env *testEnv, want string) {
	t.Helper()
	got := env.pull(`SELECT g, n FROM by_g;`)
	sort.Strings(got)
	if strings.Join(got, " ") != want {
		t.Fatalf("counts %q, want %q", got, want)
	}
}

// TestRepartitionKeepsOldEventTimes: repartitioned rows carry their event time as
// the record timestamp. Replaying data from 2015 must not let the broker's time
// retention delete them from the repartition topic before, or after, the
// aggregation stage reads them: the topic has no time retention, and the query
// keeps what it consumed for PurgeAfter (here an hour), for a member resuming
// from an older local checkpoint.
func TestRepartitionKeepsOldEventTimes(t *testing.T) {
	env := startOldEventsAggregation(t, Config{RepartitionPurgeInterval: time.Nanosecond, RepartitionPurgeAfter: time.Hour})
	produceOldEvents(env, 0, 30)
	env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)
	produceOldEvents(env, 30, 3)
	env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)
	env.broker.ApplyRetention()
	start, end := repartitionRanges(t, env)
	if end != 33 || start != 0 {
		t.Fatalf("repartition topic holds offsets [%d, %d) after retention, want [0, 33)", start, end)
	}
	checkCounts(t, env, "a|11 b|11 c|11")
}

// TestRepartitionPurgesConsumed: what the aggregation has consumed and committed
// is deleted from the repartition topic once PurgeAfter has passed, and the counts
// are unaffected.
func TestRepartitionPurgesConsumed(t *testing.T) {
	env := startOldEventsAggregation(t, Config{RepartitionPurgeInterval: time.Nanosecond, RepartitionPurgeAfter: time.Nanosecond})
	for i := 0; i < 3; i++ {
		// Each batch is polled after the previous one's positions were marked,
		// and the purge deletes up to the marks that have aged.
		produceOldEvents(env, 30*i, 30)
		env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		start, end := repartitionRanges(t, env)
		if end != 90 {
			t.Fatalf("repartition topic end %d, want 90", end)
		}
		if start >= 60 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("repartition topic still starts at %d of %d: consumed records not purged", start, end)
		}
		time.Sleep(20 * time.Millisecond)
	}
	checkCounts(t, env, "a|30 b|30 c|30")
}
