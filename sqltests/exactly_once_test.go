package sqltests

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/sqltests/harness"
)

// TestExactlyOnceChaos runs a standalone broker (sluice broker) and one node
// under processing.guarantee=exactly_once_v2 with a stateless filter and an
// aggregation over a 4-partition stream, kills the node with SIGKILL at random
// moments while a seeded ledger of records is produced, restarts it on the
// same data directory each time, and checks what a read_committed consumer
// of each sink finds: every expected record exactly once, every count of the
// aggregation in sequence (each update once, none lost), and pull queries
// equal to the ledger.
func TestExactlyOnceChaos(t *testing.T) {
	bin := sluiceBinary(t)
	dir := t.TempDir()
	kafkaAddr := startBroker(t, bin, filepath.Join(dir, "broker"))
	node, srv := startNode(t, bin, dir, kafkaAddr, "--node-id", "n1")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	sess := connectPG(t, ctx, srv)
	runSQL(t, ctx, sess, `CREATE STREAM events (id VARCHAR KEY, k VARCHAR, n INT) WITH (KAFKA_TOPIC='events', VALUE_FORMAT='JSON', PARTITIONS=4);
SET 'processing.guarantee'='exactly_once_v2';
SET 'cache.max.bytes.buffering'='0';
SET 'auto.offset.reset'='earliest';
CREATE STREAM evens AS SELECT id, k, n FROM events WHERE n % 2 = 0;
CREATE TABLE per_k AS SELECT k, COUNT(*) AS c FROM events GROUP BY k;`)
	sess.Close()

	cl, err := kgo.NewClient(kgo.SeedBrokers(kafkaAddr), kgo.ProducerLinger(0))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	rng := rand.New(rand.NewSource(16))
	const total, chunk, keys = 12_000, 200, 7
	counts := map[string]int{}
	produced := make(chan error, 1)
	go func() {
		for i := 0; i < total; i += chunk {
			var recs []*kgo.Record
			for j := i; j < i+chunk; j++ {
				k := fmt.Sprintf("k%d", j%keys)
				counts[k]++
				recs = append(recs, &kgo.Record{Topic: "events", Key: []byte(fmt.Sprintf("e%d", j)),
					Value: []byte(fmt.Sprintf(`{"k":%q,"n":%d}`, k, j))})
			}
			if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
				produced <- err
				return
			}
			time.Sleep(120 * time.Millisecond)
		}
		produced <- nil
	}()
	srv, kills := killUntilDone(t, srv, node, rng, 900*time.Millisecond, produced)
	if kills < 3 {
		t.Fatalf("only %d kills while the ledger was produced; the test proves little", kills)
	}
	sess = connectPG(t, ctx, srv)
	defer sess.Close()
	if _, err := sess.Run(ctx, `AWAIT IDLE TIMEOUT 60 SECONDS;`); err != nil {
		body := ""
		if resp, herr := http.Get("http://" + srv.Addrs.HTTP + "/queries"); herr == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
		}
		t.Fatalf("AWAIT IDLE: %v\nqueries: %s\nnode log:\n%s", err, body, srv.LogTail())
	}

	evens := readCommitted(t, ctx, kafkaAddr, "EVENS")
	seen := map[string]int{}
	for _, r := range evens {
		seen[r[0]]++
	}
	for j := 0; j < total; j += 2 {
		if id := fmt.Sprintf("e%d", j); seen[id] != 1 {
			t.Errorf("EVENS has %s %d times, want once", id, seen[id])
		}
	}
	if len(evens) != total/2 {
		t.Errorf("EVENS has %d records, want %d", len(evens), total/2)
	}
	updates := map[string][]string{}
	for _, r := range readCommitted(t, ctx, kafkaAddr, "PER_K") {
		updates[r[0]] = append(updates[r[0]], r[1])
	}
	for k, n := range counts {
		var want []string
		for i := 1; i <= n; i++ {
			want = append(want, fmt.Sprintf(`{"C":%d}`, i))
		}
		if got := updates[k]; strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("PER_K updates of %s: %d updates (want 1..%d once each); first differences: %v", k, len(got), n, firstDiff(got, want))
		}
	}
	res := runSQL(t, ctx, sess, `SELECT k, c FROM per_k;`)
	for _, row := range res[0].Rows {
		if k, c := *row[0], *row[1]; c != fmt.Sprint(counts[k]) {
			t.Errorf("pull query: %s has %s, want %d", k, c, counts[k])
		}
	}
	t.Logf("%d records, %d kills: EVENS %d records, every PER_K update once", total, kills, len(evens))
}

// startBroker runs `sluice broker` and returns its address; the broker is
// stopped when the test ends.
func startBroker(t *testing.T, bin, dir string) string {
	t.Helper()
	addr, _ := startBrokerAt(t, bin, dir, "127.0.0.1:0")
	return addr
}

// startBrokerAt runs `sluice broker` on addr, with extra flags args, and
// returns the address it listens on and a function that kills it (kill -9).
func startBrokerAt(t *testing.T, bin, dir, addr string, args ...string) (string, func()) {
	t.Helper()
	ready := filepath.Join(dir, "ready.json")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(ready); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	logf, err := os.OpenFile(filepath.Join(dir, "broker.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(bin, append([]string{"broker", "--data-dir", dir, "--addr", addr, "--ready-file", ready}, args...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	kill := func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	t.Cleanup(kill)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var addrs struct {
			Kafka string `json:"kafka_addr"`
		}
		if b, err := os.ReadFile(ready); err == nil && json.Unmarshal(b, &addrs) == nil && addrs.Kafka != "" {
			return addrs.Kafka, kill
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("sluice broker wrote no ready file")
	return "", nil
}

func connectPG(t *testing.T, ctx context.Context, srv *harness.Server) *harness.Session {
	t.Helper()
	s, err := harness.Connect(ctx, srv.Addrs.PG)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func runSQL(t *testing.T, ctx context.Context, s *harness.Session, sql string) []harness.Result {
	t.Helper()
	res, err := s.Run(ctx, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return res
}

// readCommitted reads a topic to its last stable offsets as a read_committed
// consumer would, returning [key, value] pairs.
func readCommitted(t *testing.T, ctx context.Context, addr, topic string) [][2]string {
	t.Helper()
	adm, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	ends, err := kadm.NewClient(adm).ListCommittedOffsets(ctx, topic)
	adm.Close()
	if err != nil {
		t.Fatal(err)
	}
	remaining := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			remaining[o.Partition] = o.Offset
		}
	})
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.KeepControlRecords())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	rctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var out [][2]string
	for len(remaining) > 0 {
		fs := cl.PollFetches(rctx)
		if err := rctx.Err(); err != nil {
			t.Fatalf("reading %s: %v; partitions not read to their end: %v", topic, err, remaining)
		}
		fs.EachError(func(_ string, _ int32, err error) {
			if !errors.Is(err, context.Canceled) {
				t.Logf("fetch %s: %v", topic, err)
			}
		})
		fs.EachRecord(func(r *kgo.Record) {
			if end, ok := remaining[r.Partition]; ok && r.Offset+1 >= end {
				delete(remaining, r.Partition)
			}
			if !r.Attrs.IsControl() {
				out = append(out, [2]string{string(r.Key), string(r.Value)})
			}
		})
	}
	return out
}

func firstDiff(got, want []string) string {
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			return fmt.Sprintf("at %d got %q want %q", i, g, w)
		}
	}
	return "none"
}
