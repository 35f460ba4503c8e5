package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// BenchmarkClusterPull measures pull queries over a 200-row table of 4
// partitions: on a node alone, and on one of two nodes (half the partitions
// read from the other over HTTP), and from a standby copy while the owner is
// down. Each reports the mean (ns/op) and the 50th and 99th percentiles.
//
//	go test ./engine -run '^$' -bench BenchmarkClusterPull -benchtime 2000x
func BenchmarkClusterPull(b *testing.B) {
	scan := `SELECT district, n, total FROM totals`
	lookup := `SELECT n, total FROM totals WHERE district = 'd07'`

	b.Run("one-node", func(b *testing.B) {
		br := startBroker(b)
		n1 := startNode(b, br.Addr(), "1", false)
		loadTotals(b, n1)
		b.Run("scan", func(b *testing.B) { benchPull(b, n1, scan, 20) })
		b.Run("lookup", func(b *testing.B) { benchPull(b, n1, lookup, 1) })
	})

	b.Run("two-nodes", func(b *testing.B) {
		br := startBroker(b)
		cfg := map[string]string{"num.standby.replicas": "1"}
		n1 := startNodeWith(b, br.Addr(), "1", true, cfg)
		n2 := startNodeWith(b, br.Addr(), "2", true, cfg)
		loadTotals(b, n1)
		waitSpread(b, n1, n2)
		b.Run("scan", func(b *testing.B) { benchPull(b, n1, scan, 20) })
		b.Run("lookup", func(b *testing.B) { benchPull(b, n1, lookup, 1) })
		n2.closeNode()
		// Node 2's partitions are answered from node 1's standby copy until
		// the group moves them (after the 10 s session timeout).
		b.Run("scan-owner-down", func(b *testing.B) {
			if len(activePartitions(n1.engine)) == 4 {
				b.Skip("the group moved node 2's partitions already")
			}
			benchPull(b, n1, scan, 20)
		})
	})
}

// loadTotals creates the totals table over 4 partitions and 200 orders.
func loadTotals(b *testing.B, n *testEnv) {
	n.exec(`CREATE STREAM orders (id VARCHAR KEY, district VARCHAR, amount INT) WITH (KAFKA_TOPIC='orders', PARTITIONS=4, VALUE_FORMAT='JSON')`)
	n.exec(`CREATE TABLE totals AS SELECT district, COUNT(*) AS n, SUM(amount) AS total FROM orders GROUP BY district`)
	var kvs []string
	for i := range 200 {
		kvs = append(kvs, fmt.Sprintf("o%d", i), fmt.Sprintf(`{"district":"d%02d","amount":%d}`, i%20, i%7))
	}
	n.produce("orders", kvs...)
	n.exec(`AWAIT IDLE`)
}

// waitSpread waits until both nodes run a share of the table's partitions
// and keep caught-up copies of the other's.
func waitSpread(b *testing.B, n1, n2 *testEnv) {
	qid := firstQuery(n1.engine)
	waitFor(b, 30*time.Second, func() string {
		r1, r2 := runningQuery(n1.engine, qid), runningQuery(n2.engine, qid)
		if r1 == nil || r2 == nil {
			return "query not running on both nodes"
		}
		a1, a2 := r1.ActivePartitions(), r2.ActivePartitions()
		var c1 []int32
		for _, s := range r1.StandbyPartitions() {
			if s.Lag == 0 {
				c1 = append(c1, s.Partition)
			}
		}
		if len(a1) == 0 || len(a2) == 0 || len(a1)+len(a2) != 4 || !slices.Equal(c1, a2) {
			return fmt.Sprintf("node 1 runs %v with copies %v, node 2 runs %v", a1, c1, a2)
		}
		return ""
	})
	n2.exec(`AWAIT IDLE`)
}

// benchPull runs sql b.N times on n, checking it returns rows rows.
func benchPull(b *testing.B, n *testEnv, sql string, rows int) {
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		got := n.exec(sql)
		lat = append(lat, time.Since(start))
		if len(got.rows) != rows {
			b.Fatalf("%s: %d rows, want %d", sql, len(got.rows), rows)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkRestoreFromChangelog measures how fast a node rebuilds a table
// from its changelog: a table of 50,000 keys over 4 partitions, the node
// restarted with its state directory wiped, timed until a pull query returns
// every row. records/s counts changelog records applied (one per key, after
// compaction or not: each key was written once).
//
//	go test ./engine -run '^$' -bench BenchmarkRestoreFromChangelog -benchtime 3x
func BenchmarkRestoreFromChangelog(b *testing.B) {
	const keys = 50_000
	dir := b.TempDir()
	env := startEnv(b, dir)
	env.exec(`CREATE STREAM events (id VARCHAR KEY, k VARCHAR, v INT) WITH (KAFKA_TOPIC='events', PARTITIONS=4, VALUE_FORMAT='JSON')`)
	env.exec(`CREATE TABLE per_k AS SELECT k, COUNT(*) AS n FROM events GROUP BY k`)
	for from := 0; from < keys; from += 5000 {
		var kvs []string
		for i := from; i < from+5000; i++ {
			kvs = append(kvs, fmt.Sprintf("e%d", i), fmt.Sprintf(`{"k":"k%06d","v":1}`, i))
		}
		env.produce("events", kvs...)
	}
	env.exec(`AWAIT IDLE TIMEOUT 120 SECONDS`)
	var total time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		env.stop()
		if err := os.RemoveAll(filepath.Join(dir, "state")); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		env = startEnv(b, dir)
		waitFor(b, 5*time.Minute, func() string {
			c := &collect{}
			if err := env.engine.NewSession(nil).Execute(context.Background(), `SELECT k FROM per_k`, nil, c); err != nil {
				return err.Error()
			}
			if len(c.rows) != keys {
				return fmt.Sprintf("per_k has %d rows, want %d", len(c.rows), keys)
			}
			return ""
		})
		total += time.Since(start)
	}
	b.ReportMetric(float64(keys)*float64(b.N)/total.Seconds(), "records/s")
}

// BenchmarkClusterFailover measures, for two nodes with one standby replica,
// the time from one node stopping (its static member stays in the group, as
// after kill -9) until the other runs all its partitions (detection by the
// session timeout, the move, the standby copies caught up) and a pull query
// is answered from active state alone.
//
//	go test ./engine -run '^$' -bench BenchmarkClusterFailover -benchtime 1x
func BenchmarkClusterFailover(b *testing.B) {
	var total time.Duration
	for range b.N {
		b.StopTimer()
		br := startBroker(b)
		cfg := map[string]string{"num.standby.replicas": "1"}
		n1 := startNodeWith(b, br.Addr(), "1", true, cfg)
		n2 := startNodeWith(b, br.Addr(), "2", true, cfg)
		loadTotals(b, n1)
		waitSpread(b, n1, n2)
		run := runningQuery(n1.engine, firstQuery(n1.engine))
		b.StartTimer()
		start := time.Now()
		n2.closeNode()
		waitFor(b, 2*time.Minute, func() string {
			if a := run.ActivePartitions(); len(a) != 4 || run.Restoring() {
				return fmt.Sprintf("node 1 runs %v", a)
			}
			return ""
		})
		if rows := n1.exec(`SELECT district FROM totals`).rows; len(rows) != 20 {
			b.Fatalf("after the failover: %d rows, want 20", len(rows))
		}
		total += time.Since(start)
		b.StopTimer()
		n1.closeNode()
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s-to-resume")
}
