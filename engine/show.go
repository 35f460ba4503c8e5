package engine

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/sluice-db/sluice/plan"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/parser"
	"github.com/sluice-db/sluice/planner"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// table writes a result of string-ish columns.
func table(w ResultWriter, names []string, colTypes []*types.Type, rows [][]any, tag string) error {
	cols := make([]types.Column, len(names))
	for i, n := range names {
		t := types.StringType
		if colTypes != nil && colTypes[i] != nil {
			t = colTypes[i]
		}
		cols[i] = types.Column{Name: n, Type: t}
	}
	if err := w.Columns(cols); err != nil {
		return err
	}
	for _, r := range rows {
		if err := w.Row(r); err != nil {
			return err
		}
	}
	return w.Complete(fmt.Sprintf("%s %d", tag, len(rows)))
}

func (s *Session) show(ctx context.Context, st *parser.Show, w ResultWriter) error {
	e := s.engine
	switch st.What {
	case parser.ShowStreams, parser.ShowTables:
		kind := catalog.Stream
		title := "Stream Name"
		if st.What == parser.ShowTables {
			kind, title = catalog.Table, "Table Name"
		}
		var rows [][]any
		for _, src := range e.catalog.Sources() {
			if src.Kind != kind {
				continue
			}
			r := []any{src.Name, src.Topic, src.KeyFormat, src.ValueFormat, src.Window != nil}
			if st.Extended {
				winKind, winSize := "", any(nil)
				if src.Window != nil {
					winKind = src.Window.Kind
					if src.Window.Size > 0 {
						winSize = src.Window.Size.Milliseconds()
					}
				}
				var wrapped any
				if src.WrapSingle != nil {
					wrapped = *src.WrapSingle
				}
				r = append(r, planner.SchemaString(src.Columns), strings.Join(e.catalog.Readers(src.Name), ", "), writerIDs(e.catalog.Writers(src.Name)),
					winKind, winSize, wrapped, src.IsSource)
			}
			rows = append(rows, r)
		}
		names := []string{title, "Kafka Topic", "Key Format", "Value Format", "Windowed"}
		ts := []*types.Type{nil, nil, nil, nil, types.BooleanType}
		if st.Extended {
			names = append(names, "Schema", "Read By", "Written By", "Window Type", "Window Size Ms", "Wrap Single Value", "Read Only")
			ts = append(ts, nil, nil, nil, nil, types.BigIntType, types.BooleanType, types.BooleanType)
		}
		return table(w, names, ts, rows, "SHOW")
	case parser.ShowQueries:
		status := map[string]QueryStatus{}
		for _, q := range e.Queries() {
			status[q.ID] = q
		}
		var rows [][]any
		for _, q := range e.catalog.Queries() {
			sink, _ := e.catalog.Source(q.Sink)
			topic := ""
			if sink != nil {
				topic = sink.Topic
			}
			qs := status[q.ID]
			kind := "PERSISTENT"
			r := []any{q.ID, kind, qs.State, q.Sink, topic, q.SQL}
			if st.Extended {
				r = append(r, qs.RecordsIn, qs.RecordsOut, qs.Lag, qs.ProcessingLogEntries, qs.Error)
			}
			rows = append(rows, r)
		}
		names := []string{"Query ID", "Query Type", "Status", "Sink Name", "Sink Kafka Topic", "Query String"}
		var ts []*types.Type
		if st.Extended {
			names = append(names, "Records Read", "Records Written", "Lag", "Processing Log Entries", "Last Error")
			ts = []*types.Type{nil, nil, nil, nil, nil, nil, types.BigIntType, types.BigIntType, types.BigIntType, types.BigIntType, nil}
		}
		return table(w, names, ts, rows, "SHOW")
	case parser.ShowTopics:
		topics, err := e.cluster.ListTopics(ctx, st.All)
		if err != nil {
			return sqlerr.Wrap(sqlerr.ConnectionFailure, err, "could not list topics")
		}
		var rows [][]any
		for _, t := range topics {
			rows = append(rows, []any{t.Name, int32(t.Partitions), int32(t.Replicas)})
		}
		return table(w, []string{"Kafka Topic", "Partitions", "Partition Replicas"}, []*types.Type{nil, types.IntType, types.IntType}, rows, "SHOW")
	case parser.ShowFunctions:
		var rows [][]any
		for _, f := range e.functionDocs() {
			rows = append(rows, []any{f.Name, f.Category})
		}
		return table(w, []string{"Function Name", "Category"}, nil, rows, "SHOW")
	case parser.ShowProperties:
		keys := make([]string, 0, len(s.props))
		for k := range s.props {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var rows [][]any
		for _, k := range keys {
			scope := "SESSION"
			if v, ok := e.cfg.Defaults[k]; ok && v == s.props[k] {
				scope = "SERVER"
			}
			rows = append(rows, []any{k, scope, s.props[k]})
		}
		return table(w, []string{"Property", "Scope", "Value"}, nil, rows, "SHOW")
	}
	if st.What == parser.ShowCluster {
		return e.showCluster(ctx, w)
	}
	if st.What == parser.ShowTypes {
		return e.showTypes(w)
	}
	if st.What == parser.ShowVariables {
		var rows [][]any
		for _, v := range s.parser.Variables() {
			rows = append(rows, []any{v.Name, v.Value})
		}
		return table(w, []string{"Variable Name", "Value"}, nil, rows, "SHOW")
	}
	text, pos := st.Source()
	return sqlerr.Newf(sqlerr.FeatureNotSupported, "not supported yet: %s", text).WithPosition(pos)
}

func writerIDs(qs []*catalog.Query) string {
	ids := make([]string, len(qs))
	for i, q := range qs {
		ids[i] = q.ID
	}
	return strings.Join(ids, ", ")
}

// describe lists a source's columns; EXTENDED adds its properties and queries.
func (s *Session) describe(st *parser.Describe, w ResultWriter) error {
	e := s.engine
	if st.AllOf != nil {
		var rows [][]any
		for _, src := range e.catalog.Sources() {
			if (src.Kind == catalog.Table) == (*st.AllOf == parser.Table) {
				rows = append(rows, []any{src.Name, src.Kind.String(), planner.SchemaString(src.Columns)})
			}
		}
		return table(w, []string{"Name", "Type", "Schema"}, nil, rows, "DESCRIBE")
	}
	src, err := e.catalog.Source(st.Name)
	if err != nil {
		return sqlerr.As(err).WithPosition(st.NamePos)
	}
	var rows [][]any
	for _, c := range src.Columns {
		t := c.Type.String()
		switch c.Role {
		case types.KeyColumn:
			if src.Kind == catalog.Table {
				t += " (primary key)"
			} else {
				t += " (key)"
			}
		case types.HeadersColumn:
			t += " (headers)"
		case types.HeaderColumn:
			t += " (header('" + c.HeaderKey + "'))"
		}
		rows = append(rows, []any{c.Name, t})
	}
	if !st.Extended {
		return table(w, []string{"Field", "Type"}, nil, rows, "DESCRIBE")
	}
	props := [][2]string{
		{"Name", src.Name}, {"Type", src.Kind.String()}, {"Kafka topic", src.Topic},
		{"Key format", src.KeyFormat}, {"Value format", src.ValueFormat},
		{"Partitions", fmt.Sprint(src.Partitions)}, {"Replicas", fmt.Sprint(src.Replicas)},
		{"Timestamp field", orNotSet(src.TimestampColumn)},
		{"Statement", src.SQL},
		{"Read by queries", strings.Join(e.catalog.Readers(src.Name), ", ")},
		{"Written by queries", writerIDs(e.catalog.Writers(src.Name))},
	}
	for _, p := range props {
		rows = append(rows, []any{p[0], p[1]})
	}
	return table(w, []string{"Field", "Type"}, nil, rows, "DESCRIBE")
}

func orNotSet(s string) string {
	if s == "" {
		return "Not set - using <ROWTIME>"
	}
	return s
}

func (s *Session) describeFunction(st *parser.DescribeFunction, w ResultWriter) error {
	var rows [][]any
	for _, f := range s.engine.functionDocs() {
		if f.Name != st.Name {
			continue
		}
		for _, sig := range f.Signatures {
			rows = append(rows, []any{f.Name, f.Category, sig, f.Description})
		}
	}
	if len(rows) > 0 {
		return table(w, []string{"Name", "Category", "Signature", "Description"}, nil, rows, "DESCRIBE")
	}
	_, pos := st.Source()
	return sqlerr.Newf(sqlerr.UndefinedFunction, "Can't find any functions with the name '%s'", st.Name).WithPosition(pos)
}

// explain prints the plan of a statement, or of a running query.
func (s *Session) explain(st *parser.Explain, w ResultWriter) error {
	d, err := s.explained(st)
	if err != nil {
		return err
	}
	text := d.Plan.String()
	if d.QueryID != "" {
		text = "Query ID: " + d.QueryID + "\nSQL: " + d.SQL + "\n\n" + text
	}
	var rows [][]any
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		rows = append(rows, []any{line})
	}
	return table(w, []string{"QUERY PLAN"}, nil, rows, "EXPLAIN")
}

