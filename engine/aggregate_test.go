package engine

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// pull runs a pull query and renders its rows as "a|b|c" lines, sorted.
func (env *testEnv) pull(sql string) []string {
	env.t.Helper()
	res := env.exec(sql)
	var out []string
	for _, r := range res.rows {
		parts := make([]string, len(r))
		for i, v := range r {
			parts[i] = fmt.Sprint(v)
		}
		out = append(out, strings.Join(parts, "|"))
	}
	sort.Strings(out)
	return out
}

// produceDeliveries writes n deliveries with random ids (so they spread over every
// partition) and returns the expected count and sum per district.
func (env *testEnv) produceDeliveries(rng *rand.Rand, n int, counts map[string]int, sums map[string]int) {
	env.t.Helper()
	districts := []string{"north", "south", "east", "west", "centre"}
	var recs []*kgo.Record
	for i := 0; i < n; i++ {
		d := districts[rng.Intn(len(districts))]
		amount := rng.Intn(100)
		counts[d]++
		sums[d] += amount
		recs = append(recs, &kgo.Record{Topic: "deliveries", Key: []byte(fmt.Sprintf("id-%d", rng.Int63())),
			Value: []byte(fmt.Sprintf(`{"district":%q,"amount":%d}`, d, amount))})
	}
	if err := env.cluster.Producer().ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		env.t.Fatal(err)
	}
}

func expectedTotals(counts, sums map[string]int) []string {
	var out []string
	for d, c := range counts {
		out = append(out, fmt.Sprintf("%s|%d|%d", d, c, sums[d]))
	}
	sort.Strings(out)
	return out
}

// TestAggregationAcrossPartitionsAndRestart groups a three-partition stream by a
// value column, so each district's rows arrive on every partition and must be
// repartitioned; the totals must equal an independent count, and stay exact
// across a restart that resumes from the local checkpoints.
func TestAggregationAcrossPartitionsAndRestart(t *testing.T) {
	dir := t.TempDir()
	env := startEnv(t, dir)
	env.exec(`CREATE STREAM deliveries (id VARCHAR KEY, district VARCHAR, amount INT) WITH (kafka_topic='deliveries', value_format='JSON', partitions=3);`)
	env.exec(`CREATE TABLE per_district AS SELECT district, COUNT(*) AS n, SUM(amount) AS total FROM deliveries GROUP BY district;`)
	rng := rand.New(rand.NewSource(7))
	counts, sums := map[string]int{}, map[string]int{}
	env.produceDeliveries(rng, 500, counts, sums)
	env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)
	want := expectedTotals(counts, sums)
	if got := env.pull(`SELECT district, n, total FROM per_district;`); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("totals:\n got %q\nwant %q", got, want)
	}

	env.stop()
	env = startEnv(t, dir)
	env.produceDeliveries(rng, 300, counts, sums)
	env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)
	want = expectedTotals(counts, sums)
	if got := env.pull(`SELECT district, n, total FROM per_district;`); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("totals after restart:\n got %q\nwant %q", got, want)
	}
	// Beyond ksqlDB: aggregate and sort in the pull query itself.
	got := env.pull(`SELECT COUNT(*) AS districts, SUM(n) AS deliveries FROM per_district GROUP BY 1;`)
	if len(got) != 1 || got[0] != fmt.Sprintf("%d|800", len(counts)) {
		t.Fatalf("pull GROUP BY: %q", got)
	}
}

// TestStateRebuiltFromChangelog loses the local state store between runs, as a
// new node or a replaced disk would: the partitions' state is rebuilt from the
// query's changelog topic, and counting continues exactly.
func TestStateRebuiltFromChangelog(t *testing.T) {
	dir := t.TempDir()
	env := startEnv(t, dir)
	env.exec(`CREATE STREAM deliveries (id VARCHAR KEY, district VARCHAR, amount INT) WITH (kafka_topic='deliveries', value_format='JSON', partitions=2);`)
	env.exec(`CREATE TABLE per_district AS SELECT district, COUNT(*) AS n, SUM(amount) AS total FROM deliveries GROUP BY district;`)
	rng := rand.New(rand.NewSource(3))
	counts, sums := map[string]int{}, map[string]int{}
	env.produceDeliveries(rng, 200, counts, sums)
	env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)
	env.stop()

	if err := os.RemoveAll(filepath.Join(dir, "state")); err != nil {
		t.Fatal(err)
	}
	env = startEnv(t, dir)
	env.produceDeliveries(rng, 100, counts, sums)
	env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)
	want := expectedTotals(counts, sums)
	if got := env.pull(`SELECT district, n, total FROM per_district;`); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("totals after rebuilding from the changelog:\n got %q\nwant %q", got, want)
	}
}

// TestSourceTablePullQuery materializes a CREATE SOURCE TABLE for pull queries:
// upserts replace rows, a tombstone deletes, a record without a key is dropped.
func TestSourceTablePullQuery(t *testing.T) {
	env := startEnv(t, t.TempDir())
	env.exec(`CREATE SOURCE TABLE riders (id VARCHAR PRIMARY KEY, name VARCHAR, district VARCHAR) WITH (kafka_topic='riders', value_format='JSON', partitions=2);`)
	recs := []*kgo.Record{
		{Topic: "riders", Key: []byte("r1"), Value: []byte(`{"name":"Ann","district":"north"}`)},
		{Topic: "riders", Key: []byte("r2"), Value: []byte(`{"name":"Bo","district":"south"}`)},
		{Topic: "riders", Key: []byte("r1"), Value: []byte(`{"name":"Ann","district":"east"}`)},
		{Topic: "riders", Key: []byte("r3"), Value: []byte(`{"name":"Cy","district":"west"}`)},
		{Topic: "riders", Key: []byte("r3")},
		{Topic: "riders", Value: []byte(`{"name":"nobody","district":"none"}`)},
	}
	for _, r := range recs { // one at a time: per-key order is what matters
		if err := env.cluster.Producer().ProduceSync(context.Background(), r).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)
	got := env.pull(`SELECT id, name, district FROM riders;`)
	want := []string{"r1|Ann|east", "r2|Bo|south"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("source table rows:\n got %q\nwant %q", got, want)
	}
	if got := env.pull(`SELECT name FROM riders WHERE id = 'r2';`); len(got) != 1 || got[0] != "Bo" {
		t.Fatalf("key lookup: %q", got)
	}
}
