package engine

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestStandbyNodes(t *testing.T) {
	live := []string{"3", "1", "2", "4"}
	for _, tc := range []struct {
		owner string
		n     int
		want  string
	}{
		{"1", 1, "[2]"},
		{"2", 2, "[3 4]"},
		{"4", 2, "[1 2]"},   // wraps around
		{"0", 1, "[1]"},     // an owner that is not live keeps its place
		{"25", 1, "[3]"},    // ids in string order: "25" sorts between "2" and "3"
		{"1", 9, "[2 3 4]"}, // never more than the other live nodes
		{"1", 0, "[]"},
	} {
		if got := fmt.Sprint(standbyNodes(tc.owner, live, tc.n)); got != tc.want {
			t.Errorf("standbyNodes(%s, %v, %d) = %s, want %s", tc.owner, live, tc.n, got, tc.want)
		}
	}
}

// With num.standby.replicas=1 on two nodes, each keeps a copy of the other's
// partitions. When one node stops (its static member stays in the group
// until the session timeout, so its partitions are not moved yet), pull
// queries on the other are answered from the copy; when the group moves the
// partitions, the copy is caught up and becomes the active state: later
// records count on top of it, nothing twice.
func TestClusterStandbyServesWhileOwnerIsDown(t *testing.T) {
	b := startBroker(t)
	cfg := map[string]string{"num.standby.replicas": "1"}
	n1 := startNodeWith(t, b.Addr(), "1", true, cfg)
	n2 := startNodeWith(t, b.Addr(), "2", true, cfg)
	n1.exec(`CREATE STREAM orders (id VARCHAR KEY, district VARCHAR, amount INT) WITH (KAFKA_TOPIC='orders', PARTITIONS=4, VALUE_FORMAT='JSON')`)
	n1.exec(`CREATE TABLE totals AS SELECT district, COUNT(*) AS n, SUM(amount) AS total FROM orders GROUP BY district`)
	want := map[string][2]int64{}
	produce := func(from, to int) {
		var kvs []string
		for i := from; i < to; i++ {
			d := fmt.Sprintf("d%02d", i%20)
			amount := int64(i % 7)
			w := want[d]
			want[d] = [2]int64{w[0] + 1, w[1] + amount}
			kvs = append(kvs, fmt.Sprintf("o%d", i), fmt.Sprintf(`{"district":%q,"amount":%d}`, d, amount))
		}
		n1.produce("orders", kvs...)
	}
	produce(0, 200)
	qid := firstQuery(n1.engine)
	waitFor(t, 15*time.Second, func() string {
		if runningQuery(n2.engine, qid) == nil {
			return "node 2 does not run " + qid
		}
		return ""
	})
	run1, run2 := runningQuery(n1.engine, qid), runningQuery(n2.engine, qid)
	// Each node runs a share and keeps a caught-up copy of the other's.
	waitFor(t, 30*time.Second, func() string {
		a1, a2 := run1.ActivePartitions(), run2.ActivePartitions()
		s1, s2 := run1.StandbyPartitions(), run2.StandbyPartitions()
		var c1, c2 []int32
		for _, s := range s1 {
			if s.Lag == 0 {
				c1 = append(c1, s.Partition)
			}
		}
		for _, s := range s2 {
			if s.Lag == 0 {
				c2 = append(c2, s.Partition)
			}
		}
		if len(a1) == 0 || len(a2) == 0 || !slices.Equal(a1, c2) || !slices.Equal(a2, c1) {
			return fmt.Sprintf("node 1 active %v standby %v, node 2 active %v standby %v", a1, s1, a2, s2)
		}
		return ""
	})
	n1.exec(`AWAIT IDLE`)
	n2.exec(`AWAIT IDLE`)
	waitFor(t, 10*time.Second, func() string {
		for _, s := range run1.StandbyPartitions() {
			if s.Lag != 0 {
				return fmt.Sprintf("node 1's copy of partition %d is %d behind", s.Partition, s.Lag)
			}
		}
		return ""
	})
	cl := n1.exec(`SHOW CLUSTER`).rows
	if !strings.Contains(fmt.Sprint(cl), "CTAS_TOTALS_") || len(cl) != 2 || cl[0][7] == "" || cl[1][7] == "" {
		t.Errorf("SHOW CLUSTER does not list both nodes' standby tasks: %v", cl)
	}
	owned2 := run2.ActivePartitions()

	n2.closeNode()
	checkTotals(t, n1, want, "from the standby copy while node 2 is down")

	// A bound the copy meets still answers; a lag bound is checked by the
	// copy's node (here the only one keeping it).
	n1.exec(`SET 'ksql.query.pull.max.allowed.offset.lag'='0'`)
	checkTotals(t, n1, want, "with max.allowed.offset.lag 0")

	produce(200, 300)
	waitFor(t, 60*time.Second, func() string {
		if a := run1.ActivePartitions(); len(a) != 4 {
			return fmt.Sprintf("node 1 runs %v; node 2's %v not moved yet", a, owned2)
		}
		return ""
	})
	n1.exec(`AWAIT IDLE`)
	checkTotals(t, n1, want, "after node 1 took over node 2's partitions")
}

func checkTotals(t *testing.T, n *testEnv, want map[string][2]int64, when string) {
	t.Helper()
	got := map[string][2]int64{}
	for _, r := range n.exec(`SELECT district, n, total FROM totals`).rows {
		got[r[0].(string)] = [2]int64{asInt(r[1]), asInt(r[2])}
	}
	if !maps.Equal(got, want) {
		t.Errorf("scan %s: got %v, want %v", when, got, want)
	}
	for _, d := range []string{"d00", "d07", "d13", "d19"} {
		rows := n.exec(fmt.Sprintf(`SELECT n, total FROM totals WHERE district = '%s'`, d)).rows
		if w := want[d]; len(rows) != 1 || asInt(rows[0][0]) != w[0] || asInt(rows[0][1]) != w[1] {
			t.Errorf("lookup %s %s: got %v, want %v", d, when, rows, w)
		}
	}
}

// waitFor polls cond (which says what is not so yet, or "") until it holds.
func waitFor(t testing.TB, d time.Duration, cond func() string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		msg := cond()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
