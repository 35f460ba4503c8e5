package engine

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-db/sluice/plan"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/exec"
	"github.com/sluice-db/sluice/expr"
	"github.com/sluice-db/sluice/formats"
	"github.com/sluice-db/sluice/parser"
	"github.com/sluice-db/sluice/planner"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// runQuery runs a push query (EMIT CHANGES) until its LIMIT or cancellation, or a
// pull query over a stream, which scans the topic up to its current end.
func (s *Session) runQuery(ctx context.Context, st *parser.Query, params []any, w ResultWriter) error {
	qp, err := s.engine.plannerFor(s.props).PlanSelect(st.Select, params)
	if err != nil {
		return err
	}
	if qp.Join != nil {
		if st.Select.Emit == parser.EmitNone {
			for _, leaf := range qp.Join.Leaves() {
				if leaf.Source.Kind != catalog.Table {
					return sqlerr.New(sqlerr.FeatureNotSupported, "Pull queries don't support JOIN clauses. See https://cnfl.io/queries for more info.\nAdd EMIT CHANGES if you intended to issue a push query.").WithPosition(st.Select.Pos)
				}
			}
			// Beyond ksqlDB: materialized tables join in a pull query.
			return s.pullJoin(ctx, qp, w)
		}
		if st.Select.Emit == parser.EmitChanges {
			return s.runTransient(ctx, qp, w)
		}
	}
	if qp.Agg != nil && st.Select.Emit == parser.EmitChanges {
		return s.runTransient(ctx, qp, w)
	}
	if qp.Agg != nil && !(st.Select.Emit == parser.EmitNone && qp.Source.Kind == catalog.Table) {
		return sqlerr.New(sqlerr.FeatureNotSupported, "aggregations in transient queries are only supported over materialized tables; use CREATE TABLE ... AS SELECT ... GROUP BY to maintain the result, then query that table").WithPosition(st.Select.Pos)
	}
	cfg := exec.PushConfig{
		Plan: qp, Clients: s.engine.cluster, Log: s.engine.proclog,
		FromBeginning: fromBeginning(s.props),
	}
	switch st.Select.Emit {
	case parser.EmitFinal:
		return sqlerr.New(sqlerr.FeatureNotSupported, "EMIT FINAL is only supported on windowed aggregations").WithPosition(st.Select.Pos)
	case parser.EmitNone:
		if err := planner.CheckPull(st.Select, qp.Source, planner.PullOptionsFrom(s.props)); err != nil {
			return err
		}
		if qp.Source.Kind == catalog.Table {
			return s.pullTable(ctx, qp, w)
		}
		if len(qp.OrderBy) > 0 {
			// A stream's rows are delivered as the scan reads them; sorting would
			// hold the whole topic in memory.
			return sqlerr.New(sqlerr.FeatureNotSupported, "ORDER BY is not supported in pull queries over streams; it is supported over materialized tables").WithPosition(st.Select.OrderBy[0].Expr.Position())
		}
		ends, err := s.engine.cluster.EndOffsets(ctx, qp.Source.Topic)
		if err != nil {
			return err
		}
		cfg.StopAtEnd, cfg.EndOffsets = true, ends
	}
	cols := make([]types.Column, len(qp.Output))
	for i, c := range qp.Output {
		cols[i] = types.Column{Name: c.Name, Type: c.Type}
	}
	if err := w.Columns(cols); err != nil {
		return err
	}
	counter := &countingSink{w: w}
	if err := exec.RunPush(ctx, cfg, counter); err != nil {
		return err
	}
	return w.Complete("SELECT " + strconv.FormatInt(counter.n, 10))
}

// fromBeginning reports whether a query starts at its inputs' earliest
// offsets: auto.offset.reset, under its own name or ksqlDB's
// ksql.streams.auto.offset.reset (which the REST API's clients send).
func fromBeginning(props map[string]string) bool {
	v, _ := lookupProperty(props, propOffsetReset)
	return strings.EqualFold(v, "earliest")
}

type countingSink struct {
	w ResultWriter
	n int64
}

func (c *countingSink) Row(vals []any) error {
	c.n++
	return c.w.Row(vals)
}

