package engine

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/sluice-db/sluice/kafkaio"
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
	checkCountsOf(t, env, `SELECT g, n FROM by_g;`, want)
}

func checkCountsOf(t *testing.T, env *testEnv, sql, want string) {
	t.Helper()
	got := env.pull(sql)
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

// TestResumePastDeletedRecords: records the broker deleted under a query's
// resume point (retention ran while the query was down) are reported in the
// processing log, and the query goes on from the partition's first offset.
func TestResumePastDeletedRecords(t *testing.T) {
	dir := t.TempDir()
	env := startEnv(t, dir)
	env.exec(`CREATE STREAM s (k VARCHAR KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);`)
	env.exec(`CREATE TABLE counts AS SELECT k, COUNT(*) AS n FROM s GROUP BY k;`)
	ten := func() []string {
		var kvs []string
		for i := 0; i < 10; i++ {
			kvs = append(kvs, "a", `{"v":1}`)
		}
		return kvs
	}
	env.produce("s", ten()...)
	env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)
	env.stop()

	// While the engine is down: ten more records, of which the broker deletes
	// the first five (offsets 10 to 14).
	b, err := kafkaio.StartEmbedded(dir, "127.0.0.1:0", kafkaio.EmbeddedConfig{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := kafkaio.Connect([]string{b.Addr()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	down := &testEnv{t: t, cluster: c}
	down.produce("s", ten()...)
	cl, err := c.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := kadm.NewClient(cl).DeleteRecords(ctx, kadm.Offsets{"s": {0: {Topic: "s", Partition: 0, At: 15, LeaderEpoch: -1}}})
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		t.Fatal(err)
	}
	cl.Close()
	c.Close()
	b.Close()

	env = startEnv(t, dir)
	env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)
	checkCountsOf(t, env, `SELECT k, n FROM counts;`, "a|15")
	logged := env.consume(env.engine.processingLogTopic(), 1)
	if !strings.Contains(logged[0], "records 10 to 14 of s partition 0 were deleted") {
		t.Fatalf("processing log: %q, want the lost records reported", logged)
	}
}
