package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/exec"
	"github.com/sluice-db/sluice/nodes"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// A materialized table's rows are divided as its query's tasks are: by the
// partitions of the query's last stage, each run by one node (the consumer
// group decides which). A pull query on any node reads the partitions this
// node runs from its own store and asks the nodes running the others for
// theirs; the query is then evaluated over the merged rows (filters, sorts,
// limits and aggregates apply after the merge). A single node, or one whose
// peers are all down, reads everything from its store.

// scanTable calls fn with the rows of table (maintained by query qid), laid
// out as exec.EntryRow does, from every partition: those whose key columns
// hold key only, when key is set.
func (s *Session) scanTable(ctx context.Context, qid string, table *catalog.Source, width int, key []any, fn func(row []any) (bool, error)) error {
	var stateKey []byte
	if key != nil {
		k, err := exec.TableKey(table, key)
		if err != nil {
			return err
		}
		stateKey = k
	}
	maxLag, err := pullMaxLag(s.props)
	if err != nil {
		return err
	}
	each := func(en exec.StateEntry) (bool, error) {
		row, err := exec.EntryRow(table, width, en)
		if err != nil {
			return false, err
		}
		return fn(row)
	}
	if key != nil {
		// A key lookup reads the one partition that can hold the key, when
		// the query decides it (and so asks one node at most). Finding nothing
		// there, it reads the others too: a key value of another type than the
		// group's would hash elsewhere.
		s.engine.mu.Lock()
		run := s.engine.running[qid]
		s.engine.mu.Unlock()
		if run != nil {
			if p, ok := exec.KeyPartition(run.Plan(), key); ok {
				found := false
				err := s.engine.tableEntries(ctx, qid, table, []int32{p}, stateKey, maxLag, func(en exec.StateEntry) (bool, error) {
					found = true
					return each(en)
				})
				if err != nil || found {
					return err
				}
			}
		}
	}
	return s.engine.tableEntries(ctx, qid, table, nil, stateKey, maxLag, each)
}

// tableEntries reads the state entries of query qid from partitions parts of
// table (nil: every partition), from this node's store or from the node that
// runs the partition; a partition whose owner is down is read from a standby
// copy no more than maxLag changelog records behind (nil: any), when one is
// kept.
func (e *Engine) tableEntries(ctx context.Context, qid string, table *catalog.Source, parts []int32, key []byte, maxLag *int64, fn func(exec.StateEntry) (bool, error)) error {
	all := parts
	if all == nil {
		all = make([]int32, table.Partitions)
		for i := range all {
			all[i] = int32(i)
		}
	}
	e.mu.Lock()
	run := e.running[qid]
	e.mu.Unlock()
	if run == nil || !e.hasKnownPeers() {
		return exec.ScanEntries(e.cfg.State, qid, all, key, fn)
	}
	local := slices.DeleteFunc(run.ActivePartitions(), func(p int32) bool { return !slices.Contains(all, p) })
	remote := slices.DeleteFunc(slices.Clone(all), func(p int32) bool { return slices.Contains(local, p) })
	if len(remote) > 0 {
		owners, err := e.partitionOwners(ctx, run)
		if err != nil {
			return sqlerr.Wrap(sqlerr.ConnectionFailure, err, "could not find which nodes run "+table.Name+"'s partitions")
		}
		byNode := map[string][]int32{}
		for _, p := range remote {
			owner, ok := owners[p]
			switch {
			case !ok:
				return sqlerr.Newf(sqlerr.ObjectNotInPrerequisiteState,
					"partition %d of table '%s' is not assigned to any node right now (its query's group is rebalancing); try again shortly", p, table.Name)
			case owner == e.cfg.NodeID:
				// The group gave it to this node a moment ago: its
				// assignment callback is running (restoring, say).
				return sqlerr.Newf(sqlerr.ObjectNotInPrerequisiteState,
					"partition %d of table '%s' is being taken over by this node; try again shortly", p, table.Name)
			}
			byNode[owner] = append(byNode[owner], p)
		}
		// The owners are asked at once: a scan waits for the slowest, not
		// for the sum of them.
		type answer struct {
			entries []nodes.Entry
			err     error
		}
		asked := make([]string, 0, len(byNode))
		for node := range byNode {
			asked = append(asked, node)
		}
		slices.Sort(asked)
		answers := make([]answer, len(asked))
		var wg sync.WaitGroup
		for i, node := range asked {
			wg.Add(1)
			go func() {
				defer wg.Done()
				answers[i].entries, answers[i].err = e.ownerRows(ctx, run, table, node, byNode[node], key, maxLag)
			}()
		}
		wg.Wait()
		for _, a := range answers {
			if a.err != nil {
				return a.err
			}
		}
		for _, a := range answers {
			for _, en := range a.entries {
				if more, err := fn(exec.StateEntry{Partition: en.Partition, Key: en.Key, Value: en.Value}); err != nil || !more {
					return err
				}
			}
		}
	}
	return exec.ScanEntries(e.cfg.State, qid, local, key, fn)
}

