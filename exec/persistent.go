package exec

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluice-db/sluice/plan"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/formats"
	"github.com/sluice-db/sluice/storage"
)

// ClientFactory makes Kafka clients with the cluster's settings.
type ClientFactory interface {
	NewClient(opts ...kgo.Opt) (*kgo.Client, error)
	// NewTransactSession makes a group member that commits in transactions.
	NewTransactSession(opts ...kgo.Opt) (*kgo.GroupTransactSession, error)
}

// QueryState is the lifecycle state of a persistent query.
type QueryState string

const (
	StateRunning QueryState = "RUNNING"
	StateError   QueryState = "ERROR"
	StateStopped QueryState = "STOPPED"
	// StatePaused is a running query that PAUSE stopped reading its inputs.
	StatePaused QueryState = "PAUSED"
)

// PersistentQuery runs one plan continuously as a member of a consumer group:
// poll a batch, process it, produce the results, wait for the broker to acknowledge
// them, then commit the batch's offsets. A crash therefore re-processes at most the
// uncommitted batch (at-least-once); a clean Stop processes nothing twice.
type PersistentQuery struct {
	ID    string
	Group string
	qp    *plan.QueryPlan

	clients ClientFactory
	log     ProcessingLog
	logger  *slog.Logger
	// FromBeginning selects where a new group starts: the earliest offset, or the end.
	fromBeginning bool

	cancel context.CancelFunc
	done   chan struct{}

	mu        sync.Mutex
	state     QueryState
	lastError string
	paused    bool // PAUSE: the member fetches nothing

	// Counters of committed batches of the query on this node (Stats):
	// records read from the query's sources, written to its sink, and written
	// to its own repartition topics; logEntries counts its processing-log
	// entries. They are saved in counters (counters.go) and survive restarts.
	recordsIn, recordsOut, repartitioned, logEntries atomic.Int64
	counters                                         *storage.Store
	counterSaveFailed                                bool // logged once (the loop's goroutine only)
	// rebalances counts assignment changes of this node's member;
	// restoredRecords counts changelog records replayed into the state.
	rebalances, restoredRecords atomic.Int64
	// lastEventMs is the greatest record timestamp of a committed batch (ms).
	lastEventMs atomic.Int64
	// onCommit, when set, is told how long each batch's commit took.
	onCommit func(time.Duration)

	// progress is guarded by mu: the partitions the group gave this member and,
	// per partition, the offset after the last record whose results are
	// acknowledged and committed (absent: nothing processed since assignment).
	assigned  map[topicPartition]bool
	positions map[topicPartition]int64
	// ends is, per partition, the offset the last fetch of it reported as
	// readable (the last stable offset, read_committed): lag is ends - positions.
	ends map[topicPartition]int64
	// reading are the partitions read from since their assignment: the first
	// batch of each is logged with the offset it resumed at.
	reading map[topicPartition]bool
	// revoked are the partitions revoked since the loop last dropped them.
	revoked []topicPartition
	client  *kgo.Client

	// table and state are set for queries whose result is a table.
	table *tableQuery
	store *storage.Store
	// changelog mirrors the state; changelogWriter produces to explicit partitions.
	changelog       string
	changelogWriter *kgo.Client
	restored        map[int32]bool // partitions whose state was checked or rebuilt
	restoring       atomic.Int32   // partitions being rebuilt right now
	// restores are the partitions whose state is being rebuilt beside the
	// loop, and restoreResults those that ended, for the loop to resume
	// (task.go); both under mu. restoreWG counts the restore goroutines.
	restores       map[int32]*restoreJob
	restoreResults []restoreResult
	restoreWG      sync.WaitGroup
	// wake, under mu, ends the loop's poll in progress early: a restore that
	// ended has partitions to resume.
	wake context.CancelFunc
	// standby holds the standby copies this node keeps (set with changelog).
	standby *standbys

	// rows receives a transient query's results (see PersistentConfig.Rows).
	rows RowSink

	// join is set for a query over a join, with a decoder and topic per side.
	join       *joinOp
	joinDec    []*sourceDecoder
	joinTopics []string // the topic each input is joined from
	// joinRepart is set, per input, for inputs joined through a repartition
	// topic; joinStage1 maps such an input's own topic to its index.
	joinRepart []*joinRepartition
	joinStage1 map[string]int

	// purge is used by the query's loop only.
	purge repartitionPurge

	// txn is set under exactly-once: the group member whose transactions
	// carry each batch's outputs, changelog records and input offsets.
	txn *kgo.GroupTransactSession
	// exactlyOnce is fixed before the group member starts: the assignment
	// callback reads it and may run before txn is set.
	exactlyOnce bool
	// closing is set (under mu) when the loop has ended: the group callbacks
	// then do nothing.
	closing bool
	// instanceID is the static member id of this node's member (empty: dynamic).
	instanceID string
	// commitInterval is how long the loop gathers polls into one batch before
	// committing it (0: every poll).
	commitInterval time.Duration
	// fault, when set, is called at each step of the commit protocol; an error
	// stops the query at that step, as a crash there would (tests).
	fault func(step string) error
}

