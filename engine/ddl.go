package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-db/sluice/plan"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/exec"
	"github.com/sluice-db/sluice/kafkaio"
	"github.com/sluice-db/sluice/parser"
	"github.com/sluice-db/sluice/planner"
	"github.com/sluice-db/sluice/sqlerr"
)

// ddlAction applies a validated statement to the catalog. offset is the statement's
// position in the command topic; replay is set while the topic is being replayed.
type ddlAction func(ctx context.Context, offset int64, replay bool) (tag string, err error)

// isDDL reports whether a statement changes the catalog and so goes through the
// command topic.
func isDDL(s parser.Statement) bool {
	switch s.(type) {
	case *parser.CreateSource, *parser.CreateAsSelect, *parser.InsertSelect, *parser.Drop, *parser.Terminate,
		*parser.PauseResume, *parser.AlterSource, *parser.CreateType, *parser.DropType, *parser.CreateConnector, *parser.DropConnector:
		return true
	}
	return false
}

// persistedProps keeps the session properties that change how a statement plans
// or runs, so a replay behaves like the original execution.
func persistedProps(props map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range props {
		if strings.HasPrefix(k, "ksql.") || slices.ContainsFunc(knownProperties(), func(p property) bool { return p.name == k }) {
			out[k] = v
		}
	}
	return out
}

func (e *Engine) applyLocked(ctx context.Context, stmt parser.Statement, props map[string]string, offset int64, replay bool) (string, error) {
	action, err := e.prepareLocked(ctx, stmt, props, replay)
	if err != nil {
		return "", err
	}
	return action(ctx, offset, replay)
}

func (e *Engine) prepareLocked(ctx context.Context, stmt parser.Statement, props map[string]string, replay bool) (ddlAction, error) {
	switch st := stmt.(type) {
	case *parser.CreateSource:
		return e.prepareCreateSource(ctx, st, props, replay)
	case *parser.CreateAsSelect:
		return e.prepareCreateAsSelect(ctx, st, props, replay)
	case *parser.InsertSelect:
		return e.prepareInsertSelect(ctx, st, props)
	case *parser.Drop:
		return e.prepareDrop(st)
	case *parser.Terminate:
		return e.prepareTerminate(st)
	case *parser.PauseResume:
		return e.preparePauseResume(st)
	case *parser.AlterSource:
		return e.prepareAlter(st)
	case *parser.CreateType:
		return e.prepareCreateType(st)
	case *parser.DropType:
		return e.prepareDropType(st)
	case *parser.CreateConnector:
		return e.prepareCreateConnector(st)
	case *parser.DropConnector:
		return e.prepareDropConnector(st)
	}
	return nil, sqlerr.Newf(sqlerr.InternalError, "statement %T is not DDL", stmt)
}

// existing checks name collisions; ok=false with no error means IF NOT EXISTS hit.
func (e *Engine) checkNewName(name string, pos int, kind parser.SourceKind, orReplace, ifNotExists bool) (replace bool, skip bool, err error) {
	old, lerr := e.catalog.Source(name)
	if lerr != nil {
		return false, false, nil
	}
	if ifNotExists {
		return false, true, nil
	}
	if orReplace {
		if old.IsSource {
			return false, false, orReplaceSource(name, pos, kind)
		}
		if old.Builtin {
			return false, false, sqlerr.Newf(sqlerr.InsufficientPrivilege, "Cannot replace built-in stream %s", name).WithPosition(pos)
		}
		if (old.Kind == catalog.Table) != (kind == parser.Table) {
			return false, false, sqlerr.Newf(sqlerr.DuplicateTable, "Cannot replace %s %s with a %s", strings.ToLower(old.Kind.String()), name, strings.ToLower(kind.String())).WithPosition(pos)
		}
		return true, false, nil
	}
	return false, false, sqlerr.Newf(sqlerr.DuplicateTable, "Cannot add %s '%s': A %s with the same name already exists",
		strings.ToLower(kind.String()), name, strings.ToLower(old.Kind.String())).WithPosition(pos)
}

// orReplaceSource is the error for CREATE OR REPLACE of, or with, a source
// stream or table: those are read-only.
func orReplaceSource(name string, pos int, kind parser.SourceKind) error {
	k := strings.ToLower(kind.String())
	return sqlerr.Newf(sqlerr.InsufficientPrivilege, "Cannot add %s '%s': CREATE OR REPLACE is not supported on source %ss.", k, name, k).WithPosition(pos)
}

