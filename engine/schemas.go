package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/formats"
	"github.com/sluice-db/sluice/plan"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// schemaRegistry is the engine's client of the Schema Registry (the embedded one
// or an external one): it registers the schemas of sources and sinks, reads the
// schemas of records by id for the formats, and infers columns.
type schemaRegistry struct {
	cl *sr.Client

	mu   sync.Mutex
	byID map[int]resolvedSchema
}

type resolvedSchema struct {
	text string
	refs []formats.SchemaRef
}

func newSchemaRegistry(url string) (*schemaRegistry, error) {
	cl, err := sr.NewClient(sr.URLs(url))
	if err != nil {
		return nil, fmt.Errorf("schema registry client: %w", err)
	}
	return &schemaRegistry{cl: cl, byID: map[int]resolvedSchema{}}, nil
}

func (r *schemaRegistry) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 30*time.Second)
}

// SchemaByID implements formats.SchemaLookup: the schema and, in dependency order,
// the schemas it references.
func (r *schemaRegistry) SchemaByID(id int) (string, []formats.SchemaRef, error) {
	r.mu.Lock()
	if s, ok := r.byID[id]; ok {
		r.mu.Unlock()
		return s.text, s.refs, nil
	}
	r.mu.Unlock()
	ctx, cancel := r.ctx()
	defer cancel()
	s, err := r.cl.SchemaByID(ctx, id)
	if err != nil {
		return "", nil, err
	}
	var refs []formats.SchemaRef
	seen := map[string]bool{}
	if err := r.collectRefs(ctx, s.References, seen, &refs, 0); err != nil {
		return "", nil, err
	}
	r.mu.Lock()
	r.byID[id] = resolvedSchema{text: s.Schema, refs: refs}
	r.mu.Unlock()
	return s.Schema, refs, nil
}

func (r *schemaRegistry) collectRefs(ctx context.Context, refs []sr.SchemaReference, seen map[string]bool, out *[]formats.SchemaRef, depth int) error {
	if depth > 32 {
		return errors.New("schema references nest too deep")
	}
	for _, ref := range refs {
		key := fmt.Sprintf("%s/%d", ref.Subject, ref.Version)
		if seen[key] {
			continue
		}
		seen[key] = true
		ss, err := r.cl.SchemaByVersion(ctx, ref.Subject, ref.Version)
		if err != nil {
			return fmt.Errorf("reference %s: %w", ref.Name, err)
		}
		if err := r.collectRefs(ctx, ss.References, seen, out, depth+1); err != nil {
			return err
		}
		*out = append(*out, formats.SchemaRef{Name: ref.Name, Schema: ss.Schema.Schema})
	}
	return nil
}

func subject(topic string, isKey bool) string {
	if isKey {
		return topic + "-key"
	}
	return topic + "-value"
}

func registryError(err error) string {
	var re *sr.ResponseError
	if errors.As(err, &re) && re.Message != "" {
		return re.Message
	}
	return err.Error()
}

// bindSchemas sets the registry schema of each side of src whose format keeps its
// schema in the registry: the schema derived from the columns, registered under
// <topic>-key or <topic>-value. A sink (C*AS) always registers it, as ksqlDB does;
// a CREATE registers it only when the subject has no schema yet, and otherwise
// writes with the schema of the given id, the subject's version equal to the
// derived schema, or its latest version.
func (e *Engine) bindSchemas(src *catalog.Source, sink bool) error {
	for _, side := range []struct {
		isKey  bool
		format string
		cols   []types.Column
		opts   formats.Options
		id     int
		target **catalog.RegistrySchema
	}{
		{true, src.KeyFormat, src.KeyColumns(), plan.KeyOptions(src), src.KeySchemaID, &src.KeySchema},
		{false, src.ValueFormat, src.ValueColumns(), plan.ValueOptions(src), src.ValueSchemaID, &src.ValueSchema},
	} {
		if !formats.UsesRegistry(side.format) || len(side.cols) == 0 {
			continue
		}
		if e.registry == nil {
			return sqlerr.Newf(sqlerr.FeatureNotSupported, "format %s needs a Schema Registry: start sluice with one (--schema-registry-addr or --schema-registry)", side.format)
		}
		src.Schemas = e.registry
		subj := subject(src.Topic, side.isKey)
		derived := formats.DerivedSchema(side.format, side.cols, side.opts)
		ctx, cancel := e.registry.ctx()
		bound, err := e.registry.bind(ctx, subj, sr.Schema{Schema: derived, Type: srType(side.format)}, side.id, sink)
		cancel()
		if err != nil {
			return err
		}
		*side.target = bound
	}
	return nil
}

