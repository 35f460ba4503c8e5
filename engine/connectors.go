package engine

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/connect/jdbcsink"
	"github.com/sluice-db/sluice/parser"
	"github.com/sluice-db/sluice/planner"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// Connectors (CREATE SINK CONNECTOR) are catalog objects of their own
// namespace: the statement goes through the command topic like other DDL, so
// every node replays it at start and runs the connector. Sluice runs one
// connector class natively, the JDBC sink into PostgreSQL (package
// connect/jdbcsink); there is no Connect cluster to hand others to.

// connector is a created connector and, once started, its runtime.
type connector struct {
	name  string
	sql   string
	props map[string]string
	// sources maps each topic the connector reads to the source whose
	// formats and columns it reads the records with.
	sources map[string]*catalog.Source
	cfg     *jdbcsink.Config
	run     *jdbcsink.Connector // nil while the replay defers its start
}

func (e *Engine) connectorGroup(name string) string {
	return "_sluice_" + e.cfg.ServiceID + "_connector_" + name
}

// connectorProps turns a WITH clause into Kafka Connect's string properties.
func connectorProps(props []parser.Property) (map[string]string, error) {
	out := make(map[string]string, len(props))
	for _, p := range props {
		if _, dup := out[p.Key]; dup {
			return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "property %s is given twice", p.Key).WithPosition(p.Pos)
		}
		var v string
		switch x := p.Value.(type) {
		case string:
			v = x
		case bool:
			v = strconv.FormatBool(x)
		case int64:
			v = strconv.FormatInt(x, 10)
		case float64:
			v = strconv.FormatFloat(x, 'g', -1, 64)
		case *apd.Decimal:
			v = x.String()
		default:
			return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "property %s has an unsupported value", p.Key).WithPosition(p.Pos)
		}
		out[p.Key] = v
	}
	return out, nil
}

// connectorsReading returns the connectors that read through source name,
// sorted.
func (e *Engine) connectorsReading(name string) []string {
	var out []string
	for _, c := range e.connectors {
		for _, src := range c.sources {
			if src.Name == name {
				out = append(out, c.name)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

func (e *Engine) prepareCreateConnector(st *parser.CreateConnector) (ddlAction, error) {
	tag := "CREATE CONNECTOR"
	if _, ok := e.connectors[st.Name]; ok {
		if st.IfNotExists {
			return noop(tag), nil
		}
		return nil, sqlerr.Newf(sqlerr.DuplicateObject, "Connector %s already exists", st.Name).WithPosition(st.NamePos)
	}
	if st.Kind != parser.SinkConnector {
		return nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "Sluice runs sink connectors only (%s); source connectors need a Kafka Connect cluster", jdbcsink.Class).WithPosition(st.Pos)
	}
	props, err := connectorProps(st.Props)
	if err != nil {
		return nil, err
	}
	cfg, err := jdbcsink.Parse(props)
	if err != nil {
		return nil, err
	}
	sources, err := e.connectorSources(cfg)
	if err != nil {
		return nil, err
	}
	if err := jdbcsink.Validate(cfg, sources); err != nil {
		return nil, err
	}
	if cfg.DLQTopic != "" {
		if err := planner.CheckTopicName(cfg.DLQTopic); err != nil {
			return nil, sqlerr.As(err).WithPosition(st.NamePos)
		}
		if err := e.checkTopicUse(cfg.DLQTopic, st.NamePos, writeTopic); err != nil {
			return nil, err
		}
	}
	text, _ := st.Source()
	c := &connector{name: st.Name, sql: text, props: props, sources: sources, cfg: cfg}
	return func(ctx context.Context, _ int64, _ bool) (string, error) {
		if cfg.DLQTopic != "" {
			var err error
			e.unlocked(func() { err = e.cluster.CreateTopic(ctx, cfg.DLQTopic, 1, cfg.DLQReplicas, nil) })
			if err != nil {
				return "", sqlerr.Wrap(sqlerr.ConnectionFailure, err, "could not create the dead-letter topic")
			}
		}
		e.connectors[c.name] = c
		if e.deferStarts {
			return tag, nil
		}
		if err := e.startConnectorLocked(c); err != nil {
			delete(e.connectors, c.name)
			return "", err
		}
		return tag, nil
	}, nil
}

// connectorSources finds the source each topic is read with: the JDBC sink
// needs a schema for the table, and a topic's source is where Sluice has one.
// With several sources over one topic, the first by name is used.
func (e *Engine) connectorSources(cfg *jdbcsink.Config) (map[string]*catalog.Source, error) {
	byTopic := map[string][]*catalog.Source{}
	for _, s := range e.catalog.Sources() {
		if !s.Builtin {
			byTopic[s.Topic] = append(byTopic[s.Topic], s)
		}
	}
	for _, ss := range byTopic {
		slices.SortFunc(ss, func(a, b *catalog.Source) int { return strings.Compare(a.Name, b.Name) })
	}
	out := map[string]*catalog.Source{}
	if cfg.TopicsRegex != nil {
		for t, ss := range byTopic {
			if cfg.TopicsRegex.MatchString(t) {
				out[t] = ss[0]
			}
		}
		if len(out) == 0 {
			return nil, sqlerr.Newf(sqlerr.UndefinedObject, "topics.regex %s matches the topic of no stream or table", cfg.TopicsRegex)
		}
		return out, nil
	}
	for _, t := range cfg.Topics {
		ss := byTopic[t]
		if len(ss) == 0 {
			return nil, sqlerr.Newf(sqlerr.UndefinedObject,
				"no stream or table reads topic %s: declare one over it (CREATE STREAM ... WITH (KAFKA_TOPIC='%s', ...)) so the connector knows its columns and formats", t, t)
		}
		out[t] = ss[0]
	}
	return out, nil
}

func (e *Engine) startConnectorLocked(c *connector) error {
	cfg := *c.cfg
	cfg.Topics = make([]string, 0, len(c.sources))
	for t := range c.sources {
		cfg.Topics = append(cfg.Topics, t)
	}
	run, err := jdbcsink.Start(jdbcsink.Deps{
		Name: c.name, Config: &cfg, Sources: c.sources, NewClient: e.cluster.NewClient,
		Group: e.connectorGroup(c.name), InstanceID: e.connectorGroup(c.name) + "-" + e.cfg.NodeID, Log: e.proclog, Logger: e.logger,
	})
	if err != nil {
		return err
	}
	c.run = run
	return nil
}

// startPendingConnectorsLocked starts the connectors the replay created.
func (e *Engine) startPendingConnectorsLocked() {
	for _, c := range e.connectors {
		if c.run != nil {
			continue
		}
		if err := e.startConnectorLocked(c); err != nil {
			e.logger.Error("connector could not start", "connector", c.name, "err", err)
		}
	}
}

func (e *Engine) prepareDropConnector(st *parser.DropConnector) (ddlAction, error) {
	tag := "DROP CONNECTOR"
	c, ok := e.connectors[st.Name]
	if !ok {
		if st.IfExists {
			return noop(tag), nil
		}
		return nil, sqlerr.Newf(sqlerr.UndefinedObject, "Connector %s does not exist", st.Name).WithPosition(st.NamePos)
	}
	return func(context.Context, int64, bool) (string, error) {
		delete(e.connectors, c.name)
		if c.run != nil {
			e.unlocked(c.run.Terminate)
		}
		return tag, nil
	}, nil
}

// stopConnectors stops every connector (at shutdown).
func (e *Engine) stopConnectors() {
	e.mu.Lock()
	cs := e.connectors
	e.connectors = map[string]*connector{}
	e.mu.Unlock()
	for _, c := range cs {
		if c.run != nil {
			c.run.Stop()
		}
	}
}

// ConnectorStatus is a connector's state, for SHOW/DESCRIBE CONNECTOR and tests.
func (e *Engine) ConnectorStatus(name string) (jdbcsink.Status, bool) {
	e.mu.Lock()
	c, ok := e.connectors[name]
	e.mu.Unlock()
	if !ok {
		return jdbcsink.Status{}, false
	}
	if c.run == nil {
		return jdbcsink.Status{State: "PENDING"}, true
	}
	return c.run.Status(), true
}

func (e *Engine) connectorList() []*connector {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]*connector, 0, len(e.connectors))
	for _, c := range e.connectors {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b *connector) int { return strings.Compare(a.name, b.name) })
	return out
}