// Restoring reports whether the query is rebuilding state from its changelog, so
// its table is incomplete for now.
func (q *PersistentQuery) Restoring() bool { return q.restoring.Load() > 0 }

// isTableQuery reports whether a plan's result is a table, which is kept as state.
func isTableQuery(p *plan.QueryPlan) bool {
	return p.Agg != nil || (p.Sink != nil && p.Sink.Source.Kind == catalog.Table)
}

// sinkTopic names where the query writes, for errors.
func (q *PersistentQuery) sinkTopic() string {
	if q.qp.Sink == nil {
		return "(transient query)"
	}
	return q.qp.Sink.Source.Topic
}

// PersistentConfig configures a persistent query.
type PersistentConfig struct {
	// Plan is the query's plan, with its physical part (planner.PlanPhysical):
	// the query id, group, internal topics and stores come from there.
	Plan          *plan.QueryPlan
	Clients       ClientFactory
	Log           ProcessingLog
	Logger        *slog.Logger
	FromBeginning bool
	// State holds the state of queries whose result is a table; required for them.
	State *storage.Store
	// CacheMaxBytes bounds the record cache that collapses a table result's
	// updates per key between commits (ksqlDB's cache.max.bytes.buffering); 0
	// sends every update.
	CacheMaxBytes int64
	// Rows, when set, receives the results instead of a sink topic: a transient
	// push query that needs state (a join or an aggregation). Row is called on
	// the query's goroutine.
	Rows RowSink
	// ExactlyOnce runs the query under processing.guarantee=exactly_once_v2:
	// every batch's outputs, changelog records and input offsets (with the
	// group's generation, so a stale member is fenced) commit in one Kafka
	// transaction, inputs are read read_committed, and the local state commits
	// after the transaction (see commitTxn for the recovery rule).
	ExactlyOnce bool
	// TransactionalID names the query's transactional producer on this node:
	// stable across restarts, so a restarted node's first transaction fences
	// and aborts what its predecessor left open.
	TransactionalID    string
	TransactionTimeout time.Duration
	// InstanceID, when set, makes this node's member of the query's group a
	// static member (KIP-345): a node that restarts takes its place back at
	// once, with its partitions, instead of waiting for the group to time the
	// old member out and rebalance.
	InstanceID string
	// CommitInterval is how long polls are gathered into one committed batch;
	// 0 commits every poll.
	CommitInterval time.Duration
	// Fault, when set, is called at each step of the commit protocol with the
	// step's name (FaultBeforeTransaction, ...); an error stops the query there
	// as a crash would. For tests.
	Fault func(step string) error
	// PurgeInterval is how often the query looks for records of its repartition
	// topics to delete (0: every 30 s); PurgeAfter is how long a record is kept
	// after the query committed it (0: 7 days).
	PurgeInterval, PurgeAfter time.Duration
	// OnCommit, when set, is called after each committed batch with how long
	// the commit protocol took (produce, changelog, state, offsets).
	OnCommit func(time.Duration)
	// Paused starts the query paused (see Pause).
	Paused bool
}

