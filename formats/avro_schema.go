package formats

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/sluice-db/sluice/types"
)

// AvroNamespace and AvroRecordName name the record ksqlDB derives for a value
// schema: io.confluent.ksql.avro_schemas.KsqlDataSourceSchema.
const (
	AvroNamespace  = "io.confluent.ksql.avro_schemas"
	AvroRecordName = "KsqlDataSourceSchema"
)

// DefaultAvroFullName is the full name of a derived record schema when the source
// gives none (VALUE_SCHEMA_FULL_NAME / KEY_SCHEMA_FULL_NAME).
const DefaultAvroFullName = AvroNamespace + "." + AvroRecordName

// AvroSchemaFor derives the Avro schema ksqlDB registers for columns written with
// opts: a record named fullName (DefaultAvroFullName when empty) with one nullable
// field per column, defaulting to null, or for a single unwrapped key or value the
// bare type. Nested records are named after their parent and field
// (KsqlDataSourceSchema_ADDRESS), MAPs are arrays of key/value records as Kafka
// Connect writes maps with nullable keys, and DECIMAL, DATE, TIME and TIMESTAMP use
// Avro's logical types with Connect's parameters. The text is compact JSON with
// the attributes in ksqlDB's order.
func AvroSchemaFor(cols []types.Column, opts Options, fullName string) string {
	if fullName == "" {
		fullName = DefaultAvroFullName
	}
	ns, name := splitFullName(fullName)
	var b strings.Builder
	if !wrapped(cols, opts) && len(cols) == 1 {
		t := cols[0].Type
		if opts.IsKey {
			writeAvroType(&b, t, ns, name, true)
		} else {
			writeAvroNullable(&b, t, ns, name, true)
		}
		return b.String()
	}
	writeAvroRecord(&b, ns, name, func(add func(string, *types.Type)) {
		for _, c := range cols {
			add(c.Name, c.Type)
		}
	}, true)
	return b.String()
}

func splitFullName(full string) (ns, name string) {
	if i := strings.LastIndexByte(full, '.'); i >= 0 {
		return full[:i], full[i+1:]
	}
	return "", full
}

func quoteJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// writeAvroRecord writes a record; fields calls add once per field.
func writeAvroRecord(b *strings.Builder, ns, name string, fields func(add func(string, *types.Type)), top bool) {
	b.WriteString(`{"type":"record","name":`)
	b.WriteString(quoteJSON(name))
	if top && ns != "" {
		b.WriteString(`,"namespace":`)
		b.WriteString(quoteJSON(ns))
	}
	b.WriteString(`,"fields":[`)
	n := 0
	fields(func(fname string, t *types.Type) {
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		b.WriteString(`{"name":`)
		b.WriteString(quoteJSON(fname))
		b.WriteString(`,"type":`)
		writeAvroNullable(b, t, ns, name+"_"+fname, false)
		b.WriteString(`,"default":null}`)
	})
	b.WriteString(`],"connect.name":`)
	full := name
	if ns != "" {
		full = ns + "." + name
	}
	b.WriteString(quoteJSON(full))
	b.WriteByte('}')
}

// writeAvroNullable writes ["null", T].
func writeAvroNullable(b *strings.Builder, t *types.Type, ns, name string, top bool) {
	b.WriteString(`["null",`)
	writeAvroType(b, t, ns, name, top)
	b.WriteByte(']')
}

// writeAvroType writes the schema of t; name names the records t needs.
func writeAvroType(b *strings.Builder, t *types.Type, ns, name string, top bool) {
	switch t.Kind {
	case types.KindBoolean:
		b.WriteString(`"boolean"`)
	case types.KindInt:
		b.WriteString(`"int"`)
	case types.KindBigInt:
		b.WriteString(`"long"`)
	case types.KindDouble:
		b.WriteString(`"double"`)
	case types.KindString:
		b.WriteString(`"string"`)
	case types.KindBytes:
		b.WriteString(`"bytes"`)
	case types.KindDecimal:
		p, s := strconv.Itoa(t.Precision), strconv.Itoa(t.Scale)
		b.WriteString(`{"type":"bytes","scale":` + s + `,"precision":` + p +
			`,"connect.version":1,"connect.parameters":{"scale":"` + s + `","connect.decimal.precision":"` + p +
			`"},"connect.name":"org.apache.kafka.connect.data.Decimal","logicalType":"decimal"}`)
	case types.KindDate:
		b.WriteString(`{"type":"int","connect.version":1,"connect.name":"org.apache.kafka.connect.data.Date","logicalType":"date"}`)
	case types.KindTime:
		b.WriteString(`{"type":"int","connect.version":1,"connect.name":"org.apache.kafka.connect.data.Time","logicalType":"time-millis"}`)
	case types.KindTimestamp:
		b.WriteString(`{"type":"long","connect.version":1,"connect.name":"org.apache.kafka.connect.data.Timestamp","logicalType":"timestamp-millis"}`)
	case types.KindArray:
		b.WriteString(`{"type":"array","items":`)
		writeAvroNullable(b, t.Elem, ns, name, false)
		b.WriteByte('}')
	case types.KindMap:
		b.WriteString(`{"type":"array","items":`)
		entry := name
		b.WriteString(`{"type":"record","name":` + quoteJSON(entry))
		if top && ns != "" {
			b.WriteString(`,"namespace":` + quoteJSON(ns))
		}
		b.WriteString(`,"fields":[{"name":"key","type":`)
		writeAvroNullable(b, t.Key, ns, entry+"_key", false)
		b.WriteString(`,"default":null},{"name":"value","type":`)
		writeAvroNullable(b, t.Elem, ns, entry+"_value", false)
		b.WriteString(`,"default":null}],"connect.internal.type":"MapEntry"}}`)
	case types.KindStruct:
		writeAvroRecord(b, ns, name, func(add func(string, *types.Type)) {
			for _, f := range t.Fields {
				add(f.Name, f.Type)
			}
		}, top)
	default:
		b.WriteString(`"null"`)
	}
}