// explained plans what EXPLAIN shows: a running query's plan as it runs, or
// a statement's as the query it would become.
func (s *Session) explained(st *parser.Explain) (*QueryDescription, error) {
	e := s.engine
	if st.QueryID != "" {
		id := strings.ToUpper(st.QueryID)
		e.mu.Lock()
		run, ok := e.running[id]
		e.mu.Unlock()
		q := e.catalog.Query(id)
		if !ok || q == nil {
			return nil, sqlerr.Newf(sqlerr.UndefinedObject, "Query with id:%s does not exist, use SHOW QUERIES to view the full set of queries.", st.QueryID)
		}
		qp := run.Plan()
		return &QueryDescription{QueryID: id, SQL: q.SQL, Output: qp.Output, Sources: q.Sources, Sinks: sinkNames(qp), Plan: plan.Tree(qp)}, nil
	}
	pl := e.planner()
	var qp *plan.QueryPlan
	var err error
	switch inner := st.Statement.(type) {
	case *parser.CreateAsSelect:
		qp, err = pl.PlanCreateAsSelect(inner, s.props)
	case *parser.InsertSelect:
		qp, err = pl.PlanInsertSelect(inner)
	case *parser.Query:
		qp, err = pl.PlanSelect(inner.Select, nil)
	default:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "EXPLAIN supports queries: SELECT, CREATE ... AS SELECT, INSERT INTO ... SELECT, or a query id")
	}
	if err == nil {
		// Planned as the query it would become; its id is given when it runs.
		const id = "<id>"
		opts := planner.PhysicalOptions{QueryID: id, Group: e.queryGroup(id), Durable: qp.Sink != nil}
		err = planner.PlanPhysical(qp, opts, clusterTopics{e})
	}
	if err != nil {
		return nil, err
	}
	text, _ := st.Statement.Source()
	return &QueryDescription{SQL: text, Output: qp.Output, Sources: sourceNames(qp), Sinks: sinkNames(qp), Plan: plan.Tree(qp)}, nil
}
