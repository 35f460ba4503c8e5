package plan

import (
	"fmt"
	"strings"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/expr"
	"github.com/sluice-db/sluice/types"
)

// Node is one operator of a query's operator tree: what it does, its main
// argument, its physical attributes (topics, partitions, state stores) and its
// inputs. The tree is the shape EXPLAIN prints, read from the plan's parts by
// Tree; it has one node per operator the runtime builds.
type Node struct {
	Op     string
	Detail string
	Attrs  []Attr
	Inputs []*Node
}

// Attr is one named attribute of a node.
type Attr struct{ Key, Value string }

func (n *Node) attr(k string, v any) *Node {
	n.Attrs = append(n.Attrs, Attr{k, fmt.Sprint(v)})
	return n
}

// on makes n the single input of parent and returns parent.
func on(parent, n *Node) *Node {
	parent.Inputs = append(parent.Inputs, n)
	return parent
}

// Tree returns the query's operator tree, its result (sink or client) at the
// root and its sources at the leaves.
func Tree(p *QueryPlan) *Node {
	var n *Node
	if p.Join != nil {
		n = joinTree(p.Join, p.Physical)
	} else {
		n = sourceNode(p.Source, p.Timestamp, p.Physical.inputPartitions(0))
	}
	if p.Where != nil {
		n = on(&Node{Op: "Filter", Detail: p.Where.String()}, n)
	}
	if a := p.Agg; a != nil {
		if ph := p.Physical; ph != nil && ph.Repartition != nil {
			n = on(topicNode(&Node{Op: "Repartition", Detail: "by " + exprList(a.GroupBy)}, ph.Repartition), n)
		} else if ph == nil {
			n = on(&Node{Op: "Repartition", Detail: "by " + exprList(a.GroupBy) + " when the input is not partitioned by it"}, n)
		}
		if w := a.Window; w != nil {
			n = on(windowNode(w, a.EmitFinal), n)
		}
		agg := &Node{Op: "Aggregate", Detail: aggregateKind(a)}
		agg.attr("group by", exprList(a.GroupBy))
		calls := make([]string, len(a.Calls))
		for i, c := range a.Calls {
			calls[i] = c.Text
		}
		agg.attr("calls", "["+strings.Join(calls, ", ")+"]")
		if a.EmitFinal {
			agg.attr("emit", "final")
		}
		n = on(stateNode(agg, AggregateStores(a, p.Physical != nil && p.Physical.Repartition != nil), p.Physical), n)
		if a.Having != nil {
			n = on(&Node{Op: "Having", Detail: a.Having.String()}, n)
		}
	}
	cols := make([]string, len(p.Items))
	for i, it := range p.Items {
		role := ""
		if p.Output[i].Role == types.KeyColumn {
			role = " KEY"
		}
		cols[i] = fmt.Sprintf("%s AS %s%s", it.String(), types.QuoteIdent(p.Output[i].Name), role)
	}
	if p.Agg == nil && p.Join == nil && p.Sink != nil && p.Sink.Source.Kind == catalog.Table {
		// A table result of a table source keeps its rows as state.
		n = on(stateNode(&Node{Op: "Materialize", Detail: "table rows"}, MaterializeStores(false), p.Physical), n)
	}
	if p.Rekeyed {
		n = on(&Node{Op: "Rekey", Detail: "by " + exprList(p.PartitionBy) + " (records move to the new key's partition)"}, n)
	}
	if f := p.FlatMap; f != nil {
		calls := make([]string, len(f.Calls))
		for i, c := range f.Calls {
			calls[i] = c.String() + " AS " + f.Columns[i].Name
		}
		n = on(&Node{Op: "FlatMap", Detail: "[" + strings.Join(calls, ", ") + "] (zipped, shorter lists padded with NULL)"}, n)
	}
	n = on(&Node{Op: "Project", Detail: "[" + strings.Join(cols, ", ") + "]"}, n)
	if len(p.OrderBy) > 0 {
		keys := make([]string, len(p.OrderBy))
		for i, k := range p.OrderBy {
			keys[i] = k.Expr.String()
			if k.Desc {
				keys[i] += " DESC"
			}
		}
		n = on(&Node{Op: "Sort", Detail: "[" + strings.Join(keys, ", ") + "]"}, n)
	}
	var root *Node
	if p.Sink != nil {
		s := p.Sink.Source
		root = &Node{Op: "Sink", Detail: s.Name}
		if p.Sink.MaterializeOnly {
			root.Op, root.Detail = "Materialized", s.Name+" (state only, no records)"
		} else {
			root.attr("topic", s.Topic)
			if s.Partitions > 0 {
				root.attr("partitions", s.Partitions)
			}
			root.attr("key", s.KeyFormat).attr("value", s.ValueFormat)
		}
	} else {
		limit := "none"
		if p.Limit >= 0 {
			limit = fmt.Sprint(p.Limit)
		}
		root = (&Node{Op: "PushResult"}).attr("limit", limit)
	}
	if ph := p.Physical; ph != nil {
		root.attr("group", ph.Group).attr("tasks", ph.Tasks)
	}
	return on(root, n)
}

