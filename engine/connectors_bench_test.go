package engine

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/kafkaio"
)

// The connector benchmarks run the embedded broker in a child process (this
// test binary again, running TestBenchBrokerProcess), so that the CPU this
// process uses is Sluice's (and, in BenchmarkSinkConnectorSeedRate, the
// load's producer's), with the broker's reported apart.
const benchBrokerEnv = "SLUICE_BENCH_BROKER_DIR"

// TestBenchBrokerProcess is the benchmarks' broker process: it serves the
// embedded broker from the directory in $SLUICE_BENCH_BROKER_DIR, prints its
// address, and exits when its standard input closes.
func TestBenchBrokerProcess(t *testing.T) {
	dir := os.Getenv(benchBrokerEnv)
	if dir == "" {
		t.Skip("runs only as the connector benchmarks' broker process")
	}
	b, err := kafkaio.StartEmbedded(dir, "127.0.0.1:0", kafkaio.EmbeddedConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	fmt.Println("addr", b.Addr())
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
}

// brokerProcess is the broker process of a benchmark.
type brokerProcess struct {
	addr string
	pid  int
}

func startBrokerProcess(b *testing.B) *brokerProcess {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchBrokerProcess$", "-test.v")
	cmd.Env = append(os.Environ(), benchBrokerEnv+"="+filepath.Join(b.TempDir(), "broker"))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stdin.Close(); _ = cmd.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if addr, ok := strings.CutPrefix(sc.Text(), "addr "); ok {
			go func() {
				for sc.Scan() {
				}
			}()
			return &brokerProcess{addr: addr, pid: cmd.Process.Pid}
		}
	}
	b.Fatalf("the broker process exited before printing its address: %v", sc.Err())
	return nil
}

// cpu is the CPU time the broker process used so far.
func (br *brokerProcess) cpu() time.Duration { return procCPU(br.pid) }

