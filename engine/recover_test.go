package engine

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluice-db/sluice/exec"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// countingQuery is the aggregation the recovery tests fault: a count per
// district over a two-partition stream, under guarantee, with a short retry
// backoff and no record cache.
type countingQuery struct {
	env *testEnv
}

func startCountingQuery(t *testing.T, guarantee string, fault func(string) error) countingQuery {
	env := startEnvWith(t, t.TempDir(), Config{Fault: fault, Defaults: map[string]string{
		"auto.offset.reset": "earliest", propRetryInitial: "300", "cache.max.bytes.buffering": "0",
		propGuarantee: guarantee,
	}})
	env.exec(`CREATE STREAM orders (id VARCHAR KEY, district VARCHAR) WITH (kafka_topic='orders', value_format='JSON', partitions=2);`)
	env.exec(`CREATE TABLE per_district AS SELECT district, COUNT(*) AS n FROM orders GROUP BY district;`)
	return countingQuery{env}
}

// produce adds orders from to to-1, a third to each district.
func (d countingQuery) produce(from, to int) {
	for i := from; i < to; i++ {
		d.env.produce("orders", fmt.Sprintf("o%d", i), fmt.Sprintf(`{"district":"d%d"}`, i%3))
	}
}

// check waits for the query to catch up and checks it is RUNNING with the
// counts of 60 orders, each counted once.
func (d countingQuery) check(t *testing.T, after string) {
	t.Helper()
	d.env.exec(`AWAIT IDLE TIMEOUT 30 SECONDS;`)
	for _, q := range d.env.engine.Queries() {
		if q.State != string(exec.StateRunning) {
			t.Fatalf("%s is %s %s: %s", q.ID, q.State, after, q.Error)
		}
	}
	got := d.env.pull(`SELECT district, n FROM per_district;`)
	if want := "d0|20 d1|20 d2|20"; strings.Join(got, " ") != want {
		t.Errorf("counts %s: %v, want %s", after, got, want)
	}
}

// TestFailedQueryStartsAgain fails an aggregation in the middle of a commit,
// as a broker going away or a fenced generation does, and checks that the node
// starts it again after its backoff (RECOVERING meanwhile, with the reason),
// from its checkpoints: the counts are those of the input, none lost or
// counted twice.
func TestFailedQueryStartsAgain(t *testing.T) {
	for _, tc := range []struct{ guarantee, step string }{
		{atLeastOnce, exec.FaultBeforeCommit},
		{atLeastOnce, exec.FaultAfterState},
		{exactlyOnceV2, exec.FaultBeforeCommit},
		{exactlyOnceV2, exec.FaultAfterOffsets},
		{exactlyOnceV2, exec.FaultAfterState},
	} {
		t.Run(tc.guarantee+"/"+tc.step, func(t *testing.T) {
			var armed atomic.Bool
			d := startCountingQuery(t, tc.guarantee, crashOnce(tc.step, &armed))
			env := d.env
			d.produce(0, 30)
			env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)
			armed.Store(true)
			d.produce(30, 60)
			sawRecovering := false
			waitFor(t, 20*time.Second, func() string {
				for _, q := range env.engine.Queries() {
					if q.State == StateRecovering {
						sawRecovering = true
						if !strings.Contains(q.Error, errCrash.Error()) {
							t.Fatalf("RECOVERING without the reason: %q", q.Error)
						}
					}
				}
				env.engine.mu.Lock()
				defer env.engine.mu.Unlock()
				for _, r := range env.engine.recovering {
					if r.attempts == 1 && r.failed == nil {
						return ""
					}
				}
				return "the query did not fail and start again once"
			})
			if !sawRecovering {
				t.Error("the failed query was never reported RECOVERING")
			}
			d.check(t, "after starting again")
		})
	}
}

