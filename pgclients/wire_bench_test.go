package pgclients

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-db/sluice/internal/pgoracle"
	"github.com/sluice-db/sluice/sqltests/harness"
)

// The wire benchmarks compare Sluice with PostgreSQL 15 on the same rows in
// the same run: a materialized table (a SOURCE TABLE over a topic) of
// SLUICE_BENCH_ROWS rows (default 100,000) in Sluice, the same rows in a
// PostgreSQL table with a primary key, queried over TCP by
// SLUICE_BENCH_CLIENTS concurrent pgx connections (default 8), each using a
// prepared statement. Each reports both servers' queries per second and
// p50/p99 latency, and the ratios Sluice/PostgreSQL:
//
//	go test ./pgclients -run '^$' -bench Wire -benchtime 20000x
//
// b.N is the number of queries each server answers.

// benchRow is row i of the benchmark table, the same on both servers.
func benchRow(i int64) (district string, amount float64) {
	return "d" + strconv.FormatInt(i%50, 10), float64(i%1000) / 10
}

type wireBench struct {
	rows    int64
	clients int
	pgConn  string // the PostgreSQL oracle's connection string
}

var (
	wireOnce sync.Once
	wireRows int64
	wireErr  error
)

func envInt(name string, def int64) int64 {
	if v, err := strconv.ParseInt(os.Getenv(name), 10, 64); err == nil && v > 0 {
		return v
	}
	return def
}

// setupWire loads the rows into Sluice once per process, and into a
// PostgreSQL started for this benchmark run (it stops when b ends).
func setupWire(b *testing.B) *wireBench {
	if server.err != nil {
		b.Fatalf("sluice did not start: %v", server.err)
	}
	w := &wireBench{rows: envInt("SLUICE_BENCH_ROWS", 100_000), clients: int(envInt("SLUICE_BENCH_CLIENTS", 8))}
	wireOnce.Do(func() { wireErr = loadSluice(w.rows) })
	if wireErr != nil {
		b.Fatal(wireErr)
	}
	w.pgConn = "postgres://alice@127.0.0.1:" + pgoracle.Start(b) + "/postgres?sslmode=disable"
	if err := loadPostgres(w); err != nil {
		b.Fatal(err)
	}
	return w
}

func loadPostgres(w *wireBench) error {
	ctx := context.Background()
	pg, err := pgx.Connect(ctx, w.pgConn)
	if err != nil {
		return err
	}
	defer pg.Close(ctx)
	if _, err := pg.Exec(ctx, fmt.Sprintf(`CREATE TABLE bench_rows (id bigint PRIMARY KEY, district text, amount double precision);
		INSERT INTO bench_rows SELECT i, 'd' || (i %% 50), (i %% 1000) / 10.0 FROM generate_series(0, %d) i`, w.rows-1)); err != nil {
		return fmt.Errorf("load PostgreSQL: %w", err)
	}
	if _, err := pg.Exec(ctx, "VACUUM ANALYZE bench_rows"); err != nil {
		return fmt.Errorf("analyze PostgreSQL's table: %w", err)
	}
	return nil
}

