package engine

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/sluice-db/sluice/exec"
)

// TestFencedGenerationRecovers: the broker answers an aggregation's offset
// commit with ILLEGAL_GENERATION, as it does when the group moved on while the
// query committed (a rebalance it missed). Under each guarantee the query
// rides it out, by itself or by starting again, and counts every record once.
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
		t.Run(tc.guarantee, func(t *testing.T) {
			env := startEnvWith(t, t.TempDir(), Config{Defaults: map[string]string{
				"auto.offset.reset": "earliest", propRetryInitial: "300", "cache.max.bytes.buffering": "0",
				propGuarantee: tc.guarantee,
			}})
			env.exec(`CREATE STREAM orders (id VARCHAR KEY, district VARCHAR) WITH (kafka_topic='orders', value_format='JSON', partitions=2);`)
			env.exec(`CREATE TABLE per_district AS SELECT district, COUNT(*) AS n FROM orders GROUP BY district;`)
			produce := func(from, to int) {
				for i := from; i < to; i++ {
					env.produce("orders", fmt.Sprintf("o%d", i), fmt.Sprintf(`{"district":"d%d"}`, i%3))
				}
			}
			produce(0, 30)
			env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)
			h := env.broker.Fault(kfake.Fault{Keys: []kmsg.Key{tc.commit}, Err: kerr.IllegalGeneration, Count: 2})
			defer h.Remove()
			produce(30, 60)
			waitFor(t, 20*time.Second, func() string {
				if h.Hits() < 1 {
					return "no commit reached the broker"
				}
				return ""
			})
			env.exec(`AWAIT IDLE TIMEOUT 30 SECONDS;`)
			for _, q := range env.engine.Queries() {
				if q.State != string(exec.StateRunning) {
					t.Fatalf("%s is %s after the fenced commit: %s", q.ID, q.State, q.Error)
				}
			}
			got := env.pull(`SELECT district, n FROM per_district;`)
			if want := "d0|20 d1|20 d2|20"; strings.Join(got, " ") != want {
				t.Errorf("counts after the fenced commit: %v, want %s", got, want)
			}
		})
	}
}