// StartPersistent starts the query's loop in the background.
func StartPersistent(cfg PersistentConfig) (*PersistentQuery, error) {
	ph := cfg.Plan.Physical
	if ph == nil {
		return nil, errors.New("the plan has no physical part (planner.PlanPhysical)")
	}
	q := &PersistentQuery{
		ID: ph.QueryID, Group: ph.Group, qp: cfg.Plan, clients: cfg.Clients,
		logger: cfg.Logger.With("query", ph.QueryID), fromBeginning: cfg.FromBeginning,
		done: make(chan struct{}), state: StateRunning,
		assigned: map[topicPartition]bool{}, positions: map[topicPartition]int64{}, ends: map[topicPartition]int64{}, reading: map[topicPartition]bool{},
		onCommit:       cfg.OnCommit,
		purge:          repartitionPurge{interval: cfg.PurgeInterval, after: cfg.PurgeAfter},
		commitInterval: cfg.CommitInterval, fault: cfg.Fault, exactlyOnce: cfg.ExactlyOnce, instanceID: cfg.InstanceID,
	}
	if cfg.ExactlyOnce && cfg.Rows != nil {
		return nil, errors.New("a transient query runs at least once")
	}
	q.log = countingLog{cfg.Log, &q.logEntries}
	if cfg.Rows == nil {
		// A transient query's counters die with it.
		q.counters = cfg.State
		q.loadCounters()
	}
	// Build the codecs now so that a plan the runtime cannot run fails the statement.
	var (
		dec *sourceDecoder
		err error
	)
	if j := cfg.Plan.Join; j != nil {
		if cfg.State == nil {
			return nil, errors.New("a join query needs a state store")
		}
		for _, s := range j.Leaves() {
			d, err := newSourceDecoder(s.Source, s.Timestamp)
			if err != nil {
				return nil, err
			}
			q.joinDec = append(q.joinDec, d)
			q.joinTopics = append(q.joinTopics, s.Source.Topic)
		}
		q.join, q.store = newJoinOp(ph.QueryID, cfg.Plan, cfg.State), cfg.State
		if err := q.setupJoinRepartition(ph.JoinRepartition); err != nil {
			return nil, err
		}
	} else if dec, err = newSourceDecoder(cfg.Plan.Source, cfg.Plan.Timestamp, planReads(cfg.Plan)...); err != nil {
		return nil, err
	}
	var (
		enc *sinkEncoder
		tq  *tableQuery
	)
	if isTableQuery(cfg.Plan) {
		if cfg.State == nil {
			return nil, errors.New("a query with a table result needs a state store")
		}
		if tq, err = newTableQuery(ph.QueryID, cfg.Plan, cfg.State, q.log, ph.Repartition.TopicName()); err != nil {
			return nil, err
		}
		tq.rows = cfg.Rows
		if cfg.Rows == nil {
			tq.cache = newRecordCache(cfg.CacheMaxBytes)
		}
		q.table, q.store = tq, cfg.State
	} else if cfg.Rows != nil {
		if q.join == nil {
			return nil, errors.New("a transient query runs as a persistent one only for joins and aggregations")
		}
		q.rows = cfg.Rows
	} else if enc, err = newSinkEncoder(cfg.Plan.Sink); err != nil {
		return nil, err
	}
	if q.store != nil {
		q.changelog, q.restored, q.restores = ph.Changelog.TopicName(), map[int32]bool{}, map[int32]*restoreJob{}
		q.standby = &standbys{q: q, parts: map[int32]*standbyPart{}}
		if q.changelog != "" && !cfg.ExactlyOnce {
			if q.changelogWriter, err = q.clients.NewClient(kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerLinger(0)); err != nil {
				return nil, err
			}
		}
	}
	reset := kgo.NewOffset().AtEnd()
	if q.fromBeginning {
		reset = kgo.NewOffset().AtStart()
	} else if err := q.pinStart(); err != nil {
		return nil, err
	}
	opts := []kgo.Opt{
		kgo.Balancers(&taskBalancer{localTasks: q.localTasks}),
		kgo.ConsumerGroup(q.Group),
		kgo.ConsumeTopics(q.Topics()...),
		kgo.ConsumeResetOffset(reset),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.FetchMaxWait(200 * time.Millisecond),
		kgo.HeartbeatInterval(500 * time.Millisecond),
		kgo.SessionTimeout(10 * time.Second),
		kgo.ProducerLinger(0),
		// Transaction markers come as records, so that positions, checkpoints
		// and committed offsets move past them as Kafka's own consumers' do:
		// otherwise a query reading a transactional topic (its own repartition
		// topic under exactly-once, or another query's sink) would lag by one
		// record per partition for ever.
		kgo.KeepControlRecords(),
		// Records of aborted transactions are never processed, under either
		// guarantee (the same as read_uncommitted on topics nobody writes
		// transactionally).
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.OnPartitionsAssigned(q.assign),
		kgo.OnPartitionsRevoked(q.revoke),
		kgo.OnPartitionsLost(q.revoke),
	}
	if cfg.InstanceID != "" {
		opts = append(opts, kgo.InstanceID(cfg.InstanceID))
	}
	var cl *kgo.Client
	if cfg.ExactlyOnce {
		timeout := cfg.TransactionTimeout
		if timeout <= 0 {
			timeout = time.Minute
		}
		q.txn, err = q.clients.NewTransactSession(append(opts,
			kgo.TransactionalID(cfg.TransactionalID),
			kgo.TransactionTimeout(timeout),
			kgo.RequireStableFetchOffsets(),
			// One producer writes the sink and the changelog in one transaction:
			// changelog records name their partition (the state's), the rest go
			// where Kafka's default partitioner would put them.
			kgo.RecordPartitioner(changelogPartitioner{changelog: q.changelog, rest: kgo.StickyKeyPartitioner(nil)}),
		)...)
		if err == nil {
			cl = q.txn.Client()
			// Initialize the producer now: its first InitProducerId fences the
			// transaction a crashed predecessor left open, which would
			// otherwise hold the group's offsets unstable (and this member's
			// first fetch) until the transaction timed out.
			ictx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			_, _, err = cl.ProducerID(ictx)
			cancel()
			if err != nil {
				cl.Close()
				err = fmt.Errorf("initialize the transactional producer %s: %w", cfg.TransactionalID, err)
			}
		}
	} else {
		cl, err = q.clients.NewClient(opts...)
	}
	if err != nil {
		return nil, err
	}
	q.mu.Lock()
	q.client = cl
	q.mu.Unlock()
	if cfg.Paused {
		q.Pause() // before the first poll: nothing is read
	}
	ctx, cancel := context.WithCancel(context.Background())
	q.cancel = cancel
	var proc processor
	switch {
	case q.join != nil:
		proc = newJoinProcessor(q, tq, enc)
	case tq != nil:
		proc = &tableProcessor{q: q, dec: dec, tq: tq, row: make([]any, dec.width)}
	default:
		proc = newStatelessProcessor(q, dec, enc)
	}
	go q.drive(ctx, cl, proc)
	return q, nil
}

