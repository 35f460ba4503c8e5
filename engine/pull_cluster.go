package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
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
	return s.engine.tableEntries(ctx, qid, table, stateKey, func(en exec.StateEntry) (bool, error) {
		row, err := exec.EntryRow(table, width, en)
		if err != nil {
			return false, err
		}
		return fn(row)
	})
}

// tableEntries reads the state entries of query qid from every partition of
// table, from this node's store or from the node that runs the partition.
func (e *Engine) tableEntries(ctx context.Context, qid string, table *catalog.Source, key []byte, fn func(exec.StateEntry) (bool, error)) error {
	all := make([]int32, table.Partitions)
	for i := range all {
		all[i] = int32(i)
	}
	e.mu.Lock()
	run := e.running[qid]
	e.mu.Unlock()
	if run == nil || !e.hasLivePeers() {
		return exec.ScanEntries(e.cfg.State, qid, all, key, fn)
	}
	local := run.ActivePartitions()
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
		for node, parts := range byNode {
			st, ok := e.cfg.Nodes.Lookup(node)
			if !ok || !st.Alive {
				return sqlerr.Newf(sqlerr.ObjectNotInPrerequisiteState,
					"partitions %v of table '%s' run on node %s, which is down; its group moves them to a live node after the session timeout, try again then", parts, table.Name, node)
			}
			entries, err := e.cfg.Peers.Rows(ctx, st.Addr, nodes.RowsRequest{Query: qid, Partitions: parts, Key: key})
			if err != nil {
				code := sqlerr.ObjectNotInPrerequisiteState
				if errors.Is(err, nodes.ErrUnreachable) {
					code = sqlerr.ConnectionFailure
				}
				return sqlerr.Wrap(code, err, fmt.Sprintf("could not read partitions %v of table '%s' from node %s (%s)", parts, table.Name, node, st.Addr))
			}
			for _, en := range entries {
				if more, err := fn(exec.StateEntry{Partition: en.Partition, Key: en.Key, Value: en.Value}); err != nil || !more {
					return err
				}
			}
		}
	}
	return exec.ScanEntries(e.cfg.State, qid, local, key, fn)
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
	if !req.Standby {
		active := run.ActivePartitions()
		for _, p := range req.Partitions {
			if !slices.Contains(active, p) {
				return nil, fmt.Errorf("node %s does not run partition %d of query %s (it moved); try again", e.cfg.NodeID, p, req.Query)
			}
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
	tasks := map[string][]string{} // node -> "QUERY[p,...]"
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
	}
	var rows [][]any
	now := time.Now()
	for _, n := range list {
		var started any
		if !n.Started.IsZero() {
			started = types.Timestamp(n.Started.UnixMilli())
		}
		rows = append(rows, []any{n.ID, n.Addr, n.Alive, n.Self, now.Sub(n.LastSeen).Milliseconds(), started,
			strings.Join(tasks[n.ID], " "), ""})
	}
	return table(w, []string{"Node", "Address", "Alive", "This Node", "Last Seen Ms Ago", "Started", "Active Tasks", "Standby Tasks"},
		[]*types.Type{nil, nil, types.BooleanType, types.BooleanType, types.BigIntType, types.TimestampType, nil, nil}, rows, "SHOW")
}
