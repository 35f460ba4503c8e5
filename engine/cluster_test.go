package engine

import (
	"context"
	"fmt"
	"maps"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-db/sluice/exec"
	"github.com/sluice-db/sluice/kafkaio"
	"github.com/sluice-db/sluice/nodes"
	"github.com/sluice-db/sluice/storage"
)

// startBroker starts an embedded broker on its own, for nodes started with
// startNode; it stops at the end of the test.
func startBroker(t testing.TB) *kafkaio.Embedded {
	t.Helper()
	b, err := kafkaio.StartEmbedded(t.TempDir(), "127.0.0.1:0", kafkaio.EmbeddedConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// joinNode starts another node of env's service on env's broker, with its own
// state directory and node id.
func (env *testEnv) joinNode(nodeID string) *testEnv {
	return startNode(env.t, env.broker.Addr(), nodeID, false)
}

// startNode starts a node of service "test" on the broker at addr. With
// peers, it announces itself on the nodes topic and serves its state to the
// other nodes over HTTP on loopback, as cmd/sluice does.
func startNode(t testing.TB, addr, nodeID string, peers bool) *testEnv {
	t.Helper()
	return startNodeWith(t, addr, nodeID, peers, nil)
}

// startNodeWith is startNode with server settings (--config) beyond the
// test's defaults.
func startNodeWith(t testing.TB, addr, nodeID string, peers bool, config map[string]string) *testEnv {
	t.Helper()
	logger := testLogger(t, nodeID)
	c, err := kafkaio.Connect([]string{addr}, logger)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "node-"+nodeID)
	st, err := storage.Open(filepath.Join(dir, "state"), storage.Options{CacheBytes: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg := Config{ServiceID: "test", Cluster: c, Logger: logger, State: st, NodeID: nodeID,
		Defaults: map[string]string{"auto.offset.reset": "earliest"}}
	maps.Copy(cfg.Defaults, config)
	var (
		reg *nodes.Registry
		srv *http.Server
	)
	if peers {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		reg, err = nodes.Start(ctx, c, "_sluice_test_nodes", nodes.Node{ID: nodeID, Addr: ln.Addr().String()}, nodes.Options{Interval: 200 * time.Millisecond}, logger)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Nodes, cfg.Peers = reg, nodes.NewClient(5*time.Second)
		mux := http.NewServeMux()
		srv = &http.Server{Handler: mux}
		defer func() { go srv.Serve(ln) }()
		e, err := Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		mux.Handle(nodes.RowsPath, nodes.Handler(e.LocalRows))
		return registerNode(t, &testEnv{t: t, dir: dir, cluster: c, engine: e, state: st}, reg, srv)
	}
	e, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return registerNode(t, &testEnv{t: t, dir: dir, cluster: c, engine: e, state: st}, nil, nil)
}

// registerNode stops n at the end of the test (unless the test did).
func registerNode(t testing.TB, n *testEnv, reg *nodes.Registry, srv *http.Server) *testEnv {
	n.closeNode = func() {
		if reg != nil {
			reg.Close()
			srv.Close()
		}
		n.engine.Close()
		n.state.Close()
		n.cluster.Close()
		n.engine = nil
	}
	t.Cleanup(func() {
		if n.engine != nil {
			n.closeNode()
		}
	})
	return n
}

// catalogNames lists the node's sources and queries, for comparing nodes.
func catalogNames(e *Engine) string {
	var names []string
	for _, s := range e.catalog.Sources() {
		names = append(names, "source "+s.Name)
	}
	for _, q := range e.catalog.Queries() {
		names = append(names, "query "+q.ID)
	}
	slices.Sort(names)
	return strings.Join(names, "\n")
}

// waitSameCatalog waits until every node has the same catalog and returns it.
func waitSameCatalog(t *testing.T, nodes ...*testEnv) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		first := catalogNames(nodes[0].engine)
		same := true
		for _, n := range nodes[1:] {
			if catalogNames(n.engine) != first {
				same = false
			}
		}
		if same {
			return first
		}
		if time.Now().After(deadline) {
			var b strings.Builder
			for i, n := range nodes {
				fmt.Fprintf(&b, "node %d:\n%s\n", i, catalogNames(n.engine))
			}
			t.Fatalf("the nodes' catalogs differ:\n%s", b.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A statement run on any node reaches every node, also one started after the
// statement's source was created, and a persistent query started on one node
// runs on the other too (it joins the query's consumer group).
func TestClusterStatementsReachEveryNode(t *testing.T) {
	a := startEnv(t, t.TempDir())
	a.exec(`CREATE STREAM orders (id VARCHAR KEY, district VARCHAR, amount INT) WITH (KAFKA_TOPIC='orders', PARTITIONS=4, VALUE_FORMAT='JSON')`)
	b := a.joinNode("2")
	a.exec(`CREATE STREAM big AS SELECT id, district, amount FROM orders WHERE amount > 10`)
	b.exec(`CREATE TABLE totals AS SELECT district, COUNT(*) AS n FROM orders GROUP BY district`)
	got := waitSameCatalog(t, a, b)
	for _, want := range []string{"source BIG", "source TOTALS", "source ORDERS"} {
		if !strings.Contains(got, want) {
			t.Errorf("catalog lacks %s:\n%s", want, got)
		}
	}
	// The statement's own node and the other one applied it at the same
	// offset, so the query ids agree.
	if !strings.Contains(got, "query CSAS_BIG_") || !strings.Contains(got, "query CTAS_TOTALS_") {
		t.Errorf("queries missing:\n%s", got)
	}
	b.exec(`DROP STREAM big`)
	got = waitSameCatalog(t, a, b)
	if strings.Contains(got, "BIG") {
		t.Errorf("BIG still in the catalog after DROP on node 2:\n%s", got)
	}
	// A node started later replays everything, the DROP included.
	c := a.joinNode("3")
	if got3 := catalogNames(c.engine); got3 != got {
		t.Errorf("a node started later has\n%s\nwant\n%s", got3, got)
	}
}

// Two nodes running conflicting statements at the same moment: each statement
// is validated against a catalog that has every statement before it, so
// exactly one of two CREATEs of the same name succeeds, and the nodes agree.
func TestClusterConflictingStatementsSerialize(t *testing.T) {
	a := startEnv(t, t.TempDir())
	b := a.joinNode("2")
	nodes := []*testEnv{a, b}
	for round := range 5 {
		name := fmt.Sprintf("s%d", round)
		var (
			wg   sync.WaitGroup
			errs [2]error
		)
		for i, n := range nodes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				sql := fmt.Sprintf(`CREATE STREAM %s (id VARCHAR KEY, v INT) WITH (KAFKA_TOPIC='%s_%d', PARTITIONS=1, VALUE_FORMAT='JSON')`, name, name, i)
				errs[i] = n.engine.NewSession(nil).Execute(ctx, sql, nil, &collect{})
			}()
		}
		wg.Wait()
		ok := 0
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
			case !strings.Contains(err.Error(), "already exists"):
				t.Errorf("round %d, node %d: %v", round, i+1, err)
			}
		}
		if ok != 1 {
			t.Errorf("round %d: %d of 2 conflicting CREATEs succeeded (%v), want exactly 1", round, ok, errs)
		}
	}
	got := waitSameCatalog(t, a, b)
	for round := range 5 {
		if !strings.Contains(got, fmt.Sprintf("source S%d", round)) {
			t.Errorf("S%d missing:\n%s", round, got)
		}
	}
}

// A table whose tasks are spread over two nodes answers pull queries on either
// node with every partition's rows: scans, key lookups and aggregates over the
// scan, equal to the ledger of the input.
func TestClusterPullQueriesSeeEveryPartition(t *testing.T) {
	b := startBroker(t)
	n1 := startNode(t, b.Addr(), "1", true)
	n2 := startNode(t, b.Addr(), "2", true)
	n1.exec(`CREATE STREAM orders (id VARCHAR KEY, district VARCHAR, amount INT) WITH (KAFKA_TOPIC='orders', PARTITIONS=4, VALUE_FORMAT='JSON')`)
	n1.exec(`CREATE TABLE totals AS SELECT district, COUNT(*) AS n, SUM(amount) AS total FROM orders GROUP BY district`)
	want := map[string][2]int64{}
	var kvs []string
	for i := range 200 {
		d := fmt.Sprintf("d%02d", i%20)
		amount := int64(i % 7)
		w := want[d]
		want[d] = [2]int64{w[0] + 1, w[1] + amount}
		kvs = append(kvs, fmt.Sprintf("o%d", i), fmt.Sprintf(`{"district":%q,"amount":%d}`, d, amount))
	}
	n1.produce("orders", kvs...)
	nodes := []*testEnv{n1, n2}
	// Both nodes run a share of the query's tasks.
	deadline := time.Now().Add(30 * time.Second)
	for {
		p1, p2 := activePartitions(n1.engine), activePartitions(n2.engine)
		if len(p1) > 0 && len(p2) > 0 && len(p1)+len(p2) == 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("tasks not spread over both nodes: node 1 %v, node 2 %v", p1, p2)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, n := range nodes {
		n.exec(`AWAIT IDLE`)
	}
	for i, n := range nodes {
		got := map[string][2]int64{}
		for _, r := range n.exec(`SELECT district, n, total FROM totals`).rows {
			got[r[0].(string)] = [2]int64{asInt(r[1]), asInt(r[2])}
		}
		if !maps.Equal(got, want) {
			t.Errorf("node %d scan: got %v, want %v", i+1, got, want)
		}
		for d, w := range want {
			rows := n.exec(fmt.Sprintf(`SELECT n, total FROM totals WHERE district = '%s'`, d)).rows
			if len(rows) != 1 || asInt(rows[0][0]) != w[0] || asInt(rows[0][1]) != w[1] {
				t.Errorf("node %d lookup %s: got %v, want %v", i+1, d, rows, w)
			}
		}
		// ORDER BY and LIMIT apply after the merge of both nodes' rows.
		rows := n.exec(`SELECT district FROM totals ORDER BY district DESC LIMIT 3`).rows
		if fmt.Sprint(rows) != "[[d19] [d18] [d17]]" {
			t.Errorf("node %d: ORDER BY ... LIMIT 3 over the merge = %v, want d19, d18, d17", i+1, rows)
		}
		cl := n.exec(`SHOW CLUSTER`).rows
		if len(cl) != 2 {
			t.Errorf("node %d: SHOW CLUSTER lists %d nodes, want 2: %v", i+1, len(cl), cl)
		}
		for _, r := range cl {
			if r[2] != true || !strings.Contains(r[6].(string), "CTAS_TOTALS_") {
				t.Errorf("node %d: SHOW CLUSTER row %v: want alive, running a share of CTAS_TOTALS", i+1, r)
			}
		}
	}
}

// runningQuery returns the node's running query id.
func runningQuery(e *Engine, id string) *exec.PersistentQuery {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.running[id]
}

// activePartitions are the partitions e runs of its (only) query: none while the
// node has not applied the statement yet (the test ran it on another node).
func activePartitions(e *Engine) []int32 {
	if q := runningQuery(e, firstQuery(e)); q != nil {
		return q.ActivePartitions()
	}
	return nil
}

func firstQuery(e *Engine) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	for id := range e.running {
		return id
	}
	return ""
}

func asInt(v any) int64 {
	switch v := v.(type) {
	case int32:
		return int64(v)
	case int64:
		return v
	}
	return -1
}
