package engine

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/sluice-db/sluice/exec"
)

// Standby replicas (num.standby.replicas, ksqlDB's
// ksql.streams.num.standby.replicas). Every node computes the same placement
// from what it knows: the live nodes (the registry) and each partition's
// active owner (the query's group). A partition's standbys are the n live
// nodes that follow its owner in node-id order, so a placement moves only as
// far as nodes come and go, and a node that is down keeps its place as the
// owner until the group moves its partitions (after the session timeout): the
// nodes that held copies of them are then the ones answering for them.

// propStandbys is the number of warm copies kept of each state partition.
const propStandbys = "num.standby.replicas"

// standbyInterval is how often the placement is computed again.
const standbyInterval = time.Second

// numStandbys is the configured number of standby replicas (0: none, the
// default as in ksqlDB).
func (e *Engine) numStandbys() int {
	v, ok := lookupProperty(e.cfg.Defaults, propStandbys)
	if !ok {
		return 0
	}
	n, _ := strconv.Atoi(v) // checked by checkProperty at Open
	return n
}

// standbyNodes returns the nodes that keep copies of a partition owned by
// owner: the n nodes of live (any order) that follow owner in id order,
// wrapping around, never owner itself.
func standbyNodes(owner string, live []string, n int) []string {
	ids := slices.DeleteFunc(slices.Clone(live), func(id string) bool { return id == owner })
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if n > len(ids) {
		n = len(ids)
	}
	i, _ := slices.BinarySearch(ids, owner) // the first id after owner
	out := make([]string, 0, n)
	for k := 0; k < n; k++ {
		out = append(out, ids[(i+k)%len(ids)])
	}
	return out
}

// liveNodes returns the ids of the nodes that are alive, this one included.
func (e *Engine) liveNodes() []string {
	if e.cfg.Nodes == nil {
		return []string{e.cfg.NodeID}
	}
	var ids []string
	for _, n := range e.cfg.Nodes.Nodes() {
		if n.Alive {
			ids = append(ids, n.ID)
		}
	}
	return ids
}

// placeStandbys keeps each running query's standby set as the placement says,
// until ctx ends.
func (e *Engine) placeStandbys(ctx context.Context) {
	t := time.NewTicker(standbyInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n := e.numStandbys()
		e.mu.Lock()
		runs := make([]*exec.PersistentQuery, 0, len(e.running))
		for _, q := range e.running {
			runs = append(runs, q)
		}
		e.mu.Unlock()
		live := e.liveNodes()
		for _, run := range runs {
			if ctx.Err() != nil {
				return
			}
			e.placeQueryStandbys(ctx, run, live, n)
		}
	}
}

// placeQueryStandbys sets the standby partitions of one query on this node.
func (e *Engine) placeQueryStandbys(ctx context.Context, run *exec.PersistentQuery, live []string, n int) {
	if !run.HasChangelog() {
		return
	}
	var want []int32
	// A node whose peers are all down still keeps its copies of their
	// partitions: it is the one that answers for them.
	if n > 0 && e.hasKnownPeers() {
		owners, err := e.partitionOwners(ctx, run)
		if err != nil {
			e.logger.Debug("standby placement: describe the group", "query", run.ID, "err", err)
			return
		}
		for _, sb := range run.StandbyPartitions() {
			if _, ok := owners[sb.Partition]; !ok {
				// Not assigned right now (a rebalance): keep the copy
				// followed until the group says where it went.
				want = append(want, sb.Partition)
			}
		}
		for p, owner := range owners {
			if owner != e.cfg.NodeID && slices.Contains(standbyNodes(owner, live, n), e.cfg.NodeID) {
				want = append(want, p)
			}
		}
	}
	if err := run.SetStandbys(want); err != nil {
		e.logger.Warn("standby placement", "query", run.ID, "err", err)
	}
}
