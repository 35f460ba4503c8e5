package jdbcsink

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/formats"
	"github.com/sluice-db/sluice/plan"
)

// ProcessingLog receives the records the connector skips (errors.tolerance=all)
// or fails on. It must not block.
type ProcessingLog interface {
	Record(id string, err error, topic string, partition int32, offset int64)
}

// Deps is what a running connector needs from the engine.
type Deps struct {
	Name   string
	Config *Config
	// Sources maps each topic of Config.Topics to the source whose formats
	// and columns its records are read with.
	Sources map[string]*catalog.Source
	// NewClient makes a Kafka client (the cluster's connection options
	// plus opts); Group is the consumer group that assigns the partitions.
	NewClient func(opts ...kgo.Opt) (*kgo.Client, error)
	Group     string
	// InstanceID is the node's static member id in Group, so a node that
	// restarts takes its partitions back at once instead of waiting for its
	// predecessor's session to time out.
	InstanceID string
	Log        ProcessingLog
	Logger     *slog.Logger
}

// States of a connector, as DESCRIBE CONNECTOR shows them (Kafka Connect's
// names, plus RETRYING while the database refuses a batch).
const (
	StateRunning  = "RUNNING"
	StateRetrying = "RETRYING"
	StateFailed   = "FAILED"
	StateStopped  = "STOPPED"
)

// Status is a connector's state for DESCRIBE CONNECTOR and SHOW CONNECTORS.
type Status struct {
	State       string
	Partitions  int   // assigned to this node
	Lag         int64 // records in the assigned partitions not yet written
	RowsWritten int64 // records written (rows inserted, upserted, updated or deleted)
	Rejected    int64 // records skipped under errors.tolerance=all
	Batches     int64 // transactions committed (rows and offsets)
	// WriteErrors counts failed attempts to write a batch or prepare the
	// database (each retried attempt, and the last one if it failed for good).
	WriteErrors int64
	// PausedPartitions are those whose fetching waits for the database
	// (back-pressure: a full queue or a batch being retried).
	PausedPartitions int
	LastBatchAt      time.Time
	LastError        string
	LastErrorAt      time.Time
}

type topicPartition struct {
	topic     string
	partition int32
}

// Connector is a running JDBC sink.
type Connector struct {
	d      Deps
	cfg    *Config
	tables map[string]*table
	codecs map[string][2]formats.Codec // key, value
	cancel context.CancelFunc
	done   chan struct{}

	mu sync.Mutex
	// pos is each assigned partition's position as the database holds it;
	// hwm its high watermark as last fetched.
	pos     map[topicPartition]int64
	hwm     map[topicPartition]int64
	writers map[topicPartition]*partitionWriter
	status  Status
	pool    *pgxpool.Pool
	client  *kgo.Client
	// slots bounds the batches being written at once to tasks.max.
	slots chan struct{}
}

// Validate lays out every topic's table, so a CREATE fails on what would
// stop the connector at once.
func Validate(cfg *Config, sources map[string]*catalog.Source) error {
	for topic, src := range sources {
		if _, err := newTable(cfg, topic, src); err != nil {
			return err
		}
	}
	return nil
}

// Start starts the connector in the background.
func Start(d Deps) (*Connector, error) {
	c := &Connector{d: d, cfg: d.Config, tables: map[string]*table{}, codecs: map[string][2]formats.Codec{},
		pos: map[topicPartition]int64{}, hwm: map[topicPartition]int64{}, writers: map[topicPartition]*partitionWriter{},
		slots: make(chan struct{}, d.Config.TasksMax), done: make(chan struct{})}
	for topic, src := range d.Sources {
		t, err := newTable(c.cfg, topic, src)
		if err != nil {
			return nil, err
		}
		k, err := formats.NewCodec(src.KeyFormat, src.KeyColumns(), plan.KeyOptions(src))
		if err != nil {
			return nil, err
		}
		v, err := formats.NewCodec(src.ValueFormat, src.ValueColumns(), plan.ValueOptions(src))
		if err != nil {
			return nil, err
		}
		c.tables[topic], c.codecs[topic] = t, [2]formats.Codec{k, v}
	}
	c.status.State = StateRunning
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	go c.run(ctx)
	return c, nil
}

// Stop stops the connector: the batch being written commits or rolls back,
// and the node leaves the consumer group.
func (c *Connector) Stop() {
	c.cancel()
	<-c.done
}