// srType is the registry's schema type of a format's schemas.
func srType(format string) sr.SchemaType {
	switch formats.RegistrySchemaType(format) {
	case "JSON":
		return sr.TypeJSON
	case "PROTOBUF":
		return sr.TypeProtobuf
	}
	return sr.TypeAvro
}

func (r *schemaRegistry) bind(ctx context.Context, subj string, schema sr.Schema, id int, sink bool) (*catalog.RegistrySchema, error) {
	if id > 0 {
		s, err := r.cl.SchemaByID(ctx, id)
		if err != nil {
			return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "Schema Registry has no schema with id %d: %s", id, registryError(err))
		}
		if s.Type != schema.Type {
			return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "Schema with id %d is a %s schema, not %s", id, s.Type, schema.Type)
		}
		return &catalog.RegistrySchema{ID: id, Schema: s.Schema}, nil
	}
	if !sink {
		if ss, err := r.cl.LookupSchema(ctx, subj, schema); err == nil {
			return &catalog.RegistrySchema{ID: ss.ID, Schema: ss.Schema.Schema}, nil
		}
		if latest, err := r.cl.SchemaByVersion(ctx, subj, -1); err == nil {
			// Records are written, and read by default, with the latest schema.
			return &catalog.RegistrySchema{ID: latest.ID, Schema: latest.Schema.Schema}, nil
		}
	}
	newID, err := r.cl.RegisterSchema(ctx, subj, schema, -1, -1)
	if err != nil {
		return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "Could not register schema for topic: %s", registryError(err))
	}
	return &catalog.RegistrySchema{ID: newID, Schema: schema.Schema}, nil
}

// InferColumns implements planner.Inferrer from the subject's latest schema (or
// the schema with the given id).
func (e *Engine) InferColumns(topic string, isKey bool, format string, schemaID int, fullName string, unwrapped bool, name string) ([]types.Column, error) {
	// ksqlDB infers a key as one column, whatever its schema: keys are unwrapped.
	unwrapped = unwrapped || isKey
	if e.registry == nil {
		return nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "format %s needs a Schema Registry to infer columns", format)
	}
	ctx, cancel := e.registry.ctx()
	defer cancel()
	var text string
	var id int
	subj := subject(topic, isKey)
	side := "values"
	if isKey {
		side = "keys"
	}
	if schemaID > 0 {
		s, err := e.registry.cl.SchemaByID(ctx, schemaID)
		if err != nil {
			return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "Schema for message %s on topic '%s' does not exist in the Schema Registry. Schema id: %d", side, topic, schemaID)
		}
		text, id = s.Schema, schemaID
	} else {
		ss, err := e.registry.cl.SchemaByVersion(ctx, subj, -1)
		if err != nil {
			return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "Schema for message %s on topic '%s' does not exist in the Schema Registry.Subject: %s", side, topic, subj)
		}
		text, id = ss.Schema.Schema, ss.ID
	}
	// Names are upper-cased as unquoted identifiers, but kept as the schema
	// spells them when a schema id is given, as ksqlDB does.
	var t *types.Type
	var err error
	switch formats.RegistrySchemaType(format) {
	case "JSON":
		t, err = formats.JSONSchemaType(text, schemaID == 0)
	case "PROTOBUF":
		// A Protobuf key or value is always a message: its fields are the columns.
		unwrapped = false
		var refs []formats.SchemaRef
		if _, refs, err = e.registry.SchemaByID(id); err == nil {
			t, err = formats.ProtobufSchemaType(text, fullName, schemaID == 0, refs...)
		}
	default:
		var node any
		if err := json.Unmarshal([]byte(text), &node); err != nil {
			return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "Schema of subject %s is not valid JSON: %v", subj, err)
		}
		t, err = avroToSQL(stripNull(node), map[string]any{}, schemaID == 0)
	}
	if err != nil {
		return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "Cannot infer columns from the schema of subject %s: %v", subj, err)
	}
	if unwrapped || t.Kind != types.KindStruct {
		// A single key or unwrapped value: one column of the schema's type.
		return []types.Column{{Name: name, Type: t}}, nil
	}
	return fieldColumns(t), nil
}

func fieldColumns(t *types.Type) []types.Column {
	cols := make([]types.Column, len(t.Fields))
	for i, f := range t.Fields {
		cols[i] = types.Column{Name: f.Name, Type: f.Type}
	}
	return cols
}