// State returns the query's state and its last error message.
func (q *PersistentQuery) State() (QueryState, string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.state == StateRunning && q.paused {
		return StatePaused, ""
	}
	return q.state, q.lastError
}

// Pause stops the query's reading of its inputs (every topic its member
// consumes, those of partitions the group assigns later too); what it read is
// still processed and committed. The member stays in its group, keeping its
// partitions and state, and standby copies go on tailing changelogs.
func (q *PersistentQuery) Pause() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.paused = true
	q.client.PauseFetchTopics(q.Topics()...)
}

// Resume undoes Pause: the query reads on from where it stopped.
func (q *PersistentQuery) Resume() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.paused = false
	q.client.ResumeFetchTopics(q.Topics()...)
}

// Stats is what a query has done on this node. The counters are saved in the
// node's store and continue across restarts of the node (counters.go).
type Stats struct {
	// RecordsIn are records of the query's source topics in committed batches
	// (transaction markers excluded; a record re-read after a crash or an
	// aborted transaction counts again). A query that repartitions reads its
	// own repartition topics too: those records are not counted here.
	RecordsIn int64
	// RecordsOut are records written to the sink topic. It can exceed RecordsIn:
	// a join writes one record per match, a table function one per element, and
	// a table result whose row moves to another key writes a tombstone too.
	RecordsOut int64
	// Repartitioned are records written to the query's repartition topics.
	Repartitioned int64
	// ProcessingLogEntries are the entries the query wrote to the processing
	// log: records that failed, or were lost to retention.
	ProcessingLogEntries int64
	// Rebalances counts the assignment changes this node's member saw.
	Rebalances int64
	// RestoringPartitions are partitions whose state is being rebuilt from the
	// changelog now; RestoredRecords are changelog records replayed so far.
	RestoringPartitions int
	RestoredRecords     int64
	// LastEventTime is the greatest record timestamp of a committed batch
	// (zero before the first).
	LastEventTime time.Time
	// Partitions are the input partitions this node's member owns.
	Partitions []PartitionLag
}