// Terminate stops the connector for good (DROP CONNECTOR): beyond Stop, its
// static member leaves the consumer group, so the other nodes' members take
// its partitions at once rather than after the session timeout.
func (c *Connector) Terminate() {
	c.Stop()
	cl, err := c.d.NewClient()
	if err != nil {
		c.d.Logger.Warn("leave the connector's consumer group", "connector", c.d.Name, "err", err)
		return
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := kadm.NewClient(cl).LeaveGroup(ctx, kadm.LeaveGroup(c.d.Group).InstanceIDs(c.d.InstanceID).Reason("connector dropped"))
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		c.d.Logger.Warn("leave the connector's consumer group", "connector", c.d.Name, "group", c.d.Group, "err", err)
	}
}

// Status returns the connector's current state.
func (c *Connector) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.status
	// RETRYING while any partition's batch is, whichever writer last
	// succeeded.
	for _, w := range c.writers {
		if w.retrying && s.State == StateRunning {
			s.State = StateRetrying
		}
	}
	s.Partitions = len(c.pos)
	for tp, p := range c.pos {
		if h, ok := c.hwm[tp]; ok {
			s.Lag += max(0, h-max(p, 0))
		}
	}
	return s
}

// setError sets the state (FAILED stays: another partition's writer may
// still finish a retry while the connector stops) and records err.
func (c *Connector) setError(state string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.status.State != StateFailed {
		c.status.State = state
	}
	if err != nil {
		c.status.LastError, c.status.LastErrorAt = err.Error(), time.Now()
	}
}

func (c *Connector) run(ctx context.Context) {
	defer close(c.done)
	defer func() {
		c.mu.Lock()
		if c.status.State != StateFailed {
			c.status.State = StateStopped
		}
		c.mu.Unlock()
	}()
	if err := c.retry(ctx, c.setup); err != nil {
		c.fail(err)
		return
	}
	defer c.pool.Close()
	cl, err := c.d.NewClient(
		kgo.ConsumerGroup(c.d.Group),
		kgo.InstanceID(c.d.InstanceID),
		kgo.ConsumeTopics(topicsOf(c.tables)...),
		kgo.DisableAutoCommit(),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.BlockRebalanceOnPoll(),
		// As for queries: a node that died gives its partitions up after 10 s
		// (kgo's default is 45 s), and heartbeats notice a rebalance quickly.
		kgo.HeartbeatInterval(500*time.Millisecond),
		kgo.SessionTimeout(10*time.Second),
		// Fetches stay at the client's default of 1 MiB a partition: each
		// partition's writer gathers several into a batch of batch.size while
		// the previous one is written, and bigger fetches only made the first
		// rows wait (4 MiB a partition took the embedded broker 0.3 s to
		// serve, 16 MiB 1.7 s; BenchmarkSinkConnectorTelemetry).
		kgo.AdjustFetchOffsetsFn(c.adjustOffsets),
		kgo.OnPartitionsRevoked(c.forget),
		kgo.OnPartitionsLost(c.forget),
	)
	if err != nil {
		c.fail(err)
		return
	}
	c.client = cl
	defer cl.Close()
	// A writer that fails for good cancels ctx through c.cancel, which ends
	// the poll loop; the writers stop before the client closes.
	defer c.stopWriters(nil)
	for {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			cl.AllowRebalance()
			return
		}
		fetches.EachError(func(topic string, p int32, err error) {
			c.d.Logger.Warn("connector fetch", "connector", c.d.Name, "topic", topic, "partition", p, "err", err)
		})
		c.dispatch(ctx, fetches)
		c.applySeeks()
		cl.AllowRebalance()
	}
}

func (c *Connector) fail(err error) {
	c.d.Logger.Error("connector failed", "connector", c.d.Name, "err", err)
	c.mu.Lock()
	c.status.WriteErrors++
	c.mu.Unlock()
	c.setError(StateFailed, err)
	c.cancel()
}

// setup connects to the database and prepares the offsets table and the
// destination tables.
func (c *Connector) setup(ctx context.Context) error {
	pc, err := pgxpool.ParseConfig("")
	if err != nil {
		return err
	}
	pc.ConnConfig = c.cfg.Conn.Copy()
	pc.MaxConns = int32(c.cfg.TasksMax + 1)
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return err
	}
	err = createOffsetsTable(ctx, pool)
	for _, t := range c.tables {
		if err == nil {
			err = prepareTable(ctx, pool, c.cfg, t)
		}
	}
	if err != nil {
		pool.Close()
		return err
	}
	c.pool = pool
	return nil
}

