package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The delivery seed workload: the delivery platform's batch job, per-district
// COUNT and SUM over all delivery events, as a persistent table. N rows are loaded
// first (into the engine, and with COPY into PostgreSQL 15); then freshness is
// measured. For Sluice, one marker event at a time is produced and a pull query
// over the Postgres wire polls its district until the new count is visible:
// freshness = visible time − produce time. For PostgreSQL, the batch job's
// freshness is the time to re-run the GROUP BY over all rows.

// deliveryConfig is the delivery command's settings.
type deliveryConfig struct {
	rows       []int64 // table sizes, each measured on its own topic and table
	districts  int
	partitions int
	samples    int     // freshness markers per size
	sampleRate float64 // markers per second (at most; one is in flight at a time)
	pgRuns     int     // timed re-runs of the batch query in PostgreSQL
	pgBin      string  // PostgreSQL server binaries ("" skips PostgreSQL)
	procs      int
	sluice     string
	workDir    string
	timeout    time.Duration // longest wait for the engine to load one size
	out        io.Writer
}

// deliveryResult is the workload's figures; its JSON form is the report's
// seeds.delivery.
type deliveryResult struct {
	Districts   int             `json:"districts"`
	EngineProcs int             `json:"engine_gomaxprocs"`
	Query       string          `json:"query"`
	Postgres    string          `json:"postgres"`
	Sizes       []*deliverySize `json:"sizes"`
}

type deliverySize struct {
	Rows int64 `json:"rows"`
	// ProduceSeconds is the benchmark's load of the topic; LoadSeconds the
	// engine's, from the query's start until it was idle; LoadCPUSeconds the
	// engine's CPU over that span.
	ProduceSeconds   float64 `json:"produce_seconds"`
	LoadSeconds      float64 `json:"load_seconds"`
	LoadCPUSeconds   float64 `json:"load_cpu_seconds"`
	LoadRowsPerSec   float64 `json:"load_rows_per_sec"`
	Verified         bool    `json:"verified"`
	VerifyNote       string  `json:"verify_note,omitempty"`
	FreshnessSamples int     `json:"freshness_samples"`
	P50FreshnessMs   float64 `json:"p50_freshness_ms"`
	P99FreshnessMs   float64 `json:"p99_freshness_ms"`
	MaxFreshnessMs   float64 `json:"max_freshness_ms"`
	// PG is the batch job in PostgreSQL, or nil when it did not run.
	PG *pgBatch `json:"postgres,omitempty"`
}

type pgBatch struct {
	LoadSeconds float64 `json:"load_seconds"` // COPY plus VACUUM ANALYZE
	Runs        int     `json:"runs"`
	P50Ms       float64 `json:"p50_ms"`
	P99Ms       float64 `json:"p99_ms"`
	Verified    bool    `json:"verified"`
	Error       string  `json:"error,omitempty"`
}

// delivery is one generated delivery event; amount is in cents.
type delivery struct {
	id, courier, amount int64
	district            int
}

func deliveryRow(i int64, districts int) delivery {
	r := newRNG(i ^ 0x5eed)
	return delivery{id: i, district: int(r.intn(int64(districts))), courier: r.intn(5000), amount: 100 + r.intn(10_000)}
}

func appendDeliveryJSON(dst []byte, d delivery) []byte {
	dst = append(dst, `{"id":`...)
	dst = strconv.AppendInt(dst, d.id, 10)
	dst = append(dst, `,"district":`...)
	dst = strconv.AppendInt(dst, int64(d.district), 10)
	dst = append(dst, `,"courier":`...)
	dst = strconv.AppendInt(dst, d.courier, 10)
	dst = append(dst, `,"amount":`...)
	dst = strconv.AppendInt(dst, d.amount, 10)
	return append(dst, `,"status":"delivered"}`...)
}

// districtTotals is the independent computation: count and sum per district.
type districtTotals struct{ n, total []int64 }

func expectDistricts(rows int64, districts int) districtTotals {
	t := districtTotals{n: make([]int64, districts), total: make([]int64, districts)}
	for i := int64(0); i < rows; i++ {
		d := deliveryRow(i, districts)
		t.n[d.district]++
		t.total[d.district] += d.amount
	}
	return t
}