func (ph *Physical) inputPartitions(i int) int {
	if ph == nil || i >= len(ph.InputPartitions) {
		return 0
	}
	return ph.InputPartitions[i]
}

func sourceNode(s *catalog.Source, ts expr.Expr, partitions int) *Node {
	n := &Node{Op: "Source", Detail: fmt.Sprintf("%s %s", s.Kind, s.Name)}
	n.attr("topic", s.Topic)
	if partitions > 0 {
		n.attr("partitions", partitions)
	}
	n.attr("key", s.KeyFormat).attr("value", s.ValueFormat)
	if ts != nil {
		return on(&Node{Op: "Timestamp", Detail: ts.String()}, n)
	}
	return n
}

func topicNode(n *Node, t *InternalTopic) *Node {
	return n.attr("topic", t.Name).attr("partitions", t.Partitions)
}

// stateNode adds a stateful node's state stores, and the query's changelog,
// which mirrors every store of the query.
func stateNode(n *Node, stores []string, ph *Physical) *Node {
	n.attr("stores", strings.Join(stores, ", "))
	if ph != nil && ph.Changelog != nil {
		n.attr("changelog", ph.Changelog.Name)
	}
	return n
}

func windowNode(w *WindowPlan, final bool) *Node {
	n := &Node{Op: "Window", Detail: w.Kind}
	switch w.Kind {
	case "SESSION":
		n.attr("gap", w.Size)
	case "HOPPING":
		n.attr("size", w.Size).attr("advance", w.Advance)
	default:
		n.attr("size", w.Size)
	}
	n.attr("grace", w.Grace)
	if w.Retention > 0 {
		n.attr("retention", w.Retention)
	}
	return n
}

func aggregateKind(a *Aggregation) string {
	switch {
	case a.Window != nil && a.Window.Kind == "SESSION":
		return "session"
	case a.Window != nil:
		return "windowed"
	case a.FromTable:
		return "table"
	}
	return "stream"
}

func joinTree(j *Join, ph *Physical) *Node {
	leaf, top := 0, j
	var build func(j *Join) *Node
	build = func(j *Join) *Node {
		n := &Node{Op: "Join", Detail: fmt.Sprintf("%s %s", j.Kind, j.Type)}
		n.attr("on", j.Left.keyText()+" = "+j.Right.keyText())
		if j.Kind == StreamStream {
			n.attr("within", fmt.Sprintf("(%s, %s)", j.Before, j.After))
			if j.HasGrace {
				n.attr("grace", j.Grace)
			}
		}
		if j.ForeignKey {
			n.attr("foreign key", true)
		}
		n.attr("stores", strings.Join(JoinStepStores(j), ", "))
		if j == top {
			n.attr("task stores", strings.Join([]string{StoreJoinTime, StoreJoinCkpt}, ", "))
		}
		for _, s := range []*JoinSide{j.Left, j.Right} {
			if s.Inner != nil {
				n.Inputs = append(n.Inputs, build(s.Inner))
				continue
			}
			in := sourceNode(s.Source, s.Timestamp, ph.inputPartitions(leaf))
			in.Detail += " AS " + s.Name()
			if ph != nil && leaf < len(ph.JoinRepartition) && ph.JoinRepartition[leaf] != nil {
				in = on(topicNode(&Node{Op: "Repartition", Detail: "by " + s.Key.String()}, ph.JoinRepartition[leaf]), in)
			} else if ph == nil && !s.KeyIsSourceKey {
				in = on(&Node{Op: "Repartition", Detail: "by " + s.Key.String() + " when the inputs have more than one partition"}, in)
			}
			n.Inputs = append(n.Inputs, in)
			leaf++
		}
		return n
	}
	n := build(j)
	if ph != nil && len(ph.JoinRepartition) > 0 {
		n.attr("repartition stores", StoreJoinStage1+", "+StoreJoinDedup)
	}
	if ph != nil && ph.Changelog != nil {
		n.attr("changelog", ph.Changelog.Name)
	}
	return n
}