// ownerRows reads partitions parts of run's table from node, their active
// owner, or, when it is down or unreachable, from a node keeping standby
// copies of them.
func (e *Engine) ownerRows(ctx context.Context, run *exec.PersistentQuery, table *catalog.Source, node string, parts []int32, key []byte, maxLag *int64) ([]nodes.Entry, error) {
	req := nodes.RowsRequest{Query: run.ID, Partitions: parts, Key: key}
	st, ok := e.cfg.Nodes.Lookup(node)
	var down error
	if !ok || !st.Alive {
		down = sqlerr.Newf(sqlerr.ObjectNotInPrerequisiteState,
			"partitions %v of table '%s' run on node %s, which is down; its group moves them to a live node after the session timeout, try again then", parts, table.Name, node)
	} else {
		entries, err := e.cfg.Peers.Rows(ctx, st.Addr, req)
		if err == nil {
			return entries, nil
		}
		if !errors.Is(err, nodes.ErrUnreachable) {
			return nil, sqlerr.Wrap(sqlerr.ObjectNotInPrerequisiteState, err, fmt.Sprintf("could not read partitions %v of table '%s' from node %s (%s)", parts, table.Name, node, st.Addr))
		}
		down = sqlerr.Wrap(sqlerr.ConnectionFailure, err, fmt.Sprintf("could not read partitions %v of table '%s' from node %s (%s)", parts, table.Name, node, st.Addr))
	}
	n := e.numStandbys()
	if n == 0 {
		return nil, down
	}
	req.Standby, req.MaxLag = true, maxLag
	var refusals []string
	for _, sb := range standbyNodes(node, e.liveNodes(), n) {
		if sb == e.cfg.NodeID {
			entries, err := e.LocalRows(ctx, req)
			if err == nil {
				return entries, nil
			}
			refusals = append(refusals, err.Error())
			continue
		}
		st, ok := e.cfg.Nodes.Lookup(sb)
		if !ok || !st.Alive {
			continue
		}
		entries, err := e.cfg.Peers.Rows(ctx, st.Addr, req)
		if err == nil {
			return entries, nil
		}
		refusals = append(refusals, fmt.Sprintf("standby node %s: %v", sb, err))
	}
	if len(refusals) == 0 {
		return nil, down
	}
	return nil, sqlerr.Newf(sqlerr.ObjectNotInPrerequisiteState, "%s; no standby copy could answer: %s", down.Error(), strings.Join(refusals, "; "))
}

// The bound on a standby copy's lag for answering a pull query, under
// ksqlDB's name; absent, any lag is accepted (ksqlDB's default, Long.MAX_VALUE).
const propPullMaxLag = "ksql.query.pull.max.allowed.offset.lag"

