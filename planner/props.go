package planner

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/sluice-db/sluice/catalog"
	"github.com/sluice-db/sluice/formats"
	"github.com/sluice-db/sluice/parser"
	"github.com/sluice-db/sluice/sqlerr"
)

// withProps is a validated WITH (...) clause.
type withProps struct {
	byKey map[string]parser.Property
}

var knownProps = map[string]bool{
	"KAFKA_TOPIC": true, "FORMAT": true, "KEY_FORMAT": true, "VALUE_FORMAT": true,
	"PARTITIONS": true, "REPLICAS": true, "RETENTION_MS": true,
	"TIMESTAMP": true, "TIMESTAMP_FORMAT": true, "VALUE_DELIMITER": true, "KEY_DELIMITER": true,
	"WRAP_SINGLE_VALUE": true, "WINDOW_TYPE": true, "WINDOW_SIZE": true, "QUERY_ID": true,
	"KEY_SCHEMA_ID": true, "VALUE_SCHEMA_ID": true, "KEY_SCHEMA_FULL_NAME": true, "VALUE_SCHEMA_FULL_NAME": true,
	"VALUE_AVRO_SCHEMA_FULL_NAME":          true,
	"KEY_PROTOBUF_NULLABLE_REPRESENTATION": true, "VALUE_PROTOBUF_NULLABLE_REPRESENTATION": true,
}

func newWithProps(props []parser.Property) (*withProps, error) {
	w := &withProps{byKey: map[string]parser.Property{}}
	var unknown []string
	for _, p := range props {
		if !knownProps[p.Key] {
			unknown = append(unknown, p.Key)
			continue
		}
		w.byKey[p.Key] = p
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "Invalid config variable(s) in the WITH clause: %s", strings.Join(unknown, ","))
	}
	if _, ok := w.byKey["FORMAT"]; ok {
		for _, k := range []string{"KEY_FORMAT", "VALUE_FORMAT"} {
			if _, dup := w.byKey[k]; dup {
				return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "Cannot supply both '%s' and 'FORMAT' properties, as 'FORMAT' sets both key and value formats. Either use just 'FORMAT', or use 'KEY_FORMAT' and 'VALUE_FORMAT'.", k)
			}
		}
	}
	return w, nil
}

func (w *withProps) has(key string) bool { _, ok := w.byKey[key]; return ok }

func (w *withProps) pos(key string) int {
	if p, ok := w.byKey[key]; ok {
		return p.Pos
	}
	return -1
}

// str returns a property as text; numbers and booleans are rendered.
func (w *withProps) str(key string) (string, bool) {
	p, ok := w.byKey[key]
	if !ok {
		return "", false
	}
	switch v := p.Value.(type) {
	case string:
		return v, true
	default:
		return fmt.Sprint(v), true
	}
}

func (w *withProps) int(key string) (int, bool, error) {
	p, ok := w.byKey[key]
	if !ok {
		return 0, false, nil
	}
	var n int64
	switch v := p.Value.(type) {
	case int64:
		n = v
	case int32:
		n = int64(v)
	case int:
		n = int64(v)
	case string:
		parsed, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			return 0, true, sqlerr.Newf(sqlerr.InvalidParameterValue, "invalid %s: %q is not a number", key, v).WithPosition(p.Pos)
		}
		n = parsed
	default:
		return 0, true, sqlerr.Newf(sqlerr.InvalidParameterValue, "invalid %s: %v is not a whole number", key, p.Value).WithPosition(p.Pos)
	}
	if n <= 0 {
		return 0, true, sqlerr.Newf(sqlerr.InvalidParameterValue, "invalid %s: %d must be positive", key, n).WithPosition(p.Pos)
	}
	return int(n), true, nil
}

// intAtMost is int with an upper bound.
func (w *withProps) intAtMost(key string, limit int) (int, bool, error) {
	n, ok, err := w.int(key)
	if err == nil && n > limit {
		err = sqlerr.Newf(sqlerr.InvalidParameterValue, "invalid %s: %d is more than the limit of %d", key, n, limit).WithPosition(w.pos(key))
	}
	return n, ok, err
}

