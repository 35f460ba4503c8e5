package plan

import (
	"time"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/expr"
	"github.com/sluice-db/sluice/types"
)

// JoinKind says which inputs a join combines; it decides the operator.
type JoinKind uint8

const (
	StreamStream JoinKind = iota
	StreamTable
	TableTable
)

func (k JoinKind) String() string {
	switch k {
	case StreamStream:
		return "stream-stream"
	case StreamTable:
		return "stream-table"
	}
	return "table-table"
}

// JoinType is the SQL join type: which unmatched rows the join keeps.
type JoinType uint8

const (
	InnerJoin JoinType = iota
	LeftJoin
	RightJoin
	FullJoin
)

func (t JoinType) String() string {
	switch t {
	case LeftJoin:
		return "LEFT OUTER"
	case RightJoin:
		return "RIGHT OUTER"
	case FullJoin:
		return "FULL OUTER"
	}
	return "INNER"
}

// Join is a two-way join feeding a query. The operator produces joined rows in
// the layout of the plan's Input: the left side's input row (its columns and
// pseudo-columns), the right side's, ROWKEY (the join key), then the joined
// row's ROWTIME, ROWPARTITION and ROWOFFSET. Every expression of the plan above
// the join (Where, Items, Agg) is bound over that layout.
type Join struct {
	Kind JoinKind
	Type JoinType
	// Left and Right are the inputs, in FROM order.
	Left, Right *JoinSide
	// Before and After bound, for a stream-stream join, the right records a left
	// record at t joins: those at [t-Before, t+After]. Grace is how long after a
	// window ends late records are still joined; with HasGrace unset the join is
	// the legacy one, which emits unmatched outer rows at once.
	Before, After, Grace time.Duration
	HasGrace             bool
	// KeyType is the join key's type; RowKey is its index in the joined row.
	KeyType *types.Type
	RowKey  int
	// SyntheticKey is set when no source column equals the join key in every
	// joined row (FULL OUTER joins): the result is keyed by ROWKEY, or ROWKEY_n
	// when a source has a column of that name (RowKeyName).
	SyntheticKey bool
	RowKeyName   string
	// ForeignKey is set for a table-table join of a left column to the right
	// table's key; LeftKey is then the left table's key column (over the left
	// row), which keys the result.
	ForeignKey bool
	LeftKey    expr.Expr
}

// Retention is how long a stream-stream join keeps a record for matching.
func (j *Join) Retention() time.Duration {
	g := j.Grace
	if !j.HasGrace {
		g = 24 * time.Hour // the legacy default grace
	}
	return j.Before + j.After + g
}

// JoinSide is one input of a join.
type JoinSide struct {
	Source *catalog.Source
	Alias  string
	// Input is the side's own row layout (InputLayout) and Timestamp its ROWTIME
	// expression, as for a single-source query.
	Input     []types.Column
	Timestamp expr.Expr
	// Key is the join expression over Input; KeyIsSourceKey is set when it is the
	// source's (single) key column, so records are already partitioned by it.
	Key            expr.Expr
	KeyIsSourceKey bool
	// Offset is the index of the side's first column in the joined row.
	Offset int
	// Inner is set when the side is the result of another join (an n-way
	// join's earlier steps); Source is then that join's virtual source and
	// scope resolves names over its row.
	Inner *Join
	// Written is the join expression as written, its columns qualified
	// (ALIAS.COLUMN); the planner compares key expressions by it.
	Written string
}

// Steps returns the joins of an n-way join, innermost (the first two inputs)
// first; the last is j itself.
func (j *Join) Steps() []*Join {
	if j.Left.Inner == nil {
		return []*Join{j}
	}
	return append(j.Left.Inner.Steps(), j)
}

// Leaves returns the sources the join reads, in FROM order.
func (j *Join) Leaves() []*JoinSide {
	if j.Left.Inner == nil {
		return []*JoinSide{j.Left, j.Right}
	}
	return append(j.Left.Inner.Leaves(), j.Right)
}

// Name is how errors and EXPLAIN name the side: its alias, else the source.
func (s *JoinSide) Name() string {
	if s.Alias != "" {
		return s.Alias
	}
	return s.Source.Name
}

// RowKeyName is the synthetic key column of joins whose key is no source column.
const RowKeyName = "ROWKEY"
