package plan

// Physical holds the choices that make a logical plan runnable on a cluster:
// which consumer group runs it, how many partitions (and so tasks) each input
// has, which internal topics carry repartitioned rows and changelogs, and which
// state stores the tasks own. The planner makes every one of them
// (planner.PlanPhysical) once the query has an id; the engine only creates the
// topics listed here and the runtime only reads them.
type Physical struct {
	QueryID string
	// Group is the consumer group whose members run the query's tasks.
	Group string
	// InputPartitions is the partition count of each input topic, in FROM order
	// (one entry for a single-source query).
	InputPartitions []int
	// Tasks is the number of tasks: one per partition of the inputs the query's
	// state is partitioned by (after any repartition).
	Tasks int
	// Repartition is the topic an aggregation moves rows through so that each
	// group's rows meet in one partition; nil when the input already groups them.
	Repartition *InternalTopic
	// JoinRepartition is, per join input (FROM order), the topic the input is
	// re-keyed through by its join expression; nil entries are read as they are.
	// Empty when no input moves.
	JoinRepartition []*InternalTopic
	// Changelog is the compacted topic that mirrors the query's state, from
	// which a task's state is rebuilt; nil for stateless and transient queries.
	Changelog *InternalTopic
	// Stores are the state stores (key spaces of the state store) the query's
	// tasks own, each split by partition.
	Stores []string
}

// InternalTopic is a topic a query owns: created with the query, deleted with it.
type InternalTopic struct {
	Name       string
	Partitions int
	Replicas   int
	// Compacted is set for changelogs. Other internal topics have no time
	// retention; the query deletes what it has committed (repartition purge).
	Compacted bool
}

// InternalTopics lists every internal topic of the plan.
func (p *Physical) InternalTopics() []*InternalTopic {
	if p == nil {
		return nil
	}
	var out []*InternalTopic
	for _, t := range p.JoinRepartition {
		if t != nil {
			out = append(out, t)
		}
	}
	if p.Repartition != nil {
		out = append(out, p.Repartition)
	}
	if p.Changelog != nil {
		out = append(out, p.Changelog)
	}
	return out
}

// TopicName returns t's name, or "" for nil.
func (t *InternalTopic) TopicName() string {
	if t == nil {
		return ""
	}
	return t.Name
}

// State stores. Every key of a query's state starts with the query id, the store
// name and the task's partition (exec/state.go), so a task's state can be found,
// moved or rebuilt on its own.
const (
	StoreAgg        = "agg"      // aggregation groups
	StoreSrc        = "src"      // the last row per key of a table input, to retract it
	StoreOut        = "out"      // the materialized result, for pull queries
	StoreCkpt       = "ckpt"     // per task: input offset and stream time, written with the state
	StoreCkptSource = "ckpt-src" // a repartitioning stage's checkpoints, per source partition
	StoreDedup      = "dedup"    // per task and source partition: last repartitioned offset applied
	StoreStandby    = "standby"  // a standby copy's changelog position (only on a node keeping one)
	StoreCounters   = "counters" // the query's counters on this node (no partition: not in the changelog)

	StoreJoinFKIndex = "jfk"     // foreign-key join: right key -> left keys
	StoreJoinWindow  = "jw"      // stream-stream join: buffered records per side
	StoreJoinExpiry  = "jx"      // stream-stream join: expiry index of the buffers
	StoreJoinTable   = "jt"      // table side of a join: current row per key
	StoreJoinOuter   = "jo"      // stream-stream outer join: rows waiting for a match
	StoreJoinCkpt    = "ckpt-j"  // per join input and task: input offset
	StoreJoinTime    = "jtime"   // per step and task: stream time
	StoreJoinStage1  = "ckpt-jr" // a join input's repartition stage checkpoints, per source partition
	StoreJoinDedup   = "jdedup"  // per task and source partition: last repartitioned offset applied
)
