package engine

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-db/sluice/kafkaio"
	"github.com/sluice-db/sluice/storage"
)

// joinNode starts another node of env's service on env's broker, with its own
// state directory and node id.
func (env *testEnv) joinNode(nodeID string) *testEnv {
	t := env.t
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("DEBUGLOG") != "" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("node", nodeID)
	}
	c, err := kafkaio.Connect([]string{env.broker.Addr()}, logger)
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
	e, err := Open(ctx, Config{ServiceID: "test", Cluster: c, Logger: logger, State: st, NodeID: nodeID,
		Defaults: map[string]string{"auto.offset.reset": "earliest"}})
	if err != nil {
		t.Fatal(err)
	}
	n := &testEnv{t: t, dir: dir, cluster: c, engine: e, state: st}
	t.Cleanup(func() {
		if n.engine != nil {
			n.engine.Close()
			st.Close()
			c.Close()
			n.engine = nil
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
