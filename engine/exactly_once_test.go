package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/sluice-db/sluice/exec"
)

// errCrash is what the fault hook returns: the query stops at that step of
// its commit, leaving everything as a crash there would.
var errCrash = errors.New("simulated crash")

// crashOnce returns a fault hook that fails the first commit of any query at
// step after armed is set.
func crashOnce(step string, armed *atomic.Bool) func(string) error {
	var fired atomic.Bool
	return func(s string) error {
		if s == step && armed.Load() && fired.CompareAndSwap(false, true) {
			return errCrash
		}
		return nil
	}
}

// TestExactlyOnceCrashPoints runs a stateless query, an aggregation (through
// its repartition topic) and a stream-table join under
// processing.guarantee=exactly_once_v2, crashes each at every step of its
// commit protocol while it works, restarts the node on the same data
// directory, and checks what a read_committed reader of the sink sees: every
// result exactly once, and every count in sequence with no step repeated or
// skipped; pull queries agree with the input.
func TestExactlyOnceCrashPoints(t *testing.T) {
	kinds := []struct {
		name  string
		ddl   []string
		sink  string
		check func(t *testing.T, env *testEnv, sink []string, n int)
	}{
		{
			name: "stateless",
			ddl:  []string{`CREATE STREAM big AS SELECT id, district, amount FROM orders WHERE amount >= 0;`},
			sink: "BIG",
			check: func(t *testing.T, _ *testEnv, sink []string, n int) {
				seen := map[string]int{}
				for _, r := range sink {
					seen[strings.SplitN(r, "=", 2)[0]]++
				}
				for i := 0; i < n; i++ {
					if k := fmt.Sprintf("o%d", i); seen[k] != 1 {
						t.Errorf("order %s is in the sink %d times, want once", k, seen[k])
					}
				}
				if len(sink) != n {
					t.Errorf("sink has %d records, want %d", len(sink), n)
				}
			},
		},
		{
			name: "aggregation",
			ddl:  []string{`CREATE TABLE per_district AS SELECT district, COUNT(*) AS n FROM orders GROUP BY district;`},
			sink: "PER_DISTRICT",
			check: func(t *testing.T, env *testEnv, sink []string, n int) {
				checkCountUpdates(t, sink, districtCounts(n))
				if got, want := env.pull(`SELECT district, n FROM per_district;`), expectedCounts(districtCounts(n)); strings.Join(got, ",") != strings.Join(want, ",") {
					t.Errorf("pull query: got %v, want %v", got, want)
				}
			},
		},
		{
			name: "join",
			ddl:  []string{`CREATE STREAM named AS SELECT o.district AS district, o.id AS oid, o.amount, d.name FROM orders o JOIN districts d ON o.district = d.id;`},
			sink: "NAMED",
			check: func(t *testing.T, _ *testEnv, sink []string, n int) {
				seen := map[string]int{}
				for _, r := range sink {
					_, v, _ := strings.Cut(r, "=")
					var row struct{ OID, NAME string }
					if err := json.Unmarshal([]byte(v), &row); err != nil || !strings.HasPrefix(row.NAME, "district ") {
						t.Errorf("joined record without its district's name: %s (%v)", r, err)
					}
					seen[row.OID]++
				}
				for i := 0; i < n; i++ {
					if k := fmt.Sprintf("o%d", i); seen[k] != 1 {
						t.Errorf("order %s is in the sink %d times, want once", k, seen[k])
					}
				}
			},
		},
	}
	for _, kind := range kinds {
		for _, step := range []string{exec.FaultBeforeCommit, exec.FaultAfterOffsets, exec.FaultAfterState} {
			t.Run(kind.name+"/"+step, func(t *testing.T) {
				dir := t.TempDir()
				var armed atomic.Bool
				env := startEnvWith(t, dir, Config{Fault: crashOnce(step, &armed)})
				env.exec(`CREATE STREAM orders (id VARCHAR KEY, district VARCHAR, amount INT) WITH (kafka_topic='orders', value_format='JSON', partitions=3);`)
				env.exec(`CREATE TABLE districts (id VARCHAR PRIMARY KEY, name VARCHAR) WITH (kafka_topic='districts', value_format='JSON', partitions=3);`)
				for d := 0; d < 4; d++ {
					env.produce("districts", fmt.Sprintf("d%d", d), fmt.Sprintf(`{"name":"district %d"}`, d))
				}
				for _, q := range kind.ddl {
					// One session: its properties apply to the query.
					env.exec(`SET 'processing.guarantee'='exactly_once_v2'; SET 'cache.max.bytes.buffering'='0'; ` + q)
				}
				const perPhase = 60
				produceOrders(env, 0, perPhase)
				env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)
				armed.Store(true)
				produceOrders(env, perPhase, 2*perPhase)
				waitFailed(t, env)
				env.stop()

				env = startEnv(t, dir)
				produceOrders(env, 2*perPhase, 3*perPhase)
				env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)
				for id, run := range env.engine.running {
					if st, msg := run.State(); st != exec.StateRunning {
						t.Fatalf("%s is %s after the restart: %s", id, st, msg)
					}
					// Committed offsets move past transaction markers, as Kafka's
					// consumers' do: an idle query has no lag, also on its own
					// (transactional) repartition topic.
					lag, err := env.cluster.GroupLag(context.Background(), run.Group)
					if err != nil || lag != 0 {
						t.Errorf("%s: group lag %d (%v) once idle, want 0", id, lag, err)
					}
				}
				kind.check(t, env, consumeCommitted(t, env, kind.sink), 3*perPhase)
			})
		}
	}
}