// procParent is a process's parent (0 if it cannot tell).
func procParent(pid int) int {
	f := procStat(pid)
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// procChildrenCPU is the CPU of a process's children it has waited for.
func procChildrenCPU(pid int) time.Duration {
	f := procStat(pid)
	if len(f) < 15 {
		return 0
	}
	cutime, _ := strconv.ParseInt(f[13], 10, 64)
	cstime, _ := strconv.ParseInt(f[14], 10, 64)
	return time.Duration(cutime+cstime) * time.Second / clockTicks
}

// clockTicks is USER_HZ, the unit of /proc's times, on Linux.
const clockTicks = 100

// procStat returns the fields of /proc/pid/stat after the command name (the
// process state first), nil if it cannot read them.
func procStat(pid int) []string {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	// The command name, in parentheses, may hold spaces.
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(string(data[i+1:]))
}

// procCPU reads a process's user and system time from /proc (0 if it cannot).
func procCPU(pid int) time.Duration {
	f := procStat(pid)
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// BenchmarkSinkConnectorTelemetry writes the telemetry load (5 KB JSON
// records over 4 partitions, produced beforehand) into PostgreSQL 15 through
// CREATE SINK CONNECTOR (insert mode: COPY per batch, 4 partitions at once,
// offsets in the same transactions), then the same rows with plain COPY (4
// connections, one per partition, rows built in memory beforehand) as the
// ceiling, in the same run. It reports:
//
//   - connector-rows/s: rows over the time from CREATE to the last row
//     committed, start-up included (joining the group, creating the table,
//     the first fetch; startup-s is that part, to the first commit);
//   - steady-rows/s: the rows committed after the first commit over the time
//     from it to the last (the rate of a connector that is running);
//   - copy-rows/s and the ratios of both connector rates to it;
//   - Sluice's CPU per row, and that times the seed rate of 8,333 rows a
//     second (the cores Sluice needs for the seed load);
//   - the CPU, in cores over the connector's run, of this process (Sluice),
//     of the broker (a child process, serving the fetches) and of PostgreSQL
//     (postmaster and backends), and PostgreSQL's during the COPY.
//
// All share the machine's cores, so on a 2-core machine the broker's and
// Sluice's CPU is taken from PostgreSQL's, which the ceiling has to itself.
//
//	go test ./engine -run '^$' -bench SinkConnectorTelemetry -benchtime 3x
func BenchmarkSinkConnectorTelemetry(b *testing.B) {
	const records, partitions = 20_000, 4
	pg := startPG(b)
	broker := startBrokerProcess(b)
	env := startNode(b, broker.addr, "1", false)
	env.exec(`CREATE STREAM telemetry (device STRING KEY, district STRING, speed DOUBLE, battery INT, ts BIGINT, note STRING)
		WITH (kafka_topic='telemetry', value_format='JSON', partitions=4);`)
	note := strings.Repeat("telemetry sample ", 5<<10/17)
	quoted := strconv.Quote(note)
	rows := make([][][]any, partitions) // per partition, for the COPY ceiling
	var recs []*kgo.Record
	for i := range records {
		p := int32(i % partitions)
		device, district := fmt.Sprintf("dev-%05d", i%5000), fmt.Sprintf("district-%02d", i%40)
		speed, battery, ts := float64(i%120)+0.5, int32(i%100), int64(1_700_000_000_000+i)
		recs = append(recs, &kgo.Record{Topic: "telemetry", Partition: p, Key: []byte(device),
			Value: fmt.Appendf(nil, `{"district":%q,"speed":%g,"battery":%d,"ts":%d,"note":%s}`, district, speed, battery, ts, quoted)})
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
	var connWall, copyWall, steadyWall, cpu, brokerCPU, pgCPU, copyPGCPU, startup time.Duration
	steadyRows := 0
	b.ResetTimer()
	for i := range b.N {
		name := fmt.Sprintf("bench_%d", i)
		cpu0, br0, pg0, t0 := cpuTime(), broker.cpu(), pgServerCPU(pg), time.Now()
		env.exec(pg.sinkSQL(name, `'topics'='telemetry', 'auto.create'='true', 'tasks.max'='4', 'table.name.format'='`+name+`'`))
		first, firstRows, last := pg.waitOffsets(strings.ToUpper(name), records)
		connWall += last.Sub(t0)
		startup += first.Sub(t0)
		steadyWall += last.Sub(first)
		steadyRows += records - firstRows
		cpu += cpuTime() - cpu0
		brokerCPU += broker.cpu() - br0
		pgCPU += pgServerCPU(pg) - pg0
		env.exec(`DROP CONNECTOR ` + name + `;`)
		pg.waitRows(`SELECT count(*) FROM `+name, fmt.Sprint(records))

		// The ceiling: the same rows, COPY'd by 4 connections at once.
		table := "copy_" + name
		pg.exec(`CREATE TABLE ` + table + ` ("DISTRICT" TEXT, "SPEED" DOUBLE PRECISION, "BATTERY" INTEGER, "TS" BIGINT, "NOTE" TEXT)`)
		pg0, t0 = pgServerCPU(pg), time.Now()
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
		copyPGCPU += pgServerCPU(pg) - pg0
	}
	b.StopTimer()
	n := float64(b.N * records)
	connRate, copyRate, steadyRate := n/connWall.Seconds(), n/copyWall.Seconds(), float64(steadyRows)/steadyWall.Seconds()
	b.ReportMetric(connRate, "connector-rows/s")
	b.ReportMetric(steadyRate, "steady-rows/s")
	b.ReportMetric(copyRate, "copy-rows/s")
	b.ReportMetric(connRate/copyRate, "ratio")
	b.ReportMetric(steadyRate/copyRate, "steady-ratio")
	b.ReportMetric(cpu.Seconds()/connWall.Seconds(), "sluice-cores")
	// This process does nothing but run the connector meanwhile, so its CPU
	// per row times the seed rate is what Sluice needs for the seed load.
	b.ReportMetric(cpu.Seconds()/n*1e6, "sluice-cpu-us/row")
	b.ReportMetric(cpu.Seconds()/n*8333, "sluice-cores-at-8333/s")
	b.ReportMetric(brokerCPU.Seconds()/connWall.Seconds(), "broker-cores")
	b.ReportMetric(pgCPU.Seconds()/connWall.Seconds(), "pg-cores")
	b.ReportMetric(copyPGCPU.Seconds()/copyWall.Seconds(), "copy-pg-cores")
	b.ReportMetric(startup.Seconds()/float64(b.N), "startup-s")
	b.ReportMetric(0, "ns/op") // the rates above are the figures; one op is a whole load
}

// pgServerCPU is the CPU PostgreSQL used so far: the postmaster's, the
// backends' it has reaped, and the live backends'.
func pgServerCPU(pg *pgTarget) time.Duration {
	pid := pg.srv.PID()
	total := procCPU(pid) + procChildrenCPU(pid)
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if procParent(child) == pid {
			total += procCPU(child)
		}
	}
	return total
}

// waitOffsets waits until a connector's stored offsets cover n records
// (cheaper to poll than counting the table's rows, which would compete with
// the load for the database's CPU), and returns when they first covered any
// and how many, and when they covered n.
func (pg *pgTarget) waitOffsets(connector string, n int) (first time.Time, firstRows int, last time.Time) {
	pg.t.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		var got int
		err := pg.conn.QueryRow(context.Background(), `SELECT coalesce(sum(next_offset), 0) FROM __sluice_connector_offsets WHERE connector = $1`, connector).Scan(&got)
		now := time.Now()
		if got > 0 && first.IsZero() {
			first, firstRows = now, got
		}
		if err == nil && got == n {
			return first, firstRows, now
		}
		if time.Now().After(deadline) {
			pg.t.Fatalf("connector %s stored offsets cover %d records, want %d (%v)", connector, got, n, err)
		}
		time.Sleep(5 * time.Millisecond)
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
// from the connector's offsets table every 5 ms, so up to 5 ms coarse), and
// the CPU used meanwhile, in cores: this process's (Sluice and the load's
// producer; subtracting a run of the producer alone gave figures below zero
// on a shared machine, so BenchmarkSinkConnectorTelemetry's CPU per row is
// the figure for Sluice alone), the broker's (a child process) and
// PostgreSQL's.
//
//	go test ./engine -run '^$' -bench SinkConnectorSeedRate -benchtime 1x
func BenchmarkSinkConnectorSeedRate(b *testing.B) {
	const partitions, rate, seconds = 4, 8333, 5
	pg := startPG(b)
	broker := startBrokerProcess(b)
	env := startNode(b, broker.addr, "1", false)
	env.exec(`CREATE STREAM telemetry (device STRING KEY, district STRING, speed DOUBLE, battery INT, ts BIGINT, note STRING)
		WITH (kafka_topic='telemetry', value_format='JSON', partitions=4);`)
	note := strconv.Quote(strings.Repeat("telemetry sample ", 5<<10/17))
	producer, err := env.cluster.NewClient(kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerLinger(0))
	if err != nil {
		b.Fatal(err)
	}
	defer producer.Close()
	ctx := context.Background()
	// produce sends the load to topic at its rate from t0 and reports each
	// acknowledgement.
	produce := func(topic string, t0 time.Time, acked func(*kgo.Record)) <-chan error {
		produced := make(chan error, 1)
		go func() {
			// Each millisecond, the records due by then (a timer per
			// record would cost more CPU than the producing).
			for n := 0; n < rate*seconds; {
				due := min(rate*seconds, int(time.Since(t0)*rate/time.Second)+1)
				for ; n < due; n++ {
					rec := &kgo.Record{Topic: topic, Partition: int32(n % partitions), Key: fmt.Appendf(nil, "dev-%05d", n%5000),
						Value: fmt.Appendf(nil, `{"district":"district-%02d","speed":%d.5,"battery":%d,"ts":%d,"note":%s}`, n%40, n%120, n%100, n, note)}
					producer.Produce(ctx, rec, func(r *kgo.Record, err error) {
						if err != nil {
							b.Error(err)
							return
						}
						acked(r)
					})
				}
				time.Sleep(time.Millisecond)
			}
			produced <- producer.Flush(ctx)
		}()
		return produced
	}
	var lat []time.Duration
	var cpu, brokerCPU, pgCPU, wall time.Duration
	b.ResetTimer()
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
		cpu0, br0, pg0, t0 := cpuTime(), broker.cpu(), pgServerCPU(pg), time.Now()
		total := rate * seconds
		// The load is produced at its rate while the offsets are followed.
		produced := produce("telemetry", t0, func(r *kgo.Record) {
			mu.Lock()
			acked[r.Partition] = append(acked[r.Partition], ack{r.Offset, time.Now()})
			mu.Unlock()
		})
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
		brokerCPU += broker.cpu() - br0
		pgCPU += pgServerCPU(pg) - pg0
		env.exec(`DROP CONNECTOR ` + name + `;`)
	}
	slices.Sort(lat)
	q := func(f float64) float64 { return float64(lat[int(f*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(cpu.Seconds()/wall.Seconds(), "sluice+producer-cores")
	b.ReportMetric(brokerCPU.Seconds()/wall.Seconds(), "broker-cores")
	b.ReportMetric(pgCPU.Seconds()/wall.Seconds(), "pg-cores")
	b.ReportMetric(0, "ns/op")
}
