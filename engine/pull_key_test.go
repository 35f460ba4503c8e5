package engine

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluice-db/sluice/exec"
	"github.com/sluice-db/sluice/parser"
	"github.com/sluice-db/sluice/sqlerr"
)

// TestPullKeyLookup: a pull query fixing a table's key reads it by key, one point
// read per partition, and answers what a scan answers; other filters scan.
func TestPullKeyLookup(t *testing.T) {
	env := startEnv(t, t.TempDir())
	env.exec(`CREATE STREAM d (id VARCHAR KEY, district VARCHAR, amount INT) WITH (kafka_topic='d', value_format='JSON', partitions=3);`)
	env.exec(`CREATE TABLE by_district AS SELECT district, COUNT(*) AS n, SUM(amount) AS total FROM d GROUP BY district;`)
	var kvs []string
	for i := 0; i < 60; i++ {
		kvs = append(kvs, fmt.Sprint(i), fmt.Sprintf(`{"district":"d%d","amount":%d}`, i%6, i))
	}
	env.produce("d", kvs...)
	env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)

	cases := []struct {
		sql    string
		lookup bool
		want   string
	}{
		{`SELECT n, total FROM by_district WHERE district = 'd2';`, true, "10|290"},
		{`SELECT n, total FROM by_district WHERE 'd2' = district;`, true, "10|290"},
		{`SELECT district, n FROM by_district WHERE district = 'd3' AND n > 5;`, true, "d3|10"},
		{`SELECT district, n FROM by_district WHERE district = 'd3' AND n > 50;`, true, ""},
		{`SELECT district, n FROM by_district WHERE district = 'nowhere';`, true, ""},
		{`SELECT district FROM by_district WHERE district = 'd1' OR district = 'd4';`, false, "d1 d4"},
		{`SELECT district FROM by_district WHERE n = 10 AND total > 300;`, false, "d4 d5"},
	}
	p := parser.New()
	for _, c := range cases {
		got := env.pull(c.sql)
		sort.Strings(got)
		if strings.Join(got, " ") != c.want {
			t.Errorf("%s\n got %q\nwant %q", c.sql, got, c.want)
		}
		stmts, err := p.ParseScript(c.sql)
		if err != nil {
			t.Fatal(err)
		}
		qp, err := env.engine.planner().PlanSelect(stmts[0].(*parser.Query).Select, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := pullKey(qp); ok != c.lookup {
			t.Errorf("%s: key lookup %v, want %v", c.sql, ok, c.lookup)
		}
	}
}

// TestPullMemoryBound: ORDER BY and GROUP BY hold at most MaxPullRows rows or
// groups (53200 beyond); ORDER BY with a LIMIT keeps only what the limit can
// use, so it answers over more rows, in the order a full sort gives; a query
// with neither streams.
func TestPullMemoryBound(t *testing.T) {
	env := startEnvWith(t, t.TempDir(), Config{MaxPullRows: 50})
	env.exec(`CREATE STREAM d (id VARCHAR KEY, district VARCHAR, amount INT) WITH (kafka_topic='d', value_format='JSON', partitions=2);`)
	env.exec(`CREATE TABLE per_id AS SELECT id, LATEST_BY_OFFSET(district) AS district, SUM(amount) AS total FROM d GROUP BY id;`)
	var kvs []string
	for i := 0; i < 200; i++ {
		kvs = append(kvs, fmt.Sprintf("k%03d", i), fmt.Sprintf(`{"district":"d%d","amount":%d}`, i%70, (i*37)%200))
	}
	env.produce("d", kvs...)
	env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)

	if got := env.pull(`SELECT id FROM per_id;`); len(got) != 200 {
		t.Errorf("a scan without ORDER BY: %d rows, want all 200", len(got))
	}
	for limit, want := range map[int]int{0: 0, 1: 1, 7: 7, 500: 200} {
		if got := env.pull(fmt.Sprintf(`SELECT id FROM per_id LIMIT %d;`, limit)); len(got) != want {
			t.Errorf("a scan with LIMIT %d: %d rows, want %d", limit, len(got), want)
		}
	}
	// What a full sort gives: totals descending, ids ascending among equals.
	all := make([]string, 200)
	for i := range all {
		all[i] = fmt.Sprintf("%03d|k%03d", 199-(i*37)%200, i)
	}
	sort.Strings(all)
	var want []string
	for _, r := range all[:5] {
		total, id, _ := strings.Cut(r, "|")
		n, _ := strconv.Atoi(total)
		want = append(want, fmt.Sprintf("%s|%d", id, 199-n))
	}
	got := env.pull(`SELECT id, total FROM per_id ORDER BY total DESC, id LIMIT 5;`)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("ORDER BY ... LIMIT 5 over 200 rows: %q, want %q", got, want)
	}
	for _, sql := range []string{
		`SELECT id, total FROM per_id ORDER BY total;`,
		`SELECT district, COUNT(*) FROM per_id GROUP BY district;`,
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		err := env.engine.NewSession(nil).Execute(ctx, sql, nil, &collect{})
		cancel()
		if se := sqlerr.As(err); err == nil || se.Code != sqlerr.OutOfMemory {
			t.Errorf("%s: %v, want 53200", sql, err)
		}
	}
}