func noop(tag string) ddlAction {
	return func(context.Context, int64, bool) (string, error) { return tag, nil }
}

func (e *Engine) prepareCreateSource(ctx context.Context, st *parser.CreateSource, props map[string]string, replay bool) (ddlAction, error) {
	tag := "CREATE " + st.Kind.String()
	if st.OrReplace && st.IsSource {
		return nil, orReplaceSource(st.Name, st.NamePos, st.Kind)
	}
	_, skip, err := e.checkNewName(st.Name, st.NamePos, st.Kind, st.OrReplace, st.IfNotExists)
	if err != nil {
		return nil, err
	}
	if skip {
		return noop(tag), nil
	}
	var src *catalog.Source
	// Inferring columns asks the schema registry.
	e.unlocked(func() { src, err = planner.PlanCreateSourceInferring(st, props, e) })
	if err != nil {
		return nil, err
	}
	if err := e.checkTopicUse(src.Topic, st.NamePos, readTopic); err != nil {
		return nil, err
	}
	var info kafkaio.TopicInfo
	e.unlocked(func() { info, err = e.cluster.DescribeTopic(ctx, src.Topic) })
	switch {
	case errors.Is(err, kafkaio.ErrTopicNotFound):
		if src.Partitions == 0 {
			return nil, sqlerr.Newf(sqlerr.UndefinedObject,
				"Topic '%s' does not exist. If you want to create a new topic for the %s please re-run the statement providing the required 'PARTITIONS' configuration in the WITH clause (and, optionally, 'REPLICAS'). For example: CREATE %s %s (...) WITH (KAFKA_TOPIC='%s', PARTITIONS=2, REPLICAS=1);",
				src.Topic, strings.ToLower(st.Kind.String()), st.Kind, st.Name, src.Topic).WithPosition(st.NamePos)
		}
		e.unlocked(func() { err = e.cluster.CreateTopic(ctx, src.Topic, src.Partitions, src.Replicas, nil) })
		if err != nil {
			return nil, sqlerr.Wrap(sqlerr.ConnectionFailure, err, "could not create topic")
		}
	case err != nil:
		return nil, sqlerr.Wrap(sqlerr.ConnectionFailure, err, "could not describe topic "+src.Topic)
	default:
		if src.Partitions != 0 && src.Partitions != info.Partitions && !replay {
			return nil, sqlerr.Newf(sqlerr.InvalidParameterValue,
				"A Kafka topic with the name '%s' already exists, with different partition/replica configuration than required. KSQL expects %d partitions (topic has %d).",
				src.Topic, src.Partitions, info.Partitions).WithPosition(st.NamePos)
		}
		src.Partitions = info.Partitions
	}
	e.unlocked(func() { err = e.bindSchemas(src, false) })
	if err != nil {
		return nil, err
	}
	return func(_ context.Context, offset int64, _ bool) (string, error) {
		e.catalog.PutSource(src)
		if src.IsSource && src.Kind == catalog.Table {
			// A source table is materialized for pull queries by a query of its own.
			qp, err := e.plannerFor(props).PlanMaterialize(src)
			if err == nil {
				q := &catalog.Query{ID: fmt.Sprintf("CST_%s_%d", src.Name, offset), Kind: catalog.CreateAsSelect,
					SQL: src.SQL, Sink: src.Name, Props: persistedProps(props)}
				// The table is all of its topic, whatever the session's offset reset.
				mp := maps.Clone(props)
				mp["auto.offset.reset"] = "earliest"
				err = e.startQueryLocked(q, qp, mp)
			}
			if err != nil {
				e.catalog.DropSource(src.Name)
				return "", err
			}
		}
		return tag, nil
	}, nil
}

