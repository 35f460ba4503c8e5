package plan

import (
	"time"

	"github.com/sluice-db/sluice/aggregate"
	"github.com/sluice-db/sluice/expr"
	"github.com/sluice-db/sluice/types"
)

// Window bounds are pseudo-columns of windowed results.
const (
	WindowStart = "WINDOWSTART"
	WindowEnd   = "WINDOWEND"
)

// DefaultGrace is the grace period of a window without GRACE PERIOD: ksqlDB's
// legacy 24 hours, so late records are accepted for a day.
const DefaultGrace = 24 * time.Hour

// Aggregation is the stateful part of a GROUP BY query. Rows of the input (after
// Where) are grouped by GroupBy (and window), folded by Calls, and each updated
// group yields a post-aggregation row laid out as Post: the group key values, then
// WINDOWSTART and WINDOWEND for windowed queries, then one value per call. Having
// and the plan's Items are evaluated over that row.
type Aggregation struct {
	GroupBy []expr.Expr // over the plan's Input
	Calls   []AggCall
	Window  *WindowPlan // nil when not windowed
	Having  expr.Expr   // over Post; nil for none
	Post    []types.Column
	// FromTable is set when the input is a table: an update retracts the old row
	// from its group before the new row is added.
	FromTable bool
	// EmitFinal emits each window once, when stream time passes its end + grace.
	EmitFinal bool
}

// AggCall is one aggregate function call.
type AggCall struct {
	Func *aggregate.Func
	Args []expr.Expr // per-row arguments over Input; empty for COUNT(*)
	Text string
}

// WindowPlan is a resolved WINDOW clause.
type WindowPlan struct {
	Kind      string        // TUMBLING, HOPPING or SESSION
	Size      time.Duration // session: the inactivity gap
	Advance   time.Duration // hopping
	Grace     time.Duration
	Retention time.Duration
}

// KeyWidth is the number of group key columns in Post.
func (a *Aggregation) KeyWidth() int { return len(a.GroupBy) }

// windowWidth is 2 for windowed aggregations (WINDOWSTART, WINDOWEND), else 0.
func (a *Aggregation) windowWidth() int {
	if a.Window != nil {
		return 2
	}
	return 0
}

// CallBase is the index in Post of the first call's result.
func (a *Aggregation) CallBase() int { return a.KeyWidth() + a.windowWidth() }