// PartitionLag is one input partition's progress. Position and End are -1
// while unknown (nothing fetched from the partition since it was assigned).
type PartitionLag struct {
	Topic     string
	Partition int32
	// Position is the offset after the last record committed; End the
	// partition's last stable offset as of the last fetch, as Kafka's
	// consumers compute records-lag.
	Position, End int64
}

// Lag is the records between the position and the end (0 when unknown).
func (p PartitionLag) Lag() int64 {
	if p.Position < 0 || p.End < 0 || p.End < p.Position {
		return 0
	}
	return p.End - p.Position
}

// Stats returns the query's counters and its partitions' lag.
func (q *PersistentQuery) Stats() Stats {
	st := Stats{
		RecordsIn: q.recordsIn.Load(), RecordsOut: q.recordsOut.Load(), Repartitioned: q.repartitioned.Load(), ProcessingLogEntries: q.logEntries.Load(),
		Rebalances: q.rebalances.Load(), RestoringPartitions: int(q.restoring.Load()), RestoredRecords: q.restoredRecords.Load(),
	}
	if ms := q.lastEventMs.Load(); ms > 0 {
		st.LastEventTime = time.UnixMilli(ms)
	}
	q.mu.Lock()
	for tp := range q.assigned {
		pl := PartitionLag{Topic: tp.topic, Partition: tp.partition, Position: -1, End: -1}
		if pos, ok := q.positions[tp]; ok {
			pl.Position = pos
		}
		if end, ok := q.ends[tp]; ok {
			pl.End = end
		}
		st.Partitions = append(st.Partitions, pl)
	}
	q.mu.Unlock()
	slices.SortFunc(st.Partitions, func(a, b PartitionLag) int {
		if a.Topic != b.Topic {
			return strings.Compare(a.Topic, b.Topic)
		}
		return int(a.Partition - b.Partition)
	})
	return st
}

// isSourceTopic reports whether topic is one of the query's sources (not one
// of its own repartition topics).
func (q *PersistentQuery) isSourceTopic(topic string) bool {
	if q.join != nil {
		for _, s := range q.qp.Join.Leaves() {
			if s.Source.Topic == topic {
				return true
			}
		}
		return false
	}
	return topic == q.qp.Source.Topic
}

// countOutputs counts a committed batch's output records by destination.
func (q *PersistentQuery) countOutputs(results []*kgo.Record) {
	sink := ""
	if q.qp.Sink != nil {
		sink = q.qp.Sink.Source.Topic
	}
	var out, repart int64
	for _, r := range results {
		if r.Topic == sink {
			out++
		} else {
			repart++
		}
	}
	q.recordsOut.Add(out)
	q.repartitioned.Add(repart)
}

// topicPartition names one partition of one of the query's input topics.
type topicPartition struct {
	topic     string
	partition int32
}

// checkpointStore is the store holding the checkpoints of an input topic: the
// aggregation's input (the source, or the repartition topic) or the source read
// by the repartitioning stage.
func (q *PersistentQuery) checkpointStore(topic string) string {
	if q.join != nil {
		if k, ok := q.joinStage1[topic]; ok {
			return fmt.Sprintf("%s%d", plan.StoreJoinStage1, k)
		}
		for src, t := range q.joinTopics {
			if t == topic {
				return joinCkptStore(src)
			}
		}
		return plan.StoreCkpt
	}
	if q.table != nil && q.table.repartition != "" && topic == q.qp.Source.Topic {
		return plan.StoreCkptSource
	}
	return plan.StoreCkpt
}