func produceOrders(env *testEnv, from, to int) {
	var kvs []string
	for i := from; i < to; i++ {
		kvs = append(kvs, fmt.Sprintf("o%d", i), fmt.Sprintf(`{"district":"d%d","amount":%d}`, i%4, i))
	}
	env.produce("orders", kvs...)
}

// districtCounts is how many of the first n orders each district has.
func districtCounts(n int) map[string]int {
	out := map[string]int{}
	for i := 0; i < n; i++ {
		out[fmt.Sprintf("d%d", i%4)]++
	}
	return out
}

func expectedCounts(counts map[string]int) []string {
	var out []string
	for d, n := range counts {
		out = append(out, fmt.Sprintf("%s|%d", d, n))
	}
	sort.Strings(out)
	return out
}

// checkCountUpdates checks a COUNT(*) table's changelog as a read_committed reader
// sees it: per key, the counts 1, 2, ... up to the key's total, each once, in
// order (no update lost, none written twice).
func checkCountUpdates(t *testing.T, sink []string, want map[string]int) {
	t.Helper()
	got := map[string][]string{}
	for _, r := range sink {
		k, v, _ := strings.Cut(r, "=")
		got[k] = append(got[k], v)
	}
	for k, n := range want {
		var seq []string
		for i := 1; i <= n; i++ {
			seq = append(seq, fmt.Sprintf(`{"N":%d}`, i))
		}
		if strings.Join(got[k], " ") != strings.Join(seq, " ") {
			t.Errorf("updates of %s:\n got %v\nwant 1..%d once each", k, got[k], n)
		}
	}
}

// waitFailed waits until a query stopped at the simulated crash.
func waitFailed(t *testing.T, env *testEnv) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		env.engine.mu.Lock()
		for _, run := range env.engine.running {
			if st, msg := run.State(); st == exec.StateError && strings.Contains(msg, errCrash.Error()) {
				env.engine.mu.Unlock()
				return
			}
		}
		env.engine.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("no query reached the simulated crash")
}

// consumeCommitted reads a topic as a read_committed consumer, up to its last
// stable offsets, as "key=value" lines.
func consumeCommitted(t *testing.T, env *testEnv, topic string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ends, err := kadm.NewClient(env.cluster.Producer()).ListCommittedOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	remaining := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			remaining[o.Partition] = o.Offset
		}
	})
	cl, err := env.cluster.NewClient(kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.KeepControlRecords())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var out []string
	for len(remaining) > 0 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("reading %s: %d partitions not read to their end (%v)", topic, len(remaining), remaining)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if r.Offset+1 >= remaining[r.Partition] {
				delete(remaining, r.Partition)
			}
			if !r.Attrs.IsControl() {
				out = append(out, fmt.Sprintf("%s=%s", r.Key, r.Value))
			}
		})
	}
	return out
}

// TestExactlyOnceJoinAbortedBatch: the broker fences the join's transactional
// offset commits (ILLEGAL_GENERATION, as when the group moved on), so the
// transactions abort and their batches are read again, repartitioned records
// included; every order is in the sink exactly once. The join's memory of the
// repartitioned records it applied must go back with the batch: kept, the
// records read again were taken for duplicates and lost.
func TestExactlyOnceJoinAbortedBatch(t *testing.T) {
	env := startEnv(t, t.TempDir())
	env.exec(`CREATE STREAM orders (id VARCHAR KEY, district VARCHAR, amount INT) WITH (kafka_topic='orders', value_format='JSON', partitions=3);`)
	env.exec(`CREATE TABLE districts (id VARCHAR PRIMARY KEY, name VARCHAR) WITH (kafka_topic='districts', value_format='JSON', partitions=3);`)
	for d := 0; d < 4; d++ {
		env.produce("districts", fmt.Sprintf("d%d", d), fmt.Sprintf(`{"name":"district %d"}`, d))
	}
	env.exec(`SET 'processing.guarantee'='exactly_once_v2'; SET 'cache.max.bytes.buffering'='0'; CREATE STREAM named AS SELECT o.district AS district, o.id AS oid, o.amount, d.name FROM orders o JOIN districts d ON o.district = d.id;`)
	produceOrders(env, 0, 60)
	env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)
	// Fenced: the commits of batches that joined repartitioned orders (their
	// offsets include the repartition topic's).
	h := env.broker.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.TxnOffsetCommit}, Err: kerr.IllegalGeneration, Count: 3,
		When: func(req kmsg.Request) bool {
			for _, t := range req.(*kmsg.TxnOffsetCommitRequest).Topics {
				if strings.HasSuffix(t.Topic, "-repartition") {
					return true
				}
			}
			return false
		}})
	defer h.Remove()
	for i := 60; i < 120; i += 10 {
		produceOrders(env, i, i+10)
		time.Sleep(50 * time.Millisecond)
	}
	waitFor(t, 20*time.Second, func() string {
		if h.Hits() < 3 {
			return fmt.Sprintf("%d of 3 fenced commits", h.Hits())
		}
		return ""
	})
	env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)
	seen := map[string]int{}
	for _, r := range consumeCommitted(t, env, "NAMED") {
		_, v, _ := strings.Cut(r, "=")
		var row struct{ OID string }
		if err := json.Unmarshal([]byte(v), &row); err != nil {
			t.Fatal(err)
		}
		seen[row.OID]++
	}
	for i := 0; i < 120; i++ {
		if k := fmt.Sprintf("o%d", i); seen[k] != 1 {
			t.Errorf("order %s is in the sink %d times, want once", k, seen[k])
		}
	}
}
