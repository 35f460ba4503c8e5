package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/twmb/franz-go/pkg/kgo"
)

// BenchmarkSinkConnectorTelemetry writes the telemetry load (5 KB JSON
// records over 4 partitions) into PostgreSQL 15 through CREATE SINK CONNECTOR
// (insert mode: COPY per batch, 4 partitions at once, offsets in the same
// transactions), then the same rows with plain COPY (4 connections, one per
// partition, rows built in memory beforehand) as the ceiling. It reports
// rows/s of each, their ratio, and the CPU this process used per second of
// the connector's run, in cores (the process also runs the embedded broker
// serving the fetches, so Sluice's own share is lower).
//
//	go test ./engine -run '^$' -bench SinkConnectorTelemetry -benchtime 3x
func BenchmarkSinkConnectorTelemetry(b *testing.B) {
	const records, partitions = 20_000, 4
	pg := startPG(b)
	env := startEnv(b, b.TempDir())
	env.exec(`CREATE STREAM telemetry (device STRING KEY, district STRING, speed DOUBLE, battery INT, ts BIGINT, note STRING)
		WITH (kafka_topic='telemetry', value_format='JSON', partitions=4);`)
	note := strings.Repeat("telemetry sample ", 5<<10/17)
	rows := make([][][]any, partitions) // per partition, for the COPY ceiling
	var recs []*kgo.Record
	for i := range records {
		p := int32(i % partitions)
		device, district := fmt.Sprintf("dev-%05d", i%5000), fmt.Sprintf("district-%02d", i%40)
		speed, battery, ts := float64(i%120)+0.5, int32(i%100), int64(1_700_000_000_000+i)
		recs = append(recs, &kgo.Record{Topic: "telemetry", Partition: p, Key: []byte(device),
			Value: fmt.Appendf(nil, `{"district":%q,"speed":%g,"battery":%d,"ts":%d,"note":%q}`, district, speed, battery, ts, note)})
		rows[p] = append(rows[p], []any{district, speed, battery, ts, note})
	}
	producer, err := env.cluster.NewClient(kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerBatchMaxBytes(512<<10))
	if err != nil {
		b.Fatal(err)
	}
	defer producer.Close()
	if err := producer.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	// startup is the time from CREATE to the first committed batch (joining
	// the group, creating the table, the first fetch).
	var connWall, copyWall, cpu, startup time.Duration
	b.ResetTimer()
	for i := range b.N {
		name := fmt.Sprintf("bench_%d", i)
		cpu0, t0 := cpuTime(), time.Now()
		env.exec(pg.sinkSQL(name, `'topics'='telemetry', 'auto.create'='true', 'tasks.max'='4', 'table.name.format'='`+name+`'`))
		first := pg.waitOffsets(strings.ToUpper(name), records)
		connWall += time.Since(t0)
		startup += first.Sub(t0)
		cpu += cpuTime() - cpu0
		env.exec(`DROP CONNECTOR ` + name + `;`)
		pg.waitRows(`SELECT count(*) FROM `+name, fmt.Sprint(records))

		// The ceiling: the same rows, COPY'd by 4 connections at once.
		table := "copy_" + name
		pg.exec(`CREATE TABLE ` + table + ` ("DISTRICT" TEXT, "SPEED" DOUBLE PRECISION, "BATTERY" INTEGER, "TS" BIGINT, "NOTE" TEXT)`)
		t0 = time.Now()
		var wg sync.WaitGroup
		for p := range partitions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := pgx.Connect(ctx, "postgres://alice@127.0.0.1:"+pg.port+"/postgres?sslmode=disable")
				if err != nil {
					b.Error(err)
					return
				}
				defer c.Close(ctx)
				if _, err := c.CopyFrom(ctx, pgx.Identifier{table}, []string{"DISTRICT", "SPEED", "BATTERY", "TS", "NOTE"}, pgx.CopyFromRows(rows[p])); err != nil {
					b.Error(err)
				}
			}()
		}
		wg.Wait()
		copyWall += time.Since(t0)
	}
	b.StopTimer()
	n := float64(b.N * records)
	connRate, copyRate := n/connWall.Seconds(), n/copyWall.Seconds()
	b.ReportMetric(connRate, "connector-rows/s")
	b.ReportMetric(copyRate, "copy-rows/s")
	b.ReportMetric(connRate/copyRate, "ratio")
	b.ReportMetric(cpu.Seconds()/connWall.Seconds(), "cpu-cores")
	b.ReportMetric(startup.Seconds()/float64(b.N), "startup-s")
}