// compare reads rows of (district, n, total) and reports the first difference.
func (t districtTotals) compare(rows pgx.Rows) (string, error) {
	defer rows.Close()
	seen := make([]bool, len(t.n))
	var diffs []string
	for rows.Next() {
		var d int
		var n, total int64
		if err := rows.Scan(&d, &n, &total); err != nil {
			return "", err
		}
		switch {
		case d < 0 || d >= len(t.n) || seen[d]:
			diffs = append(diffs, fmt.Sprintf("unexpected district %d", d))
		case n != t.n[d] || total != t.total[d]:
			diffs = append(diffs, fmt.Sprintf("district %d: got n=%d total=%d, want %d %d", d, n, total, t.n[d], t.total[d]))
		}
		if d >= 0 && d < len(t.n) {
			seen[d] = true
		}
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	for d, ok := range seen {
		if !ok && t.n[d] > 0 {
			diffs = append(diffs, fmt.Sprintf("district %d missing", d))
		}
	}
	if len(diffs) > 0 {
		return fmt.Sprintf("%d districts differ; first: %s", len(diffs), diffs[0]), nil
	}
	return "", nil
}

const deliveryDDL = `CREATE STREAM {src} (id BIGINT, district INT, courier BIGINT, amount BIGINT, status VARCHAR)
  WITH (KAFKA_TOPIC='{src}', VALUE_FORMAT='JSON', PARTITIONS={partitions});`

var deliveryQuery = benchQuery{
	name: "delivery", sink: "by_district",
	stmts: []string{`CREATE TABLE by_district{s} AS SELECT district, COUNT(*) AS n, SUM(amount) AS total
  FROM {src} GROUP BY district EMIT CHANGES;`},
}

const pgBatchQuery = "SELECT district, COUNT(*), SUM(amount) FROM deliveries_{s} GROUP BY district"

func runDelivery(ctx context.Context, cfg deliveryConfig) (*deliveryResult, error) {
	st, err := newStack(ctx, cfg.sluice, cfg.workDir, cfg.out, kgo.ProducerLinger(5*time.Millisecond))
	if err != nil {
		return nil, err
	}
	defer st.close()
	r, err := st.startEngine(ctx, config{procs: cfg.procs, partitions: cfg.partitions, timeout: cfg.timeout})
	if err != nil {
		return nil, err
	}
	// Markers are produced one at a time: no lingering.
	markers, err := newClient(st.brk.addr, kgo.ProducerLinger(0))
	if err != nil {
		return nil, err
	}
	defer markers.Close()
	res := &deliveryResult{Districts: cfg.districts, EngineProcs: cfg.procs,
		Query: strings.Join(strings.Fields(render(deliveryQuery.stmts[0], "deliveries", "")), " ")}

	var pg *postgres
	switch {
	case cfg.pgBin == "":
		res.Postgres = "not run (-pg-bin empty)"
	default:
		pg, err = startPostgres(ctx, cfg.pgBin)
		if err != nil {
			res.Postgres = "could not start: " + err.Error()
			st.progress("postgres: %s", res.Postgres)
		} else {
			defer pg.stop()
			res.Postgres = pg.version
			st.progress("postgres: %s (own process, unix socket %s)", pg.version, pg.sockDir)
		}
	}

	for _, n := range cfg.rows {
		sz := &deliverySize{Rows: n}
		res.Sizes = append(res.Sizes, sz)
		src := "deliveries_" + strconv.FormatInt(n, 10)
		if err := createTopic(ctx, st.cl, src, cfg.partitions); err != nil {
			return nil, err
		}
		t0 := time.Now()
		if err := produceRange(ctx, st.cl, src, cfg.partitions, n, nil, func(id int64, dst []byte) []byte {
			return appendDeliveryJSON(dst, deliveryRow(id, cfg.districts))
		}); err != nil {
			return nil, err
		}
		sz.ProduceSeconds = time.Since(t0).Seconds()
		st.progress("delivery: produced %d rows into %s in %.1fs", n, src, sz.ProduceSeconds)
		want := expectDistricts(n, cfg.districts)

		if err := r.exec(ctx, strings.NewReplacer("{src}", src, "{partitions}", strconv.Itoa(cfg.partitions)).Replace(deliveryDDL)); err != nil {
			return nil, err
		}
		cpu0, err := processCPU(r.eng.pid())
		if err != nil {
			return nil, err
		}
		t0 = time.Now()
		q, err := r.start(ctx, deliveryQuery, src, "")
		if err != nil {
			return nil, err
		}
		if q.errMsg != "" {
			return nil, fmt.Errorf("delivery query: %s", q.errMsg)
		}
		if err := r.waitCaughtUp(ctx, q, src); err != nil {
			return nil, err
		}
		if err := r.exec(ctx, "AWAIT IDLE TIMEOUT 300 SECONDS;"); err != nil {
			return nil, err
		}
		sz.LoadSeconds = time.Since(t0).Seconds()
		cpu1, err := processCPU(r.eng.pid())
		if err != nil {
			return nil, err
		}
		sz.LoadCPUSeconds = cpu1 - cpu0
		sz.LoadRowsPerSec = float64(n) / sz.LoadSeconds
		table := q.sink
		rows, err := r.conn.Query(ctx, "SELECT district, n, total FROM "+table+";")
		if err != nil {
			return nil, fmt.Errorf("pull query: %w", err)
		}
		if sz.VerifyNote, err = want.compare(rows); err != nil {
			return nil, fmt.Errorf("pull query: %w", err)
		}
		sz.Verified = sz.VerifyNote == ""
		st.progress("delivery: engine loaded %d rows in %.1fs (%.0f rows/s, %.1f CPU s); verified: %s %s",
			n, sz.LoadSeconds, sz.LoadRowsPerSec, sz.LoadCPUSeconds, yesNo(sz.Verified), sz.VerifyNote)

		if err := r.freshness(ctx, cfg, markers, src, table, n, want, sz); err != nil {
			return nil, err
		}
		r.stop(ctx, q)
		if pg != nil {
			sz.PG = pg.batch(ctx, n, cfg.districts, cfg.pgRuns, want)
			if sz.PG.Error != "" {
				st.progress("postgres: %s", sz.PG.Error)
			} else {
				st.progress("postgres: loaded %d rows in %.1fs; GROUP BY p50 %.1f ms, p99 %.1f ms over %d runs",
					n, sz.PG.LoadSeconds, sz.PG.P50Ms, sz.PG.P99Ms, sz.PG.Runs)
			}
		}
	}
	return res, nil
}

// freshness produces cfg.samples markers, one at a time, into src and times each
// until a pull query of table shows its district's new count.
func (r *runner) freshness(ctx context.Context, cfg deliveryConfig, markers *kgo.Client, src, table string,
	rows int64, want districtTotals, sz *deliverySize) error {
	counts := slices.Clone(want.n)
	interval := time.Duration(float64(time.Second) / cfg.sampleRate)
	var lat []float64
	next := time.Now()
	for k := 0; k < cfg.samples; k++ {
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		}
		next = next.Add(interval)
		id := rows + int64(k)
		m := deliveryRow(id, cfg.districts)
		counts[m.district]++
		pull := "SELECT n, total FROM " + table + " WHERE district = " + strconv.Itoa(m.district) + ";"
		t0 := time.Now()
		if err := markers.ProduceSync(ctx, &kgo.Record{Topic: src, Partition: int32(id % int64(cfg.partitions)),
			Value: appendDeliveryJSON(nil, m), Timestamp: t0}).FirstErr(); err != nil {
			return fmt.Errorf("produce marker: %w", err)
		}
		deadline := t0.Add(30 * time.Second)
		for {
			var n, total int64
			err := r.conn.QueryRow(ctx, pull).Scan(&n, &total)
			if err != nil && err != pgx.ErrNoRows {
				return fmt.Errorf("%s: %w", pull, err)
			}
			if n >= counts[m.district] {
				lat = append(lat, float64(time.Since(t0).Microseconds())/1000)
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("marker %d not visible in %s after 30s (count %d, want %d)", k, table, n, counts[m.district])
			}
			time.Sleep(time.Millisecond)
		}
	}
	slices.Sort(lat)
	sz.FreshnessSamples = len(lat)
	if len(lat) > 0 {
		sz.P50FreshnessMs, sz.P99FreshnessMs, sz.MaxFreshnessMs = percentile(lat, 0.5), percentile(lat, 0.99), lat[len(lat)-1]
	}
	r.progress("delivery: freshness over %d markers at ≤ %.0f/s: p50 %.1f ms, p99 %.1f ms, max %.1f ms",
		len(lat), cfg.sampleRate, sz.P50FreshnessMs, sz.P99FreshnessMs, sz.MaxFreshnessMs)
	return nil
}

