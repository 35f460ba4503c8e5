package engine

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/parser"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// ResultWriter receives one statement's results: Columns, then Rows, then Complete;
// statements without rows call only Complete.
type ResultWriter interface {
	Columns(cols []types.Column) error
	Row(vals []any) error
	Complete(tag string) error
	Notice(msg string) error
}

// Session runs statements for one client. It is used by one goroutine at a time.
type Session struct {
	engine *Engine
	parser *parser.Parser
	// props are the session's SET properties layered over the engine defaults.
	props map[string]string
	user  string
}

// NewSession opens a session; params are the client's startup parameters.
func (e *Engine) NewSession(params map[string]string) *Session {
	props := map[string]string{}
	for k, v := range e.cfg.Defaults {
		props[k] = v
	}
	p := parser.New()
	p.Types = e.catalog.Type
	return &Session{engine: e, parser: p, props: props, user: params["user"]}
}

// Close releases the session.
func (s *Session) Close() {}

// Execute parses sql and runs its statements in order, stopping at the first error.
// Errors carry positions relative to sql.
func (s *Session) Execute(ctx context.Context, sql string, params []any, w ResultWriter) error {
	stmts, err := s.parser.ParseScript(sql)
	if err != nil {
		return err
	}
	for _, st := range stmts {
		if err := s.executeOne(ctx, st, params, w); err != nil {
			return clientError(err)
		}
	}
	return nil
}

// clientError reports a cancelled statement the way Postgres does.
func clientError(err error) error {
	if errors.Is(err, context.Canceled) {
		return sqlerr.New(sqlerr.QueryCanceled, "canceling statement due to user request")
	}
	return err
}

func (s *Session) executeOne(ctx context.Context, st parser.Statement, params []any, w ResultWriter) error {
	if isDDL(st) {
		before := s.engine.queryIDs()
		tag, err := s.engine.executeDDL(ctx, st, s.props)
		if err != nil {
			return err
		}
		if id := s.engine.startedQuery(st, before); id != "" {
			text, _ := st.Source()
			s.engine.logger.Info("query created", "query", id, "statement", text)
			// As ksqlDB replies to CREATE ... AS SELECT and INSERT INTO ... SELECT,
			// so the user can TERMINATE the query.
			if err := w.Notice("Created query with ID " + id); err != nil {
				return err
			}
		}
		return w.Complete(tag)
	}
	switch st := st.(type) {
	case *parser.Query:
		return s.observeQuery(st, func() error { return s.runQuery(ctx, st, params, w) })
	case *parser.InsertValues:
		return s.insertValues(ctx, st, params, w)
	case *parser.SetProperty:
		if err := checkProperty(st.Name, st.Value); err != nil {
			return err
		}
		s.props[st.Name] = st.Value
		return w.Complete("SET")
	case *parser.UnsetProperty:
		delete(s.props, st.Name)
		if v, ok := s.engine.cfg.Defaults[st.Name]; ok {
			s.props[st.Name] = v
		}
		return w.Complete("UNSET")
	case *parser.DefineVariable:
		return w.Complete("DEFINE")
	case *parser.UndefineVariable:
		if !st.Defined {
			if err := w.Notice("Cannot undefine variable '" + st.Name + "' which has not been defined."); err != nil {
				return err
			}
		}
		return w.Complete("UNDEFINE")
	case *parser.Show:
		return s.show(ctx, st, w)
	case *parser.Describe:
		return s.describe(st, w)
	case *parser.ShowConnectors:
		return s.showConnectors(st, w)
	case *parser.DescribeConnector:
		return s.describeConnector(st, w)
	case *parser.DescribeFunction:
		return s.describeFunction(st, w)
	case *parser.Print:
		return s.print(ctx, st, w)
	case *parser.Explain:
		return s.explain(st, w)
	case *parser.RunScript:
		return s.runScript(ctx, st, params, w)
	case *parser.AssertTopic:
		return s.assertTopic(ctx, st, w)
	case *parser.AssertSchema:
		return s.assertSchema(ctx, st, w)
	case *parser.AwaitIdle:
		if err := s.engine.AwaitIdle(ctx, st.Timeout); err != nil {
			return err
		}
		return w.Complete("AWAIT IDLE")
	}
	text, pos := st.Source()
	return sqlerr.Newf(sqlerr.FeatureNotSupported, "statement not supported yet: %s", firstWords(text)).WithPosition(pos)
}

