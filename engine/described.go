package engine

import (
	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/parser"
	"github.com/sluice-db/sluice/plan"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// SourceDescription is what DESCRIBE says of one stream or table, as data:
// the REST API answers with ksqlDB's sourceDescription entity from it.
type SourceDescription struct {
	Source *catalog.Source
	// ReadBy and WrittenBy are the persistent queries reading and writing it.
	ReadBy, WrittenBy []*catalog.Query
	// Topics maps those queries' sinks to their topics.
	Topics   map[string]string
	Extended bool
}

// QueryDescription is what EXPLAIN says, as data: the operator tree (which
// EXPLAIN prints as text) and the query's columns, sources and sinks.
type QueryDescription struct {
	// QueryID is empty for a statement explained before it runs.
	QueryID, SQL   string
	Output         []types.Column
	Sources, Sinks []string
	Plan           *plan.Node
}

// Described holds the structured form of a DESCRIBE of one source or of an
// EXPLAIN; exactly one field is set.
type Described struct {
	Source *SourceDescription
	Query  *QueryDescription
}

// Described returns what the single statement sql (a DESCRIBE of one stream
// or table, or an EXPLAIN) says, as data; nil, nil for any other statement,
// which Execute runs instead.
func (s *Session) Described(sql string) (*Described, error) {
	stmts, err := s.parser.ParseScript(sql)
	if err != nil || len(stmts) != 1 {
		return nil, err
	}
	e := s.engine
	switch st := stmts[0].(type) {
	case *parser.Describe:
		if st.AllOf != nil {
			return nil, nil
		}
		src, err := e.catalog.Source(st.Name)
		if err != nil {
			return nil, sqlerr.As(err).WithPosition(st.NamePos)
		}
		d := &SourceDescription{Source: src, WrittenBy: e.catalog.Writers(src.Name), Extended: st.Extended}
		for _, id := range e.catalog.Readers(src.Name) {
			if q := e.catalog.Query(id); q != nil {
				d.ReadBy = append(d.ReadBy, q)
			}
		}
		d.Topics = map[string]string{}
		for _, q := range append(d.ReadBy, d.WrittenBy...) {
			if sink, err := e.catalog.Source(q.Sink); err == nil {
				d.Topics[q.Sink] = sink.Topic
			}
		}
		return &Described{Source: d}, nil
	case *parser.Explain:
		q, err := s.explained(st)
		if err != nil {
			return nil, err
		}
		return &Described{Query: q}, nil
	}
	return nil, nil
}

// sourceNames lists the streams and tables a query reads, in FROM order.
func sourceNames(qp *plan.QueryPlan) []string {
	if qp.Join == nil {
		return []string{qp.Source.Name}
	}
	var names []string
	var side func(s *plan.JoinSide)
	side = func(s *plan.JoinSide) {
		if s.Inner != nil {
			side(s.Inner.Left)
			side(s.Inner.Right)
			return
		}
		names = append(names, s.Source.Name)
	}
	side(qp.Join.Left)
	side(qp.Join.Right)
	return names
}

func sinkNames(qp *plan.QueryPlan) []string {
	if qp.Sink == nil {
		return []string{}
	}
	return []string{qp.Sink.Source.Name}
}
