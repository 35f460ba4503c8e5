package engine

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/sluice-db/sluice/aggregate"
	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/exec"
	"github.com/sluice-db/sluice/expr"
	"github.com/sluice-db/sluice/kafkaio"
	"github.com/sluice-db/sluice/nodes"
	"github.com/sluice-db/sluice/planner"
	"github.com/sluice-db/sluice/storage"
)

// Config configures an Engine.
type Config struct {
	// ServiceID namespaces internal topics and consumer groups.
	ServiceID string
	Cluster   *kafkaio.Cluster
	Logger    *slog.Logger
	// Defaults are session properties every session starts with
	// (e.g. auto.offset.reset).
	Defaults map[string]string
	// State stores the state of queries with table results (aggregations).
	State *storage.Store
	// NodeID names this node among those sharing the service id: its static
	// member of each query's consumer group, its transactional ids and its
	// command topic writer are its own. Default "1".
	NodeID string
	// Nodes, when set, knows the other nodes of the service, and Peers reads
	// their query state: pull queries then read every partition of a table,
	// wherever it runs. Nil: this node answers from its own store alone.
	Nodes *nodes.Registry
	Peers *nodes.Client
	// Fault, when set, is called at each step of every persistent query's
	// commit protocol (exec.FaultBeforeCommit, ...); an error stops the query
	// there as a crash would. For tests.
	Fault func(step string) error
	// RepartitionPurgeInterval is how often a query looks for consumed records
	// of its repartition topics to delete (0: 30 s); RepartitionPurgeAfter is how
	// long they are kept after being committed (0: 7 days, Kafka's default
	// retention).
	RepartitionPurgeInterval, RepartitionPurgeAfter time.Duration
	// MaxPullRows bounds the rows or groups a pull query holds in memory for
	// ORDER BY or GROUP BY (0: DefaultMaxPullRows).
	MaxPullRows int
	// SchemaRegistryURL is the Schema Registry that AVRO sources and sinks
	// register and read their schemas in; "" leaves those formats unusable.
	SchemaRegistryURL string
	// Observer, when set, is told of the events metrics count (statement
	// latencies, commits); the state they read (Queries) is asked for instead.
	Observer Observer
	// AllowInternalTopics lets statements read, write and delete internal
	// topics (Sluice's own, the Schema Registry's and Kafka's): an
	// administrator's repair tool, off by default.
	AllowInternalTopics bool
	// ScriptDir is the directory RUN SCRIPT reads files from ("": RUN SCRIPT
	// is refused, as the server would otherwise read any file for a client).
	ScriptDir string
}

// Observer receives the engine's measurements of events. Calls come from any
// goroutine and must not block.
type Observer interface {
	// PullQuery is called when a pull query ends, PushQueryStarted when a push
	// query (EMIT CHANGES) starts and PushQueryEnded when it ends.
	PullQuery(took time.Duration, err error)
	PushQueryStarted()
	PushQueryEnded(took time.Duration, err error)
	// Commit is called after each committed batch of a persistent query.
	Commit(queryID string, took time.Duration)
}

// noObserver is the Observer of an engine configured without one.
type noObserver struct{}

func (noObserver) PullQuery(time.Duration, error)      {}
func (noObserver) PushQueryStarted()                   {}
func (noObserver) PushQueryEnded(time.Duration, error) {}
func (noObserver) Commit(string, time.Duration)        {}

// Engine runs statements against one Kafka cluster.
type Engine struct {
	cfg     Config
	cluster *kafkaio.Cluster
	logger  *slog.Logger
	catalog *catalog.Catalog
	funcs   *expr.Registry
	aggs    *aggregate.Registry
	proclog *processingLog
	// registry is the Schema Registry client, nil without SchemaRegistryURL.
	registry *schemaRegistry

	// statements is the statement lock (a one-slot semaphore, so waiting on it
	// honours a context): it serializes what changes the catalog, this node's
	// statements (validate, record, apply) and the command topic's application.
	// mu guards the engine's fields and is held only for local work: code
	// holding both releases mu around broker and registry calls (unlocked), so
	// pull queries, health checks and SHOW keep answering while a statement
	// waits on a broker that is away.
	statements chan struct{}
	mu         sync.Mutex
	running    map[string]*exec.PersistentQuery
	// connectors are the created connectors (CREATE SINK CONNECTOR).
	connectors map[string]*connector
	// specs are what starting each running query took, to start it again
	// after a failure; recovering follows the failed ones (recover.go).
	specs      map[string]runSpec
	recovering map[string]*recovery
	// stopSupervisor ends the loop that restarts failed queries.
	stopSupervisor context.CancelFunc
	supervisorDone chan struct{}
	closed         bool
	// cmds follows the command topic; applied is the offset after the last
	// record of it this node applied, and applyCond (on mu) signals it moved.
	cmds      *commandLog
	applied   int64
	applyCond *sync.Cond
	// deferStarts is set while the node replays the command topic: the
	// queries to start wait in pending until the replay ends.
	deferStarts bool
	pending     []pendingStart
	// stopStandbys ends the standby placement loop; standbysDone is closed
	// when it has ended (nil when there is no loop).
	stopStandbys context.CancelFunc
	standbysDone chan struct{}
}