func (w *withProps) bool(key string) (*bool, error) {
	p, ok := w.byKey[key]
	if !ok {
		return nil, nil
	}
	var b bool
	switch v := p.Value.(type) {
	case bool:
		b = v
	case string:
		switch strings.ToLower(v) {
		case "true":
			b = true
		case "false":
		default:
			return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "invalid %s: %q is not a boolean", key, v).WithPosition(p.Pos)
		}
	default:
		return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "invalid %s: %v is not a boolean", key, v).WithPosition(p.Pos)
	}
	return &b, nil
}

// format returns the canonical name of the format property, checking it is one
// Sluice supports.
func (w *withProps) format(key string) (string, bool, error) {
	v, ok := w.str(key)
	if !ok {
		return "", false, nil
	}
	f, err := checkFormat(v)
	if err != nil {
		return "", true, sqlerr.As(err).WithPosition(w.pos(key))
	}
	return f, true, nil
}

func checkFormat(name string) (string, error) {
	f, ok := formats.ValidFormat(name)
	if ok {
		return f, nil
	}
	return "", sqlerr.Newf(sqlerr.InvalidParameterValue, "Unknown format: %s", name)
}

// checkProtobufNullable applies KEY_/VALUE_PROTOBUF_NULLABLE_REPRESENTATION
// (OPTIONAL or WRAPPER), which only the PROTOBUF formats take. Like ksqlDB, a
// C*AS does not inherit it from its source: it says how the sink is written.
func checkProtobufNullable(src *catalog.Source, w *withProps) error {
	for _, c := range []struct {
		prop, format string
		dst          *string
	}{
		{"KEY_PROTOBUF_NULLABLE_REPRESENTATION", src.KeyFormat, &src.KeyProtobufNullable},
		{"VALUE_PROTOBUF_NULLABLE_REPRESENTATION", src.ValueFormat, &src.ValueProtobufNullable},
	} {
		if !w.has(c.prop) {
			continue
		}
		v, _ := w.str(c.prop)
		rep, ok := formats.ProtobufNullableRepresentation(v)
		if !ok {
			return sqlerr.Newf(sqlerr.InvalidParameterValue, "Invalid value %s for configuration %s: String must be one of: OPTIONAL, WRAPPER", v, c.prop).WithPosition(w.pos(c.prop))
		}
		if !formats.IsProtobuf(c.format) {
			return sqlerr.Newf(sqlerr.InvalidParameterValue, "%s does not support the following configs: [nullableRepresentation]", c.format).WithPosition(w.pos(c.prop))
		}
		*c.dst = rep
	}
	return nil
}

// resolveSchemaProps applies KEY_/VALUE_SCHEMA_FULL_NAME and KEY_/VALUE_SCHEMA_ID,
// which only formats with a Schema Registry (AVRO) take.
func checkSchemaFullNames(src *catalog.Source, w *withProps) error {
	for _, c := range []struct {
		props    []string
		idProp   string
		format   string
		side     string
		fullName *string
		id       *int
	}{
		{[]string{"KEY_SCHEMA_FULL_NAME"}, "KEY_SCHEMA_ID", src.KeyFormat, "KEY_FORMAT", &src.KeySchemaFullName, &src.KeySchemaID},
		{[]string{"VALUE_SCHEMA_FULL_NAME", "VALUE_AVRO_SCHEMA_FULL_NAME"}, "VALUE_SCHEMA_ID", src.ValueFormat, "VALUE_FORMAT", &src.ValueSchemaFullName, &src.ValueSchemaID},
	} {
		for _, p := range c.props {
			if !w.has(p) {
				continue
			}
			if !formats.NamesSchemas(c.format) {
				return sqlerr.Newf(sqlerr.InvalidParameterValue, "%s does not support the following configs: [fullSchemaName]", c.format).WithPosition(w.pos(p))
			}
			name, _ := w.str(p)
			if strings.TrimSpace(name) == "" {
				return sqlerr.Newf(sqlerr.InvalidParameterValue, "fullSchemaName cannot be empty. Format configuration: {fullSchemaName=%s}", name).WithPosition(w.pos(p))
			}
			*c.fullName = name
		}
		if w.has(c.idProp) {
			if !formats.UsesRegistry(c.format) {
				return sqlerr.Newf(sqlerr.InvalidParameterValue, "%s should support schema inference when %s is provided. Current format is %s.", c.side, c.idProp, c.format).WithPosition(w.pos(c.idProp))
			}
			n, _, err := w.int(c.idProp)
			if err != nil {
				return err
			}
			*c.id = n
		}
	}
	return nil
}
