package plan

import (
	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/expr"
	"github.com/sluice-db/sluice/types"
)

// QueryPlan is the physical plan of a stateless continuous query: read a source,
// filter, project (and possibly re-key), and emit rows. Push queries deliver the
// projected rows to a client; persistent queries write them to a sink.
type QueryPlan struct {
	Source *catalog.Source
	// Input is the row layout operators see: the source's columns then pseudo-columns.
	Input []types.Column
	// Timestamp computes ROWTIME from the row when the source has a TIMESTAMP
	// column; nil means the Kafka record timestamp.
	Timestamp expr.Expr
	// Where filters input rows; nil keeps every row.
	Where expr.Expr
	// FlatMap is set when the SELECT list calls table functions; Items then
	// read Input extended by the calls' columns.
	FlatMap *FlatMap
	// Items are the projected expressions over Input, in SELECT order; Output
	// names and types them and says which become the key of a sink record.
	Items  []expr.Expr
	Output []types.Column
	// KeySlots holds, per key expression of the result (PARTITION BY expressions,
	// else the source key columns), the index of the item that projects it, or -1.
	KeySlots []int
	KeyNames []string
	// Rekeyed is set when PARTITION BY changes the key (records move partitions).
	Rekeyed bool
	// PartitionBy are the PARTITION BY expressions over Input and PartitionKeys
	// the key columns they become (both empty for PARTITION BY NULL).
	PartitionBy   []expr.Expr
	PartitionKeys []types.Column
	// Agg is the aggregation of a GROUP BY query, nil for a stateless one. When
	// set, Items are evaluated over the post-aggregation row (Agg.Post).
	Agg *Aggregation
	// Join is set when the query reads a join of two inputs: its operator makes
	// the rows of Input (Source is then a virtual source for the joined row).
	Join *Join
	// OrderBy sorts a pull query's result (beyond ksqlDB); each key is evaluated
	// over the result row (Items order).
	OrderBy []OrderKey
	// Limit stops a push query after this many rows; -1 for none.
	Limit int64
	// Sink is set for persistent queries.
	Sink *Sink
	// Physical is set by planner.PlanPhysical once the query has an id: groups,
	// partitions, internal topics and state stores.
	Physical *Physical
}

// OrderKey is one ORDER BY expression of a pull query.
type OrderKey struct {
	Expr expr.Expr // over the result row
	Desc bool
}

// Sink describes where a persistent query writes.
type Sink struct {
	Source *catalog.Source // the sink stream as it is (or will be) in the catalog
	Create bool            // the sink is created by this statement (CSAS)
	// MaterializeOnly keeps the result in state without writing records: the
	// materialization of a CREATE SOURCE TABLE, for pull queries.
	MaterializeOnly bool
	// KeyIndexes and ValueIndexes index Items: which items form the record key and
	// value, each in the sink's column order.
	KeyIndexes   []int
	ValueIndexes []int
	// TimestampIndex is the item giving the record timestamp (sink TIMESTAMP
	// property), or -1 to keep the input record's timestamp.
	TimestampIndex int
	// Timestamp computes the record timestamp from the projected row (a row of
	// Items' values) when the sink has a TIMESTAMP column: the column itself, or
	// a STRING column parsed with TIMESTAMP_FORMAT. nil keeps the input record's
	// timestamp. A record whose timestamp fails or is negative is not written.
	Timestamp expr.Expr
	// KeyFromSource is set when the key is the input record's key carried over
	// (no PARTITION BY): a record whose key columns are all NULL had no key and
	// is written without one. A key PARTITION BY computes is written as computed
	// unless it is a single NULL column.
	KeyFromSource bool
}

// KeyColumns returns the output columns that form the key.
func (p *QueryPlan) KeyColumns() []types.Column {
	var out []types.Column
	for _, c := range p.Output {
		if c.Role == types.KeyColumn {
			out = append(out, c)
		}
	}
	return out
}
