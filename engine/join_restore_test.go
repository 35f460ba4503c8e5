package engine

import (
	"bytes"
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
