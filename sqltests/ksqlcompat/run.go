package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/sqltests/harness"
)

// Verdict is a case's outcome.
type Verdict string

const (
	Pass  Verdict = "PASS"
	Fail  Verdict = "FAIL"
	Skip  Verdict = "SKIP"
	Error Verdict = "ERROR" // the runner or the engine broke: counted as a failure
)

// Result is one case's outcome with the reason and a readable diff.
type Result struct {
	Case     string        `json:"case"`
	File     string        `json:"file"`
	Area     string        `json:"area"`
	Verdict  Verdict       `json:"verdict"`
	Reason   string        `json:"reason,omitempty"` // failure kind or skip reason
	Detail   string        `json:"detail,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}

// Runner runs cases against a sluice binary.
type Runner struct {
	Binary  string
	WorkDir string
	Timeout time.Duration // per case
	Keep    bool          // keep data dirs and logs of failed cases
}

// messageDiffers starts the detail of a negative case that failed with another
// message than ksqlDB's: message parity is reported, not required.
const messageDiffers = "failed as expected; message differs:"

// runnerOnlyProps are case properties that configure the comparison, not the engine.
var runnerOnlyProps = map[string]bool{"use.exact.numeric.comparison": true}

// Run executes one case.
func (r *Runner) Run(c *Case) Result {
	res := Result{Case: c.FullName, File: c.File, Area: Area(c.File)}
	if c.Rest != nil {
		res.Area = restArea(c.File)
	}
	if reason := SkipReason(c); reason != "" {
		res.Verdict, res.Reason = Skip, reason
		return res
	}
	start := time.Now()
	dir, err := os.MkdirTemp(r.WorkDir, "case-")
	if err != nil {
		res.Verdict, res.Reason, res.Detail = Error, "runner", err.Error()
		return res
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.Timeout)
	defer cancel()
	run := r.run
	if c.Rest != nil {
		run = r.runRest
	}
	v, reason, detail := run(ctx, c, dir)
	res.Verdict, res.Reason, res.Detail = v, reason, detail
	res.Duration = time.Since(start)
	if ctx.Err() != nil && v != Pass {
		res.Verdict, res.Reason = Error, "timeout"
	}
	if !r.Keep || v == Pass {
		os.RemoveAll(dir)
	} else {
		res.Detail += "\n(case dir kept: " + dir + ")"
	}
	return res
}

type caseEnv struct {
	ctx     context.Context
	srv     *harness.Server
	sess    *harness.Session
	kc      *kgo.Client
	adm     *kadm.Client
	sr      *srClient // the Schema Registry of the sluice under test
	catalog map[string]*SourceInfo
	setup   []string // the case's SET statements, replayed on new connections
}

func (e *caseEnv) exec(sql string) ([]harness.Result, error) {
	return e.sess.Run(e.ctx, sql)
}

func (r *Runner) run(ctx context.Context, c *Case, dir string) (Verdict, string, string) {
	env, stop, v, reason, detail := r.startEnv(ctx, c, dir)
	if v != "" {
		return v, reason, detail
	}
	defer stop()
	srv := env.srv
	for i, stmt := range c.Statements {
		_, err := env.exec(stmt)
		if err == nil {
			continue
		}
		var pgErr *harness.Error
		if !errors.As(err, &pgErr) {
			return Error, "connection", fmt.Sprintf("statement %d %q: %v\n%s", i+1, stmt, err, srv.LogTail())
		}
		if c.Expected != nil && i == len(c.Statements)-1 {
			detail := ""
			if c.Expected.Message != "" && !strings.Contains(pgErr.Message, c.Expected.Message) {
				// Message parity is reported, not required.
				detail = fmt.Sprintf(messageDiffers+"\n  want substring: %s\n  got: %s", c.Expected.Message, pgErr.Message)
			}
			return Pass, "", detail
		}
		return Fail, "statement", fmt.Sprintf("statement %d failed: %s\n  %s", i+1, pgErr.Message, stmt)
	}
	cat, err := readCatalog(env.exec)
	if err != nil {
		return Error, "catalog", err.Error()
	}
	env.catalog = byTopic(cat)
	for _, s := range env.catalog {
		s.sr = env.sr
	}
	if err := env.await(); err != nil {
		return Error, "await", err.Error()
	}
	for i, rec := range c.Inputs {
		if err := env.produce(rec); err != nil {
			return Error, "produce", fmt.Sprintf("input %d: %v", i+1, err)
		}
		if err := env.await(); err != nil {
			return Error, "await", fmt.Sprintf("after input %d: %v\n%s", i+1, err, srv.LogTail())
		}
	}
	if c.Expected != nil {
		if failed, _ := env.failedQuery(); failed != "" {
			return Pass, "", ""
		}
		return Fail, "expected-error", "every statement succeeded and no query failed; expected: " + c.Expected.Message
	}
	floatMode := c.Properties["use.exact.numeric.comparison"] == "false"
	if kind, diff := env.verifyOutputs(c, floatMode); kind != "" {
		return Fail, kind, diff
	}
	if c.Post != nil {
		if kind, diff := checkPost(c.Post, cat); kind != "" {
			return Fail, kind, diff
		}
	}
	return Pass, "", ""
}

// startEnv starts a sluice process for c, connects to it, creates the case's topics
// and applies its properties. On failure it returns a verdict; otherwise stop ends
// the process.
func (r *Runner) startEnv(ctx context.Context, c *Case, dir string) (env *caseEnv, stop func(), v Verdict, reason, detail string) {
	srv, err := harness.Start(harness.Config{
		Binary: r.Binary, DataDir: filepath.Join(dir, "data"), LogPath: filepath.Join(dir, "sluice.log"),
		Args: []string{"--log-level", "warn", "--service-id", "qtt", "--config", "auto.offset.reset=earliest", "--config", "ksql.streams.cache.max.bytes.buffering=0"},
	})
	if err != nil {
		return nil, nil, Error, "engine start", err.Error()
	}
	var closers []func()
	stop = func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	closers = append(closers, func() {
		if err := srv.Stop(10 * time.Second); err != nil && !srv.Exited() {
			_ = srv.Kill()
		}
	})
	sess, err := harness.Connect(ctx, srv.Addrs.PG, "SET sluice.dialect = 'ksql'")
	if err != nil {
		stop()
		return nil, nil, Error, "connect", err.Error()
	}
	closers = append(closers, sess.Close)
	kc, err := kgo.NewClient(
		kgo.SeedBrokers(srv.Addrs.Kafka),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerLinger(0),
		kgo.MetadataMinAge(20*time.Millisecond),
		kgo.RetryBackoffFn(func(int) time.Duration { return 20 * time.Millisecond }),
	)
	if err != nil {
		stop()
		return nil, nil, Error, "kafka", err.Error()
	}
	closers = append(closers, kc.Close)
	env = &caseEnv{ctx: ctx, srv: srv, sess: sess, kc: kc, adm: kadm.NewClient(kc)}
	if srv.Addrs.SchemaRegistry != "" {
		if env.sr, err = newSRClient(srv.Addrs.SchemaRegistry); err != nil {
			stop()
			return nil, nil, Error, "schema registry", err.Error()
		}
	}

	if err := env.createTopics(c); err != nil {
		stop()
		return nil, nil, Error, "create topics", err.Error()
	}
	if env.sr != nil {
		if err := env.sr.register(c.Topics); err != nil {
			stop()
			return nil, nil, Error, "register schemas", err.Error()
		}
	}
	var props []string
	for k := range c.Properties {
		props = append(props, k)
	}
	sort.Strings(props)
	for _, k := range props {
		if runnerOnlyProps[k] {
			continue
		}
		set := "SET '" + k + "'='" + strings.ReplaceAll(c.Properties[k], "'", "''") + "';"
		if _, err := env.exec(set); err != nil {
			stop()
			return nil, nil, Fail, "statement", fmt.Sprintf("SET %s: %v", k, err)
		}
		env.setup = append(env.setup, set)
	}
	return env, stop, "", "", ""
}

func (e *caseEnv) await() error {
	res, err := e.exec("AWAIT IDLE TIMEOUT 20 SECONDS;")
	_ = res
	return err
}

// failedQuery returns the id of a query in ERROR state.
func (e *caseEnv) failedQuery() (string, error) {
	res, err := e.exec("SHOW QUERIES;")
	if err != nil || len(res) != 1 {
		return "", err
	}
	for _, row := range res[0].Rows {
		if len(row) > 2 && row[2] != nil && *row[2] == "ERROR" {
			return *row[0], nil
		}
	}
	return "", nil
}

var (
	createWithColumns = regexp.MustCompile(`(?is)^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:SOURCE\s+)?(?:STREAM|TABLE)\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:` + "`[^`]+`" + `|"[^"]+"|[\w.]+)\s*\(`)
	kafkaTopicProp    = regexp.MustCompile(`(?i)KAFKA_TOPIC\s*=\s*'([^']*)'`)
	partitionsProp    = regexp.MustCompile(`(?i)\bPARTITIONS\s*=\s*(\d+)`)
)

