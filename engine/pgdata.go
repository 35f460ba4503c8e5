package engine

import (
	"context"
	"strings"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/exec"
	"github.com/sluice-db/sluice/expr"
	"github.com/sluice-db/sluice/parser"
	"github.com/sluice-db/sluice/plan"
	"github.com/sluice-db/sluice/sqlerr"
)

// Queryable reports whether ScanRelation can read src's rows: a stream (read
// from its topic), a table materialized by a persistent query (CREATE TABLE AS
// SELECT, CREATE SOURCE TABLE), or the processing log. A plain CREATE TABLE over a
// topic is not: its latest row per key is kept nowhere.
func (e *Engine) Queryable(src *catalog.Source) bool {
	if src.Kind == catalog.Stream {
		return true
	}
	_, err := e.materializer(src)
	return err == nil
}

// ScanRelation reads every row of src as the Postgres face's relations see it, in
// plan.InputLayout(src): the source's columns, ROWTIME, ROWPARTITION, ROWOFFSET
// and, for windowed tables, WINDOWSTART and WINDOWEND. A materialized table is read
// from its state store, and on a cluster from the nodes running its other
// partitions (one point read per partition when key is not nil: the rows whose
// key columns equal key); a stream is read from its topic up to the end
// offsets it has when the scan starts, so the scan is bounded. fn is called per row
// and returns false to stop; it must not keep row.
func (e *Engine) ScanRelation(ctx context.Context, src *catalog.Source, key []any, fn func(row []any) (bool, error)) error {
	if src.Kind == catalog.Table {
		if e.cfg.State == nil {
			return sqlerr.New(sqlerr.FeatureNotSupported, "reading tables needs the state store, which this engine was started without")
		}
		qid, err := e.materializer(src)
		if err != nil {
			return sqlerr.Newf(sqlerr.ObjectNotInPrerequisiteState,
				"table %s is not materialized, so its rows cannot be read: create a materialized copy with CREATE TABLE %s_m AS SELECT * FROM %s; (or declare it with CREATE SOURCE TABLE) and query that",
				strings.ToLower(src.Name), strings.ToLower(src.Name), strings.ToLower(src.Name))
		}
		if err := e.checkRestored(qid, src); err != nil {
			return err
		}
		// Through tableEntries, as pull queries read: on a cluster the
		// partitions other nodes run are fetched from them.
		width := len(plan.InputLayout(src))
		var stateKey []byte
		if key != nil && src.Window == nil {
			if stateKey, err = exec.TableKey(src, key); err != nil {
				return err
			}
		}
		// No bound on a standby copy's lag: ksqlDB's default (the KSQL
		// path reads the session's ksql.query.pull.max.allowed.offset.lag).
		return e.tableEntries(ctx, qid, src, nil, stateKey, nil, func(en exec.StateEntry) (bool, error) {
			if err := ctx.Err(); err != nil {
				return false, err
			}
			row, err := exec.EntryRow(src, width, en)
			if err != nil {
				return false, err
			}
			return fn(row)
		})
	}
	// A stream: a pull query's bounded scan, projecting the whole input row.
	stmts, err := parser.New().ParseScript("SELECT * FROM `" + strings.ReplaceAll(src.Name, "`", "``") + "`;")
	if err != nil {
		return err
	}
	q, ok := stmts[0].(*parser.Query)
	if !ok {
		return sqlerr.New(sqlerr.InternalError, "scan of a stream did not plan as a query")
	}
	qp, err := e.planner().PlanSelect(q.Select, nil)
	if err != nil {
		return err
	}
	qp.Items = qp.Items[:0]
	qp.Output = qp.Input
	for i, c := range qp.Input {
		qp.Items = append(qp.Items, expr.NewColumn(i, c.Name, c.Type))
	}
	qp.Where, qp.OrderBy, qp.Limit = nil, nil, -1
	ends, err := e.cluster.EndOffsets(ctx, src.Topic)
	if err != nil {
		return err
	}
	stop := false
	var ferr error
	sink := rowFunc(func(vals []any) error {
		if stop {
			return errStopScan
		}
		more, err := fn(vals)
		if err != nil {
			ferr = err
			return err
		}
		if !more {
			stop = true
			return errStopScan
		}
		return nil
	})
	err = exec.RunPush(ctx, exec.PushConfig{Plan: qp, Clients: e.cluster, Log: e.proclog, StopAtEnd: true, EndOffsets: ends}, sink)
	if err == errStopScan {
		return nil
	}
	if ferr != nil {
		return ferr
	}
	return clientError(err)
}

var errStopScan = sqlerr.New(sqlerr.QueryCanceled, "scan stopped")
