package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// The telemetry seed workload: devices report ~5 KB JSON messages at a fixed rate
// (the seed's 500,000 a minute), and a persistent query aggregates them per device
// and region per minute. The figure is the engine CPU that rate needs, as a
// fraction of one core, and whether the engine kept up; the final state, read with
// a pull query, is compared with the same aggregate computed in Go from the
// messages sent.

// telemetryConfig is the telemetry command's settings.
type telemetryConfig struct {
	rate       int           // messages per second
	duration   time.Duration // the measured phase, after warmup
	warmup     time.Duration // produced at the same rate before the measured phase
	devices    int
	partitions int
	msgBytes   int // approximate size of one message
	procs      int
	sluice     string
	workDir    string
	timeout    time.Duration // longest wait for the engine to catch up afterwards
	out        io.Writer
}

// telemetryResult is the workload's figures; its JSON form is the report's
// seeds.telemetry.
type telemetryResult struct {
	Rate           float64 `json:"rate_msgs_per_sec"`
	TargetRate     int     `json:"target_rate_msgs_per_sec"`
	MessageBytes   int     `json:"message_bytes"`
	Messages       int64   `json:"messages"`
	Devices        int     `json:"devices"`
	WallSeconds    float64 `json:"wall_seconds"`
	CPUSeconds     float64 `json:"cpu_seconds"`
	Cores          float64 `json:"cores"`
	LagAtEnd       int64   `json:"lag_at_end_records"`
	CatchUpSeconds float64 `json:"catch_up_seconds"`
	KeptUp         bool    `json:"kept_up"`
	Verified       bool    `json:"verified"`
	VerifiedRows   int     `json:"verified_rows,omitempty"`
	VerifyNote     string  `json:"verify_note,omitempty"`
	EngineProcs    int     `json:"engine_gomaxprocs"`
	Query          string  `json:"query"`
	TargetCores    float64 `json:"target_cores"`
}

var telemetryRegions = []string{"eu-west", "eu-north", "us-east", "us-west", "ap-south", "ap-east", "sa-east", "af-south"}

// telemetryMsg is one generated message. temp is a multiple of 0.25 and battery
// an integer, so sums are exact in float64 in any order.
type telemetryMsg struct {
	device   int
	ts       int64
	temp     float64
	humidity float64
	battery  int64
	pressure int64
}

func (m *telemetryMsg) deviceID() string { return "dev-" + strconv.Itoa(m.device) }
func (m *telemetryMsg) region() string   { return telemetryRegions[m.device%len(telemetryRegions)] }

// telemetryGen generates message i as a pure function of i (and the timestamp it
// is given); padding is a slice of a fixed pseudo-random block.
type telemetryGen struct {
	devices  int
	msgBytes int
	block    string
}

func newTelemetryGen(devices, msgBytes int) *telemetryGen {
	r := newRNG(-1)
	b := make([]byte, 1<<16)
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	for i := range b {
		b[i] = letters[r.intn(int64(len(letters)))]
	}
	return &telemetryGen{devices: devices, msgBytes: msgBytes, block: string(b)}
}

func (g *telemetryGen) msg(i, ts int64) telemetryMsg {
	r := newRNG(i)
	return telemetryMsg{
		device:   int(r.intn(int64(g.devices))),
		ts:       ts,
		temp:     float64(r.intn(240)-40) / 4,
		humidity: float64(r.intn(1001)) / 10,
		battery:  r.intn(101),
		pressure: 950 + r.intn(100),
	}
}

// appendJSON encodes message i, padded with a payload field to about msgBytes.
func (g *telemetryGen) appendJSON(dst []byte, i int64, m *telemetryMsg) []byte {
	start := len(dst)
	dst = append(dst, `{"device":"`...)
	dst = append(dst, m.deviceID()...)
	dst = append(dst, `","region":"`...)
	dst = append(dst, m.region()...)
	dst = append(dst, `","ts":`...)
	dst = strconv.AppendInt(dst, m.ts, 10)
	dst = append(dst, `,"temp":`...)
	dst = strconv.AppendFloat(dst, m.temp, 'f', -1, 64)
	dst = append(dst, `,"humidity":`...)
	dst = strconv.AppendFloat(dst, m.humidity, 'f', -1, 64)
	dst = append(dst, `,"battery":`...)
	dst = strconv.AppendInt(dst, m.battery, 10)
	dst = append(dst, `,"pressure":`...)
	dst = strconv.AppendInt(dst, m.pressure, 10)
	dst = append(dst, `,"payload":"`...)
	pad := max(g.msgBytes-(len(dst)-start)-2, 0)
	off := int(uint64(i) * 7919 % uint64(len(g.block)-pad))
	dst = append(dst, g.block[off:off+pad]...)
	return append(dst, `"}`...)
}

