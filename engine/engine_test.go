package engine

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/kafkaio"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/storage"
	"github.com/sluice-db/sluice/types"
)

// These tests run the engine in process against a real embedded broker persisted
// to a temporary directory; end-to-end tests over the wire live in sqltests/.

type testEnv struct {
	t       testing.TB
	dir     string
	broker  *kafkaio.Embedded
	cluster *kafkaio.Cluster
	engine  *Engine
	state   *storage.Store
	// closeNode stops a node started by startNode.
	closeNode func()
}

func startEnv(t testing.TB, dir string) *testEnv {
	t.Helper()
	return startEnvWith(t, dir, Config{})
}

// startEnvWith starts the engine with cfg's optional settings (the broker,
// cluster, state and defaults are the test's).
func startEnvWith(t testing.TB, dir string, cfg Config) *testEnv {
	t.Helper()
	b, err := kafkaio.StartEmbedded(dir, "127.0.0.1:0", kafkaio.EmbeddedConfig{})
	if err != nil {
		t.Fatal(err)
	}
	logger := testLogger(t, "")
	c, err := kafkaio.Connect([]string{b.Addr()}, logger)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := storage.Open(filepath.Join(dir, "state"), storage.Options{CacheBytes: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	cfg.ServiceID, cfg.Cluster, cfg.Logger, cfg.State = "test", c, logger, st
	if cfg.Defaults == nil {
		cfg.Defaults = map[string]string{"auto.offset.reset": "earliest"}
	}
	e, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	env := &testEnv{t: t, dir: dir, broker: b, cluster: c, engine: e, state: st}
	t.Cleanup(env.stop)
	return env
}

// testLogger is the server log of a node under test: kept in memory and
// printed when the test fails, so that a failure seen only in CI (timing under
// load) comes with what the node did. DEBUGLOG=1 prints it as it goes instead.
func testLogger(t testing.TB, nodeID string) *slog.Logger {
	if os.Getenv("DEBUGLOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("node", nodeID)
	}
	buf := &lockedBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log of node %q:\n%s", nodeID, buf.String())
		}
	})
	return slog.New(slog.NewTextHandler(buf, nil)).With("node", nodeID)
}

// lockedBuffer is a bytes.Buffer the engine's goroutines may write at once.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (env *testEnv) stop() {
	if env.engine == nil {
		return
	}
	env.engine.Close()
	env.state.Close()
	env.cluster.Close()
	env.broker.Close()
	env.engine = nil
}

// collect is a ResultWriter that keeps everything.
type collect struct {
	cols    []types.Column
	rows    [][]any
	tags    []string
	notices []string
}

func (c *collect) Columns(cols []types.Column) error { c.cols = cols; return nil }
func (c *collect) Row(vals []any) error {
	c.rows = append(c.rows, append([]any(nil), vals...))
	return nil
}
func (c *collect) Complete(tag string) error { c.tags = append(c.tags, tag); return nil }
func (c *collect) Notice(msg string) error   { c.notices = append(c.notices, msg); return nil }

func (env *testEnv) exec(sql string) *collect {
	env.t.Helper()
	c := &collect{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := env.engine.NewSession(nil).Execute(ctx, sql, nil, c); err != nil {
		env.t.Fatalf("%s: %v", sql, err)
	}
	return c
}

func (env *testEnv) produce(topic string, kvs ...string) {
	env.t.Helper()
	var recs []*kgo.Record
	for i := 0; i+1 < len(kvs); i += 2 {
		recs = append(recs, &kgo.Record{Topic: topic, Key: []byte(kvs[i]), Value: []byte(kvs[i+1])})
	}
	if err := env.cluster.Producer().ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		env.t.Fatal(err)
	}
}

// consume reads n records from topic's start and fails if they do not arrive.
func (env *testEnv) consume(topic string, n int) []string {
	env.t.Helper()
	cl, err := env.cluster.NewClient(kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		env.t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out []string
	for len(out) < n {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			env.t.Fatalf("got %d of %d records from %s: %v", len(out), n, topic, out)
		}
		fs.EachRecord(func(r *kgo.Record) { out = append(out, fmt.Sprintf("%s=%s", r.Key, r.Value)) })
	}
	return out
}