// pullMaxLag reads ksql.query.pull.max.allowed.offset.lag from a session's
// properties: nil when it is not set.
func pullMaxLag(props map[string]string) (*int64, error) {
	v, ok := props[propPullMaxLag]
	if !ok {
		return nil, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 {
		return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "invalid value for %s: %q (a number of records, 0 or more)", propPullMaxLag, v)
	}
	return &n, nil
}

// hasKnownPeers reports whether this node has heard of another node of the
// service, up or down. A node alone answers from its store; otherwise the
// group says who runs what: a partition of a node that is down is not read
// from whatever this node kept of it, only from a standby copy.
func (e *Engine) hasKnownPeers() bool {
	if e.cfg.Nodes == nil {
		return false
	}
	for _, n := range e.cfg.Nodes.Nodes() {
		if !n.Self {
			return true
		}
	}
	return false
}

// hasLivePeers reports whether another node of the service is up.
func (e *Engine) hasLivePeers() bool {
	if e.cfg.Nodes == nil {
		return false
	}
	for _, n := range e.cfg.Nodes.Nodes() {
		if !n.Self && n.Alive {
			return true
		}
	}
	return false
}

// partitionOwners asks the query's consumer group which node runs each state
// partition. Members are static, with instance id <group>-<node id>.
func (e *Engine) partitionOwners(ctx context.Context, run *exec.PersistentQuery) (map[int32]string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	groups, err := kadm.NewClient(e.cluster.Producer()).DescribeGroups(ctx, run.Group)
	if err != nil {
		return nil, err
	}
	g, ok := groups[run.Group]
	if !ok {
		return nil, fmt.Errorf("group %s not described", run.Group)
	}
	if g.Err != nil {
		return nil, g.Err
	}
	topics := run.StateTopics()
	owners := map[int32]string{}
	for _, m := range g.Members {
		if m.InstanceID == nil {
			continue
		}
		node, ok := strings.CutPrefix(*m.InstanceID, run.Group+"-")
		if !ok {
			continue
		}
		a, ok := m.Assigned.AsConsumer()
		if !ok {
			continue
		}
		for _, t := range a.Topics {
			if slices.Contains(topics, t.Topic) {
				for _, p := range t.Partitions {
					owners[p] = node
				}
			}
		}
	}
	return owners, nil
}

// LocalRows answers a peer's request for rows of the partitions this node
// runs. A partition the node does not run (any more) is refused, not answered
// from the state it kept, which may be behind.
func (e *Engine) LocalRows(_ context.Context, req nodes.RowsRequest) ([]nodes.Entry, error) {
	e.mu.Lock()
	run := e.running[req.Query]
	e.mu.Unlock()
	if run == nil {
		return nil, fmt.Errorf("node %s does not run query %s", e.cfg.NodeID, req.Query)
	}
	if run.Restoring() {
		return nil, fmt.Errorf("node %s is restoring the state of query %s from its changelog; try again shortly", e.cfg.NodeID, req.Query)
	}
	active := run.ActivePartitions()
	standby := map[int32]int64{}
	if req.Standby {
		for _, sb := range run.StandbyPartitions() {
			standby[sb.Partition] = sb.Lag
		}
	}
	for _, p := range req.Partitions {
		if slices.Contains(active, p) {
			continue
		}
		lag, ok := standby[p]
		switch {
		case !req.Standby:
			return nil, fmt.Errorf("node %s does not run partition %d of query %s (it moved); try again", e.cfg.NodeID, p, req.Query)
		case !ok:
			return nil, fmt.Errorf("node %s keeps no standby copy of partition %d of query %s", e.cfg.NodeID, p, req.Query)
		case lag < 0:
			return nil, fmt.Errorf("node %s's standby copy of partition %d of query %s has not caught up yet", e.cfg.NodeID, p, req.Query)
		case req.MaxLag != nil && lag > *req.MaxLag:
			return nil, fmt.Errorf("node %s's standby copy of partition %d of query %s is %d records behind, more than %s=%d", e.cfg.NodeID, p, req.Query, lag, propPullMaxLag, *req.MaxLag)
		}
	}
	var out []nodes.Entry
	err := exec.ScanEntries(e.cfg.State, req.Query, req.Partitions, req.Key, func(en exec.StateEntry) (bool, error) {
		out = append(out, nodes.Entry{Partition: en.Partition, Key: en.Key, Value: en.Value})
		return true, nil
	})
	return out, err
}