const telemetryDDL = `CREATE STREAM telemetry (device VARCHAR, region VARCHAR, ts BIGINT, temp DOUBLE,
  humidity DOUBLE, battery BIGINT, pressure BIGINT, payload VARCHAR)
  WITH (KAFKA_TOPIC='telemetry', VALUE_FORMAT='JSON', PARTITIONS={partitions}, TIMESTAMP='ts');`

var telemetryQuery = benchQuery{
	name: "telemetry", sink: "telemetry_minute",
	stmts: []string{`CREATE TABLE telemetry_minute WITH (KEY_FORMAT='JSON') AS SELECT device, region, COUNT(*) AS n,
  AVG(temp) AS avg_temp, MAX(temp) AS max_temp, MIN(battery) AS min_battery, SUM(pressure) AS sum_pressure
  FROM telemetry WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY device, region EMIT CHANGES;`},
}

// telemetryAgg is one row of the expected final state.
type telemetryAgg struct {
	n                 int64
	sumTemp, maxTemp  float64
	minBattery, sumPr int64
}

type telemetryKey struct {
	device      int
	windowStart int64
}

func runTelemetry(ctx context.Context, cfg telemetryConfig) (*telemetryResult, error) {
	st, err := newStack(ctx, cfg.sluice, cfg.workDir, cfg.out, kgo.ProducerLinger(2*time.Millisecond))
	if err != nil {
		return nil, err
	}
	defer st.close()
	const topic = "telemetry"
	if err := createTopic(ctx, st.cl, topic, cfg.partitions); err != nil {
		return nil, err
	}
	r, err := st.startEngine(ctx, config{procs: cfg.procs, partitions: cfg.partitions, timeout: cfg.timeout})
	if err != nil {
		return nil, err
	}
	if err := r.exec(ctx, strings.ReplaceAll(telemetryDDL, "{partitions}", strconv.Itoa(cfg.partitions))); err != nil {
		return nil, err
	}
	q, err := r.start(ctx, telemetryQuery, "telemetry", "")
	if err != nil {
		return nil, err
	}
	if q.errMsg != "" {
		return nil, fmt.Errorf("telemetry query: %s", q.errMsg)
	}
	res := &telemetryResult{TargetRate: cfg.rate, MessageBytes: cfg.msgBytes, Devices: cfg.devices,
		EngineProcs: cfg.procs, Query: firstLine(telemetryQuery.stmts[0]) + " ...", TargetCores: 1}

	gen := newTelemetryGen(cfg.devices, cfg.msgBytes)
	want := map[telemetryKey]*telemetryAgg{}
	var next int64
	produce := func(n int64) {
		for ; n > 0; n-- {
			now := time.Now()
			m := gen.msg(next, now.UnixMilli())
			value := gen.appendJSON(make([]byte, 0, cfg.msgBytes+64), next, &m)
			st.cl.Produce(ctx, &kgo.Record{Topic: topic, Key: []byte(m.deviceID()),
				Partition: int32(m.device % cfg.partitions), Value: value, Timestamp: now}, nil)
			k := telemetryKey{m.device, m.ts - m.ts%60_000}
			a := want[k]
			if a == nil {
				a = &telemetryAgg{maxTemp: math.Inf(-1), minBattery: math.MaxInt64}
				want[k] = a
			}
			a.n++
			a.sumTemp += m.temp
			a.maxTemp = max(a.maxTemp, m.temp)
			a.minBattery = min(a.minBattery, m.battery)
			a.sumPr += m.pressure
			next++
		}
	}
	// produceFor keeps the rate for d, from the clock's t0 and the count sent at t0.
	produceFor := func(d time.Duration) {
		t0, sent0 := time.Now(), next
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for ctx.Err() == nil {
			elapsed := time.Since(t0)
			if elapsed >= d {
				elapsed = d
			}
			produce(sent0 + int64(float64(cfg.rate)*elapsed.Seconds()) - next)
			if elapsed == d {
				return
			}
			<-tick.C
		}
	}
	res.MessageBytes = len(gen.appendJSON(nil, 0, &telemetryMsg{device: 0}))
	st.progress("telemetry: %d B messages at %d/s, %s warmup, then %s measured", res.MessageBytes, cfg.rate, cfg.warmup, cfg.duration)
	produceFor(cfg.warmup)
	cpu0, err := processCPU(r.eng.pid())
	if err != nil {
		return nil, err
	}
	t0, sent0 := time.Now(), next
	produceFor(cfg.duration)
	if err := st.cl.Flush(ctx); err != nil {
		return nil, err
	}
	wall := time.Since(t0).Seconds()
	cpu1, err := processCPU(r.eng.pid())
	if err != nil {
		return nil, err
	}
	res.Messages, res.WallSeconds, res.CPUSeconds = next, wall, cpu1-cpu0
	res.Rate = float64(next-sent0) / wall
	res.Cores = res.CPUSeconds / wall
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}

	// Lag: the records of the topic the query's group has not committed yet.
	ends, err := endOffsets(ctx, r.adm, topic)
	if err != nil {
		return nil, err
	}
	committed, err := r.adm.FetchOffsets(ctx, groupOf(q.ids[0]))
	if err != nil {
		return nil, err
	}
	for p, end := range ends {
		o, _ := committed.Lookup(topic, p)
		res.LagAtEnd += end - max(o.At, 0)
	}
	t1 := time.Now()
	if err := r.waitCaughtUp(ctx, q, topic); err != nil {
		return nil, err
	}
	res.CatchUpSeconds = time.Since(t1).Seconds()
	// Kept up: at most a second of input behind when producing stopped (the
	// group commits periodically, so a caught-up query shows a little lag).
	res.KeptUp = res.LagAtEnd <= int64(cfg.rate)
	st.progress("telemetry: %d messages, %.1f msgs/s over %.1fs, engine %.2f CPU s = %.3f cores; lag at end %d records, caught up %.2fs later",
		res.Messages, res.Rate, wall, res.CPUSeconds, res.Cores, res.LagAtEnd, res.CatchUpSeconds)

	if err := r.exec(ctx, "AWAIT IDLE TIMEOUT 60 SECONDS;"); err != nil {
		return nil, err
	}
	rows, err := r.conn.Query(ctx, "SELECT device, region, WINDOWSTART, n, avg_temp, max_temp, min_battery, sum_pressure FROM telemetry_minute;")
	if err != nil {
		return nil, fmt.Errorf("pull query: %w", err)
	}
	got := map[telemetryKey]bool{}
	var bad []string
	for rows.Next() {
		var device, region string
		var ws, n, minB, sumPr int64
		var avgT, maxT float64
		if err := rows.Scan(&device, &region, &ws, &n, &avgT, &maxT, &minB, &sumPr); err != nil {
			rows.Close()
			return nil, fmt.Errorf("pull query row: %w", err)
		}
		id, _ := strconv.Atoi(strings.TrimPrefix(device, "dev-"))
		k := telemetryKey{id, ws}
		got[k] = true
		w := want[k]
		m := telemetryMsg{device: id}
		switch {
		case w == nil:
			bad = append(bad, fmt.Sprintf("unexpected row %s %s %d", device, region, ws))
		case region != m.region() || n != w.n || maxT != w.maxTemp || minB != w.minBattery || sumPr != w.sumPr ||
			math.Abs(avgT-w.sumTemp/float64(w.n)) > 1e-9*max(1, math.Abs(avgT)):
			bad = append(bad, fmt.Sprintf("%s %s window %d: got n=%d avg=%v max=%v min_battery=%d sum_pressure=%d, want %d %v %v %d %d",
				device, region, ws, n, avgT, maxT, minB, sumPr, w.n, w.sumTemp/float64(w.n), w.maxTemp, w.minBattery, w.sumPr))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pull query: %w", err)
	}
	for k := range want {
		if !got[k] {
			bad = append(bad, fmt.Sprintf("missing row dev-%d window %d", k.device, k.windowStart))
		}
	}
	if len(bad) > 0 {
		res.VerifyNote = fmt.Sprintf("%d of %d rows differ; first: %s", len(bad), len(want), bad[0])
		st.progress("telemetry: verification FAILED: %s", res.VerifyNote)
	} else {
		res.Verified, res.VerifiedRows = true, len(got)
		st.progress("telemetry: verified %d (device, region, minute) rows from %d messages", len(got), res.Messages)
	}
	return res, nil
}