// createTopics creates what ksqlDB's test framework creates before a case runs:
// the topics listed in the case, the topics of CREATE statements with a column list,
// and every topic named by an input or output record.
func (e *caseEnv) createTopics(c *Case) error {
	parts := map[string]int32{}
	add := func(name string, n int32) {
		if name == "" {
			return
		}
		if _, ok := parts[name]; !ok || n > 1 {
			parts[name] = n
		}
	}
	for _, t := range c.Topics {
		add(t.Name, int32(max(t.Partitions, 1)))
	}
	for _, s := range c.Statements {
		if !createWithColumns.MatchString(s) {
			continue
		}
		if m := kafkaTopicProp.FindStringSubmatch(s); m != nil {
			n := int32(1)
			if p := partitionsProp.FindStringSubmatch(s); p != nil {
				v, _ := strconv.Atoi(p[1])
				n = int32(v)
			}
			add(m[1], n)
		}
	}
	for _, r := range c.Inputs {
		add(r.Topic, 1)
	}
	for _, r := range c.Outputs {
		add(r.Topic, 1)
	}
	for name, n := range parts {
		resp, err := e.adm.CreateTopic(e.ctx, n, 1, nil, name)
		if err == nil {
			err = resp.Err
		}
		if err != nil && !strings.Contains(err.Error(), "TOPIC_ALREADY_EXISTS") {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

func (e *caseEnv) produce(rec Record) error {
	kr, err := e.kafkaRecord(rec)
	if err != nil {
		return err
	}
	return e.kc.ProduceSync(e.ctx, kr).FirstErr()
}

// kafkaRecord encodes an input record for partition 0 of its topic, with the
// formats the catalog gives the topic.
func (e *caseEnv) kafkaRecord(rec Record) (*kgo.Record, error) {
	src := e.catalog[rec.Topic]
	key, err := encodeKey(src, rec)
	if err != nil {
		return nil, err
	}
	val, err := encodeValue(src, rec)
	if err != nil {
		return nil, err
	}
	kr := &kgo.Record{Topic: rec.Topic, Partition: 0, Key: key, Value: val}
	ts := int64(0)
	if rec.Timestamp != nil {
		ts = *rec.Timestamp
	}
	kr.Timestamp = time.UnixMilli(ts)
	if rec.Headers != nil {
		for _, h := range *rec.Headers {
			var v []byte
			if h.Value != nil {
				if v, err = base64.StdEncoding.DecodeString(*h.Value); err != nil {
					return nil, fmt.Errorf("header %s: %w", h.Key, err)
				}
			}
			kr.Headers = append(kr.Headers, kgo.RecordHeader{Key: h.Key, Value: v})
		}
	}
	return kr, nil
}

// consumeAll reads every record of topic up to its current end, partition by partition.
func (e *caseEnv) consumeAll(topic string) ([]*kgo.Record, error) {
	ends, err := e.adm.ListEndOffsets(e.ctx, topic)
	if err != nil {
		return nil, err
	}
	want := map[int32]int64{}
	total := int64(0)
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err == nil && o.Offset > 0 {
			want[o.Partition] = o.Offset
			total += o.Offset
		}
	})
	if total == 0 {
		return nil, nil
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(e.srv.Addrs.Kafka), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(50*time.Millisecond))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	var recs []*kgo.Record
	got := map[int32]int64{}
	for {
		done := true
		for p, end := range want {
			if got[p] < end {
				done = false
			}
		}
		if done {
			break
		}
		fs := cl.PollFetches(e.ctx)
		if e.ctx.Err() != nil {
			return recs, fmt.Errorf("read %s: %w", topic, e.ctx.Err())
		}
		fs.EachRecord(func(r *kgo.Record) {
			if r.Offset < want[r.Partition] {
				recs = append(recs, r)
				got[r.Partition] = r.Offset + 1
			}
		})
	}
	// Within a partition the order is the log's; across partitions only per-key
	// order is defined, so sort stably by partition for a deterministic diff.
	sort.SliceStable(recs, func(i, j int) bool {
		if recs[i].Partition != recs[j].Partition {
			return recs[i].Partition < recs[j].Partition
		}
		return recs[i].Offset < recs[j].Offset
	})
	return recs, nil
}