// Topics returns the topics the query reads.
func (q *PersistentQuery) Topics() []string {
	if q.join != nil {
		ts := append([]string(nil), q.joinTopics...)
		for k, r := range q.joinRepart {
			if r != nil {
				ts = append(ts, q.joinDec[k].src.Topic)
			}
		}
		if q.table != nil && q.table.repartition != "" {
			ts = append(ts, q.table.repartition)
		}
		return ts
	}
	if q.table != nil && q.table.repartition != "" {
		return []string{q.qp.Source.Topic, q.table.repartition}
	}
	return []string{q.qp.Source.Topic}
}

// StateTopics are the input topics whose partitions are the query's tasks as
// its materialized state is divided: the topics of the last stage, the one
// that writes the result.
func (q *PersistentQuery) StateTopics() []string {
	switch {
	case q.table != nil && q.table.repartition != "":
		return []string{q.table.repartition}
	case q.join != nil:
		return append([]string(nil), q.joinTopics...)
	}
	return []string{q.qp.Source.Topic}
}

// ActivePartitions are the state partitions this node's member runs now, with
// their state restored: those it answers pull queries for.
func (q *PersistentQuery) ActivePartitions() []int32 {
	topics := q.StateTopics()
	q.mu.Lock()
	defer q.mu.Unlock()
	seen := map[int32]bool{}
	var out []int32
	for tp := range q.assigned {
		if q.restores[tp.partition] != nil {
			continue // its state is not back yet
		}
		if slices.Contains(topics, tp.topic) && !seen[tp.partition] {
			seen[tp.partition] = true
			out = append(out, tp.partition)
		}
	}
	slices.Sort(out)
	return out
}

// CaughtUp reports whether the query has processed, written and committed every
// record below ends (next offset to be written, per partition of its source).
// starts are the partitions' first offsets: a partition the query has read nothing
// from is caught up when it holds nothing the query would read. A stopped or
// failed query counts as caught up: it will read nothing more.
//
// elsewhere, when set, holds the group's committed offsets of topic's
// partitions: a partition another node runs is caught up when the group's
// offset for it reached its end (without it, every partition must be this
// member's).
func (q *PersistentQuery) CaughtUp(topic string, starts, ends, elsewhere map[int32]int64) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.state != StateRunning {
		return true
	}
	var committed map[int32]kgo.EpochOffset
	for p, end := range ends {
		tp := topicPartition{topic, p}
		if !q.assigned[tp] {
			if elsewhere == nil {
				return false
			}
			c, ok := elsewhere[p]
			switch {
			case ok && c >= end:
				continue
			case !ok && (!q.fromBeginning || starts[p] >= end):
				continue // nothing committed, and nothing the owner would read
			}
			return false
		}
		if pos, ok := q.positions[tp]; ok {
			if pos < end {
				return false
			}
			continue
		}
		if committed == nil && q.client != nil {
			committed = q.client.CommittedOffsets()[topic]
		}
		if c, ok := committed[p]; ok && c.Offset >= 0 {
			if c.Offset < end {
				return false
			}
			continue
		}
		if q.fromBeginning && starts[p] < end {
			return false
		}
	}
	return true
}

// Plan returns the plan the query runs.
func (q *PersistentQuery) Plan() *plan.QueryPlan { return q.qp }

// Stop ends the loop after the batch in progress is written and committed, and
// leaves the consumer group.
func (q *PersistentQuery) Stop() {
	q.cancel()
	<-q.done
	if q.standby != nil {
		q.standby.close()
	}
}

// Terminate stops the query for good: beyond Stop, its member leaves the
// consumer group even when static (a static member otherwise stays, so that a
// restart within the session timeout moves no partition), and the others take
// its partitions at once instead of after the session timeout.
func (q *PersistentQuery) Terminate() {
	q.Stop()
	if q.instanceID == "" {
		return
	}
	cl, err := q.clients.NewClient()
	if err != nil {
		q.logger.Warn("leave the consumer group", "err", err)
		return
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := kadm.NewClient(cl).LeaveGroup(ctx, kadm.LeaveGroup(q.Group).InstanceIDs(q.instanceID).Reason("query terminated"))
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		q.logger.Warn("leave the consumer group", "group", q.Group, "instance", q.instanceID, "err", err)
	}
}

func (q *PersistentQuery) setError(err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.state = StateError
	q.lastError = err.Error()
}

