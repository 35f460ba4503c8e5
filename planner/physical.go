package planner

import (
	"fmt"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/expr"
	"github.com/sluice-db/sluice/plan"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// Topics is what physical planning asks of the Kafka cluster.
type Topics interface {
	// Describe returns a topic's partition and replica counts, or an error
	// with a SQLSTATE when the topic cannot be described.
	Describe(topic string) (partitions, replicas int, err error)
}

// PhysicalOptions identify the query a plan becomes.
type PhysicalOptions struct {
	QueryID string
	// Group is the query's consumer group; internal topics are named after it.
	Group string
	// Durable queries (persistent ones) mirror their state in a changelog
	// topic; a transient push query's state dies with it.
	Durable bool
}

// PlanPhysical makes the plan's physical choices (qp.Physical): the inputs'
// partition counts and co-partitioning, the repartition topics of an
// aggregation or of join inputs joined on something other than their key, the
// changelog, and the state stores the query's tasks own.
func PlanPhysical(qp *plan.QueryPlan, opts PhysicalOptions, topics Topics) error {
	ph := &plan.Physical{QueryID: opts.QueryID, Group: opts.Group}
	var leaves []*catalog.Source
	if qp.Join != nil {
		for _, s := range qp.Join.Leaves() {
			leaves = append(leaves, s.Source)
		}
	} else {
		leaves = []*catalog.Source{qp.Source}
	}
	replicas := 1
	for _, s := range leaves {
		n, r, err := topics.Describe(s.Topic)
		if err != nil {
			return err
		}
		ph.InputPartitions = append(ph.InputPartitions, n)
		replicas = max(replicas, r)
	}
	ph.Tasks = ph.InputPartitions[0]
	if qp.Join != nil {
		tasks, err := planJoinRepartition(qp.Join, opts.Group, ph.InputPartitions, replicas, ph)
		if err != nil {
			return err
		}
		ph.Tasks = tasks
	}
	if a := qp.Agg; a != nil && needsRepartition(a, qp.Source, ph.Tasks, qp.Join) {
		ph.Repartition = &plan.InternalTopic{Name: opts.Group + "-repartition", Partitions: ph.Tasks, Replicas: replicas}
	}
	stateful := qp.Agg != nil || qp.Join != nil || (qp.Sink != nil && qp.Sink.Source.Kind == catalog.Table)
	if stateful && opts.Durable {
		ph.Changelog = &plan.InternalTopic{Name: opts.Group + "-state-changelog", Partitions: ph.Tasks, Replicas: replicas, Compacted: true}
	}
	ph.Stores = stores(qp, ph)
	qp.Physical = ph
	return nil
}

// planJoinRepartition checks that a join's inputs can be co-partitioned and
// plans, per input, the topic it is re-keyed through. With one partition
// everywhere nothing moves: every key meets every other. Otherwise a stream
// joined on something other than its key is repartitioned by the join key, to
// the partition count of the inputs read as they are, which must agree. It
// returns the number of tasks.
func planJoinRepartition(j *plan.Join, group string, counts []int, replicas int, ph *plan.Physical) (int, error) {
	leaves := j.Leaves()
	single := true
	for _, c := range counts {
		single = single && c == 1
	}
	if single {
		return 1, nil
	}
	for _, step := range j.Steps() {
		if step.ForeignKey {
			return 0, sqlerr.Newf(sqlerr.FeatureNotSupported, "foreign-key joins over inputs with more than one partition are not supported yet: the left rows of one right key are spread over every partition (%s has %d)", step.Left.Source.Name, counts[0])
		}
	}
	for _, step := range j.Steps()[1:] {
		if !step.Left.KeyIsSourceKey {
			return 0, sqlerr.Newf(sqlerr.FeatureNotSupported, "the join on %s re-keys the result of an earlier join of this query, which is not supported yet with more than one partition; join on the earlier join's key, or split the query in two", step.Left.Key)
		}
	}
	target, first := 0, -1
	for i, s := range leaves {
		if !s.KeyIsSourceKey {
			continue
		}
		if first < 0 {
			target, first = counts[i], i
		} else if counts[i] != target {
			a, b := types.QuoteIdent(leaves[first].Source.Name), types.QuoteIdent(s.Source.Name)
			return 0, sqlerr.Newf(sqlerr.InvalidObjectDefinition, "Can't join %s with %s since the number of partitions don't match. %s partitions = %d; %s partitions = %d. Please repartition either one so that the number of partitions match.",
				a, b, a, target, b, counts[i])
		}
	}
	if first < 0 {
		target = max(counts[0], 1)
	}
	moved := make([]*plan.InternalTopic, len(leaves))
	anyMoved := false
	for i, s := range leaves {
		if s.KeyIsSourceKey {
			continue
		}
		anyMoved = true
		moved[i] = &plan.InternalTopic{Name: fmt.Sprintf("%s-join-%d-repartition", group, i), Partitions: target, Replicas: replicas}
	}
	if anyMoved {
		ph.JoinRepartition = moved
	}
	return target, nil
}

// needsRepartition reports whether rows of one group can arrive on different
// partitions of the source (which has the given number of partitions): true
// unless there is one partition or the groups are the source's own keys. The
// source of an aggregation over a join (join non-nil) is the joined row, whose
// partitions are the join key's: grouping by a column that holds the join key
// needs no repartition.
func needsRepartition(a *plan.Aggregation, src *catalog.Source, partitions int, join *plan.Join) bool {
	if partitions <= 1 {
		return false
	}
	if join != nil {
		if len(a.GroupBy) != 1 {
			return true
		}
		c, ok := a.GroupBy[0].(*expr.Column)
		if !ok {
			return true
		}
		if c.Index == join.RowKey {
			return false
		}
		for _, k := range keyClass(join) {
			if c.Index < len(src.Columns) && src.Columns[c.Index].Name == k.canonical {
				return false
			}
		}
		return true
	}
	var keyIdx []int
	for i, c := range src.Columns {
		if c.Role == types.KeyColumn {
			keyIdx = append(keyIdx, i)
		}
	}
	if len(a.GroupBy) != len(keyIdx) {
		return true
	}
	for i, g := range a.GroupBy {
		c, ok := g.(*expr.Column)
		if !ok || c.Index != keyIdx[i] {
			return true
		}
	}
	return false
}

// stores lists the state stores a query's tasks own, in the order EXPLAIN
// prints them.
func stores(qp *plan.QueryPlan, ph *plan.Physical) []string {
	var out []string
	if qp.Join != nil {
		out = append(out, plan.JoinStores(qp.Join, len(ph.JoinRepartition) > 0)...)
	}
	if qp.Agg != nil {
		out = append(out, plan.AggregateStores(qp.Agg, ph.Repartition != nil)...)
	} else if qp.Join == nil && qp.Sink != nil && qp.Sink.Source.Kind == catalog.Table {
		out = append(out, plan.MaterializeStores(ph.Repartition != nil)...)
	}
	return out
}