// Open connects the engine to its command topic, replays it and restarts the
// persistent queries it defines.
func Open(ctx context.Context, cfg Config) (*Engine, error) {
	if cfg.ServiceID == "" {
		cfg.ServiceID = "sluice"
	}
	if cfg.NodeID == "" {
		cfg.NodeID = "1"
	}
	if cfg.Observer == nil {
		cfg.Observer = noObserver{}
	}
	for k, v := range cfg.Defaults {
		if err := checkProperty(k, v); err != nil {
			return nil, fmt.Errorf("--config %s=%s: %w", k, v, err)
		}
	}
	e := &Engine{
		cfg:        cfg,
		cluster:    cfg.Cluster,
		logger:     cfg.Logger,
		catalog:    catalog.New(),
		funcs:      expr.NewRegistry(expr.Config{}),
		aggs:       aggregate.NewRegistry(aggregate.Config{}),
		running:    map[string]*exec.PersistentQuery{},
		connectors: map[string]*connector{},
		specs:      map[string]runSpec{}, recovering: map[string]*recovery{},
		statements: make(chan struct{}, 1),
	}
	e.applyCond = sync.NewCond(&e.mu)
	if cfg.SchemaRegistryURL != "" {
		reg, err := newSchemaRegistry(cfg.SchemaRegistryURL)
		if err != nil {
			return nil, err
		}
		e.registry = reg
	}
	if err := e.cluster.CreateTopic(ctx, e.commandTopic(), 1, 1, map[string]*string{"retention.ms": ptr("-1")}); err != nil {
		return nil, fmt.Errorf("command topic: %w", err)
	}
	pl, err := newProcessingLog(ctx, e.cluster, e.processingLogTopic(), e.logger)
	if err != nil {
		return nil, err
	}
	e.proclog = pl
	e.catalog.PutSource(pl.source())
	if err := e.openCommandLog(ctx); err != nil {
		pl.close()
		return nil, err
	}
	if err := e.startFollowing(ctx); err != nil {
		e.Close()
		return nil, err
	}
	e.dropAbandonedTransientGroups(ctx)
	sctx, stop := context.WithCancel(context.Background())
	e.stopSupervisor, e.supervisorDone = stop, make(chan struct{})
	go func() { defer close(e.supervisorDone); e.superviseQueries(sctx) }()
	if cfg.Nodes != nil && e.numStandbys() > 0 {
		sctx, stop := context.WithCancel(context.Background())
		e.stopStandbys, e.standbysDone = stop, make(chan struct{})
		go func() { defer close(e.standbysDone); e.placeStandbys(sctx) }()
	}
	return e, nil
}

func ptr(s string) *string { return &s }

func (e *Engine) commandTopic() string       { return "_sluice_" + e.cfg.ServiceID + "_command" }
func (e *Engine) processingLogTopic() string { return "_sluice_" + e.cfg.ServiceID + "_processing_log" }
func (e *Engine) queryGroup(id string) string {
	return "_sluice_" + e.cfg.ServiceID + "_query_" + id
}

func (e *Engine) planner() *planner.Planner {
	return &planner.Planner{Catalog: e.catalog, Funcs: e.funcs, Aggs: e.aggs}
}

