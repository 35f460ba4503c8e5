package exec

import (
	"github.com/sluice-db/sluice/planner"
)

// ProcessingLog receives per-record failures: undecodable records, expression
// errors, unwritable results. Implementations must be safe for concurrent use.
type ProcessingLog interface {
	Record(queryID string, err error, topic string, partition int32, offset int64)
}

// pipeline evaluates a plan's filter and projection over input rows.
type pipeline struct {
	plan    *planner.QueryPlan
	queryID string
	log     ProcessingLog
}

// apply evaluates the filter and, when the row passes, the projection into out
// (len == len(plan.Items)). An expression that fails at run time yields NULL and a
// processing-log entry, as in ksqlDB; a failing filter drops the row.
func (p *pipeline) apply(row, out []any, topic string, partition int32, offset int64) bool {
	if p.plan.Where != nil {
		v, err := p.plan.Where.Eval(row)
		if err != nil {
			p.logError(err, topic, partition, offset)
			return false
		}
		if b, ok := v.(bool); !ok || !b {
			return false
		}
	}
	for i, it := range p.plan.Items {
		v, err := it.Eval(row)
		if err != nil {
			p.logError(err, topic, partition, offset)
			v = nil
		}
		out[i] = v
	}
	return true
}

// logError records a failed evaluation. Evaluation errors (*expr.EvalError) are
// the expected kind; anything else is logged too rather than lost silently.
func (p *pipeline) logError(err error, topic string, partition int32, offset int64) {
	p.log.Record(p.queryID, err, topic, partition, offset)
}