func (s *Session) showConnectors(st *parser.ShowConnectors, w ResultWriter) error {
	var rows [][]any
	for _, c := range s.engine.connectorList() {
		if st.Kind == parser.SourceConnector {
			continue // Sluice runs sink connectors only
		}
		status, _ := s.engine.ConnectorStatus(c.name)
		rows = append(rows, []any{c.name, "SINK", jdbcsink.Class, status.State})
	}
	return table(w, []string{"Connector Name", "Type", "Class", "Status"}, nil, rows, "SHOW")
}

func (s *Session) describeConnector(st *parser.DescribeConnector, w ResultWriter) error {
	e := s.engine
	e.mu.Lock()
	c, ok := e.connectors[st.Name]
	e.mu.Unlock()
	if !ok {
		return sqlerr.Newf(sqlerr.UndefinedObject, "Connector %s does not exist", st.Name).WithPosition(st.NamePos)
	}
	status, _ := e.ConnectorStatus(c.name)
	var topics, sources []string
	for t, src := range c.sources {
		topics = append(topics, t)
		sources = append(sources, src.Name)
	}
	slices.Sort(topics)
	slices.Sort(sources)
	var lastAt any
	if !status.LastErrorAt.IsZero() {
		lastAt = status.LastErrorAt.UTC().Format(time.RFC3339)
	}
	row := []any{c.name, jdbcsink.Class, "SINK", status.State, strings.Join(topics, ", "), strings.Join(sources, ", "),
		int64(status.Partitions), status.Lag, status.RowsWritten, status.Rejected, status.LastError, lastAt,
		int64(status.PausedPartitions), status.Batches, status.WriteErrors}
	return table(w, []string{"Name", "Class", "Type", "State", "Topics", "Sources", "Partitions", "Lag", "Rows Written", "Rejected", "Last Error", "Last Error At",
		"Paused Partitions", "Batches", "Write Errors"},
		[]*types.Type{nil, nil, nil, nil, nil, nil, types.BigIntType, types.BigIntType, types.BigIntType, types.BigIntType, nil, nil,
			types.BigIntType, types.BigIntType, types.BigIntType}, [][]any{row}, "DESCRIBE")
}

// ConnectorInfo is one connector's name and status (the HTTP /connectors list).
type ConnectorInfo struct {
	Name string
	jdbcsink.Status
}

// Connectors returns every connector's status, by name.
func (e *Engine) Connectors() []ConnectorInfo {
	var out []ConnectorInfo
	for _, c := range e.connectorList() {
		st, _ := e.ConnectorStatus(c.name)
		out = append(out, ConnectorInfo{Name: c.name, Status: st})
	}
	return out
}