// TestKeyPartition: for an aggregation that moves rows through its
// repartition topic, the partition exec.KeyPartition computes for a key is the
// one whose state holds the key's row (so a key lookup in a cluster asks only
// its owner); for a table read straight from its topic there is none to
// compute.
func TestKeyPartition(t *testing.T) {
	env := startEnv(t, t.TempDir())
	env.exec(`CREATE STREAM d (id VARCHAR KEY, district VARCHAR, n INT) WITH (kafka_topic='d', value_format='JSON', partitions=4);`)
	env.exec(`CREATE TABLE by_district AS SELECT district, COUNT(*) AS c FROM d GROUP BY district;`)
	env.exec(`CREATE TABLE by_n AS SELECT n, COUNT(*) AS c FROM d GROUP BY n;`)
	env.exec(`CREATE TABLE latest AS SELECT id, LATEST_BY_OFFSET(n) AS n FROM d GROUP BY id;`)
	var kvs []string
	for i := 0; i < 40; i++ {
		kvs = append(kvs, fmt.Sprint(i), fmt.Sprintf(`{"district":"d%d","n":%d}`, i%9, i%7))
	}
	env.produce("d", kvs...)
	env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)
	check := func(table string, keys []any) {
		t.Helper()
		src, err := env.engine.catalog.Source(table)
		if err != nil {
			t.Fatal(err)
		}
		var run *exec.PersistentQuery
		for _, q := range env.engine.catalog.Writers(table) {
			run = env.engine.running[q.ID]
		}
		for _, k := range keys {
			p, ok := exec.KeyPartition(run.Plan(), []any{k})
			if !ok {
				t.Fatalf("%s: no partition computed for key %v", table, k)
			}
			sk, err := exec.TableKey(src, []any{k})
			if err != nil {
				t.Fatal(err)
			}
			var holders []int32
			err = exec.ScanEntries(env.state, run.ID, []int32{0, 1, 2, 3}, sk, func(en exec.StateEntry) (bool, error) {
				holders = append(holders, en.Partition)
				return true, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(holders) != 1 || holders[0] != p {
				t.Errorf("%s key %v: held by partitions %v, computed %d", table, k, holders, p)
			}
		}
	}
	check("BY_DISTRICT", []any{"d0", "d4", "d8"})
	check("BY_N", []any{int32(0), int32(3), int32(6)})
	for _, q := range env.engine.catalog.Writers("LATEST") {
		if _, ok := exec.KeyPartition(env.engine.running[q.ID].Plan(), []any{"7"}); ok {
			t.Error("LATEST is grouped by its input's key, which its producers partitioned: no partition can be computed")
		}
	}
	if got := env.pull(`SELECT c FROM by_n WHERE n = 3;`); strings.Join(got, " ") != "6" {
		t.Errorf("by_n where n = 3: %v, want 6", got)
	}
}