// lockStatements takes the statement lock, or gives up when ctx ends.
func (e *Engine) lockStatements(ctx context.Context) error {
	select {
	case e.statements <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (e *Engine) unlockStatements() { <-e.statements }

// unlocked runs f, a call to the broker or the schema registry, with e.mu
// released. The caller holds e.mu and the statement lock: the catalog cannot
// change meanwhile, and only other goroutines' short reads (and the supervisor,
// which checks what it finds when it takes mu again) run in between.
func (e *Engine) unlocked(f func()) {
	e.mu.Unlock()
	defer e.mu.Lock()
	f()
}

// Close stops every persistent query (each finishes and commits its current batch).
func (e *Engine) Close() {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	e.closed = true
	e.mu.Unlock()
	// The follower and the supervisor stop first: they would otherwise start
	// queries again.
	e.closeCommandLog()
	if e.stopSupervisor != nil {
		e.stopSupervisor()
		<-e.supervisorDone
	}
	if e.stopStandbys != nil {
		e.stopStandbys()
		<-e.standbysDone
	}
	e.mu.Lock()
	qs := make([]*exec.PersistentQuery, 0, len(e.running))
	for _, q := range e.running {
		qs = append(qs, q)
	}
	e.running = map[string]*exec.PersistentQuery{}
	e.mu.Unlock()
	var wg sync.WaitGroup
	for _, q := range qs {
		wg.Add(1)
		go func() { defer wg.Done(); q.Stop() }()
	}
	wg.Wait()
	e.stopConnectors()
	e.proclog.close()
}

// Healthy reports whether the engine is serving; it is false after Close.
func (e *Engine) Healthy() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return !e.closed
}

// QueryStatus is a persistent query's state on this node, for SHOW QUERIES,
// /queries and /metrics. The counters are this node's: saved in its store,
// they continue across its restarts (the durable progress is the consumer
// group's committed offsets, which Lag is measured against).
type QueryStatus struct {
	ID    string
	State string
	Error string
	// RecordsIn are records read from the query's sources in committed batches
	// (exec.Stats.RecordsIn); RecordsOut records written to its sink topic.
	// RecordsOut can exceed RecordsIn: a join writes a record per match, a
	// table function one per element, a table row that changes key a
	// tombstone as well.
	RecordsIn  int64
	RecordsOut int64
	// Repartitioned are records written to the query's repartition topics.
	Repartitioned int64
	// ProcessingLogEntries are the records that failed (could not be decoded,
	// evaluated or encoded) or were lost, each one entry in the processing log.
	ProcessingLogEntries int64
	// Lag is the records of its input partitions this node has yet to commit,
	// in total and per partition (as of each partition's last fetch).
	Lag        int64
	Partitions []PartitionStatus `json:",omitempty"`
	// Rebalances counts the assignment changes this node's member saw.
	Rebalances int64
	// RestoringPartitions are partitions rebuilding state from the changelog
	// now; RestoredRecords the changelog records replayed since the start.
	RestoringPartitions int
	RestoredRecords     int64
	// StateBytes estimates the query's state on disk on this node.
	StateBytes uint64
	// LastEventTime is the greatest record timestamp committed (null before).
	LastEventTime *time.Time `json:",omitempty"`
}

// PartitionStatus is one input partition of a query on this node; Position
// and End are -1 while unknown.
type PartitionStatus struct {
	Topic     string
	Partition int32
	Position  int64
	End       int64
	Lag       int64
}

// Queries returns the status of every persistent query.
func (e *Engine) Queries() []QueryStatus {
	e.mu.Lock()
	running := make(map[string]*exec.PersistentQuery, len(e.running))
	states := make(map[string]*[2]string, len(e.running))
	for id, q := range e.running {
		running[id] = q
		states[id] = &[2]string{}
		states[id][0], states[id][1] = e.queryStateLocked(id, q)
	}
	e.mu.Unlock()
	out := make([]QueryStatus, 0, len(running))
	for id, q := range running {
		st := q.Stats()
		qs := QueryStatus{ID: id, State: states[id][0], Error: states[id][1], RecordsIn: st.RecordsIn, RecordsOut: st.RecordsOut,
			Repartitioned: st.Repartitioned, ProcessingLogEntries: st.ProcessingLogEntries, Rebalances: st.Rebalances,
			RestoringPartitions: st.RestoringPartitions, RestoredRecords: st.RestoredRecords}
		for _, p := range st.Partitions {
			qs.Partitions = append(qs.Partitions, PartitionStatus{Topic: p.Topic, Partition: p.Partition, Position: p.Position, End: p.End, Lag: p.Lag()})
			qs.Lag += p.Lag()
		}
		if !st.LastEventTime.IsZero() {
			t := st.LastEventTime
			qs.LastEventTime = &t
		}
		if e.cfg.State != nil {
			if n, err := e.cfg.State.DiskUsage(exec.StatePrefix(id, "", -1)); err == nil {
				qs.StateBytes = n
			}
		}
		out = append(out, qs)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