func (e *Engine) prepareCreateAsSelect(ctx context.Context, st *parser.CreateAsSelect, props map[string]string, replay bool) (ddlAction, error) {
	tag := "CREATE " + st.Kind.String()
	replace, skip, err := e.checkNewName(st.Name, st.NamePos, st.Kind, st.OrReplace, st.IfNotExists)
	if err != nil {
		return nil, err
	}
	if skip {
		return noop(tag), nil
	}
	qp, err := e.plannerFor(props).PlanCreateAsSelect(st, props)
	if err != nil {
		return nil, err
	}
	if err := e.checkTopicUse(qp.Sink.Source.Topic, st.NamePos, writeTopic); err != nil {
		return nil, err
	}
	var oldQuery *catalog.Query
	if replace {
		for _, q := range e.catalog.Writers(st.Name) {
			if q.Kind == catalog.CreateAsSelect {
				oldQuery = q
			}
		}
	}
	e.unlocked(func() {
		if err = e.ensureSinkTopic(ctx, qp.Sink.Source); err == nil {
			err = e.bindSchemas(qp.Sink.Source, true)
		}
	})
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, offset int64, replay bool) (string, error) {
		prefix := "CSAS"
		if st.Kind == parser.Table {
			prefix = "CTAS"
		}
		id := fmt.Sprintf("%s_%s_%d", prefix, st.Name, offset)
		if oldQuery != nil {
			// CREATE OR REPLACE keeps the query id, so the new plan resumes from the
			// old one's committed offsets.
			id = oldQuery.ID
			e.stopQueryLocked(id)
		}
		e.catalog.PutSource(qp.Sink.Source)
		q := &catalog.Query{ID: id, Kind: catalog.CreateAsSelect, SQL: qp.Sink.Source.SQL, Sink: st.Name,
			Sources: planSources(qp), Props: persistedProps(props)}
		if err := e.startQueryLocked(q, qp, props); err != nil {
			e.catalog.DropSource(st.Name)
			return "", err
		}
		return tag, nil
	}, nil
}

// ensureSinkTopic creates a sink's topic, or checks that an existing one has the
// partition count the sink expects.
func (e *Engine) ensureSinkTopic(ctx context.Context, sink *catalog.Source) error {
	info, err := e.cluster.DescribeTopic(ctx, sink.Topic)
	switch {
	case errors.Is(err, kafkaio.ErrTopicNotFound):
		if err := e.cluster.CreateTopic(ctx, sink.Topic, sink.Partitions, sink.Replicas, map[string]*string{"cleanup.policy": ptr("delete")}); err != nil {
			return sqlerr.Wrap(sqlerr.ConnectionFailure, err, "could not create sink topic")
		}
		return nil
	case err != nil:
		return sqlerr.Wrap(sqlerr.ConnectionFailure, err, "could not describe topic "+sink.Topic)
	}
	sink.Partitions = info.Partitions
	return nil
}

func (e *Engine) prepareInsertSelect(ctx context.Context, st *parser.InsertSelect, props map[string]string) (ddlAction, error) {
	qp, err := e.plannerFor(props).PlanInsertSelect(st)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, offset int64, replay bool) (string, error) {
		id := fmt.Sprintf("INSERTQUERY_%d", offset)
		text, _ := st.Source()
		q := &catalog.Query{ID: id, Kind: catalog.InsertQuery, SQL: text, Sink: st.Target,
			Sources: planSources(qp), Props: persistedProps(props)}
		if err := e.startQueryLocked(q, qp, props); err != nil {
			return "", err
		}
		return "INSERT 0 0", nil
	}, nil
}

// startQueryLocked registers and starts a persistent query. While the node
// replays the command topic, the start waits for the end of the replay: a query
// that a later command terminates never starts (and never joins its group, only
// to leave it a moment later).
func (e *Engine) startQueryLocked(q *catalog.Query, qp *plan.QueryPlan, props map[string]string) error {
	if e.deferStarts {
		e.catalog.PutQuery(q)
		e.pending = append(e.pending, pendingStart{q: q, qp: qp, props: props})
		return nil
	}
	return e.runQueryLocked(q, qp, props)
}

// pendingStart is a query whose start waits for the end of the replay.
type pendingStart struct {
	q     *catalog.Query
	qp    *plan.QueryPlan
	props map[string]string
}

// startPendingLocked starts the queries the replay left. One that fails to start
// goes, with the sink it created, as it would have when its command applied.
func (e *Engine) startPendingLocked() {
	pending := e.pending
	e.deferStarts, e.pending = false, nil
	defer e.startPendingConnectorsLocked()
	for _, p := range pending {
		if err := e.runQueryLocked(p.q, p.qp, p.props); err != nil {
			e.logger.Error("query could not start; dropping it", "query", p.q.ID, "err", err)
			e.catalog.DropQuery(p.q.ID)
			if p.q.Kind == catalog.CreateAsSelect {
				e.catalog.DropSource(p.q.Sink)
			}
		}
	}
}

