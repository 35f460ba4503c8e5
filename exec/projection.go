package exec

import (
	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/expr"
	"github.com/sluice-db/sluice/formats"
	"github.com/sluice-db/sluice/plan"
	"github.com/sluice-db/sluice/types"
)

// planReads returns the expressions of a plan that read its input rows (Input
// layout). Items of an aggregation, its HAVING and ORDER BY read the result row
// instead. A plan field that reads input rows must be listed here, or the decoder
// leaves what it reads NULL.
func planReads(p *plan.QueryPlan) []expr.Expr {
	reads := append([]expr.Expr{p.Where, p.Timestamp}, p.PartitionBy...)
	if p.FlatMap != nil {
		for _, c := range p.FlatMap.Calls {
			reads = append(reads, c.Args()...)
		}
	}
	if p.Agg == nil {
		return append(reads, p.Items...)
	}
	reads = append(reads, p.Agg.GroupBy...)
	for _, c := range p.Agg.Calls {
		reads = append(reads, c.Args...)
	}
	if len(reads) == 0 {
		// COUNT(*) with no key, filter or timestamp reads nothing, but an empty
		// list means "decode everything"; a NULL literal keeps the projection.
		reads = append(reads, expr.NewLiteral(nil, nil))
	}
	return reads
}

// usage is what expressions read of one row slot: all of it, or some fields of a
// STRUCT (by field index), recursively.
type usage struct {
	all    bool
	fields map[int]*usage
}

func (u *usage) field(i int) *usage {
	if u.fields == nil {
		u.fields = map[int]*usage{}
	}
	f := u.fields[i]
	if f == nil {
		f = &usage{}
		u.fields[i] = f
	}
	return f
}

// valueProjection returns the value columns (valueIdx are their row slots) and
// struct fields that exprs reference, or nil (decode everything) when an
// expression is of a kind the walk does not know.
func valueProjection(src *catalog.Source, valueIdx []int, exprs []expr.Expr) *formats.Projection {
	slots := make([]*usage, len(src.Columns))
	for _, e := range exprs {
		if e != nil && !markReads(e, slots) {
			return nil
		}
	}
	p := &formats.Projection{Columns: make([]bool, len(valueIdx)), Fields: make([]*formats.Projection, len(valueIdx))}
	for i, slot := range valueIdx {
		if u := slots[slot]; u != nil {
			p.Columns[i] = true
			p.Fields[i] = u.projection(src.Columns[slot].Type.Fields)
		}
	}
	return p
}

// projection turns a struct's usage into the formats form; nil means all fields.
func (u *usage) projection(fields []types.Field) *formats.Projection {
	if u.all || len(u.fields) == 0 {
		return nil
	}
	p := &formats.Projection{Columns: make([]bool, len(fields)), Fields: make([]*formats.Projection, len(fields))}
	for i, f := range u.fields {
		p.Columns[i] = true
		p.Fields[i] = f.projection(fields[i].Type.Fields)
	}
	return p
}

// markReads records in slots what e reads; false when e holds an expression kind
// it does not know.
func markReads(e expr.Expr, slots []*usage) bool {
	switch x := e.(type) {
	case *expr.Literal:
		return true
	case *expr.Column:
		if x.Index < len(slots) { // lambda parameters sit past the row's columns
			if slots[x.Index] == nil {
				slots[x.Index] = &usage{}
			}
			slots[x.Index].all = true
		}
		return true
	case *expr.Deref:
		if u := derefUsage(x, slots); u != nil {
			u.all = true
			return true
		}
		return markReads(x.E, slots)
	case *expr.Binary:
		return markAll(slots, x.L, x.R)
	case *expr.Logic:
		return markAll(slots, x.L, x.R)
	case *expr.Unary:
		return markAll(slots, x.E)
	case *expr.Cast:
		return markAll(slots, x.E)
	case *expr.IsNull:
		return markAll(slots, x.E)
	case *expr.IsDistinct:
		return markAll(slots, x.L, x.R)
	case *expr.Like:
		return markAll(slots, x.E, x.Pattern, x.Escape)
	case *expr.Between:
		return markAll(slots, x.E, x.Lo, x.Hi)
	case *expr.In:
		return markAll(slots, x.E) && markAll(slots, x.List...)
	case *expr.Subscript:
		return markAll(slots, x.E, x.Index)
	case *expr.Constructor:
		return markAll(slots, x.Elems...)
	case *expr.Call:
		return markAll(slots, x.Args...)
	case *expr.Lambda:
		return markAll(slots, x.Body)
	case *expr.Case:
		return markAll(slots, x.Operand, x.Else) && markAll(slots, x.Conds...) && markAll(slots, x.Results...)
	}
	return false
}

func markAll(slots []*usage, es ...expr.Expr) bool {
	for _, e := range es {
		if e != nil && !markReads(e, slots) {
			return false
		}
	}
	return true
}

// derefUsage returns the usage node of a chain col->a->b, or nil when the chain
// does not start at a row column.
func derefUsage(d *expr.Deref, slots []*usage) *usage {
	var parent *usage
	switch inner := d.E.(type) {
	case *expr.Column:
		if inner.Index >= len(slots) {
			return nil
		}
		if slots[inner.Index] == nil {
			slots[inner.Index] = &usage{}
		}
		parent = slots[inner.Index]
	case *expr.Deref:
		if parent = derefUsage(inner, slots); parent == nil {
			return nil
		}
	default:
		return nil
	}
	i := d.E.Type().FieldIndex(d.Field)
	if i < 0 {
		return nil
	}
	return parent.field(i)
}