// showCluster answers SHOW CLUSTER: every node of the service this node has
// heard of, whether it is alive, and the tasks (state partitions) it runs for
// each persistent query, as the queries' consumer groups assigned them.
func (e *Engine) showCluster(ctx context.Context, w ResultWriter) error {
	self := nodes.Status{Node: nodes.Node{ID: e.cfg.NodeID}, Self: true, Alive: true, LastSeen: time.Now()}
	list := []nodes.Status{self}
	if e.cfg.Nodes != nil {
		list = e.cfg.Nodes.Nodes()
	}
	e.mu.Lock()
	runs := make([]*exec.PersistentQuery, 0, len(e.running))
	for _, q := range e.running {
		runs = append(runs, q)
	}
	e.mu.Unlock()
	slices.SortFunc(runs, func(a, b *exec.PersistentQuery) int { return strings.Compare(a.ID, b.ID) })
	tasks := map[string][]string{}    // node -> "QUERY[p,...]"
	standbys := map[string][]string{} // node -> "QUERY[p,...]"
	for _, run := range runs {
		owners := map[int32]string{}
		if e.cfg.Nodes == nil {
			for _, p := range run.ActivePartitions() {
				owners[p] = e.cfg.NodeID
			}
		} else if o, err := e.partitionOwners(ctx, run); err == nil {
			owners = o
		} else {
			return sqlerr.Wrap(sqlerr.ConnectionFailure, err, "could not describe the group of query "+run.ID)
		}
		byNode := map[string][]int32{}
		for p, n := range owners {
			byNode[n] = append(byNode[n], p)
		}
		for n, ps := range byNode {
			slices.Sort(ps)
			tasks[n] = append(tasks[n], fmt.Sprintf("%s%v", run.ID, ps))
		}
		if k := e.numStandbys(); k > 0 && run.HasChangelog() {
			// This node's own copies with their lag (partition:records
			// behind), the others' as the placement puts them.
			var own []string
			for _, sb := range run.StandbyPartitions() {
				own = append(own, fmt.Sprintf("%d:%d", sb.Partition, sb.Lag))
			}
			if len(own) > 0 {
				standbys[e.cfg.NodeID] = append(standbys[e.cfg.NodeID], run.ID+"["+strings.Join(own, " ")+"]")
			}
			live := e.liveNodes()
			placed := map[string][]int32{}
			for p, owner := range owners {
				for _, n := range standbyNodes(owner, live, k) {
					if n != e.cfg.NodeID {
						placed[n] = append(placed[n], p)
					}
				}
			}
			for n, ps := range placed {
				slices.Sort(ps)
				standbys[n] = append(standbys[n], fmt.Sprintf("%s%v", run.ID, ps))
			}
		}
	}
	var rows [][]any
	now := time.Now()
	for _, n := range list {
		var started any
		if !n.Started.IsZero() {
			started = types.Timestamp(n.Started.UnixMilli())
		}
		rows = append(rows, []any{n.ID, n.Addr, n.Alive, n.Self, now.Sub(n.LastSeen).Milliseconds(), started,
			strings.Join(tasks[n.ID], " "), strings.Join(standbys[n.ID], " ")})
	}
	return table(w, []string{"Node", "Address", "Alive", "This Node", "Last Seen Ms Ago", "Started", "Active Tasks", "Standby Tasks"},
		[]*types.Type{nil, nil, types.BooleanType, types.BooleanType, types.BigIntType, types.TimestampType, nil, nil}, rows, "SHOW")
}