// insertValues writes one row, built from constant expressions, to a stream's topic.
func (s *Session) insertValues(ctx context.Context, st *parser.InsertValues, params []any, w ResultWriter) error {
	src, err := s.engine.catalog.Source(st.Target)
	if err != nil {
		return sqlerr.As(err).WithPosition(st.TargetPos)
	}
	if src.IsSource || src.Builtin {
		return sqlerr.Newf(sqlerr.InsufficientPrivilege, "Cannot insert values into read-only %s: %s", strings.ToLower(src.Kind.String()), src.Name).WithPosition(st.TargetPos)
	}
	names := st.Columns
	if names == nil {
		// Without a column list the values follow ksqlDB's schema order: the
		// key columns, then the value columns, however the DDL interleaved them.
		for _, role := range []types.ColumnRole{types.KeyColumn, types.ValueColumn} {
			for _, c := range src.Columns {
				if c.Role == role {
					names = append(names, c.Name)
				}
			}
		}
	}
	if len(names) != len(st.Values) {
		return sqlerr.Newf(sqlerr.SyntaxError, "Expected a value for each column. Expected Columns: [%s]. Got %d values.", strings.Join(names, ", "), len(st.Values)).WithPosition(st.TargetPos)
	}
	row := make([]any, len(src.Columns))
	ts := time.Now().UnixMilli()
	for i, name := range names {
		val, err := s.constant(st.Values[i], params)
		if err != nil {
			return err
		}
		if name == plan.RowTime {
			v, err := expr.ImplicitCast(val, types.BigIntType)
			if err != nil {
				return sqlerr.As(err).WithPosition(st.Values[i].Position())
			}
			x, err := v.Eval(nil)
			if err != nil {
				return sqlerr.New(sqlerr.InvalidParameterValue, err.Error()).WithPosition(st.Values[i].Position())
			}
			if n, ok := x.(int64); ok {
				ts = n
			}
			continue
		}
		col, idx := src.Column(name)
		if idx < 0 || col.Role == types.HeadersColumn || col.Role == types.HeaderColumn {
			return sqlerr.Newf(sqlerr.UndefinedColumn, "Column name %s does not exist.", types.QuoteIdent(name)).WithPosition(st.TargetPos)
		}
		cast, err := expr.ImplicitCast(val, col.Type)
		if err != nil {
			return sqlerr.As(err).WithPosition(st.Values[i].Position())
		}
		v, err := cast.Eval(nil)
		if err != nil {
			return sqlerr.Newf(sqlerr.InvalidParameterValue, "Failed to insert values into '%s': %v", src.Name, err).WithPosition(st.Values[i].Position())
		}
		row[idx] = v
	}
	rec, err := encodeRow(src, row)
	if err != nil {
		return sqlerr.Newf(sqlerr.DataException, "Failed to insert values into '%s': %v", src.Name, err)
	}
	rec.Timestamp = time.UnixMilli(ts)
	if err := s.engine.cluster.Producer().ProduceSync(ctx, rec).FirstErr(); err != nil {
		return sqlerr.Wrap(sqlerr.ConnectionFailure, err, "Failed to insert values into '"+src.Name+"'")
	}
	return w.Complete("INSERT 0 1")
}

// constant binds an expression that may not reference columns and returns it.
func (s *Session) constant(e parser.Expr, params []any) (expr.Expr, error) {
	empty := &catalog.Source{}
	pl := s.engine.planner()
	return pl.BindConstant(empty, e, params)
}

// encodeRow serializes a full row of src's columns into a record for src's topic.
func encodeRow(src *catalog.Source, row []any) (*kgo.Record, error) {
	keyCodec, err := formats.NewCodec(src.KeyFormat, src.KeyColumns(), plan.KeyOptions(src))
	if err != nil {
		return nil, err
	}
	valCodec, err := formats.NewCodec(src.ValueFormat, src.ValueColumns(), plan.ValueOptions(src))
	if err != nil {
		return nil, err
	}
	var keyVals, valVals []any
	keyNull := true
	for i, c := range src.Columns {
		switch c.Role {
		case types.KeyColumn:
			keyVals = append(keyVals, row[i])
			if row[i] != nil {
				keyNull = false
			}
		case types.ValueColumn:
			valVals = append(valVals, row[i])
		}
	}
	rec := &kgo.Record{Topic: src.Topic}
	if len(keyVals) > 0 && !(keyNull && len(keyVals) == 1) {
		if rec.Key, err = keyCodec.Encode(nil, keyVals); err != nil {
			return nil, err
		}
	}
	if rec.Value, err = valCodec.Encode(nil, valVals); err != nil {
		return nil, err
	}
	return rec, nil
}
