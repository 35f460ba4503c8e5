package exec

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// member describes a group member for balanceFor: what it owns now (tasks,
// per topic as the balancer's metadata says) and what it has local state for.
type member struct {
	id    string
	owned map[string][]int32
	gen   int32
	local []int32
}

// balanceFor runs the task balancer as a group leader would, through kgo's
// metadata encoding, and returns each member's assignment as "topic:parts".
func balanceFor(t *testing.T, topics map[string]int32, ms []member) map[string]string {
	t.Helper()
	var interests []string
	for topic := range topics {
		interests = append(interests, topic)
	}
	slices.Sort(interests)
	var join []kmsg.JoinGroupResponseMember
	for _, m := range ms {
		local := m.local
		tb := &taskBalancer{localTasks: func() []int32 { return local }}
		id := m.id
		join = append(join, kmsg.JoinGroupResponseMember{MemberID: "member-" + id, InstanceID: &id,
			ProtocolMetadata: tb.JoinGroupMetadata(interests, m.owned, m.gen)})
	}
	mb, _, err := (&taskBalancer{}).MemberBalancer(join)
	if err != nil {
		t.Fatal(err)
	}
	into, err := mb.(kgo.GroupMemberBalancerOrError).BalanceOrError(topics)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, a := range into.IntoSyncAssignment() {
		parsed, err := kgo.ParseConsumerSyncAssignment(a.MemberAssignment)
		if err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, topic := range interests {
			if ps := parsed[topic]; len(ps) > 0 {
				slices.Sort(ps)
				parts = append(parts, fmt.Sprintf("%s:%v", topic, ps))
			}
		}
		out[strings.TrimPrefix(a.MemberID, "member-")] = strings.Join(parts, " ")
	}
	return out
}

func TestTaskBalancer(t *testing.T) {
	two := map[string]int32{"a": 4, "b": 4}
	for _, tc := range []struct {
		name    string
		topics  map[string]int32
		members []member
		want    string
	}{{
		name:    "co-partitioned: partition p of every topic goes to one member",
		topics:  two,
		members: []member{{id: "n1"}, {id: "n2"}},
		want:    "n1=a:[0 2] b:[0 2]; n2=a:[1 3] b:[1 3]",
	}, {
		name:    "a narrower topic's partitions follow the same task numbers",
		topics:  map[string]int32{"src": 2, "repart": 6},
		members: []member{{id: "n1"}, {id: "n2"}, {id: "n3"}},
		want:    "n1=repart:[0 3] src:[0]; n2=repart:[1 4] src:[1]; n3=repart:[2 5]",
	}, {
		name:   "sticky: a member that joins takes only its share (cooperative: first revoked, given next round)",
		topics: map[string]int32{"a": 6},
		members: []member{
			{id: "n1", owned: map[string][]int32{"a": {0, 1, 2}}, gen: 3},
			{id: "n2", owned: map[string][]int32{"a": {3, 4, 5}}, gen: 3},
			{id: "n3"},
		},
		want: "n1=a:[0 1]; n2=a:[3 4]; n3=",
	}, {
		name:   "the round after: the revoked tasks go to the new member",
		topics: map[string]int32{"a": 6},
		members: []member{
			{id: "n1", owned: map[string][]int32{"a": {0, 1}}, gen: 4},
			{id: "n2", owned: map[string][]int32{"a": {3, 4}}, gen: 4},
			{id: "n3", gen: 4},
		},
		want: "n1=a:[0 1]; n2=a:[3 4]; n3=a:[2 5]",
	}, {
		name:   "a member leaves: only its tasks move",
		topics: map[string]int32{"a": 6},
		members: []member{
			{id: "n1", owned: map[string][]int32{"a": {0, 1}}, gen: 5},
			{id: "n3", owned: map[string][]int32{"a": {4, 5}}, gen: 5},
		},
		want: "n1=a:[0 1 2]; n3=a:[3 4 5]",
	}, {
		name:   "warm: a free task goes to a member with state for it",
		topics: map[string]int32{"a": 4},
		members: []member{
			{id: "n1", owned: map[string][]int32{"a": {0}}, gen: 2},
			{id: "n2", owned: map[string][]int32{"a": {1}}, gen: 2, local: []int32{3}},
		},
		want: "n1=a:[0 2]; n2=a:[1 3]",
	}, {
		name:   "a restarted static member (owning nothing yet) gets its tasks back by its local state",
		topics: map[string]int32{"a": 4},
		members: []member{
			{id: "n1", local: []int32{2, 3}},
			{id: "n2", owned: map[string][]int32{"a": {0, 1}}, gen: 7},
		},
		want: "n1=a:[2 3]; n2=a:[0 1]",
	}, {
		name:   "a stale claim loses to the newer generation's",
		topics: map[string]int32{"a": 2},
		members: []member{
			{id: "n1", owned: map[string][]int32{"a": {0, 1}}, gen: 1},
			{id: "n2", owned: map[string][]int32{"a": {1}}, gen: 2},
		},
		want: "n1=a:[0]; n2=a:[1]",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got := balanceFor(t, tc.topics, tc.members)
			var parts []string
			for _, m := range tc.members {
				parts = append(parts, m.id+"="+got[m.id])
			}
			if s := strings.Join(parts, "; "); s != tc.want {
				t.Errorf("got  %s\nwant %s", s, tc.want)
			}
		})
	}
}
