package engine

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestJoinStateRebuiltFromChangelog loses the local state store in the middle of
// a stream-stream join: the left side's windows are rebuilt from the changelog,
// so right records that arrive after the restart still find them, and the
// window expiry index, which is not in the changelog, is derived again.
func TestJoinStateRebuiltFromChangelog(t *testing.T) {
	dir := t.TempDir()
	env := startEnv(t, dir)
	env.exec(`CREATE STREAM l (k VARCHAR KEY, v INT) WITH (kafka_topic='l', value_format='JSON', partitions=2);`)
	env.exec(`CREATE STREAM r (k VARCHAR KEY, w INT) WITH (kafka_topic='r', value_format='JSON', partitions=2);`)
	env.exec(`CREATE STREAM j AS SELECT l.k AS k, v, w FROM l JOIN r WITHIN 1 HOUR ON l.k = r.k;`)
	env.produce("l", "a", `{"v":1}`, "b", `{"v":2}`, "c", `{"v":3}`, "d", `{"v":4}`)
	env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)
	env.stop()

	if err := os.RemoveAll(filepath.Join(dir, "state")); err != nil {
		t.Fatal(err)
	}
	env = startEnv(t, dir)
	env.produce("r", "a", `{"w":10}`, "b", `{"w":20}`, "c", `{"w":30}`, "d", `{"w":40}`)
	env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)
	got := env.readAll("J")
	sort.Strings(got)
	want := []string{`a={"V":1,"W":10}`, `b={"V":2,"W":20}`, `c={"V":3,"W":30}`, `d={"V":4,"W":40}`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("join output after rebuilding from the changelog:\n got %q\nwant %q", got, want)
	}

	// Every window record has its expiry index entry: 4 left and 4 right.
	stores := map[string]int{}
	if err := env.state.Scan([]byte("q"), func(k, _ []byte) bool {
		parts := bytes.SplitN(k, []byte{0}, 3)
		if len(parts) == 3 {
			stores[string(parts[1][:2])]++
		}
		return true
	}); err != nil {
		t.Fatal(err)
	}
	if stores["jw"] != 8 || stores["jx"] != 8 {
		t.Fatalf("window records %d, expiry entries %d; want 8 and 8", stores["jw"], stores["jx"])
	}
}

// TestAggregationByJoinKeyNotRepartitioned: a join's rows are partitioned by the
// join key, so grouping them by a column holding it needs no repartition topic;
// the counts must still be exact over several partitions. Grouping by another
// column still repartitions.
func TestAggregationByJoinKeyNotRepartitioned(t *testing.T) {
	env := startEnv(t, t.TempDir())
	env.exec(`CREATE STREAM l (k VARCHAR KEY, v INT) WITH (kafka_topic='l', value_format='JSON', partitions=3);`)
	env.exec(`CREATE TABLE r (k VARCHAR PRIMARY KEY, g VARCHAR) WITH (kafka_topic='r', value_format='JSON', partitions=3);`)
	env.exec(`CREATE TABLE by_key AS SELECT r.k AS k, COUNT(*) AS n, SUM(v) AS total FROM l JOIN r ON l.k = r.k GROUP BY r.k;`)
	env.exec(`CREATE TABLE by_group AS SELECT g, COUNT(*) AS n FROM l JOIN r ON l.k = r.k GROUP BY g;`)
	var kvs []string
	for _, k := range []string{"a", "b", "c", "d", "e", "f"} {
		kvs = append(kvs, k, fmt.Sprintf(`{"g":"%s"}`, map[bool]string{true: "x", false: "y"}[k < "d"]))
	}
	env.produce("r", kvs...)
	env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)
	kvs = kvs[:0]
	want := map[string][2]int{}
	for i := 0; i < 60; i++ {
		k := string(rune('a' + i%6))
		kvs = append(kvs, k, fmt.Sprintf(`{"v":%d}`, i))
		w := want[k]
		want[k] = [2]int{w[0] + 1, w[1] + i}
	}
	env.produce("l", kvs...)
	env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)
	var wantRows []string
	for k, w := range want {
		wantRows = append(wantRows, fmt.Sprintf("%s|%d|%d", k, w[0], w[1]))
	}
	sort.Strings(wantRows)
	if got := env.pull(`SELECT k, n, total FROM by_key;`); strings.Join(got, "\n") != strings.Join(wantRows, "\n") {
		t.Fatalf("by join key:\n got %q\nwant %q", got, wantRows)
	}
	if got := env.pull(`SELECT g, n FROM by_group;`); strings.Join(got, ",") != "x|30,y|30" {
		t.Fatalf("by another column: %q", got)
	}
	repart := repartitionTopicNames(t, env)
	if len(repart) != 1 || !strings.Contains(repart[0], "BY_GROUP") {
		t.Fatalf("repartition topics %q, want only BY_GROUP's", repart)
	}
}

// TestRecordCacheCollapsesUpdates: by default a table's updates to one key in
// one commit reach the sink as one record (ksqlDB's record cache); with the
// cache off every update is a record. The final values are the same.
func TestRecordCacheCollapsesUpdates(t *testing.T) {
	env := startEnv(t, t.TempDir())
	env.exec(`CREATE STREAM ev (id VARCHAR KEY, d VARCHAR, n INT) WITH (kafka_topic='ev', value_format='JSON', partitions=1);`)
	var kvs []string
	for i := 0; i < 200; i++ {
		kvs = append(kvs, fmt.Sprint(i), fmt.Sprintf(`{"d":"%c","n":%d}`, 'a'+i%2, i))
	}
	env.produce("ev", kvs...)
	env.exec(`CREATE TABLE cached AS SELECT d, COUNT(*) AS c, SUM(n) AS s FROM ev GROUP BY d;`)
	env.exec(`SET 'ksql.streams.cache.max.bytes.buffering'='0'; CREATE TABLE uncached AS SELECT d, COUNT(*) AS c, SUM(n) AS s FROM ev GROUP BY d;`)
	env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)
	last := func(recs []string) map[string]string {
		m := map[string]string{}
		for _, r := range recs {
			k, v, _ := strings.Cut(r, "=")
			m[k] = v
		}
		return m
	}
	cached, uncached := env.readAll("CACHED"), env.readAll("UNCACHED")
	if len(uncached) != 200 {
		t.Fatalf("without the cache %d records, want one per update (200)", len(uncached))
	}
	if len(cached) >= 200 || len(cached) < 2 {
		t.Fatalf("with the cache %d records, want fewer than 200 and at least one per key", len(cached))
	}
	want := map[string]string{"a": `{"C":100,"S":9900}`, "b": `{"C":100,"S":10000}`}
	for name, recs := range map[string][]string{"cached": cached, "uncached": uncached} {
		if got := last(recs); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s final values %v, want %v", name, got, want)
		}
	}
	if _, err := cacheMaxBytes(map[string]string{cacheProperty: "lots"}); err == nil {
		t.Error("a non-numeric cache bound was accepted")
	}
}
