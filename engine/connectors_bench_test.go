package engine

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
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
