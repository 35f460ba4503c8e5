package ksqlrest

import (
	"strings"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/engine"
	"github.com/sluice-db/sluice/plan"
	"github.com/sluice-db/sluice/types"
)

// describedEntity is ksqlDB's sourceDescription entity for a DESCRIBE of one
// source, and its queryDescription entity for EXPLAIN (with Sluice's operator
// tree as sluicePlan, which the web console draws).
func describedEntity(text string, d *engine.Described) any {
	if s := d.Source; s != nil {
		return map[string]any{"@type": "sourceDescription", "statementText": text, "sourceDescription": sourceDescription(s), "warnings": []any{}}
	}
	q := d.Query
	desc := map[string]any{
		"id":                   q.QueryID,
		"statementText":        q.SQL,
		"windowType":           nil,
		"fields":               fieldInfos(q.Output),
		"sources":              q.Sources,
		"sinks":                q.Sinks,
		"topology":             "",
		"executionPlan":        q.Plan.String(),
		"overriddenProperties": map[string]any{},
		"ksqlHostQueryStatus":  map[string]any{},
		"queryType":            "PERSISTENT",
		"queryErrors":          []any{},
		"tasksMetadata":        []any{},
		"sluicePlan":           planJSON(q.Plan),
	}
	if len(q.Sinks) == 0 {
		desc["queryType"] = "PUSH" // an EXPLAIN of a SELECT
	}
	return map[string]any{"@type": "queryDescription", "statementText": text, "queryDescription": desc, "warnings": []any{}}
}

// sourceDescription is ksqlDB's SourceDescription, with the fields its
// documentation lists (statistics are not kept per source: empty strings).
func sourceDescription(d *engine.SourceDescription) map[string]any {
	src := d.Source
	var window any
	if src.Window != nil {
		window = src.Window.Kind
	}
	ts := src.TimestampColumn
	return map[string]any{
		"name":                 src.Name,
		"windowType":           window,
		"readQueries":          runningQueries(d.ReadBy, d.Topics),
		"writeQueries":         runningQueries(d.WrittenBy, d.Topics),
		"fields":               fieldInfos(src.Columns),
		"type":                 src.Kind.String(),
		"timestamp":            ts,
		"statistics":           "",
		"errorStats":           "",
		"extended":             d.Extended,
		"keyFormat":            src.KeyFormat,
		"valueFormat":          src.ValueFormat,
		"topic":                src.Topic,
		"partitions":           src.Partitions,
		"replication":          src.Replicas,
		"statement":            src.SQL,
		"queryOffsetSummaries": []any{},
		"sourceConstraints":    []any{},
		"clusterStatistics":    []any{},
		"clusterErrorStats":    []any{},
	}
}

func runningQueries(qs []*catalog.Query, topics map[string]string) []any {
	out := []any{}
	for _, q := range qs {
		out = append(out, map[string]any{"queryString": q.SQL, "sinks": []string{q.Sink}, "sinkKafkaTopics": []string{topics[q.Sink]},
			"id": q.ID, "queryType": "PERSISTENT"})
	}
	return out
}

// fieldInfos are ksqlDB's FieldInfo objects: name, schema and, for key and
// header columns, the column's type (KEY, HEADER).
func fieldInfos(cols []types.Column) []any {
	out := make([]any, 0, len(cols))
	for _, c := range cols {
		f := map[string]any{"name": c.Name, "schema": schemaInfo(c.Type)}
		switch c.Role {
		case types.KeyColumn:
			f["type"] = "KEY"
		case types.HeadersColumn:
			f["type"] = "HEADER"
		case types.HeaderColumn:
			f["type"] = "HEADER"
			f["headerKey"] = c.HeaderKey
		}
		out = append(out, f)
	}
	return out
}

// schemaInfo is ksqlDB's SchemaInfo: type, fields for a STRUCT, memberSchema
// for an ARRAY's elements or a MAP's values, parameters for a DECIMAL.
func schemaInfo(t *types.Type) map[string]any {
	s := map[string]any{"type": schemaType(t), "fields": nil, "memberSchema": nil}
	if t == nil {
		return s
	}
	switch t.Kind {
	case types.KindArray, types.KindMap:
		s["memberSchema"] = schemaInfo(t.Elem)
	case types.KindStruct:
		fields := make([]any, len(t.Fields))
		for i, f := range t.Fields {
			fields[i] = map[string]any{"name": f.Name, "schema": schemaInfo(f.Type)}
		}
		s["fields"] = fields
	case types.KindDecimal:
		s["parameters"] = map[string]any{"precision": t.Precision, "scale": t.Scale}
	}
	return s
}

// schemaType is the type family's name as ksqlDB's SchemaInfo spells it.
func schemaType(t *types.Type) string {
	if t == nil {
		return "STRING"
	}
	switch t.Kind {
	case types.KindArray:
		return "ARRAY"
	case types.KindMap:
		return "MAP"
	case types.KindStruct:
		return "STRUCT"
	case types.KindDecimal:
		return "DECIMAL"
	}
	return typeName(t)
}

// planNode is one operator of the plan tree in sluicePlan.
type planNode struct {
	Op     string     `json:"op"`
	Detail string     `json:"detail"`
	Attrs  []planAttr `json:"attrs"`
	Inputs []planNode `json:"inputs"`
}

type planAttr struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func planJSON(n *plan.Node) planNode {
	out := planNode{Op: n.Op, Detail: n.Detail, Attrs: []planAttr{}, Inputs: []planNode{}}
	for _, a := range n.Attrs {
		out.Attrs = append(out.Attrs, planAttr{a.Key, a.Value})
	}
	for _, in := range n.Inputs {
		out.Inputs = append(out.Inputs, planJSON(in))
	}
	return out
}

// isDescribed reports whether a statement may have a structured answer
// (DESCRIBE or EXPLAIN), so only those are parsed twice.
func isDescribed(text string) bool {
	f := strings.Fields(text)
	return len(f) > 0 && (strings.EqualFold(f[0], "DESCRIBE") || strings.EqualFold(f[0], "EXPLAIN"))
}
