package sqltests

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluice-db/sluice/internal/testtool"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestConsoleInBrowser loads the web console in headless Chromium (driven by
// testdata/clients/console_check.js with the npm package playwright-core,
// both installed by scripts/install-test-deps.sh): a query created over psql
// is listed with its lag, and a push query run from the SQL editor shows its
// rows as they are produced, a source is listed with its columns, the
// query's EXPLAIN is drawn as a graph, the cluster view shows this node
// running the query's task, and the processing log streams the query's entry
// for a bad record. Screenshots go to the test's temporary
// directory, or to $SLUICE_CONSOLE_SCREENSHOTS to keep them.
func TestConsoleInBrowser(t *testing.T) {
	node, modules := testtool.Need(t, "node"), testtool.NodeModules(t, "playwright-core")
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	testtool.Need(t, chromium)
	dir := t.TempDir()
	srv := startServer(t, dir)
	// SLUICE_CONSOLE_SCREENSHOTS keeps the screenshots in a directory of one's
	// choosing (the temporary one is removed with the test).
	shots := dir
	if d := os.Getenv("SLUICE_CONSOLE_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		shots = d
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sess := connectPG(t, ctx, srv)
	defer sess.Close()
	runSQL(t, ctx, sess, `CREATE TABLE t (id VARCHAR PRIMARY KEY, name VARCHAR) WITH (KAFKA_TOPIC='t', VALUE_FORMAT='JSON', PARTITIONS=1);
CREATE STREAM s (id VARCHAR KEY, v INT) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON', PARTITIONS=1);
CREATE STREAM big AS SELECT id, v FROM s WHERE v > 10;`)
	res := runSQL(t, ctx, sess, `SHOW QUERIES;`)
	if len(res) != 1 || len(res[0].Rows) != 1 {
		t.Fatalf("SHOW QUERIES: %+v", res)
	}
	queryID := *res[0].Rows[0][0]

	cl, err := kgo.NewClient(kgo.SeedBrokers(srv.Addrs.Kafka), kgo.ProducerLinger(0))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	// A record the query cannot decode: an entry in the processing log.
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "s", Key: []byte("bad"), Value: []byte("not json")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	produceCtx, stopProducing := context.WithCancel(ctx)
	produced := make(chan struct{})
	go func() {
		defer close(produced)
		for i := 0; produceCtx.Err() == nil; i++ {
			rec := &kgo.Record{Topic: "s", Key: fmt.Appendf(nil, "%d", i), Value: fmt.Appendf(nil, `{"v":%d}`, i)}
			_ = cl.ProduceSync(produceCtx, rec).FirstErr()
			time.Sleep(200 * time.Millisecond)
		}
	}()
	cmd := exec.CommandContext(ctx, node, "testdata/clients/console_check.js", "http://"+srv.Addrs.HTTP, queryID, shots)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules, "CHROMIUM="+chromium)
	out, err := cmd.Output()
	stopProducing()
	<-produced
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("console check: %v\n%s%s\n%s", err, out, stderr, srv.LogTail())
	}
	var got struct {
		Lag, Rows int
		Entry     string
		Cluster   []struct {
			Node  string
			Self  bool
			Cells []string
		}
		Source struct{ Cells, Keys, Cols []string }
		Graph  struct {
			Ops, Texts []string
			Edges      int
			Width      float64
			Title      string
		}
		Join struct {
			Ops                                 []string
			Edges                               int
			SourcesSideBySide, JoinBelowSources bool
		}
	}
	if err := json.Unmarshal(out, &got); err != nil || got.Rows < 4 {
		t.Fatalf("console check printed %q (want the lag and at least 4 streamed rows)", out)
	}
	// The source row: name, type, topic, partitions, formats, then its columns
	// with the key column marked, as DESCRIBE gives them.
	if want := []string{"S", "STREAM", "s", "1", "KAFKA", "JSON"}; !slices.Equal(got.Source.Cells, want) {
		t.Errorf("source row %q, want %q", got.Source.Cells, want)
	}
	if want := []string{"ID STRING KEY", "V INTEGER"}; !slices.Equal(got.Source.Cols, want) || !slices.Equal(got.Source.Keys, want[:1]) {
		t.Errorf("source columns %q (keys %q), want %q with the first a key", got.Source.Cols, got.Source.Keys, want)
	}
	// The graph has a box per operator of the query's EXPLAIN tree and an edge
	// per input (a chain here: n boxes, n-1 edges).
	tree := runSQL(t, ctx, sess, `EXPLAIN `+queryID+`;`)
	var ops []string
	inTree := false // the tree follows the query id, its SQL and a blank line
	for _, r := range tree[0].Rows {
		if line := *r[0]; inTree {
			ops = append(ops, strings.Fields(line)[0])
		} else {
			inTree = line == ""
		}
	}
	if !slices.Equal(got.Graph.Ops, ops) || got.Graph.Edges != len(ops)-1 || got.Graph.Width == 0 || !strings.HasPrefix(got.Graph.Title, queryID) {
		t.Errorf("plan graph %+v, want the operators %q of EXPLAIN and %d edges", got.Graph, ops, len(ops)-1)
	}
	if !slices.ContainsFunc(got.Graph.Texts, func(s string) bool { return strings.Contains(s, "Filter") && strings.Contains(s, "V > 10") }) {
		t.Errorf("the plan graph has no Filter box with its predicate: %q", got.Graph.Texts)
	}
	// One node, this one, alive, running the query's one partition.
	if c := got.Cluster; len(c) != 1 || !c[0].Self || c[0].Node != "1" || len(c[0].Cells) < 7 || c[0].Cells[2] != "true" || c[0].Cells[6] != queryID+"[0]" {
		t.Errorf("cluster view %+v, want node 1, alive, running %s[0]", c, queryID)
	}
	if j := got.Join; j.Edges != len(j.Ops)-1 || !j.SourcesSideBySide || !j.JoinBelowSources {
		t.Errorf("join plan graph %+v: want an edge per input, the two sources side by side above the join", j)
	}
	// The entry names the failure and carries the record (base64 of "not json").
	if !strings.Contains(got.Entry, `"DESERIALIZATIONERROR":{"TARGET":"value"`) || !strings.Contains(got.Entry, "bm90IGpzb24=") {
		t.Errorf("processing-log row %q does not describe the bad record", got.Entry)
	}
	for _, shot := range []string{"queries.png", "sources.png", "plan.png", "plan-join.png", "push.png", "processing-log.png"} {
		if fi, err := os.Stat(filepath.Join(shots, shot)); err != nil || fi.Size() == 0 {
			t.Errorf("screenshot %s: %v", shot, err)
		}
	}
	t.Logf("console: %s listed with lag %d, %d push rows streamed; screenshots in %s", queryID, got.Lag, got.Rows, shots)
}