func (d *deliveryResult) writeTable(w io.Writer, machine string) {
	fmt.Fprintf(w, "Delivery seed: %d districts, engine GOMAXPROCS=%d, %s\n", d.Districts, d.EngineProcs, machine)
	fmt.Fprintf(w, "  Sluice: %s\n  PostgreSQL: %s; %s re-run over all rows\n", d.Query, d.Postgres,
		render(pgBatchQuery, "", "N"))
	tw := newTable(w)
	fmt.Fprintln(tw, "rows\tproduce s\tengine load s\tload CPU s\trows/s\tverified\tsamples\tSluice p50 ms\tSluice p99 ms\tPG load s\tPG p50 ms\tPG p99 ms\tPG verified\t")
	for _, s := range d.Sizes {
		pgLoad, pgP50, pgP99, pgOK := "-", "-", "-", "-"
		if p := s.PG; p != nil && p.Error == "" {
			pgLoad, pgP50, pgP99, pgOK = fmt.Sprintf("%.1f", p.LoadSeconds), fmt.Sprintf("%.1f", p.P50Ms),
				fmt.Sprintf("%.1f", p.P99Ms), yesNo(p.Verified)
		}
		fmt.Fprintf(tw, "%d\t%.1f\t%.1f\t%.1f\t%.0f\t%s\t%d\t%.1f\t%.1f\t%s\t%s\t%s\t%s\t\n", s.Rows, s.ProduceSeconds,
			s.LoadSeconds, s.LoadCPUSeconds, s.LoadRowsPerSec, yesNo(s.Verified), s.FreshnessSamples,
			s.P50FreshnessMs, s.P99FreshnessMs, pgLoad, pgP50, pgP99, pgOK)
	}
	tw.Flush()
	for _, s := range d.Sizes {
		if s.VerifyNote != "" {
			fmt.Fprintf(w, "  %d rows: Sluice not verified: %s\n", s.Rows, s.VerifyNote)
		}
		if s.PG != nil && s.PG.Error != "" {
			fmt.Fprintf(w, "  %d rows: PostgreSQL: %s\n", s.Rows, s.PG.Error)
		}
	}
}