// statelessProcessor runs a query without state: each record is decoded,
// filtered, projected and encoded into a sink record.
type statelessProcessor struct {
	q        *PersistentQuery
	dec      *sourceDecoder
	enc      *sinkEncoder
	pipe     *pipeline
	row, out []any
}

func newStatelessProcessor(q *PersistentQuery, dec *sourceDecoder, enc *sinkEncoder) *statelessProcessor {
	return &statelessProcessor{q: q, dec: dec, enc: enc, pipe: &pipeline{qp: q.qp, queryID: q.ID, log: q.log},
		row: make([]any, dec.width), out: make([]any, len(q.qp.Items))}
}

func (s *statelessProcessor) stateful() bool               { return false }
func (s *statelessProcessor) indexed() bool                { return false }
func (s *statelessProcessor) held(func(*kgo.Record)) error { return nil }
func (s *statelessProcessor) stage(*changelogBatch) error  { return nil }
func (s *statelessProcessor) revoke(string, int32)         {}

func (s *statelessProcessor) process(fetches kgo.Fetches, _ *storage.Batch, _ *changelogBatch, emit func(*kgo.Record)) error {
	q, dec, row := s.q, s.dec, s.row
	fetches.EachRecord(func(rec *kgo.Record) {
		if rec.Attrs.IsControl() {
			return // a transaction marker: the position moves past it, nothing else
		}
		nullValue, ok := decodeRow(dec, rec, row, q.log, q.ID)
		if !ok {
			return
		}
		s.pipe.each(row, s.out, nullValue, rec, func() bool {
			r, err := s.enc.encode(s.out, row[len(dec.src.Columns)].(int64), rec.Headers, nullValue)
			if err != nil {
				q.log.Record(q.ID, err, rec.Topic, rec.Partition, rec.Offset)
				return true
			}
			if w := q.qp.Sink.Source.Window; w != nil {
				r.Key = windowedKey(w, r.Key, row[len(dec.src.Columns)+3:])
			}
			emit(r)
			return true
		})
	})
	return nil
}

// tableProcessor runs a query whose result is a table (an aggregation, or a
// table read as it is): records update the table query's state, which is
// staged with each partition's checkpoint at the commit.
type tableProcessor struct {
	q   *PersistentQuery
	dec *sourceDecoder
	tq  *tableQuery
	row []any
}

func (t *tableProcessor) stateful() bool                    { return true }
func (t *tableProcessor) indexed() bool                     { return false }
func (t *tableProcessor) held(emit func(*kgo.Record)) error { return t.tq.flushCache(emit) }
func (t *tableProcessor) stage(cb *changelogBatch) error    { return t.tq.flush(cb) }
func (t *tableProcessor) revoke(topic string, p int32)      { t.tq.revoke(topic, p) }

func (t *tableProcessor) process(fetches kgo.Fetches, _ *storage.Batch, _ *changelogBatch, emit func(*kgo.Record)) error {
	q, dec, tq, row := t.q, t.dec, t.tq, t.row
	var failure error
	fetches.EachRecord(func(rec *kgo.Record) {
		if failure != nil {
			return
		}
		if rec.Attrs.IsControl() {
			failure = tq.skipControl(rec)
			return
		}
		if tq.repartition != "" && rec.Topic == tq.repartition {
			ps, err := tq.partition(rec.Partition)
			if err == nil && rec.Offset >= ps.offset {
				err = tq.applyRepartitioned(ps, rec, emit)
			}
			failure = err
			return
		}
		var offset *int64
		if tq.repartition != "" {
			s, err := tq.sourcePartition(rec.Partition)
			if err != nil {
				failure = err
				return
			}
			offset = &s.offset
		} else {
			ps, err := tq.partition(rec.Partition)
			if err != nil {
				failure = err
				return
			}
			offset = &ps.offset
		}
		if rec.Offset < *offset {
			return // already reflected in the state (re-delivered after a crash)
		}
		nullValue, ok := decodeRow(dec, rec, row, q.log, q.ID)
		if !ok {
			*offset = rec.Offset + 1
			return
		}
		if tq.repartition != "" {
			failure = tq.repartitionRecord(rec, row, nullValue, emit)
			return
		}
		ps, _ := tq.partition(rec.Partition)
		if err := tq.process(ps, rec, row, nullValue, emit); err != nil {
			failure = err
		}
	})
	return failure
}