// runQueryLocked plans a query's physical side and starts it.
func (e *Engine) runQueryLocked(q *catalog.Query, qp *plan.QueryPlan, props map[string]string) error {
	var run *exec.PersistentQuery
	var err error
	e.unlocked(func() {
		if err = e.planPhysical(qp, q.ID, true); err == nil {
			run, err = e.startRun(qp, props, q.Paused)
		}
	})
	if err != nil {
		return err
	}
	if e.closed {
		// Close collected the running queries while this one started.
		e.unlocked(run.Stop)
		return sqlerr.New(sqlerr.ObjectNotInPrerequisiteState, "the server is shutting down")
	}
	e.catalog.PutQuery(q)
	e.running[q.ID] = run
	e.specs[q.ID] = runSpec{q: q, qp: qp, props: props}
	delete(e.recovering, q.ID)
	g, _ := guaranteeOf(props) // checked by startRun
	e.logger.Info("query started", "query", q.ID, "sink", q.Sink, "group", qp.Physical.Group, "exactly_once", g.exactlyOnce)
	return nil
}

// startRun starts a run of a physically planned query. It reads only the
// engine's configuration, so it needs no lock.
func (e *Engine) startRun(qp *plan.QueryPlan, props map[string]string, paused bool) (*exec.PersistentQuery, error) {
	cache, err := cacheMaxBytes(props)
	if err != nil {
		return nil, err
	}
	g, err := guaranteeOf(props)
	if err != nil {
		return nil, err
	}
	if g.exactlyOnce {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := e.cluster.CheckTransactions(ctx)
		cancel()
		if err != nil {
			return nil, sqlerr.Wrap(sqlerr.FeatureNotSupported, err, "processing.guarantee=exactly_once_v2 needs Kafka transactions; use at_least_once with this cluster")
		}
	}
	return exec.StartPersistent(exec.PersistentConfig{
		Plan: qp, Clients: e.cluster, Log: e.proclog, Logger: e.logger,
		FromBeginning: fromBeginning(props), State: e.cfg.State,
		CacheMaxBytes: cache, PurgeInterval: e.cfg.RepartitionPurgeInterval, PurgeAfter: e.cfg.RepartitionPurgeAfter,
		ExactlyOnce: g.exactlyOnce, CommitInterval: g.commitInterval, TransactionTimeout: g.txnTimeout,
		TransactionalID: qp.Physical.Group + "-" + e.cfg.NodeID, InstanceID: qp.Physical.Group + "-" + e.cfg.NodeID, Fault: e.cfg.Fault,
		OnCommit: func(d time.Duration) { e.cfg.Observer.Commit(qp.Physical.QueryID, d) },
		Paused:   paused,
	})
}

// planPhysical makes the plan's physical choices for query id and creates the
// internal topics it names that do not exist yet.
func (e *Engine) planPhysical(qp *plan.QueryPlan, id string, durable bool) error {
	opts := planner.PhysicalOptions{QueryID: id, Group: e.queryGroup(id), Durable: durable}
	if err := planner.PlanPhysical(qp, opts, clusterTopics{e}); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, t := range qp.Physical.InternalTopics() {
		_, err := e.cluster.DescribeTopic(ctx, t.Name)
		if err == nil {
			continue
		}
		if !errors.Is(err, kafkaio.ErrTopicNotFound) {
			return sqlerr.Wrap(sqlerr.ConnectionFailure, err, "could not describe topic "+t.Name)
		}
		if err := e.cluster.CreateTopic(ctx, t.Name, t.Partitions, t.Replicas, internalTopicConfig(t)); err != nil {
			return sqlerr.Wrap(sqlerr.ConnectionFailure, err, "could not create internal topic "+t.Name)
		}
	}
	return nil
}

// clusterTopics answers physical planning's questions from the cluster.
type clusterTopics struct{ e *Engine }

func (c clusterTopics) Describe(topic string) (partitions, replicas int, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	info, err := c.e.describeNew(ctx, topic)
	if err != nil {
		return 0, 0, sqlerr.Wrap(sqlerr.ConnectionFailure, err, "could not describe topic "+topic)
	}
	return info.Partitions, info.Replicas, nil
}

// internalTopicConfig is the configuration of a query's internal topic. A
// changelog is compacted. A repartition topic has no time retention, because
// its records carry the rows' event times, and replayed old data would be
// deleted by the broker before the query's second stage reads it; the query
// deletes what it committed a retention period ago instead (exec/purge.go).
func internalTopicConfig(t *plan.InternalTopic) map[string]*string {
	if t.Compacted {
		return map[string]*string{"cleanup.policy": ptr("compact")}
	}
	return map[string]*string{"cleanup.policy": ptr("delete"), "retention.ms": ptr("-1")}
}

