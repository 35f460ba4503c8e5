package exec

import (
	"encoding/binary"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/sluice-db/sluice/plan"
)

// taskBalancer is the group balancer of every persistent query. A task is a
// partition number: partition p of every topic the query reads goes to the
// same member, so a join's partition p holds both sides of its keys (the
// inputs are co-partitioned) and a repartitioning stage's partition p sits
// with the aggregation's. It is
//   - cooperative (KIP-429): a member keeps processing the tasks it keeps
//     while the group rebalances; only moving tasks stop;
//   - sticky: a task stays with its member while the loads stay within one of
//     each other, so a node joining or leaving moves only its share;
//   - warm: a task nobody runs goes, when it can, to a member that has state
//     for it (its own checkpoint from before, or a standby copy), which then
//     resumes or catches up instead of rebuilding it.
type taskBalancer struct {
	// localTasks lists the tasks this member has local state for; sent to
	// the leader in the join metadata's user data.
	localTasks func() []int32
}

const taskBalancerProtocol = "sluice-tasks-v1"

func (*taskBalancer) ProtocolName() string { return taskBalancerProtocol }
func (*taskBalancer) IsCooperative() bool  { return true }

func (t *taskBalancer) JoinGroupMetadata(interests []string, current map[string][]int32, generation int32) []byte {
	meta := kmsg.NewConsumerMemberMetadata()
	meta.Version = 3
	meta.Topics = interests
	meta.Generation = generation
	for topic, parts := range current {
		o := kmsg.NewConsumerMemberMetadataOwnedPartition()
		o.Topic, o.Partitions = topic, parts
		meta.OwnedPartitions = append(meta.OwnedPartitions, o)
	}
	slices.SortFunc(meta.OwnedPartitions, func(a, b kmsg.ConsumerMemberMetadataOwnedPartition) int { return strings.Compare(a.Topic, b.Topic) })
	if t.localTasks != nil {
		for _, p := range t.localTasks() {
			meta.UserData = binary.BigEndian.AppendUint32(meta.UserData, uint32(p))
		}
	}
	return meta.AppendTo(nil)
}

func (*taskBalancer) ParseSyncAssignment(assignment []byte) (map[string][]int32, error) {
	return kgo.ParseConsumerSyncAssignment(assignment)
}

func (t *taskBalancer) MemberBalancer(members []kmsg.JoinGroupResponseMember) (kgo.GroupMemberBalancer, map[string]struct{}, error) {
	b, err := kgo.NewConsumerBalancer(t, members)
	if err != nil {
		return nil, nil, err
	}
	return b, b.MemberTopics(), nil
}

// taskMember is one member as the balance sees it.
type taskMember struct {
	m     *kmsg.JoinGroupResponseMember
	owned map[int32]int32 // task -> the generation the member claims it at
	local map[int32]bool
	tasks []int32
}

func (t *taskBalancer) Balance(b *kgo.ConsumerBalancer, topics map[string]int32) kgo.IntoSyncAssignment {
	var members []*taskMember
	b.EachMember(func(m *kmsg.JoinGroupResponseMember, meta *kmsg.ConsumerMemberMetadata) {
		tm := &taskMember{m: m, owned: map[int32]int32{}, local: map[int32]bool{}}
		for _, o := range meta.OwnedPartitions {
			for _, p := range o.Partitions {
				tm.owned[p] = max(tm.owned[p], meta.Generation)
			}
		}
		for ud := meta.UserData; len(ud) >= 4; ud = ud[4:] {
			tm.local[int32(binary.BigEndian.Uint32(ud))] = true
		}
		members = append(members, tm)
	})
	plan := b.NewPlan()
	if len(members) == 0 {
		return plan
	}
	// The members arrive sorted (by instance id, then member id): every
	// leader balances the same way.
	balanceTasks(members, topics)
	for _, tm := range members {
		for topic, n := range topics {
			var parts []int32
			for _, p := range tm.tasks {
				if p < n {
					parts = append(parts, p)
				}
			}
			if len(parts) > 0 {
				plan.AddPartitions(tm.m, topic, parts)
			}
		}
	}
	plan.AdjustCooperative(b)
	return plan
}

// balanceTasks gives each member its tasks: the partition numbers of the
// widest topic.
func balanceTasks(members []*taskMember, topics map[string]int32) {
	var n int32
	for _, c := range topics {
		n = max(n, c)
	}
	// Loads: every member gets base tasks, the first extra ones one more.
	base, extra := int(n)/len(members), int(n)%len(members)
	// Keep each task with the member that claims it at the highest
	// generation, while that member is under base+1 (the larger share);
	// then the number of members at base+1 is trimmed to extra.
	claimant := map[int32]*taskMember{}
	for p := range n {
		var best *taskMember
		var gen int32 = -1
		for _, tm := range members {
			if g, ok := tm.owned[p]; ok && g > gen {
				best, gen = tm, g
			}
		}
		claimant[p] = best
	}
	var free []int32
	full := 0 // members holding base+1
	for p := range n {
		tm := claimant[p]
		switch {
		case tm == nil:
			free = append(free, p)
		case len(tm.tasks) < base:
			tm.tasks = append(tm.tasks, p)
		case len(tm.tasks) == base && full < extra:
			tm.tasks = append(tm.tasks, p)
			full++
		default:
			free = append(free, p)
		}
	}
	// Free tasks go to members with room: first to one with local state for
	// the task, else to the least loaded (the first such, in member order).
	room := func(tm *taskMember) bool {
		return len(tm.tasks) < base || len(tm.tasks) == base && full < extra
	}
	take := func(tm *taskMember, p int32) {
		if len(tm.tasks) == base {
			full++
		}
		tm.tasks = append(tm.tasks, p)
	}
	var rest []int32
	for _, p := range free {
		placed := false
		for _, tm := range members {
			if tm.local[p] && room(tm) {
				take(tm, p)
				placed = true
				break
			}
		}
		if !placed {
			rest = append(rest, p)
		}
	}
	for _, p := range rest {
		var least *taskMember
		for _, tm := range members {
			if room(tm) && (least == nil || len(tm.tasks) < len(least.tasks)) {
				least = tm
			}
		}
		take(least, p)
	}
	for _, tm := range members {
		slices.Sort(tm.tasks)
	}
}

// localTasks lists the tasks this node has state for: a checkpoint of the
// stage that keeps the state, or a standby copy.
func (q *PersistentQuery) localTasks() []int32 {
	if q.store == nil {
		return nil
	}
	stores := []string{plan.StoreCkpt, plan.StoreStandby}
	for src := range q.joinTopics {
		stores = append(stores, joinCkptStore(src))
	}
	seen := map[int32]bool{}
	for _, st := range stores {
		prefix := StatePrefix(q.ID, st, -1)
		err := q.store.Scan(prefix, func(k, _ []byte) bool {
			if rest := k[len(prefix):]; len(rest) >= 4 {
				seen[int32(binary.BigEndian.Uint32(rest))] = true
			}
			return true
		})
		if err != nil {
			q.logger.Warn("list local tasks for the group", "err", err)
			return nil
		}
	}
	out := make([]int32, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}
