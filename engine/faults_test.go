package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/sluice-db/sluice/exec"
)

// TestFencedGenerationRecovers: the broker answers an aggregation's offset
// commit with ILLEGAL_GENERATION, as it does when the group moved on while the
// query committed (a rebalance it missed). Under each guarantee the query
// rides it out, by itself or by starting again, and counts every record once.
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

// TestHugeGroupKeyIsLogged: a GROUP BY key of 1 MB makes an aggregate record
// (and changelog record) no producer can write. The group's update goes to
// the processing log, and the query goes on with the other groups.
func TestHugeGroupKeyIsLogged(t *testing.T) {
	env := startEnvWith(t, t.TempDir(), Config{Defaults: map[string]string{"auto.offset.reset": "earliest", "cache.max.bytes.buffering": "0"}})
	env.exec(`CREATE STREAM orders (id VARCHAR KEY, district VARCHAR) WITH (kafka_topic='orders', value_format='JSON', partitions=1);`)
	env.exec(`CREATE TABLE per_district AS SELECT district, COUNT(*) AS n FROM orders GROUP BY district;`)
	big, err := env.cluster.NewClient(kgo.ProducerBatchMaxBytes(8<<20), kgo.ProducerBatchCompression(kgo.GzipCompression()))
	if err != nil {
		t.Fatal(err)
	}
	defer big.Close()
	huge := strings.Repeat("d", 1<<20)
	if err := big.ProduceSync(context.Background(),
		&kgo.Record{Topic: "orders", Key: []byte("o1"), Value: []byte(`{"district":"north"}`)},
		&kgo.Record{Topic: "orders", Key: []byte("o2"), Value: []byte(`{"district":"` + huge + `"}`)},
		&kgo.Record{Topic: "orders", Key: []byte("o3"), Value: []byte(`{"district":"north"}`)},
	).FirstErr(); err != nil {
		t.Fatal(err)
	}
	env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)
	for _, q := range env.engine.Queries() {
		if q.State != string(exec.StateRunning) {
			t.Errorf("%s is %s: %s", q.ID, q.State, q.Error)
		}
	}
	if got := env.pull(`SELECT n FROM per_district WHERE district = 'north';`); strings.Join(got, " ") != "2" {
		t.Errorf("north: %v, want 2", got)
	}
	logged := env.readAll("_sluice_test_processing_log")
	if len(logged) == 0 || !strings.Contains(logged[0], "over the limit") || len(strings.Join(logged, "")) > 64<<10 {
		t.Errorf("processing log: %.300v (%d bytes), want bounded entries saying the record is over the limit", logged, len(strings.Join(logged, "")))
	}
}

// TestManyMalformedRecords: 10,000 records that are not JSON, between good
// ones, each get a processing-log entry, and every good record is counted.
func TestManyMalformedRecords(t *testing.T) {
	env := startEnv(t, t.TempDir())
	env.exec(`CREATE STREAM orders (id VARCHAR KEY, district VARCHAR) WITH (kafka_topic='orders', value_format='JSON', partitions=2);`)
	env.exec(`CREATE TABLE per_district AS SELECT district, COUNT(*) AS n FROM orders GROUP BY district;`)
	const bad, goodEvery = 10_000, 100
	var recs []*kgo.Record
	good := 0
	for i := 0; i < bad; i++ {
		recs = append(recs, &kgo.Record{Topic: "orders", Key: []byte(fmt.Sprint("b", i)), Value: []byte(fmt.Sprintf(`{"district": %d, oops`, i))})
		if i%goodEvery == 0 {
			recs = append(recs, &kgo.Record{Topic: "orders", Key: []byte(fmt.Sprint("g", i)), Value: []byte(`{"district":"north"}`)})
			good++
		}
	}
	if err := env.cluster.Producer().ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	env.exec(`AWAIT IDLE TIMEOUT 60 SECONDS;`)
	for _, q := range env.engine.Queries() {
		if q.State != string(exec.StateRunning) {
			t.Errorf("%s is %s: %s", q.ID, q.State, q.Error)
		}
	}
	if got := env.pull(`SELECT n FROM per_district WHERE district = 'north';`); strings.Join(got, " ") != fmt.Sprint(good) {
		t.Errorf("north: %v, want %d", got, good)
	}
	if n := len(env.readAll("_sluice_test_processing_log")); n != bad {
		t.Errorf("processing log has %d entries, want one per malformed record (%d)", n, bad)
	}
}