// stopQueryLocked terminates a query: it stops for good, and leaves its
// consumer group.
func (e *Engine) stopQueryLocked(id string) {
	run, ok := e.running[id]
	delete(e.running, id)
	delete(e.specs, id)
	delete(e.recovering, id)
	e.pending = slices.DeleteFunc(e.pending, func(p pendingStart) bool { return p.q.ID == id })
	e.catalog.DropQuery(id)
	if ok {
		// Its last commit and leaving the group talk to the broker.
		e.unlocked(run.Terminate)
		e.logger.Info("query terminated", "query", id)
	}
}

func (e *Engine) prepareDrop(st *parser.Drop) (ddlAction, error) {
	tag := "DROP " + st.Kind.String()
	src, err := e.catalog.Source(st.Name)
	if err != nil {
		if st.IfExists {
			return noop(tag), nil
		}
		return nil, sqlerr.As(err).WithPosition(st.NamePos)
	}
	if src.Builtin {
		return nil, sqlerr.Newf(sqlerr.InsufficientPrivilege, "Cannot drop built-in stream %s", src.Name).WithPosition(st.NamePos)
	}
	if (src.Kind == catalog.Table) != (st.Kind == parser.Table) {
		return nil, sqlerr.Newf(sqlerr.UndefinedTable, "%s is not a %s; use DROP %s", src.Name, strings.ToLower(st.Kind.String()), src.Kind).WithPosition(st.NamePos)
	}
	if st.DeleteTopic && src.IsSource {
		return nil, sqlerr.Newf(sqlerr.InsufficientPrivilege, "Cannot delete topic for read-only source: %s", src.Name).WithPosition(st.NamePos)
	}
	if st.DeleteTopic {
		if err := e.checkTopicUse(src.Topic, st.NamePos, writeTopic); err != nil {
			return nil, err
		}
	}
	if names := e.connectorsReading(src.Name); len(names) > 0 {
		return nil, sqlerr.Newf(sqlerr.ObjectInUse,
			"Cannot drop %s.\nThe following connectors read from this source: [%s].\nYou need to drop them before dropping %s.",
			src.Name, strings.Join(names, ", "), src.Name).WithPosition(st.NamePos).WithHint("DROP CONNECTOR the connectors listed, then DROP again.")
	}
	if readers := e.catalog.Readers(src.Name); len(readers) > 0 {
		return nil, sqlerr.Newf(sqlerr.ObjectInUse,
			"Cannot drop %s.\nThe following queries read from this source: [%s].\nYou need to terminate them before dropping %s.",
			src.Name, strings.Join(readers, ", "), src.Name).WithPosition(st.NamePos).WithHint("TERMINATE the queries listed, then DROP again.")
	}
	var owner string
	for _, q := range e.catalog.Writers(src.Name) {
		if q.Kind != catalog.CreateAsSelect {
			return nil, sqlerr.Newf(sqlerr.ObjectInUse,
				"Cannot drop %s.\nThe following queries write into this source: [%s].\nYou need to terminate them before dropping %s.",
				src.Name, q.ID, src.Name).WithPosition(st.NamePos)
		}
		owner = q.ID
	}
	return func(ctx context.Context, _ int64, replay bool) (string, error) {
		if owner != "" {
			// The query that created the sink goes with it, as in ksqlDB.
			e.stopQueryLocked(owner)
		}
		e.catalog.DropSource(src.Name)
		if st.DeleteTopic && !replay {
			var err error
			e.unlocked(func() { err = e.cluster.DeleteTopic(ctx, src.Topic) })
			if err != nil {
				return "", sqlerr.Wrap(sqlerr.ConnectionFailure, err, "dropped "+src.Name+" but could not delete its topic")
			}
		}
		return tag, nil
	}, nil
}

func (e *Engine) prepareTerminate(st *parser.Terminate) (ddlAction, error) {
	if st.All {
		return func(context.Context, int64, bool) (string, error) {
			for _, q := range e.catalog.Queries() {
				e.stopQueryLocked(q.ID)
			}
			return "TERMINATE", nil
		}, nil
	}
	id := strings.ToUpper(st.QueryID)
	if e.catalog.Query(id) == nil {
		return nil, sqlerr.Newf(sqlerr.UndefinedObject, "Unknown queryId: %s", st.QueryID)
	}
	return func(context.Context, int64, bool) (string, error) {
		e.stopQueryLocked(id)
		return "TERMINATE", nil
	}, nil
}

