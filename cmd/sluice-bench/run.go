package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// config is the nexmark command's settings.
type config struct {
	events       int64    // events in the measured topic
	verifyEvents int64    // events in the verification topic (0: no verification)
	partitions   int      // partitions of the input topics
	tps          int64    // event-time rate of the generator
	verifyTPS    int64    // event-time rate of the verification topics' generator
	queries      []string // query names to run
	procs        int      // GOMAXPROCS of the engine
	sluice       string   // engine binary ("" builds cmd/sluice)
	workDir      string   // "" uses a temporary directory, removed afterwards
	jsonOut      string
	cpuProfile   string        // engine CPU profile over the measured phase
	latencyRate  int           // events/s for the latency phase; 0 picks half the measured rate
	latencyFor   time.Duration // length of the latency phase per query; 0 skips it
	timeout      time.Duration // per query
	out          io.Writer     // the table and progress
}

// run is the whole benchmark: broker, topics, baselines, queries, report.
func run(ctx context.Context, cfg config) (*report, error) {
	st, err := newStack(ctx, cfg.sluice, cfg.workDir, cfg.out, kgo.ProducerLinger(5*time.Millisecond))
	if err != nil {
		return nil, err
	}
	defer st.close()
	progress := st.progress
	cl := st.cl
	g := &generator{tps: cfg.tps}
	vg := &generator{tps: cfg.verifyTPS}
	rep := &report{Events: cfg.events, Partitions: cfg.partitions, TPS: cfg.tps, EngineProcs: cfg.procs,
		Machine: machine(), Baselines: map[string]*baselineResult{}, Queries: map[string]*queryResult{}}

	const mainTopic, verifyTopic, verifyTopic1 = "nexmark", "nexmark_verify", "nexmark_verify1"
	start := time.Now()
	if err := createTopic(ctx, cl, mainTopic, cfg.partitions); err != nil {
		return nil, err
	}
	if err := produceEvents(ctx, cl, mainTopic, cfg.partitions, g, cfg.events, nil); err != nil {
		return nil, err
	}
	progress("generated %d events into %s in %.1fs", cfg.events, mainTopic, time.Since(start).Seconds())
	// Two verification topics with the same events: one with the measured
	// topic's partitions, and one with a single partition for the queries whose
	// result depends on the order of processing (orderedVerify).
	verifyTopics := map[string]int{verifyTopic: cfg.partitions, verifyTopic1: 1}
	if cfg.verifyEvents > 0 {
		// Event i is stamped t0+i ms, the last one now.
		t0 := time.Now().Truncate(time.Millisecond).Add(-time.Duration(cfg.verifyEvents) * time.Millisecond)
		stamp := func(id int64) time.Time { return t0.Add(time.Duration(id) * time.Millisecond) }
		for _, topic := range []string{verifyTopic, verifyTopic1} {
			if err := createTopic(ctx, cl, topic, verifyTopics[topic]); err != nil {
				return nil, err
			}
			if err := produceEvents(ctx, cl, topic, verifyTopics[topic], vg, cfg.verifyEvents, stamp); err != nil {
				return nil, err
			}
		}
	}

	if err := runBaselines(ctx, cfg, st.dir, st.brk, mainTopic, rep, progress); err != nil {
		return nil, err
	}

	r, err := st.startEngine(ctx, cfg)
	if err != nil {
		return nil, err
	}
	r.gen = g
	r.verifyGen = vg
	if err := r.exec(ctx, render(strings.NewReplacer("{topic}", mainTopic,
		"{partitions}", strconv.Itoa(cfg.partitions)).Replace(sourceDDL), "nexmark", "")); err != nil {
		return nil, err
	}
	if cfg.verifyEvents > 0 {
		// The verification streams are named as their topics.
		for _, topic := range []string{verifyTopic, verifyTopic1} {
			if err := r.exec(ctx, render(strings.NewReplacer("{topic}", topic,
				"{partitions}", strconv.Itoa(verifyTopics[topic])).Replace(sourceDDL), topic, "")); err != nil {
				return nil, err
			}
		}
	}

	for _, q := range allQueries() {
		if !slices.Contains(cfg.queries, q.name) {
			continue
		}
		res := &queryResult{Stateless: q.stateless, Statements: len(q.stmts)}
		rep.Queries[q.name] = res
		rep.order = append(rep.order, q.name)
		if cfg.verifyEvents > 0 {
			topic := verifyTopic
			if q.orderedVerify {
				topic = verifyTopic1
			}
			if err := r.verify(ctx, q, topic, res); err != nil {
				return nil, err
			}
		}
		if res.Error != "" {
			progress("%s: %s", q.name, res.Error)
			continue
		}
		if err := r.measure(ctx, q, mainTopic, res); err != nil {
			return nil, err
		}
		if res.Error == "" && cfg.latencyFor > 0 && q.eventTime {
			// The results are stamped with the events' own time (2015 in
			// Nexmark's data), not the produce time latency is taken from.
			progress("%s: latency not measured: its results carry event time", q.name)
		} else if res.Error == "" && cfg.latencyFor > 0 {
			if err := r.latency(ctx, q, res); err != nil {
				return nil, err
			}
		}
	}
	rep.ratios()
	return rep, nil
}