// windowedKey wraps a result key in the window of the input row (a query over a
// windowed source keeps its window); win is [WINDOWSTART, WINDOWEND].
func windowedKey(w *catalog.Window, key []byte, win []any) []byte {
	start, ok1 := win[0].(int64)
	end, ok2 := win[1].(int64)
	if !ok1 || !ok2 {
		return key
	}
	if w.Kind == "SESSION" {
		return formats.EncodeSessionWindowKey(nil, key, start, end)
	}
	return formats.EncodeTimeWindowKey(nil, key, start)
}

// advance records how far the committed batch reached in each partition.
func (q *PersistentQuery) advance(fetches kgo.Fetches) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var maxTs int64
	fetches.EachPartition(func(p kgo.FetchTopicPartition) {
		tp := topicPartition{p.Topic, p.Partition}
		if p.Err == nil && q.assigned[tp] {
			// The response's end, under read_committed the last stable offset.
			end := p.LastStableOffset
			if end < 0 {
				end = p.HighWatermark
			}
			if end >= 0 {
				q.ends[tp] = end
			}
		}
		n := len(p.Records)
		if n == 0 {
			return
		}
		q.positions[tp] = p.Records[n-1].Offset + 1
		if !q.reading[tp] {
			q.reading[tp] = true
			q.logger.Info("partition resumed", "topic", p.Topic, "partition", p.Partition, "from_offset", p.Records[0].Offset, "end", q.ends[tp])
		}
		source := q.isSourceTopic(p.Topic)
		var in int64
		for _, r := range p.Records {
			if r.Attrs.IsControl() {
				continue
			}
			if source {
				in++
			}
			maxTs = max(maxTs, r.Timestamp.UnixMilli())
		}
		q.recordsIn.Add(in)
	})
	for {
		cur := q.lastEventMs.Load()
		if maxTs <= cur || q.lastEventMs.CompareAndSwap(cur, maxTs) {
			break
		}
	}
}

// setupJoinRepartition prepares the first stage of each input joined through a
// repartition topic (topics[k] for input k).
func (q *PersistentQuery) setupJoinRepartition(topics []*plan.InternalTopic) error {
	if len(topics) == 0 {
		return nil
	}
	steps := q.qp.Join.Steps()
	sideOf := func(k int) (side, partner *plan.JoinSide) {
		if k == 0 {
			return steps[0].Left, steps[0].Right
		}
		return steps[k-1].Right, steps[k-1].Left
	}
	q.joinRepart = make([]*joinRepartition, len(q.joinTopics))
	q.joinStage1 = map[string]int{}
	for k, t := range topics {
		if t == nil {
			continue
		}
		side, partner := sideOf(k)
		if k <= 1 && len(topics) > 1 && topics[1-k] != nil {
			partner = nil // both sides are repartitioned: any shared key encoding does
		}
		r, err := newJoinRepartition(k, t.Name, side, partner)
		if err != nil {
			return err
		}
		q.joinRepart[k] = r
		q.joinStage1[q.joinTopics[k]] = k
		q.joinTopics[k] = t.Name
	}
	return nil
}

// poll fetches the next records of a query's loop, logging fetch errors (the
// client retries them), waiting at most until deadline when it is not zero (a
// batch gathering polls must commit on time); ok is false when the query is
// stopping.
func (q *PersistentQuery) poll(ctx context.Context, cl *kgo.Client, deadline time.Time) (kgo.Fetches, bool) {
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if !deadline.IsZero() {
		pctx, cancel = context.WithDeadline(pctx, deadline)
		defer cancel()
	}
	q.mu.Lock()
	q.wake = cancel
	if len(q.restoreResults) > 0 {
		cancel() // a restore ended since the loop looked
	}
	q.mu.Unlock()
	fetches := cl.PollRecords(pctx, 5000)
	q.mu.Lock()
	q.wake = nil
	q.mu.Unlock()
	if ctx.Err() != nil || cl.Context().Err() != nil {
		return nil, false
	}
	fetches.EachError(func(topic string, p int32, err error) {
		if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			q.logger.Warn("fetch error", "topic", topic, "partition", p, "err", err)
		}
	})
	return fetches, true
}