func loadSluice(rows int64) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	began := time.Now()
	k, err := harness.NewKafka(server.kafka)
	if err != nil {
		return err
	}
	defer k.Close()
	if err := k.CreateTopic(ctx, "bench_rows", 1); err != nil {
		return err
	}
	const batch = 5000
	recs := make([]harness.Record, 0, batch)
	for i := int64(0); i < rows; i++ {
		district, amount := benchRow(i)
		key := binary.BigEndian.AppendUint64(nil, uint64(i))
		value := fmt.Appendf(nil, `{"district":%q,"amount":%g}`, district, amount)
		recs = append(recs, harness.Record{Key: key, Value: value, Timestamp: 1_700_000_000_000 + i})
		if len(recs) == batch || i == rows-1 {
			if err := k.Produce(ctx, "bench_rows", recs); err != nil {
				return err
			}
			recs = recs[:0]
		}
	}
	sl, err := pgx.Connect(ctx, connString())
	if err != nil {
		return err
	}
	defer sl.Close(ctx)
	if _, err := sl.Exec(ctx, `CREATE SOURCE TABLE bench_rows (id BIGINT PRIMARY KEY, district STRING, amount DOUBLE)
		WITH (kafka_topic='bench_rows', value_format='JSON')`, pgx.QueryExecModeSimpleProtocol); err != nil {
		return fmt.Errorf("create the table: %w", err)
	}
	for {
		var n int64
		err := sl.QueryRow(ctx, "SELECT count(*) FROM bench_rows").Scan(&n)
		if err == nil && n == rows {
			break
		}
		if ctx.Err() != nil {
			return fmt.Errorf("the table has %d of %d rows (%v)", n, rows, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	fmt.Fprintf(os.Stderr, "wire benchmark: Sluice loaded %d rows in %v\n", rows, time.Since(began).Round(time.Millisecond))
	return nil
}

// wireResult is one server's figures for one query.
type wireResult struct {
	qps      float64
	p50, p99 time.Duration
}

// drive runs n queries from clients connections, each with its own prepared
// statement; args gives the parameters of query i.
func drive(b *testing.B, connStr string, clients, n int, sql string, args func(r *rand.Rand) []any, check func(pgx.Rows) error) wireResult {
	ctx := context.Background()
	conns := make([]*pgx.Conn, clients)
	for i := range conns {
		c, err := pgx.Connect(ctx, connStr)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close(ctx)
		if _, err := c.Prepare(ctx, "q", sql); err != nil {
			b.Fatalf("prepare %s: %v", sql, err)
		}
		conns[i] = c
	}
	lat := make([][]time.Duration, clients)
	errs := make(chan error, clients)
	var wg sync.WaitGroup
	began := time.Now()
	for ci, c := range conns {
		share := n / clients
		if ci < n%clients {
			share++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(ci), 7))
			for range share {
				start := time.Now()
				rows, err := c.Query(ctx, "q", args(r)...)
				if err == nil {
					err = check(rows)
				}
				if err != nil {
					errs <- err
					return
				}
				lat[ci] = append(lat[ci], time.Since(start))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(began)
	close(errs)
	if err := <-errs; err != nil {
		b.Fatalf("%s: %v", sql, err)
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) == 0 {
		return wireResult{}
	}
	pct := func(p float64) time.Duration { return all[min(len(all)-1, int(p*float64(len(all))))] }
	return wireResult{qps: float64(len(all)) / elapsed.Seconds(), p50: pct(0.50), p99: pct(0.99)}
}

func reportWire(b *testing.B, sl, pg wireResult) {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(sl.qps, "sluice-qps")
	b.ReportMetric(pg.qps, "pg-qps")
	b.ReportMetric(sl.qps/pg.qps, "qps-ratio")
	b.ReportMetric(ms(sl.p50), "sluice-p50-ms")
	b.ReportMetric(ms(sl.p99), "sluice-p99-ms")
	b.ReportMetric(ms(pg.p50), "pg-p50-ms")
	b.ReportMetric(ms(pg.p99), "pg-p99-ms")
	b.ReportMetric(ms(sl.p99)/ms(pg.p99), "p99-ratio")
	b.ReportMetric(0, "ns/op") // the figures above are the result
}

// BenchmarkWireKeyLookup: SELECT by primary key, the key a parameter of a
// prepared statement, as ORMs and BI tools send it.
func BenchmarkWireKeyLookup(b *testing.B) {
	w := setupWire(b)
	const sql = "SELECT id, district, amount FROM bench_rows WHERE id = $1"
	args := func(r *rand.Rand) []any { return []any{r.Int64N(w.rows)} }
	check := wantRows(1, "rows for a key")
	b.ResetTimer()
	sl := drive(b, connString(), w.clients, b.N, sql, args, check)
	pg := drive(b, w.pgConn, w.clients, b.N, sql, args, check)
	reportWire(b, sl, pg)
}

// wantRows checks that a query answered exactly want rows (what names them in
// the error).
func wantRows(want int, what string) func(pgx.Rows) error {
	return func(rows pgx.Rows) error {
		n := 0
		for rows.Next() {
			n++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if n != want {
			return fmt.Errorf("%d %s, want %d", n, what, want)
		}
		return nil
	}
}

// BenchmarkWireAggregate: a BI aggregate over the whole table (GROUP BY with
// a parameter in the filter), as a dashboard tile sends it.
func BenchmarkWireAggregate(b *testing.B) {
	w := setupWire(b)
	const sql = "SELECT district, count(*) AS n, sum(amount) AS total, avg(amount) AS mean FROM bench_rows WHERE amount >= $1 GROUP BY district ORDER BY total DESC LIMIT 10"
	args := func(r *rand.Rand) []any { return []any{float64(r.IntN(50))} }
	check := wantRows(10, "groups")
	b.ResetTimer()
	sl := drive(b, connString(), w.clients, b.N, sql, args, check)
	pg := drive(b, w.pgConn, w.clients, b.N, sql, args, check)
	reportWire(b, sl, pg)
}