// groupOf is the consumer group of a persistent query.
func groupOf(queryID string) string { return "_sluice_sluice_query_" + queryID }

func (t *telemetryResult) writeTable(w io.Writer, machine string) {
	fmt.Fprintf(w, "Telemetry seed on Sluice: %d B JSON messages, %d devices, engine GOMAXPROCS=%d, %s\n",
		t.MessageBytes, t.Devices, t.EngineProcs, machine)
	fmt.Fprintf(w, "  %s\n", t.Query)
	tw := newTable(w)
	fmt.Fprintln(tw, "target msgs/s\tmsgs/s\tMB/s\ttime s\tengine CPU s\tcores\ttarget cores\tlag at end\tcatch-up s\tkept up\tverified\t")
	fmt.Fprintf(tw, "%d\t%.0f\t%.1f\t%.1f\t%.2f\t%.3f\t≤ %.0f\t%d\t%.2f\t%s\t%s\t\n", t.TargetRate, t.Rate,
		t.Rate*float64(t.MessageBytes)/1e6, t.WallSeconds, t.CPUSeconds, t.Cores, t.TargetCores, t.LagAtEnd,
		t.CatchUpSeconds, yesNo(t.KeptUp), yesNo(t.Verified))
	tw.Flush()
	if !t.Verified && t.VerifyNote != "" {
		fmt.Fprintf(w, "  not verified: %s\n", t.VerifyNote)
	}
}
