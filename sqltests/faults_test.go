package sqltests

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluice-db/sluice/sqltests/harness"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestListenerSurvivesDescriptorExhaustion runs the server with a small
// open-file limit, holds more connections than it has descriptors for (its
// accept fails with EMFILE), lets them go, and checks that the Postgres
// listener serves again: it must back off and retry, not stop for good.
func TestListenerSurvivesDescriptorExhaustion(t *testing.T) {
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Skip("prlimit (util-linux) is not installed: it sets the server's open-file limit")
	}
	bin := sluiceBinary(t)
	dir := t.TempDir()
	srv, err := harness.Start(harness.Config{Binary: bin, DataDir: filepath.Join(dir, "data"), LogPath: filepath.Join(dir, "sluice.log"),
		Wrapper: []string{prlimit, "--nofile=512"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Kill() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var held []net.Conn
	for range 700 {
		c, err := net.DialTimeout("tcp", srv.Addrs.PG, 5*time.Second)
		if err != nil {
			break // the kernel's backlog is full too
		}
		held = append(held, c)
	}
	waitForLog(t, srv, "accept failed; retrying", 20*time.Second)
	for _, c := range held {
		c.Close()
	}
	sess, err := harness.Connect(ctx, srv.Addrs.PG)
	if err != nil {
		t.Fatalf("connect after the descriptors were freed: %v\n%s", err, srv.LogTail())
	}
	defer sess.Close()
	res := runSQL(t, ctx, sess, `SHOW STREAMS;`)
	if len(res) != 1 || len(res[0].Rows) == 0 {
		t.Errorf("SHOW STREAMS after the exhaustion: %+v", res)
	}
	if srv.Exited() {
		t.Fatalf("the server exited:\n%s", srv.LogTail())
	}
}

// waitForLog waits until the server's log has a line containing text.
func waitForLog(t *testing.T, srv *harness.Server, text string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !strings.Contains(srv.LogTail(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the server's log within %s:\n%s", text, d, srv.LogTail())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestQueriesRideOutBrokerOutage kills a standalone broker with SIGKILL while
// a load is produced and an aggregation (through a repartition topic) works
// through it, brings it back on the same address 30 s later, and checks that
// the query recovers by itself: RUNNING again, and every acknowledged record
// counted once. It logs how long after the broker's return every record was
// counted.
func TestQueriesRideOutBrokerOutage(t *testing.T) {
	bin := sluiceBinary(t)
	dir := t.TempDir()
	brokerDir := filepath.Join(dir, "broker")
	kafkaAddr, killBroker := startBrokerAt(t, bin, brokerDir, "127.0.0.1:0")
	_, srv := startNode(t, bin, dir, kafkaAddr, "--config", "ksql.query.retry.backoff.initial.ms=3000")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	sess := connectPG(t, ctx, srv)
	defer sess.Close()
	runSQL(t, ctx, sess, `CREATE STREAM events (id VARCHAR KEY, k VARCHAR) WITH (KAFKA_TOPIC='events', VALUE_FORMAT='JSON', PARTITIONS=4);
SET 'auto.offset.reset'='earliest';
SET 'cache.max.bytes.buffering'='0';
CREATE TABLE per_k AS SELECT k, COUNT(*) AS c FROM events GROUP BY k;`)

	cl, err := kgo.NewClient(kgo.SeedBrokers(kafkaAddr), kgo.ProducerLinger(0))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var (
		mu    sync.Mutex
		acked = map[string]int{}
		fails int
	)
	produce := func(from, to int) {
		for i := from; i < to; i++ {
			k := fmt.Sprintf("k%d", i%5)
			cl.Produce(ctx, &kgo.Record{Topic: "events", Key: []byte(fmt.Sprintf("e%d", i)), Value: []byte(`{"k":"` + k + `"}`)},
				func(_ *kgo.Record, err error) {
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						fails++
						return
					}
					acked[k]++
				})
			if i%50 == 0 {
				time.Sleep(20 * time.Millisecond) // a load spread over time, not one burst
			}
		}
	}
	// /healthz is watched through the outage: a failed query must show there.
	var unhealthy atomic.Bool
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go func() {
		for watchCtx.Err() == nil {
			if code, body := httpStatus(watchCtx, "http://"+srv.Addrs.HTTP+"/healthz"); code == http.StatusServiceUnavailable && strings.Contains(body, "PER_K") {
				unhealthy.Store(true)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	produced := make(chan struct{})
	go func() { defer close(produced); produce(0, 3000) }()
	time.Sleep(400 * time.Millisecond) // the query is in the middle of the load
	killBroker()
	time.Sleep(30 * time.Second)
	if _, restart := startBrokerAt(t, bin, brokerDir, kafkaAddr); restart == nil {
		t.Fatal("broker did not come back")
	}
	back := time.Now()
	<-produced
	if err := cl.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sess.Reconnect(ctx, srv.Addrs.PG); err != nil {
		t.Fatal(err)
	}
	if _, err := sess.Run(ctx, `AWAIT IDLE TIMEOUT 90 SECONDS;`); err != nil {
		t.Fatalf("AWAIT IDLE after the outage: %v\n%s", err, srv.LogTail())
	}
	t.Logf("every acknowledged record was counted %.1f s after the broker came back", time.Since(back).Seconds())
	res := runSQL(t, ctx, sess, `SELECT k, c FROM per_k;`)
	mu.Lock()
	defer mu.Unlock()
	got := map[string]string{}
	for _, row := range res[0].Rows {
		got[*row[0]] = *row[1]
	}
	// The aggregation must count what the topic holds, each record once. The
	// topic holds every acknowledged record, and may hold a record twice: the
	// producer resends what the dead broker never answered, and the restarted
	// broker does not remember the producer's sequence numbers.
	inTopic, ids := readEvents(t, ctx, kafkaAddr)
	total := 0
	for k, n := range acked {
		total += n
		if ids[k] < n {
			t.Errorf("%s: the topic holds %d distinct records, fewer than the %d acknowledged", k, ids[k], n)
		}
	}
	for k, n := range inTopic {
		if got[k] != fmt.Sprint(n) {
			t.Errorf("%s: count %s, want the %d records the topic holds", k, got[k], n)
		}
	}
	t.Logf("%d records acknowledged, %d failed to produce; the topic holds %v (distinct %v); counts %v; the node's log:\n%s",
		total, fails, inTopic, ids, got, grepLog(filepath.Join(dir, "node.log"), "query failed", "started again"))
	stopWatch()
	if strings.Contains(grepLog(filepath.Join(dir, "node.log"), "query failed"), "query failed") && !unhealthy.Load() {
		t.Error("the query failed during the outage, but /healthz never said so")
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, body := httpStatus(ctx, "http://"+srv.Addrs.HTTP+path); code != http.StatusOK {
			t.Errorf("%s after the recovery: %d %s", path, code, body)
		}
	}
	res = runSQL(t, ctx, sess, `SHOW QUERIES;`)
	for _, row := range res[0].Rows {
		if state := *row[2]; state != "RUNNING" {
			t.Errorf("query %s is %s after the outage", *row[0], state)
		}
	}
}

// TestHostileStatements sends a generated family of statements with every
// numeric setting at its type's limits (partitions, replicas, window sizes
// and advances, join windows, string and series lengths, LIMIT, integer
// arithmetic) to one server. Each must come back within 30 s, accepted or
// refused with a SQLSTATE; the server must stay up, answer afterwards, and
// keep its memory bounded (the peak is logged).
func TestHostileStatements(t *testing.T) {
	bin := sluiceBinary(t)
	dir := t.TempDir()
	srv, err := harness.Start(harness.Config{Binary: bin, DataDir: filepath.Join(dir, "data"), LogPath: filepath.Join(dir, "sluice.log")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Kill() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	sess := connectPG(t, ctx, srv)
	defer sess.Close()
	runSQL(t, ctx, sess, `CREATE STREAM s (id INT KEY, v INT) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON', PARTITIONS=1);
CREATE TABLE tb (id INT PRIMARY KEY, v INT) WITH (KAFKA_TOPIC='tb', VALUE_FORMAT='JSON', PARTITIONS=1);
INSERT INTO s (id, v) VALUES (1, 1);
SET 'auto.offset.reset'='earliest';`)
	limits := []string{"0", "1", "-1", "2147483647", "2147483648", "-2147483648", "9223372036854775807", "-9223372036854775808", "99999999999999999999999"}
	templates := []string{
		`CREATE STREAM p%[2]d (id INT KEY) WITH (KAFKA_TOPIC='p%[2]d', VALUE_FORMAT='JSON', PARTITIONS=%[1]s);`,
		`CREATE STREAM r%[2]d (id INT KEY) WITH (KAFKA_TOPIC='r%[2]d', VALUE_FORMAT='JSON', PARTITIONS=1, REPLICAS=%[1]s);`,
		`CREATE TABLE tw%[2]d AS SELECT id, COUNT(*) AS n FROM s WINDOW TUMBLING (SIZE %[1]s DAYS) GROUP BY id;`,
		`CREATE TABLE th%[2]d AS SELECT id, COUNT(*) AS n FROM s WINDOW HOPPING (SIZE 1 DAY, ADVANCE BY %[1]s MILLISECONDS) GROUP BY id;`,
		`CREATE TABLE ts%[2]d AS SELECT id, COUNT(*) AS n FROM s WINDOW SESSION (%[1]s SECONDS) GROUP BY id;`,
		`CREATE TABLE tg%[2]d AS SELECT id, COUNT(*) AS n FROM s WINDOW TUMBLING (SIZE 1 SECOND, GRACE PERIOD %[1]s DAYS) GROUP BY id;`,
		`CREATE STREAM j%[2]d AS SELECT a.id, a.v FROM s a JOIN s b WITHIN %[1]s DAYS ON a.id = b.id;`,
		`SELECT LPAD('x', %[1]s, 'y') FROM s EMIT CHANGES LIMIT 1;`,
		`SELECT EXPLODE(GENERATE_SERIES(1, %[1]s)) FROM s EMIT CHANGES LIMIT 1;`,
		`SELECT id FROM s EMIT CHANGES LIMIT %[1]s;`,
		`SELECT v * %[1]s, v + %[1]s FROM s EMIT CHANGES LIMIT 1;`,
		`SELECT lpad('x', %[1]s, 'y');`,
		`SELECT repeat('ab', %[1]s);`,
		`SELECT count(*) FROM generate_series(1, %[1]s);`,
		`SELECT %[1]s * 2, %[1]s + 1, -%[1]s;`,
	}
	n := 0
	for _, tmpl := range templates {
		for _, v := range limits {
			n++
			sql := fmt.Sprintf(tmpl, v, n)
			if strings.Contains(tmpl, "EMIT CHANGES") {
				// A push query waits for rows that may never come (a huge LIMIT,
				// an EXPLODE of a refused series): cut it at 1 s, then check the
				// server still answers.
				sctx, scancel := context.WithTimeout(ctx, time.Second)
				_, _ = sess.Run(sctx, sql)
				scancel()
				if err := sess.Reconnect(ctx, srv.Addrs.PG); err != nil {
					t.Fatalf("reconnect after %s: %v", sql, err)
				}
				continue
			}
			sctx, scancel := context.WithTimeout(ctx, 30*time.Second)
			_, err := sess.Run(sctx, sql)
			scancel()
			if err != nil {
				var se *harness.Error
				if !errors.As(err, &se) || se.Code == "" {
					t.Fatalf("%s: %v (want a result or a SQL error)\n%s", sql, err, srv.LogTail())
				}
			}
			if srv.Exited() {
				t.Fatalf("the server exited after %s:\n%s", sql, srv.LogTail())
			}
		}
	}
	res := runSQL(t, ctx, sess, `SHOW STREAMS;`)
	if len(res) != 1 || len(res[0].Rows) == 0 {
		t.Fatalf("SHOW STREAMS after the hostile statements: %+v", res)
	}
	peak := srv.PeakRSS()
	t.Logf("%d statements; server peak RSS %d MB", n, peak>>20)
	if peak > 3<<30 {
		t.Errorf("peak RSS %d MB: a statement was not bounded", peak>>20)
	}
	// The catalog the statements left must load again.
	if err := srv.Stop(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	srv, err = harness.Start(harness.Config{Binary: bin, DataDir: filepath.Join(dir, "data"), LogPath: filepath.Join(dir, "sluice.log")})
	if err != nil {
		t.Fatalf("restart after the hostile statements: %v", err)
	}
	t.Cleanup(func() { _ = srv.Kill() })
	sess2 := connectPG(t, ctx, srv)
	defer sess2.Close()
	runSQL(t, ctx, sess2, `SHOW STREAMS;`)
}

// httpStatus GETs url and returns the status code and body (0 on failure).
func httpStatus(ctx context.Context, url string) (int, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err.Error()
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestBadRecordsAreLogged runs the binary with 10,000 records that are not
// JSON, a record of 5 MB and a GROUP BY key of 1 MB (compressed on the wire,
// so the broker takes them) among good records. Each bad one gets a bounded
// processing-log entry, the queries stay RUNNING, every good record counts,
// and the node's memory stays bounded.
func TestBadRecordsAreLogged(t *testing.T) {
	srv := startServer(t, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	sess := connectPG(t, ctx, srv)
	defer sess.Close()
	runSQL(t, ctx, sess, `CREATE STREAM orders (id VARCHAR KEY, district VARCHAR, note VARCHAR) WITH (KAFKA_TOPIC='orders', VALUE_FORMAT='JSON', PARTITIONS=2);
SET 'auto.offset.reset'='earliest';
CREATE TABLE per_district AS SELECT district, COUNT(*) AS n FROM orders GROUP BY district;
CREATE STREAM copies AS SELECT * FROM orders;`)

	cl, err := kgo.NewClient(kgo.SeedBrokers(srv.Addrs.Kafka), kgo.ProducerBatchMaxBytes(16<<20),
		kgo.ProducerBatchCompression(kgo.GzipCompression()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	const bad, goodEvery = 10_000, 100
	var recs []*kgo.Record
	good := 0
	for i := 0; i < bad; i++ {
		recs = append(recs, &kgo.Record{Topic: "orders", Key: []byte(fmt.Sprint("b", i)), Value: []byte(fmt.Sprintf(`{"district": %d, oops`, i))})
		if i%goodEvery == 0 {
			recs = append(recs, &kgo.Record{Topic: "orders", Key: []byte(fmt.Sprint("g", i)), Value: []byte(`{"district":"north"}`)})
			good++
		}
	}
	recs = append(recs,
		&kgo.Record{Topic: "orders", Key: []byte("huge-note"), Value: []byte(`{"district":"north","note":"` + strings.Repeat("n", 5<<20) + `"}`)},
		&kgo.Record{Topic: "orders", Key: []byte("huge-key"), Value: []byte(`{"district":"` + strings.Repeat("d", 1<<20) + `"}`)})
	good++ // the 5 MB record counts for north; only its copy is too large
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	if _, err := sess.Run(ctx, `AWAIT IDLE TIMEOUT 90 SECONDS;`); err != nil {
		t.Fatalf("AWAIT IDLE: %v\n%s", err, srv.LogTail())
	}
	res := runSQL(t, ctx, sess, `SELECT n FROM per_district WHERE district = 'north';`)
	if rows := res[0].Rows; len(rows) != 1 || *rows[0][0] != fmt.Sprint(good) {
		t.Errorf("north: %v, want %d", rows, good)
	}
	res = runSQL(t, ctx, sess, `SHOW QUERIES;`)
	for _, row := range res[0].Rows {
		if state := *row[2]; state != "RUNNING" {
			t.Errorf("query %s is %s", *row[0], state)
		}
	}
	// Every malformed record is logged twice (both queries read it). Three
	// records are too large to write: the copies of the 5 MB record and of the
	// 1 MB key's record, and that record re-keyed by its 1 MB district into the
	// aggregation's repartition topic. Each entry is bounded.
	counts := map[float64]int{}
	var tooLarge []string
	for _, r := range readTopic(t, ctx, srv.Addrs.Kafka, "_sluice_sluice_processing_log") {
		if len(r.Value) > 80<<10 {
			t.Fatalf("a processing-log entry of %d bytes: it is not bounded", len(r.Value))
		}
		var e struct {
			Message struct {
				Type                  float64
				RecordProcessingError struct{ ErrorMessage string }
			}
		}
		if err := json.Unmarshal(r.Value, &e); err != nil {
			t.Fatalf("processing-log entry %.200s: %v", r.Value, err)
		}
		counts[e.Message.Type]++
		if e.Message.Type != 0 {
			tooLarge = append(tooLarge, e.Message.RecordProcessingError.ErrorMessage)
		}
	}
	if counts[0] != 2*bad {
		t.Errorf("%d deserialization errors in the processing log, want %d", counts[0], 2*bad)
	}
	if len(tooLarge) != 3 {
		t.Errorf("processing-log entries other than deserialization errors: %.200q, want the three records too large to write", tooLarge)
	}
	t.Logf("records too large to write: %.200q", tooLarge)
	for _, m := range tooLarge {
		if !strings.Contains(m, "over the limit") {
			t.Errorf("processing-log entry %q, want a record over the size limit", m)
		}
	}
	peak := srv.PeakRSS()
	t.Logf("server peak RSS %d MB", peak>>20)
	if peak > 2<<30 {
		t.Errorf("peak RSS %d MB", peak>>20)
	}
}

// readEvents reads the events topic to its end and returns, per k, the
// records it holds and how many distinct ids among them.
func readEvents(t *testing.T, ctx context.Context, addr string) (records, distinct map[string]int) {
	t.Helper()
	records, distinct = map[string]int{}, map[string]int{}
	seen := map[string]bool{}
	for _, r := range readTopic(t, ctx, addr, "events") {
		var v struct{ K string }
		if err := json.Unmarshal(r.Value, &v); err != nil {
			t.Fatalf("events record %s: %v", r.Value, err)
		}
		records[v.K]++
		if !seen[string(r.Key)] {
			seen[string(r.Key)] = true
			distinct[v.K]++
		}
	}
	return records, distinct
}

// readTopic reads a topic's committed records up to its current end.
func readTopic(t *testing.T, ctx context.Context, addr, topic string) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic), kgo.FetchMaxBytes(64<<20),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			want[o.Partition] = o.Offset
		}
	})
	var out []*kgo.Record
	for len(want) > 0 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("reading %s: partitions %v not read to their end", topic, want)
		}
		fs.EachRecord(func(r *kgo.Record) {
			out = append(out, r)
			if end, ok := want[r.Partition]; ok && r.Offset+1 >= end {
				delete(want, r.Partition)
			}
		})
	}
	return out
}