func TestCSASFilterProjectAndRestart(t *testing.T) {
	dir := t.TempDir()
	env := startEnv(t, dir)
	env.exec(`CREATE STREAM pv (user_id VARCHAR KEY, page VARCHAR, ms INT) WITH (kafka_topic='pv', value_format='JSON', partitions=1);`)
	env.exec(`CREATE STREAM slow AS SELECT user_id, UCASE(page) AS page, ms / 1000 AS secs FROM pv WHERE ms >= 1000;`)
	env.produce("pv", "a", `{"page":"home","ms":1500}`, "b", `{"page":"cart","ms":10}`, "c", `not json`, "d", `{"PAGE":"x","MS":2000}`)
	got := env.consume("SLOW", 2)
	want := []string{`a={"PAGE":"HOME","SECS":1}`, `d={"PAGE":"X","SECS":2}`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("sink = %q, want %q", got, want)
	}
	logRecs := env.consume("_sluice_test_processing_log", 1)
	if !strings.Contains(logRecs[0], `"TYPE":0,"DESERIALIZATIONERROR":{"TARGET":"value"`) {
		t.Fatalf("processing log entry %q does not name the failure", logRecs[0])
	}

	waitCounters(t, env, [3]int64{4, 2, 1})

	// A clean restart replays the catalog and resumes from committed offsets:
	// the old records are not written again, new ones flow, and the counters
	// go on from where they were.
	env.stop()
	env = startEnv(t, dir)
	show := env.exec(`SHOW QUERIES;`)
	if len(show.rows) != 1 || !strings.HasPrefix(show.rows[0][0].(string), "CSAS_SLOW_") {
		t.Fatalf("queries after restart: %v", show.rows)
	}
	if got := counters(env); got != [3]int64{4, 2, 1} {
		t.Errorf("counters after the restart (in, out, processing-log entries): %v, want those before it", got)
	}
	env.produce("pv", "e", `{"page":"faq","ms":3000}`)
	got = env.consume("SLOW", 3)
	if len(got) != 3 || got[2] != `e={"PAGE":"FAQ","SECS":3}` {
		t.Fatalf("sink after restart = %q", got)
	}
	waitCounters(t, env, [3]int64{5, 3, 1})
	ext := env.exec(`SHOW QUERIES EXTENDED;`)
	if r := ext.rows[0]; len(r) < 10 || fmt.Sprint(r[6:10]) != "[5 3 0 1]" {
		t.Errorf("SHOW QUERIES EXTENDED: %v, want 5 records read, 3 written, lag 0, 1 processing-log entry", r)
	}
}

// counters are the records in, records out and processing-log entries of the
// env's only query.
func counters(env *testEnv) [3]int64 {
	qs := env.engine.Queries()
	if len(qs) != 1 {
		return [3]int64{-1, -1, -1}
	}
	return [3]int64{qs[0].RecordsIn, qs[0].RecordsOut, qs[0].ProcessingLogEntries}
}

// waitCounters waits for the env's only query to have committed the batches
// that bring its counters to want.
func waitCounters(t *testing.T, env *testEnv, want [3]int64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for counters(env) != want {
		if time.Now().After(deadline) {
			t.Fatalf("counters (in, out, processing-log entries) %v, want %v", counters(env), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestDDLErrors(t *testing.T) {
	env := startEnv(t, t.TempDir())
	env.exec(`CREATE STREAM s (id INT KEY, v VARCHAR) WITH (kafka_topic='s', value_format='JSON', partitions=1);`)
	env.exec(`CREATE STREAM d AS SELECT * FROM s;`)
	for _, tc := range []struct{ sql, code, msg string }{
		{`CREATE STREAM s (id INT KEY) WITH (kafka_topic='s', value_format='JSON');`, sqlerr.DuplicateTable, "already exists"},
		{`CREATE STREAM t (id INT KEY) WITH (kafka_topic='nope', value_format='JSON');`, sqlerr.UndefinedObject, "PARTITIONS"},
		{`DROP STREAM s;`, sqlerr.ObjectInUse, "CSAS_D_"},
		{`SELECT x FROM s EMIT CHANGES;`, sqlerr.UndefinedColumn, "X"},
		{`SELECT * FROM nope EMIT CHANGES;`, sqlerr.UndefinedTable, "NOPE"},
		{`TERMINATE no_such_query;`, sqlerr.UndefinedObject, "Unknown queryId"},
	} {
		err := env.engine.NewSession(nil).Execute(context.Background(), tc.sql, nil, &collect{})
		if err == nil {
			t.Errorf("%s: no error", tc.sql)
			continue
		}
		e := sqlerr.As(err)
		if e.Code != tc.code || !strings.Contains(e.Message, tc.msg) {
			t.Errorf("%s: got %s %q, want %s containing %q", tc.sql, e.Code, e.Message, tc.code, tc.msg)
		}
	}
	// DROP of a CSAS sink terminates its query; then the source can go.
	env.exec(`DROP STREAM d;`)
	env.exec(`DROP STREAM s DELETE TOPIC;`)
	if n := len(env.exec(`SHOW STREAMS;`).rows); n != 1 { // the processing log stays
		t.Fatalf("streams left: %d", n)
	}
}

// TestLatestStartsAtTheStatement: a query reading from the latest offsets reads
// what is written after its statement returned, however soon, and nothing before.
func TestLatestStartsAtTheStatement(t *testing.T) {
	env := startEnvWith(t, t.TempDir(), Config{Defaults: map[string]string{"auto.offset.reset": "latest"}})
	env.exec(`CREATE STREAM s (k VARCHAR KEY, v INT) WITH (kafka_topic='s', value_format='JSON', partitions=2);`)
	env.produce("s", "a", `{"v":1}`, "b", `{"v":1}`)
	env.exec(`CREATE TABLE counts AS SELECT k, COUNT(*) AS n FROM s GROUP BY k;`)
	env.exec(`CREATE STREAM copy AS SELECT k, v FROM s;`)
	env.produce("s", "a", `{"v":2}`, "a", `{"v":3}`, "b", `{"v":4}`)
	env.exec(`AWAIT IDLE TIMEOUT 20 SECONDS;`)
	got := env.pull(`SELECT k, n FROM counts;`)
	sort.Strings(got)
	if strings.Join(got, " ") != "a|2 b|1" {
		t.Fatalf("counts %q, want a|2 b|1 (the three records after the statement)", got)
	}
	if got := env.consume("COPY", 3); len(got) != 3 {
		t.Fatalf("copy: %q", got)
	}
}