// TestFencedGenerationRecovers: the broker answers the aggregation's offset
// commit with ILLEGAL_GENERATION, as it does when the group moved on while the
// query committed (a rebalance it missed). Under each guarantee the query
// rides it out, by itself or by starting again, and counts every record once:
// also when the fenced batch is the group's first, whose partitions have no
// committed offset to go back to (under exactly-once the aborted batch is read
// again from where it began, not skipped).
// It runs in process because only the embedded broker's fault hooks can fence
// a commit at will; the other faults run against the binary (sqltests).
func TestFencedGenerationRecovers(t *testing.T) {
	for _, tc := range []struct {
		guarantee string
		commit    kmsg.Key
	}{
		{atLeastOnce, kmsg.OffsetCommit},
		{exactlyOnceV2, kmsg.TxnOffsetCommit},
	} {
		for _, first := range []bool{false, true} {
			name := tc.guarantee + "/after-a-commit"
			if first {
				name = tc.guarantee + "/first-batch"
			}
			t.Run(name, func(t *testing.T) {
				d := startCountingQuery(t, tc.guarantee, nil)
				var h *kfake.FaultHandle
				if first {
					h = d.env.broker.Fault(kfake.Fault{Keys: []kmsg.Key{tc.commit}, Err: kerr.IllegalGeneration, Count: 2})
					defer h.Remove()
				}
				d.produce(0, 30)
				if !first {
					d.env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)
					h = d.env.broker.Fault(kfake.Fault{Keys: []kmsg.Key{tc.commit}, Err: kerr.IllegalGeneration, Count: 2})
					defer h.Remove()
				}
				d.produce(30, 60)
				waitFor(t, 20*time.Second, func() string {
					if h.Hits() < 1 {
						return "no commit reached the broker"
					}
					return ""
				})
				d.check(t, "after the fenced commit")
			})
		}
	}
}

// TestAwaitIdleFailsOnFailedQuery: AWAIT IDLE does not report success while a
// query is down; at its deadline it says which query failed, and why.
func TestAwaitIdleFailsOnFailedQuery(t *testing.T) {
	var armed atomic.Bool
	env := startEnvWith(t, t.TempDir(), Config{Fault: crashOnce(exec.FaultBeforeCommit, &armed), Defaults: map[string]string{
		"auto.offset.reset": "earliest", propRetryInitial: "600000",
	}})
	env.exec(`CREATE STREAM orders (id VARCHAR KEY, district VARCHAR) WITH (kafka_topic='orders', value_format='JSON', partitions=1);`)
	env.exec(`CREATE STREAM big AS SELECT * FROM orders;`)
	armed.Store(true)
	env.produce("orders", "o1", `{"district":"d1"}`)
	waitFor(t, 20*time.Second, func() string {
		for _, q := range env.engine.Queries() {
			if q.State == StateRecovering {
				return ""
			}
		}
		return "the query did not fail"
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := env.engine.NewSession(nil).Execute(ctx, `AWAIT IDLE TIMEOUT 1 SECONDS;`, nil, &collect{})
	if err == nil {
		t.Fatal("AWAIT IDLE succeeded with a failed query")
	}
	se := sqlerr.As(err)
	if se.Code != sqlerr.ObjectNotInPrerequisiteState || !strings.Contains(se.Message, "CSAS_BIG_2 is RECOVERING") || !strings.Contains(se.Message, errCrash.Error()) {
		t.Errorf("AWAIT IDLE: %v (%s), want 55000 naming the query, its state and the reason", se.Message, se.Code)
	}
}

// TestQueryComesBackAfterDiskFull: with the disk (nearly) full, the state
// store refuses the aggregation's commit; the query reports RECOVERING with
// the reason, and once space is freed it starts again and counts every record
// once.
func TestQueryComesBackAfterDiskFull(t *testing.T) {
	env := startEnvWith(t, t.TempDir(), Config{Defaults: map[string]string{
		"auto.offset.reset": "earliest", propRetryInitial: "200", "cache.max.bytes.buffering": "0",
	}})
	env.exec(`CREATE STREAM orders (id VARCHAR KEY, district VARCHAR) WITH (kafka_topic='orders', value_format='JSON', partitions=1);`)
	env.exec(`CREATE TABLE per_district AS SELECT district, COUNT(*) AS n FROM orders GROUP BY district;`)
	for i := range 10 {
		env.produce("orders", fmt.Sprintf("o%d", i), fmt.Sprintf(`{"district":"d%d"}`, i%2))
	}
	env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)
	env.state.SetMinFreeBytes(math.MaxInt64) // no file system has that much room
	for i := 10; i < 20; i++ {
		env.produce("orders", fmt.Sprintf("o%d", i), fmt.Sprintf(`{"district":"d%d"}`, i%2))
	}
	waitFor(t, 20*time.Second, func() string {
		for _, q := range env.engine.Queries() {
			if q.State == StateRecovering && strings.Contains(q.Error, "free disk space") {
				return ""
			}
		}
		return fmt.Sprintf("the query did not report the full disk: %+v", env.engine.Queries())
	})
	env.state.SetMinFreeBytes(1)
	env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)
	got := env.pull(`SELECT district, n FROM per_district;`)
	if strings.Join(got, " ") != "d0|10 d1|10" {
		t.Errorf("counts after space was freed: %v, want d0|10 d1|10", got)
	}
}