func machine() string {
	out := runtimeDesc()
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "model name") {
				if _, v, ok := strings.Cut(line, ":"); ok {
					out += ", " + strings.TrimSpace(v)
				}
				break
			}
		}
	}
	return out
}

func runBaselines(ctx context.Context, cfg config, dir string, brk *broker, topic string, rep *report, progress func(string, ...any)) error {
	addr := brk.addr
	for _, kind := range []string{"B0", "B1", "P0"} {
		count := cfg.events
		if kind == "P0" {
			count = min(cfg.events, 2_000_000)
		}
		cmd, err := selfCommand("baseline", "-kind", kind, "-broker", addr, "-topic", topic,
			"-count", strconv.FormatInt(count, 10), "-dir", filepath.Join(dir, "p0-"+strconv.FormatInt(time.Now().UnixNano(), 36)))
		if err != nil {
			return err
		}
		cmd.Env = append(cmd.Env, "GOMAXPROCS="+strconv.Itoa(cfg.procs))
		out, cpu, err := childResult(cmd, os.Stderr)
		if err != nil {
			return fmt.Errorf("baseline %s: %w", kind, err)
		}
		var br baselineReport
		if err := json.Unmarshal(out, &br); err != nil {
			return fmt.Errorf("baseline %s output %q: %w", kind, out, err)
		}
		res := &baselineResult{Records: br.Records, CPUSeconds: cpu, WallSeconds: br.Seconds}
		if kind == "P0" {
			res.WritesPerSec = float64(br.Records) / br.Seconds
			res.WritesPerSecPerCore = float64(br.Records) / cpu
			progress("P0 pebble: %d writes, %.0f writes/s", br.Records, res.WritesPerSec)
		} else {
			res.EventsPerSecPerCore = float64(br.Records) / cpu
			res.EventsPerSec = float64(br.Records) / br.Seconds
			progress("%s: %d records, %.2f CPU s, %.0f events/s/core", kind, br.Records, cpu, res.EventsPerSecPerCore)
		}
		rep.Baselines[kind] = res
	}
	return nil
}

// runner runs queries on the engine.
type runner struct {
	cfg       config
	eng       *engine
	brk       *broker
	broker    string
	adm       *kadm.Client
	cl        *kgo.Client
	conn      *pgx.Conn
	gen       *generator
	verifyGen *generator
	progress  func(string, ...any)
	runs      int // suffix counter: every started query gets new names
}

func (r *runner) exec(ctx context.Context, stmt string) error {
	if _, err := r.conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("%s: %w", firstLine(stmt), err)
	}
	return nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// queryIDs lists the engine's persistent queries from its /queries endpoint.
func (r *runner) queryIDs(ctx context.Context) (map[string]bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+r.eng.httpAddr+"/queries", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var qs []struct{ ID, State, Error string }
	if err := json.NewDecoder(resp.Body).Decode(&qs); err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, q := range qs {
		out[q.ID] = true
	}
	return out, nil
}

// started is one start of a query's statements.
type started struct {
	ids    []string // persistent query ids in statement order
	sink   string   // result topic
	errMsg string   // the first statement the engine refused
}

// start runs q's statements over src and returns the persistent queries they
// created. A refused statement ends the sequence; its message is the result.
// With settle set (src's topic), each statement's queries consume their input
// to the end before the next statement starts.
func (r *runner) start(ctx context.Context, q benchQuery, src, settle string) (*started, error) {
	r.runs++
	suffix := "_r" + strconv.Itoa(r.runs)
	st := &started{sink: strings.ToUpper(q.sink + suffix)}
	for _, tmpl := range q.stmts {
		before, err := r.queryIDs(ctx)
		if err != nil {
			return nil, err
		}
		if _, err := r.conn.Exec(ctx, render(tmpl, src, suffix)); err != nil {
			st.errMsg = err.Error()
			return st, nil
		}
		after, err := r.queryIDs(ctx)
		if err != nil {
			return nil, err
		}
		var added []string
		for id := range after {
			if !before[id] {
				added = append(added, id)
			}
		}
		sort.Strings(added)
		st.ids = append(st.ids, added...)
		if settle != "" {
			if err := r.waitCaughtUp(ctx, st, settle); err != nil {
				return nil, err
			}
		}
	}
	return st, nil
}