// retry runs f until it succeeds, fails for good, or fails with transient
// errors more than max.retries times in a row, waiting retry.backoff.ms
// between tries; while it waits the connector's state is RETRYING.
func (c *Connector) retry(ctx context.Context, f func(context.Context) error) error {
	for attempt := 0; ; attempt++ {
		err := f(ctx)
		if err == nil {
			if attempt > 0 {
				c.setError(StateRunning, nil)
			}
			return nil
		}
		if !transient(err) || attempt >= c.cfg.MaxRetries || ctx.Err() != nil {
			return err
		}
		c.d.Logger.Warn("connector write failed; retrying", "connector", c.d.Name, "attempt", attempt+1, "err", err)
		c.mu.Lock()
		c.status.WriteErrors++
		c.mu.Unlock()
		c.setError(StateRetrying, err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(c.cfg.RetryBackoff):
		}
	}
}

// adjustOffsets replaces the group's offsets of newly assigned partitions
// with the positions stored in the database, the authority on what was
// written. A partition without a stored position starts at the beginning.
func (c *Connector) adjustOffsets(ctx context.Context, in map[string]map[int32]kgo.Offset) (map[string]map[int32]kgo.Offset, error) {
	var stored map[string]map[int32]int64
	err := c.retry(ctx, func(ctx context.Context) (err error) {
		stored, err = loadOffsets(ctx, c.pool, c.d.Name)
		return err
	})
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for topic, parts := range in {
		for p := range parts {
			tp := topicPartition{topic, p}
			if next, ok := stored[topic][p]; ok {
				parts[p] = kgo.NewOffset().At(next)
				c.pos[tp] = next
			} else {
				parts[p] = kgo.NewOffset().AtStart()
				c.pos[tp] = noOffset
			}
		}
	}
	return in, nil
}

// forget stops the writers of revoked or lost partitions (a batch being
// written rolls back; the partition's next owner resumes from the offsets in
// the database) and forgets their positions.
func (c *Connector) forget(_ context.Context, _ *kgo.Client, lost map[string][]int32) {
	var tps []topicPartition
	for topic, parts := range lost {
		for _, p := range parts {
			tps = append(tps, topicPartition{topic, p})
		}
	}
	c.stopWriters(tps)
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, tp := range tps {
		delete(c.pos, tp)
		delete(c.hwm, tp)
	}
}

// commit writes a batch and moves its partition's stored position in one
// transaction. If the database rejects the data and errors.tolerance=all, it
// writes the batch again one record at a time, each in a savepoint, and
// returns the records it refused; they and the records that could not be
// decoded are reported before the transaction commits.
func (c *Connector) commit(ctx context.Context, t *table, tp topicPartition, ops []op, rejects []rejected, from, next int64) ([]rejected, error) {
	tx, err := c.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	err = writeOps(ctx, tx, c.cfg, t, ops)
	var dbRejects []rejected
	if err != nil && rejectable(err) && c.cfg.ToleranceAll {
		tx.Rollback(ctx)
		if tx, err = c.pool.Begin(ctx); err != nil {
			return nil, err
		}
		defer tx.Rollback(context.WithoutCancel(ctx))
		dbRejects, err = writeEach(ctx, tx, c.cfg, t, ops)
	}
	if err != nil {
		return nil, err
	}
	if err := advance(ctx, tx, c.d.Name, tp.topic, tp.partition, from, next); err != nil {
		return nil, err
	}
	all := append(slices.Clone(rejects), dbRejects...)
	slices.SortFunc(all, func(a, b rejected) int { return cmp.Compare(a.rec.Offset, b.rec.Offset) })
	if err := c.report(ctx, all); err != nil {
		return nil, err
	}
	return dbRejects, tx.Commit(ctx)
}