// JoinStepStores lists the state stores one join step keeps.
func JoinStepStores(j *Join) []string {
	switch j.Kind {
	case StreamStream:
		if j.HasGrace && j.Type != InnerJoin {
			return []string{StoreJoinWindow, StoreJoinExpiry, StoreJoinOuter}
		}
		return []string{StoreJoinWindow, StoreJoinExpiry}
	case StreamTable:
		return []string{StoreJoinTable}
	}
	if j.ForeignKey {
		return []string{StoreJoinTable, StoreJoinFKIndex}
	}
	return []string{StoreJoinTable}
}

// JoinStores lists the state stores of a whole join: each step's, the stream
// time and input checkpoints, and the repartition stages' when inputs move.
func JoinStores(j *Join, repartitioned bool) []string {
	var out []string
	seen := map[string]bool{}
	for _, st := range j.Steps() {
		for _, s := range JoinStepStores(st) {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	out = append(out, StoreJoinTime, StoreJoinCkpt)
	if repartitioned {
		out = append(out, StoreJoinStage1, StoreJoinDedup)
	}
	return out
}

// AggregateStores lists the state stores of an aggregation: groups, the last
// row per key of a table input, the result and checkpoints, and the
// repartition stage's when rows move.
func AggregateStores(a *Aggregation, repartitioned bool) []string {
	out := []string{StoreAgg}
	if a.FromTable {
		out = append(out, StoreSrc)
	}
	out = append(out, StoreOut, StoreCkpt)
	if repartitioned {
		out = append(out, StoreCkptSource, StoreDedup)
	}
	return out
}

// MaterializeStores lists the state stores of a table result read from a
// table without aggregation.
func MaterializeStores(repartitioned bool) []string {
	out := []string{StoreSrc, StoreOut, StoreCkpt}
	if repartitioned {
		out = append(out, StoreCkptSource, StoreDedup)
	}
	return out
}

func exprList(es []expr.Expr) string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.String()
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// keyText renders the side's join expression, a source's column qualified by it.
func (s *JoinSide) keyText() string {
	if c, ok := s.Key.(*expr.Column); ok && s.Inner == nil {
		return s.Name() + "." + c.Name
	}
	return s.Key.String()
}

// String renders the tree, one operator a line, each input indented under
// the operator that reads it.
func (n *Node) String() string {
	var b strings.Builder
	var walk func(n *Node, depth int)
	walk = func(n *Node, depth int) {
		b.WriteString(strings.Repeat("  ", depth))
		b.WriteString(n.Op)
		if n.Detail != "" {
			b.WriteByte(' ')
			b.WriteString(n.Detail)
		}
		if len(n.Attrs) > 0 {
			b.WriteString(" (")
			for i, a := range n.Attrs {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(a.Key)
				b.WriteByte(' ')
				b.WriteString(a.Value)
			}
			b.WriteByte(')')
		}
		b.WriteByte('\n')
		for _, in := range n.Inputs {
			walk(in, depth+1)
		}
	}
	walk(n, 0)
	return b.String()
}

// Explain renders the plan's operator tree.
func (p *QueryPlan) Explain() string { return Tree(p).String() }