// observeQuery runs a SELECT and tells the engine's observer how long it took,
// as a pull query or a push query (EMIT CHANGES or FINAL).
func (s *Session) observeQuery(st *parser.Query, run func() error) error {
	obs := s.engine.cfg.Observer
	began := time.Now()
	if st.Select.Emit == parser.EmitNone {
		err := run()
		obs.PullQuery(time.Since(began), err)
		return err
	}
	obs.PushQueryStarted()
	err := run()
	obs.PushQueryEnded(time.Since(began), err)
	return err
}

func firstWords(s string) string {
	f := strings.Fields(s)
	if len(f) > 2 {
		f = f[:2]
	}
	return strings.Join(f, " ")
}

// Describe returns the columns a statement would produce without running it: the
// projection of a query, nil for statements without rows. Parameter types are not
// inferred yet (nil): clients send them or bind text.
func (s *Session) Describe(sql string) ([]types.Column, []*types.Type, error) {
	stmts, err := s.parser.ParseScript(sql)
	if err != nil {
		return nil, nil, err
	}
	if len(stmts) != 1 {
		return nil, nil, nil
	}
	q, ok := stmts[0].(*parser.Query)
	if !ok {
		return nil, nil, nil
	}
	qp, err := s.engine.planner().PlanSelect(q.Select, nil)
	if err != nil {
		// Parameters are not bound yet; let Execute report real errors.
		return nil, nil, nil
	}
	cols := make([]types.Column, len(qp.Output))
	for i, c := range qp.Output {
		cols[i] = types.Column{Name: c.Name, Type: c.Type}
	}
	return cols, nil, nil
}

// queryIDs is the set of persistent queries' ids.
func (e *Engine) queryIDs() map[string]bool {
	ids := map[string]bool{}
	for _, q := range e.catalog.Queries() {
		ids[q.ID] = true
	}
	return ids
}

// startedQuery returns the id of the persistent query a CREATE ... AS SELECT or
// INSERT INTO ... SELECT just started: the one writing the sink that was not
// there before, or for CREATE OR REPLACE the sink's query, which keeps its id.
func (e *Engine) startedQuery(st parser.Statement, before map[string]bool) string {
	var sink string
	switch st := st.(type) {
	case *parser.CreateAsSelect:
		sink = st.Name
	case *parser.InsertSelect:
		sink = st.Target
	default:
		return ""
	}
	var existing string
	for _, q := range e.catalog.Writers(sink) {
		if !before[q.ID] {
			return q.ID
		}
		if q.Kind == catalog.CreateAsSelect {
			existing = q.ID
		}
	}
	if _, ok := st.(*parser.CreateAsSelect); ok {
		return existing
	}
	return ""
}

// Statements splits sql into its statements' texts, as Execute would run them
// one by one (the REST API reports a result per statement).
func (s *Session) Statements(sql string) ([]string, error) {
	stmts, err := s.parser.ParseScript(sql)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(stmts))
	for i, st := range stmts {
		out[i], _ = st.Source()
	}
	return out, nil
}

// CheckPropertyName returns an error (42704) unless name is a property a
// session may set (ksqlDB's /is_valid_property).
func CheckPropertyName(name string) error {
	for _, p := range knownProperties() {
		if name == p.name || p.streams && name == "ksql.streams."+p.name {
			return nil
		}
	}
	// Any value passes for the name check: only the name is asked about.
	if err := checkProperty(name, ""); err != nil && sqlerr.CodeOf(err) == sqlerr.UndefinedObject {
		return err
	}
	return nil
}