// writeEach writes ops one at a time, each in a savepoint, and returns those
// the database refused.
func writeEach(ctx context.Context, tx pgx.Tx, cfg *Config, t *table, ops []op) ([]rejected, error) {
	var out []rejected
	for _, o := range ops {
		if _, err := tx.Exec(ctx, "SAVEPOINT sluice_record"); err != nil {
			return nil, err
		}
		if err := writeOne(ctx, tx, cfg, t, o); err != nil {
			if !rejectable(err) {
				return nil, err
			}
			out = append(out, rejected{o.rec, err})
			if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT sluice_record"); err != nil {
				return nil, err
			}
			continue
		}
		if _, err := tx.Exec(ctx, "RELEASE SAVEPOINT sluice_record"); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// report sends skipped records to the processing log and, when
// errors.deadletterqueue.topic.name is set, to the dead-letter topic (before
// the batch commits, so none is lost; a retried batch may report twice).
func (c *Connector) report(ctx context.Context, rs []rejected) error {
	if len(rs) == 0 {
		return nil
	}
	var dlq []*kgo.Record
	for _, r := range rs {
		c.d.Log.Record(c.d.Name, r.err, r.rec.Topic, r.rec.Partition, r.rec.Offset)
		if c.cfg.LogErrors {
			c.d.Logger.Warn("connector skipped a record", "connector", c.d.Name, "topic", r.rec.Topic, "partition", r.rec.Partition, "offset", r.rec.Offset, "err", r.err)
		}
		if c.cfg.DLQTopic == "" {
			continue
		}
		d := &kgo.Record{Topic: c.cfg.DLQTopic, Key: r.rec.Key, Value: r.rec.Value, Headers: r.rec.Headers}
		if c.cfg.DLQHeaders {
			d.Headers = append(append([]kgo.RecordHeader(nil), r.rec.Headers...),
				kgo.RecordHeader{Key: "__connect.errors.topic", Value: []byte(r.rec.Topic)},
				kgo.RecordHeader{Key: "__connect.errors.partition", Value: []byte(strconv.Itoa(int(r.rec.Partition)))},
				kgo.RecordHeader{Key: "__connect.errors.offset", Value: []byte(strconv.FormatInt(r.rec.Offset, 10))},
				kgo.RecordHeader{Key: "__connect.errors.connector.name", Value: []byte(c.d.Name)},
				kgo.RecordHeader{Key: "__connect.errors.exception.message", Value: []byte(r.err.Error())})
		}
		dlq = append(dlq, d)
	}
	if len(dlq) == 0 {
		return nil
	}
	return c.client.ProduceSync(ctx, dlq...).FirstErr()
}

// decode turns records into ops. A record that cannot be decoded, or a
// tombstone the configuration does not delete with, is rejected under
// errors.tolerance=all and fails the connector otherwise.
func (c *Connector) decode(t *table, recs []*kgo.Record) ([]op, []rejected, error) {
	codecs := c.codecs[t.topic]
	keys := make([]any, len(t.source.KeyColumns()))
	vals := make([]any, len(t.source.ValueColumns()))
	ops := make([]op, 0, len(recs))
	var rejects []rejected
	for _, rec := range recs {
		o, err := c.toOp(t, codecs, rec, keys, vals)
		if err != nil {
			if !c.cfg.ToleranceAll {
				return nil, nil, fmt.Errorf("%s partition %d offset %d: %w", rec.Topic, rec.Partition, rec.Offset, err)
			}
			rejects = append(rejects, rejected{rec, err})
			continue
		}
		ops = append(ops, o)
	}
	return ops, rejects, nil
}

func (c *Connector) toOp(t *table, codecs [2]formats.Codec, rec *kgo.Record, keys, vals []any) (op, error) {
	clear(keys)
	clear(vals)
	if rec.Key != nil && len(keys) > 0 {
		if err := codecs[0].Decode(rec.Key, keys); err != nil {
			return op{}, fmt.Errorf("failed to deserialize key: %w", err)
		}
	}
	o := op{rec: rec, row: make([]any, len(t.cols))}
	if rec.Value == nil {
		if !c.cfg.DeleteEnabled {
			return op{}, fmt.Errorf("the connector has delete.enabled=false and pk.mode=%s, so it needs records with a value, but the record is a tombstone", c.cfg.PKMode)
		}
		if rec.Key == nil {
			return op{}, errors.New("a tombstone without a key has no row to delete")
		}
		o.del = true
	} else if len(vals) > 0 {
		if err := codecs[1].Decode(rec.Value, vals); err != nil {
			return op{}, fmt.Errorf("failed to deserialize value: %w", err)
		}
	}
	for i, col := range t.cols {
		var v any
		switch col.from {
		case fromKey:
			v = keys[col.index]
		case fromValue:
			v = vals[col.index]
		case fromTopic:
			v = rec.Topic
		case fromPartition:
			v = rec.Partition
		case fromOffset:
			v = rec.Offset
		}
		o.row[i] = pgValue(v, col.typ)
	}
	return o, nil
}

func topicsOf(tables map[string]*table) []string {
	out := make([]string, 0, len(tables))
	for t := range tables {
		out = append(out, t)
	}
	return out
}
