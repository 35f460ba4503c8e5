package sqltests

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/internal/pgoracle"
	"github.com/sluice-db/sluice/sqltests/harness"
)

// TestSinkConnectorKill9 runs the JDBC sink connector in insert mode (no
// primary key, so a duplicate would be a second row) from a 4-partition
// stream into PostgreSQL 15, kills the node with SIGKILL at random moments
// while records are produced, restarts it each time, and checks that every
// record is exactly one row: the rows and the offsets they cover commit in one
// PostgreSQL transaction, and the node resumes from the stored offsets.
func TestSinkConnectorKill9(t *testing.T) {
	bin := sluiceBinary(t)
	pgPort := pgoracle.Start(t)
	dir := t.TempDir()
	kafkaAddr := startBroker(t, bin, filepath.Join(dir, "broker"))
	node, srv := startNode(t, bin, dir, kafkaAddr, "--node-id", "n1")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	sess := connectPG(t, ctx, srv)
	runSQL(t, ctx, sess, `CREATE STREAM events (id VARCHAR KEY, n INT, pad VARCHAR) WITH (KAFKA_TOPIC='events', VALUE_FORMAT='JSON', PARTITIONS=4);
CREATE SINK CONNECTOR pg WITH ('connector.class'='io.confluent.connect.jdbc.JdbcSinkConnector',
  'connection.url'='jdbc:postgresql://127.0.0.1:`+pgPort+`/postgres', 'connection.user'='`+pgoracle.User+`',
  'topics'='events', 'auto.create'='true', 'batch.size'='100', 'tasks.max'='4');`)
	sess.Close()

	cl, err := kgo.NewClient(kgo.SeedBrokers(kafkaAddr), kgo.ProducerLinger(0))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	rng := rand.New(rand.NewSource(20))
	const total, chunk = 10_000, 200
	produced := make(chan error, 1)
	go func() {
		for i := 0; i < total; i += chunk {
			var recs []*kgo.Record
			for j := i; j < i+chunk; j++ {
				recs = append(recs, &kgo.Record{Topic: "events", Key: []byte(fmt.Sprintf("e%d", j)),
					Value: []byte(fmt.Sprintf(`{"n":%d,"pad":"%0200d"}`, j, j))})
			}
			if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
				produced <- err
				return
			}
			time.Sleep(150 * time.Millisecond)
		}
		produced <- nil
	}()
	srv, kills := killUntilDone(t, srv, node, rng, 700*time.Millisecond, produced)
	if kills < 3 {
		t.Fatalf("only %d kills while the records were produced; the test proves little", kills)
	}

	db, err := pgx.Connect(ctx, "postgres://"+pgoracle.User+"@127.0.0.1:"+pgPort+"/postgres?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, "events")
	if err != nil {
		t.Fatal(err)
	}
	var end int64
	ends.Each(func(o kadm.ListedOffset) { end += o.Offset })
	// Wait until the stored offsets cover every record, then count the rows.
	var stored int64
	for {
		err := db.QueryRow(ctx, `SELECT coalesce(sum(next_offset), 0) FROM __sluice_connector_offsets WHERE connector = 'PG' AND topic = 'events'`).Scan(&stored)
		if err == nil && stored == end {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("stored offsets reach %d of %d (%v)\n/connectors: %s\nnode log:\n%s", stored, end, err, httpGet(srv, "/connectors"), srv.LogTail())
		}
		time.Sleep(100 * time.Millisecond)
	}
	var rows, distinct, lo, hi int64
	if err := db.QueryRow(ctx, `SELECT count(*), count(DISTINCT "N"), min("N"), max("N") FROM events`).Scan(&rows, &distinct, &lo, &hi); err != nil {
		t.Fatal(err)
	}
	if rows != total || distinct != total || lo != 0 || hi != total-1 {
		t.Fatalf("table has %d rows, %d distinct, from %d to %d; want each of 0..%d once", rows, distinct, lo, hi, total-1)
	}
	var status []struct{ Name, State string }
	if err := json.Unmarshal([]byte(httpGet(srv, "/connectors")), &status); err != nil || len(status) != 1 || status[0].State != "RUNNING" {
		t.Fatalf("/connectors = %+v (%v), want PG RUNNING", status, err)
	}
	t.Logf("%d records, %d kills: every record one row", total, kills)
}

// httpGet returns the body of a node's HTTP endpoint, or the error.
func httpGet(srv *harness.Server, path string) string {
	resp, err := http.Get("http://" + srv.Addrs.HTTP + path)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