// prepareAlter adds value columns to a source CREATE made. Queries already
// running keep the columns they were planned with; later ones see the new ones.
func (e *Engine) prepareAlter(st *parser.AlterSource) (ddlAction, error) {
	src, err := e.catalog.Source(st.Name)
	if err != nil {
		return nil, sqlerr.Newf(sqlerr.UndefinedTable, "Source %s does not exist.", st.Name).WithPosition(st.NamePos)
	}
	p := parser.New()
	p.Types = e.catalog.Type
	created, err := p.ParseScript(src.SQL)
	cas := err == nil && len(created) == 1 && isCreateAsSelect(created[0])
	altered, err := planner.PlanAlterSource(src, st, cas)
	if err != nil {
		return nil, err
	}
	tag := "ALTER " + st.Kind.String()
	return func(context.Context, int64, bool) (string, error) {
		e.catalog.PutSource(altered)
		return tag, nil
	}, nil
}

func isCreateAsSelect(s parser.Statement) bool {
	_, ok := s.(*parser.CreateAsSelect)
	return ok
}

// preparePauseResume pauses or resumes one query or all. The catalog records
// it, so a node that replays the command topic starts the query paused.
func (e *Engine) preparePauseResume(st *parser.PauseResume) (ddlAction, error) {
	tag := "PAUSE"
	if st.Resume {
		tag = "RESUME"
	}
	ids := []string{strings.ToUpper(st.QueryID)}
	if st.All {
		ids = ids[:0]
		for _, q := range e.catalog.Queries() {
			ids = append(ids, q.ID)
		}
	} else if e.catalog.Query(ids[0]) == nil {
		return nil, sqlerr.Newf(sqlerr.UndefinedObject, "Unknown queryId: %s", st.QueryID)
	}
	return func(context.Context, int64, bool) (string, error) {
		for _, id := range ids {
			if !e.catalog.SetQueryPaused(id, !st.Resume) {
				continue // terminated since
			}
			if spec, ok := e.specs[id]; ok {
				spec.q = e.catalog.Query(id)
				e.specs[id] = spec
			}
			for i, p := range e.pending {
				if p.q.ID == id {
					e.pending[i].q = e.catalog.Query(id)
				}
			}
			if run, ok := e.running[id]; ok {
				if st.Resume {
					run.Resume()
				} else {
					run.Pause()
				}
				e.logger.Info("query "+strings.ToLower(tag)+"d", "query", id)
			}
		}
		return tag, nil
	}, nil
}

// planSources names the sources a plan reads.
func planSources(qp *plan.QueryPlan) []string {
	if j := qp.Join; j != nil {
		var names []string
		for _, s := range j.Leaves() {
			names = append(names, s.Source.Name)
		}
		return names
	}
	return []string{qp.Source.Name}
}

// describeNew describes a topic, waiting while it is not in the metadata yet: a
// topic created a moment ago may take a little while to appear.
func (e *Engine) describeNew(ctx context.Context, topic string) (kafkaio.TopicInfo, error) {
	for {
		info, err := e.cluster.DescribeTopic(ctx, topic)
		if !errors.Is(err, kafkaio.ErrTopicNotFound) || ctx.Err() != nil {
			return info, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// The record cache's bound, under ksqlDB's name and Kafka Streams' own.
const (
	cacheProperty     = "cache.max.bytes.buffering"
	ksqlCacheProperty = "ksql.streams." + cacheProperty
	defaultCacheBytes = 10_000_000 // ksqlDB's default
)

// cacheMaxBytes reads the bound of a table query's record cache from the
// statement's properties: the bytes of results collapsed per key between
// commits; 0 emits every update (ksqlDB's test setting).
func cacheMaxBytes(props map[string]string) (int64, error) {
	for _, k := range []string{ksqlCacheProperty, cacheProperty} {
		v, ok := props[k]
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n < 0 {
			return 0, sqlerr.Newf(sqlerr.InvalidParameterValue, "invalid value for %s: %q (a number of bytes, 0 to turn the cache off)", k, v)
		}
		return n, nil
	}
	return defaultCacheBytes, nil
}