// stripNull turns a ["null", T] union into T.
func stripNull(n any) any {
	if u, ok := n.([]any); ok {
		var rest []any
		for _, b := range u {
			if s, ok := b.(string); ok && s == "null" {
				continue
			}
			if m, ok := b.(map[string]any); ok && m["type"] == "null" {
				continue
			}
			rest = append(rest, b)
		}
		if len(rest) == 1 {
			return rest[0]
		}
		return rest
	}
	return n
}

// avroToSQL maps an Avro schema (parsed JSON) to the SQL type ksqlDB gives it;
// named holds the record types defined so far, for references by name.
func avroToSQL(n any, named map[string]any, upper bool) (*types.Type, error) {
	switch v := n.(type) {
	case string:
		switch v {
		case "boolean":
			return types.BooleanType, nil
		case "int":
			return types.IntType, nil
		case "long":
			return types.BigIntType, nil
		case "float", "double":
			return types.DoubleType, nil
		case "string":
			return types.StringType, nil
		case "bytes":
			return types.BytesType, nil
		}
		if def, ok := named[v]; ok {
			return avroToSQL(def, named, upper)
		}
		return nil, fmt.Errorf("unsupported Avro type %q", v)
	case []any:
		return nil, errors.New("unions of several types are not supported")
	case map[string]any:
		typ, _ := v["type"].(string)
		if lt, _ := v["logicalType"].(string); lt != "" {
			switch lt {
			case "decimal":
				p, s := intProp(v["precision"], 64), intProp(v["scale"], 0)
				return types.NewDecimal(p, s), nil
			case "date":
				return types.DateType, nil
			case "time-millis":
				return types.TimeType, nil
			case "timestamp-millis":
				return types.TimestampType, nil
			}
		}
		switch typ {
		case "record":
			if name, _ := v["name"].(string); name != "" {
				named[name] = v
				if ns, _ := v["namespace"].(string); ns != "" {
					named[ns+"."+name] = v
				}
			}
			fields, _ := v["fields"].([]any)
			if isMapEntry(v, fields) {
				return nil, errors.New("a map entry outside an array")
			}
			var out []types.Field
			for _, f := range fields {
				fm, _ := f.(map[string]any)
				fname, _ := fm["name"].(string)
				ft, err := avroToSQL(stripNull(fm["type"]), named, upper)
				if err != nil {
					return nil, fmt.Errorf("field %s: %w", fname, err)
				}
				// ksqlDB names columns and fields in upper case, as unquoted identifiers.
				if upper {
					fname = strings.ToUpper(fname)
				}
				out = append(out, types.Field{Name: fname, Type: ft})
			}
			return types.NewStruct(out...), nil
		case "array":
			items := stripNull(v["items"])
			if rec, ok := items.(map[string]any); ok && rec["type"] == "record" {
				if fields, _ := rec["fields"].([]any); isMapEntry(rec, fields) {
					k, err := avroToSQL(stripNull(fields[0].(map[string]any)["type"]), named, upper)
					if err != nil {
						return nil, err
					}
					val, err := avroToSQL(stripNull(fields[1].(map[string]any)["type"]), named, upper)
					if err != nil {
						return nil, err
					}
					return types.NewMap(k, val), nil
				}
			}
			elem, err := avroToSQL(items, named, upper)
			if err != nil {
				return nil, err
			}
			return types.NewArray(elem), nil
		case "map":
			val, err := avroToSQL(stripNull(v["values"]), named, upper)
			if err != nil {
				return nil, err
			}
			return types.NewMap(types.StringType, val), nil
		case "enum":
			return types.StringType, nil
		case "fixed":
			return types.BytesType, nil
		}
		return avroToSQL(stripNull(v["type"]), named, upper)
	}
	return nil, fmt.Errorf("unsupported Avro schema %v", n)
}

// isMapEntry reports a record Kafka Connect writes for each entry of a map whose
// keys are not plain strings: fields key and value, marked MapEntry.
func isMapEntry(rec map[string]any, fields []any) bool {
	if len(fields) != 2 {
		return false
	}
	k, _ := fields[0].(map[string]any)
	v, _ := fields[1].(map[string]any)
	if k == nil || v == nil || k["name"] != "key" || v["name"] != "value" {
		return false
	}
	return rec["connect.internal.type"] == "MapEntry" || strings.HasSuffix(fmt.Sprint(rec["name"]), "MapEntry")
}

func intProp(v any, def int) int {
	if f, ok := v.(float64); ok {
		return int(f)
	}
	return def
}
