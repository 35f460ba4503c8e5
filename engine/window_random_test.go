package engine

import (
	"context"
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// windowSpec is one windowed aggregation of the randomized test, and its oracle.
type windowSpec struct {
	kind          string // TUMBLING or HOPPING
	size, advance int64  // ms; advance = size for TUMBLING
	grace         int64
	clause        string
}

func tumbling(size, grace int64) windowSpec {
	return windowSpec{kind: "TUMBLING", size: size, advance: size, grace: grace,
		clause: fmt.Sprintf("TUMBLING (SIZE %d MILLISECONDS, GRACE PERIOD %d MILLISECONDS)", size, grace)}
}

func hopping(size, advance, grace int64) windowSpec {
	return windowSpec{kind: "HOPPING", size: size, advance: advance, grace: grace,
		clause: fmt.Sprintf("HOPPING (SIZE %d MILLISECONDS, ADVANCE BY %d MILLISECONDS, GRACE PERIOD %d MILLISECONDS)", size, advance, grace)}
}

// starts returns the start of every window holding ts (none start before 0).
func (w windowSpec) starts(ts int64) []int64 {
	var out []int64
	for s := ts - ts%w.advance; s >= 0 && s+w.size > ts; s -= w.advance {
		out = append(out, s)
	}
	return out
}

// event is one input record of the randomized test.
type event struct {
	partition int32
	key       string
	group     string
	amount    *int
	ts        int64
}

// windowOracle computes a windowed COUNT(*) and SUM(amount) per group from the
// events in the order each partition holds them, with the documented late-record
// rule: a record is dropped from a window whose end + grace <= the largest
// timestamp seen so far in its partition (itself included). Rows are
// "group|windowstart|count|sum", sorted.
func windowOracle(w windowSpec, events []event, groupOf func(event) string) []string {
	type agg struct{ n, sum int }
	streamTime := map[int32]int64{}
	aggs := map[string]*agg{}
	for _, e := range events {
		st := max(streamTime[e.partition], e.ts)
		streamTime[e.partition] = st
		for _, s := range w.starts(e.ts) {
			if s+w.size+w.grace <= st {
				continue
			}
			k := fmt.Sprintf("%s|%d", groupOf(e), s)
			a := aggs[k]
			if a == nil {
				a = &agg{}
				aggs[k] = a
			}
			a.n++
			if e.amount != nil {
				a.sum += *e.amount
			}
		}
	}
	var out []string
	for k, a := range aggs {
		out = append(out, fmt.Sprintf("%s|%d|%d", k, a.n, a.sum))
	}
	sort.Strings(out)
	return out
}

func amountJSON(a *int) string {
	if a == nil {
		return "null"
	}
	return fmt.Sprint(*a)
}

// TestWindowedAggregationRandomized compares windowed COUNT/SUM tables (TUMBLING
// and HOPPING, each with a GRACE PERIOD) read by pull queries with the same
// aggregation computed in Go from the input, over random events, for several
// seeds. Stream time, which decides which records are late, is per partition of
// the aggregation's input, so each part is built to make it unambiguous:
//
//   - Late records: the stream is grouped by its key, so the aggregation reads the
//     source partitions directly (no repartitioning). Each record is produced to
//     a partition chosen from its key, in generation order, so every partition's
//     order — and its stream time at each record — is known. Timestamps run
//     forward with random jitter back, some of it within the grace period
//     (out of order, counted) and some beyond it (late, dropped from the windows
//     that have closed, while a hopping record may still count in newer ones).
//   - Repartitioning: the same events grouped by a value column, so rows of a
//     group come from every source partition and their interleaving in the
//     repartition topic is up to the broker. There the grace period exceeds the
//     whole timestamp spread, so no record can be late in any order, while the
//     timestamps are still shuffled.
func TestWindowedAggregationRandomized(t *testing.T) {
	env := startEnv(t, t.TempDir())
	cl, err := env.cluster.NewClient(kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	const partitions = 3
	for _, seed := range []int64{1, 2, 3} {
		rng := rand.New(rand.NewSource(seed))
		const t0 = int64(1_700_000_000_000)
		var events []event
		clock, first := t0, t0
		for i := 0; i < 400; i++ {
			k := rng.Intn(7)
			clock += int64(rng.Intn(300))
			ts := clock
			switch r := rng.Intn(10); {
			case r < 2:
				ts -= int64(rng.Intn(1500)) // out of order, mostly within grace
			case r < 3:
				ts -= int64(rng.Intn(6000)) // often too late for some windows
			}
			e := event{partition: int32(k % partitions), key: fmt.Sprintf("k%d", k),
				group: fmt.Sprintf("g%d", rng.Intn(4)), ts: ts}
			if rng.Intn(20) > 0 {
				a := rng.Intn(100) - 20
				e.amount = &a
			}
			events = append(events, e)
			first = min(first, ts)
		}
		// A grace period of spread makes every window stay open until the last
		// record: a window ends after its records, and stream time ends at clock.
		spread := clock - first + 1
		byKey := func(e event) string { return e.key }
		byGroup := func(e event) string { return e.group }
		stream := fmt.Sprintf("ev%d", seed)
		env.exec(fmt.Sprintf(`CREATE STREAM %s (k VARCHAR KEY, grp VARCHAR, amount INT) WITH (kafka_topic='%s', value_format='JSON', partitions=%d);`, stream, stream, partitions))
		cases := []struct {
			name    string
			w       windowSpec
			groupBy string
			groupOf func(event) string
		}{
			{"late_tumbling", tumbling(1000, 500), "k", byKey},
			{"late_hopping", hopping(2000, 500, 700), "k", byKey},
			{"repart_tumbling", tumbling(1000, spread), "grp", byGroup},
			{"repart_hopping", hopping(3000, 1000, spread), "grp", byGroup},
		}
		for _, c := range cases {
			env.exec(fmt.Sprintf(`CREATE TABLE %s_%d AS SELECT %s, COUNT(*) AS n, SUM(amount) AS total FROM %s WINDOW %s GROUP BY %s;`,
				c.name, seed, c.groupBy, stream, c.w.clause, c.groupBy))
		}
		var recs []*kgo.Record
		for _, e := range events {
			recs = append(recs, &kgo.Record{Topic: stream, Partition: e.partition, Key: []byte(e.key),
				Value: []byte(fmt.Sprintf(`{"GRP":%q,"AMOUNT":%s}`, e.group, amountJSON(e.amount))), Timestamp: time.UnixMilli(e.ts)})
		}
		if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
			t.Fatal(err)
		}
		env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)
		late := 0
		for _, c := range cases {
			want := windowOracle(c.w, events, c.groupOf)
			if c.groupBy == "grp" {
				// Sanity: nothing is late here, whatever the order.
				all := windowOracle(windowSpec{kind: c.w.kind, size: c.w.size, advance: c.w.advance, grace: 1 << 50}, events, c.groupOf)
				if strings.Join(all, "\n") != strings.Join(want, "\n") {
					t.Fatalf("seed %d %s: the repartitioned case has late records; widen its grace", seed, c.name)
				}
			} else {
				all := windowOracle(windowSpec{kind: c.w.kind, size: c.w.size, advance: c.w.advance, grace: 1 << 50}, events, c.groupOf)
				late += countOf(all) - countOf(want)
			}
			got := env.pull(fmt.Sprintf(`SELECT %s, WINDOWSTART, n, total FROM %s_%d;`, c.groupBy, c.name, seed))
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("seed %d %s: pull query and oracle differ:\n%s", seed, c.name, diffLines(got, want))
			}
		}
		if late == 0 {
			t.Fatalf("seed %d: no record was late for any window; the test does not exercise the grace period", seed)
		}
	}
}

// countOf sums the count column of oracle rows.
func countOf(rows []string) int {
	n := 0
	for _, r := range rows {
		var c int
		parts := strings.Split(r, "|")
		fmt.Sscan(parts[2], &c)
		n += c
	}
	return n
}

// diffLines lists the rows only one side has.
func diffLines(got, want []string) string {
	in := func(xs []string) map[string]int {
		m := map[string]int{}
		for _, x := range xs {
			m[x]++
		}
		return m
	}
	g, w := in(got), in(want)
	var b strings.Builder
	for _, x := range got {
		if w[x] == 0 {
			fmt.Fprintf(&b, "  got only:  %s\n", x)
		}
	}
	for _, x := range want {
		if g[x] == 0 {
			fmt.Fprintf(&b, "  want only: %s\n", x)
		}
	}
	fmt.Fprintf(&b, "  (%d rows, want %d)", len(got), len(want))
	return b.String()
}