// stop terminates the queries of a start.
func (r *runner) stop(ctx context.Context, st *started) {
	for _, id := range st.ids {
		if err := r.exec(ctx, "TERMINATE "+id+";"); err != nil {
			r.progress("terminate %s: %v", id, err)
		}
	}
}

// waitCaughtUp waits until every query of st has committed the end of its input.
func (r *runner) waitCaughtUp(ctx context.Context, st *started, src string) error {
	groups := make([]string, len(st.ids))
	for i, id := range st.ids {
		groups[i] = "_sluice_sluice_query_" + id
	}
	deadline := time.Now().Add(r.cfg.timeout)
	var ends map[int32]int64
	for {
		// Errors are retried until the deadline: a broker answer lost to a
		// dropped connection is not a failed run.
		var err error
		if ends == nil {
			ends, err = endOffsets(ctx, r.adm, src)
			if err != nil {
				ends = nil
			}
		}
		if err == nil {
			var ok bool
			if ok, err = groupsCaughtUp(ctx, r.adm, src, ends, groups); ok {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("queries %v not caught up after %s (last error: %v; engine log: %s)", st.ids, r.cfg.timeout,
				err, tail(filepath.Join(r.eng.dir, "engine.log")))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-r.eng.done:
			return fmt.Errorf("engine exited: %v", r.eng.err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// verify runs q over a verification topic (and the stream of the same name) and compares its output with the
// independent computation.
func (r *runner) verify(ctx context.Context, q benchQuery, topic string, res *queryResult) error {
	// The statements start one after another, each once the previous ones have
	// consumed their input: a stream-table join started with its table's query
	// would otherwise read stream records whose table rows (earlier in record
	// time) are not written yet, and join them with nothing.
	st, err := r.start(ctx, q, topic, topic)
	if err != nil {
		return err
	}
	defer r.stop(ctx, st)
	if st.errMsg != "" {
		res.Error = st.errMsg
		return nil
	}
	if q.expect == nil {
		res.VerifyNote = "no independent computation yet"
		return nil
	}
	if err := r.waitCaughtUp(ctx, st, topic); err != nil {
		return err
	}
	recs, err := readTopic(ctx, r.broker, st.sink)
	if err != nil {
		return err
	}
	if q.table {
		recs = finalState(recs)
	}
	got := make([]string, 0, len(recs))
	for _, rec := range recs {
		row, err := q.rowOf(rec.key, rec.value)
		if err != nil {
			res.VerifyNote = "bad output record: " + err.Error()
			return nil
		}
		got = append(got, row)
	}
	want := q.expect(eventSource{gen: r.verifyGen, n: r.cfg.verifyEvents})
	if len(want) == 0 && len(got) == 0 {
		res.VerifyNote = "no rows expected and none written: nothing compared"
		r.progress("%s: not verified: %s", q.name, res.VerifyNote)
		return nil
	}
	if diff := compareRows(want, got); diff != "" {
		res.VerifyNote = diff
		r.progress("%s: verification FAILED: %s", q.name, diff)
		return nil
	}
	res.Verified = true
	res.VerifiedRows = len(got)
	r.progress("%s: verified %d output rows from %d events", q.name, len(got), r.cfg.verifyEvents)
	return nil
}

// measure runs q over the measured topic from the earliest offset and records the
// engine's CPU seconds and the wall time until the output is committed.
func (r *runner) measure(ctx context.Context, q benchQuery, topic string, res *queryResult) error {
	cpu0, err := processCPU(r.eng.pid())
	if err != nil {
		return err
	}
	t0 := time.Now()
	st, err := r.start(ctx, q, "nexmark", "")
	if err != nil {
		return err
	}
	defer r.stop(ctx, st)
	if st.errMsg != "" {
		res.Error = st.errMsg
		return nil
	}
	if err := r.waitCaughtUp(ctx, st, topic); err != nil {
		return err
	}
	wall := time.Since(t0).Seconds()
	cpu1, err := processCPU(r.eng.pid())
	if err != nil {
		return err
	}
	res.CPUSeconds = cpu1 - cpu0
	res.WallSeconds = wall
	res.EventsPerSec = float64(r.cfg.events) / wall
	if res.CPUSeconds > 0 {
		res.EventsPerSecPerCore = float64(r.cfg.events) / res.CPUSeconds
	}
	res.Cores = res.CPUSeconds / wall
	r.progress("%s: %d events in %.2fs wall, %.2f engine CPU s: %.0f events/s/core", q.name, r.cfg.events, wall,
		res.CPUSeconds, res.EventsPerSecPerCore)
	return nil
}