// waitOffsets waits until a connector's stored offsets cover n records
// (cheaper to poll than counting the table's rows, which would compete with
// the load for the database's CPU), and returns when they first covered any.
func (pg *pgTarget) waitOffsets(connector string, n int) (first time.Time) {
	pg.t.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		var got int
		err := pg.conn.QueryRow(context.Background(), `SELECT coalesce(sum(next_offset), 0) FROM __sluice_connector_offsets WHERE connector = $1`, connector).Scan(&got)
		if got > 0 && first.IsZero() {
			first = time.Now()
		}
		if err == nil && got == n {
			return first
		}
		if time.Now().After(deadline) {
			pg.t.Fatalf("connector %s stored offsets cover %d records, want %d (%v)", connector, got, n, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSinkConnectorSeedRate runs the telemetry seed load at its rate
// (8,333 records of 5 KB a second, 500,000 a minute, over 4 partitions) through
// a running connector for 5 s and reports the end-to-end latency, from the
// broker acknowledging a record to its row being committed in PostgreSQL (read
// from the connector's offsets table every 5 ms, so up to 5 ms coarse), and the
// CPU the test process used meanwhile: an upper bound for Sluice, since the
// embedded broker and the producer run in the same process.
func BenchmarkSinkConnectorSeedRate(b *testing.B) {
	const partitions, rate, seconds = 4, 8333, 5
	pg := startPG(b)
	env := startEnv(b, b.TempDir())
	env.exec(`CREATE STREAM telemetry (device STRING KEY, district STRING, speed DOUBLE, battery INT, ts BIGINT, note STRING)
		WITH (kafka_topic='telemetry', value_format='JSON', partitions=4);`)
	note := strings.Repeat("telemetry sample ", 5<<10/17)
	producer, err := env.cluster.NewClient(kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerLinger(0))
	if err != nil {
		b.Fatal(err)
	}
	defer producer.Close()
	ctx := context.Background()
	var lat []time.Duration
	var cpu, wall time.Duration
	for i := range b.N {
		name := fmt.Sprintf("seed_%d", i)
		env.exec(pg.sinkSQL(name, `'topics'='telemetry', 'auto.create'='true', 'tasks.max'='4', 'table.name.format'='`+name+`'`))
		// acked[p] holds each acknowledged record's offset and time, in order.
		type ack struct {
			offset int64
			at     time.Time
		}
		var mu sync.Mutex
		acked := make([][]ack, partitions)
		cpu0, t0 := cpuTime(), time.Now()
		total := rate * seconds
		// The load is produced at its rate while the offsets are followed.
		produced := make(chan error, 1)
		go func() {
			for n := range total {
				due := t0.Add(time.Duration(n) * time.Second / rate)
				if d := time.Until(due); d > 0 {
					time.Sleep(d)
				}
				rec := &kgo.Record{Topic: "telemetry", Partition: int32(n % partitions), Key: fmt.Appendf(nil, "dev-%05d", n%5000),
					Value: fmt.Appendf(nil, `{"district":"district-%02d","speed":%d.5,"battery":%d,"ts":%d,"note":%q}`, n%40, n%120, n%100, n, note)}
				producer.Produce(ctx, rec, func(r *kgo.Record, err error) {
					if err != nil {
						b.Error(err)
						return
					}
					mu.Lock()
					acked[r.Partition] = append(acked[r.Partition], ack{r.Offset, time.Now()})
					mu.Unlock()
				})
			}
			produced <- producer.Flush(ctx)
		}()
		// Follow the stored offsets until they cover every record.
		next := make([]int, partitions) // per partition, the first ack not yet seen in PostgreSQL
		seen := 0
		for seen < total {
			rows, err := pg.conn.Query(ctx, `SELECT partition, next_offset FROM __sluice_connector_offsets WHERE connector = $1`, strings.ToUpper(name))
			if err != nil {
				var pgErr *pgconn.PgError
				if errors.As(err, &pgErr) && pgErr.Code == "42P01" {
					time.Sleep(5 * time.Millisecond) // the connector has not created its offsets table yet
					continue
				}
				b.Fatal(err)
			}
			now := time.Now()
			for rows.Next() {
				var p int32
				var off int64
				if err := rows.Scan(&p, &off); err != nil {
					b.Fatal(err)
				}
				mu.Lock()
				for next[p] < len(acked[p]) && acked[p][next[p]].offset < off {
					lat = append(lat, now.Sub(acked[p][next[p]].at))
					next[p]++
					seen++
				}
				mu.Unlock()
			}
			rows.Close()
			if time.Since(t0) > 2*time.Minute {
				b.Fatalf("after 2 minutes %d of %d records are in PostgreSQL", seen, total)
			}
			time.Sleep(5 * time.Millisecond)
		}
		if err := <-produced; err != nil {
			b.Fatal(err)
		}
		wall += time.Since(t0)
		cpu += cpuTime() - cpu0
		env.exec(`DROP CONNECTOR ` + name + `;`)
	}
	slices.Sort(lat)
	q := func(f float64) float64 { return float64(lat[int(f*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(cpu.Seconds()/wall.Seconds(), "cpu-cores")
}
