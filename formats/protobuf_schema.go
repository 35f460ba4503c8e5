package formats

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/sluice-db/sluice/internal/protoschema"
	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// ProtobufMessageName is the message ksqlDB derives for a key or value, and the
// prefix of the names of its nested messages (ConnectDefault2, 3, ...), as
// Confluent's ProtobufData names schemas that have none.
const ProtobufMessageName = "ConnectDefault"

// ProtobufSchemaFor derives the proto3 schema ksqlDB registers for columns in the
// PROTOBUF format (and writes bare in PROTOBUF_NOSR): one message with a field per
// column numbered from 1 in column order, named fullName (its package the part
// before the last dot) or else ConnectDefault1. PROTOBUF always wraps, keys and
// single values alike. STRUCTs are nested messages named ConnectDefaultN in the
// order they are met (depth first), defined inside the message that uses them
// after its fields; ARRAYs are repeated fields and MAPs map fields. INT is int32,
// BIGINT int64, DOUBLE double, BOOLEAN bool, STRING string, BYTES bytes,
// TIMESTAMP google.protobuf.Timestamp, DATE google.type.Date, TIME
// google.type.TimeOfDay and DECIMAL confluent.type.Decimal with its precision and
// scale in Confluent's field_meta option. The text is laid out as Confluent
// prints a schema, imports sorted.
//
// nullable is the NULLABLE_REPRESENTATION: with ProtobufOptional every scalar
// field (at any depth) is proto3 `optional`, so an absent field reads as NULL
// rather than as its zero value; with ProtobufWrapper it is the
// google.protobuf wrapper message of its type (Int32Value, Int64Value,
// DoubleValue, BoolValue, StringValue, BytesValue), which is absent for NULL.
// Message fields have presence already, and repeated and map fields cannot be
// optional, so both leave them as they are.
//
// Arrays or maps of arrays or maps have no proto3 form: checkProtobuf reports them.
func ProtobufSchemaFor(cols []types.Column, fullName, nullable string) string {
	var body strings.Builder
	d := &protoDeriver{next: 1, imports: map[string]bool{}, nullable: nullable}
	pkg, name := "", ""
	if fullName != "" {
		pkg, name = splitFullName(fullName)
	}
	imports := d.imports
	d.message(&body, "", name, len(cols), func(i int) (string, *types.Type) { return cols[i].Name, cols[i].Type })
	var b strings.Builder
	b.WriteString("syntax = \"proto3\";\n")
	if pkg != "" {
		b.WriteString("package " + pkg + ";\n")
	}
	b.WriteString("\n")
	if len(imports) > 0 {
		for _, imp := range sortedStrings(imports) {
			b.WriteString("import \"" + imp + "\";\n")
		}
		b.WriteString("\n")
	}
	b.WriteString(body.String())
	return b.String()
}

func sortedStrings(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// The values of KEY_/VALUE_PROTOBUF_NULLABLE_REPRESENTATION.
const (
	ProtobufOptional = "OPTIONAL"
	ProtobufWrapper  = "WRAPPER"
)

// ProtobufNullableRepresentation validates a NULLABLE_REPRESENTATION value (any
// case) and returns its canonical form.
func ProtobufNullableRepresentation(v string) (string, bool) {
	switch u := strings.ToUpper(strings.TrimSpace(v)); u {
	case ProtobufOptional, ProtobufWrapper:
		return u, true
	}
	return "", false
}

// IsProtobuf reports whether format is PROTOBUF or PROTOBUF_NOSR.
func IsProtobuf(format string) bool {
	return strings.EqualFold(format, Protobuf) || strings.EqualFold(format, ProtobufNoSR)
}

// protoDeriver carries one schema derivation: the number of the next
// ConnectDefaultN message, the imports met so far, and the nullable
// representation.
type protoDeriver struct {
	next     int
	imports  map[string]bool
	nullable string
}

// protoWrapper names the google.protobuf wrapper message of a scalar type; ok
// is false for the other types.
func protoWrapper(k types.Kind) (name string, ok bool) {
	switch k {
	case types.KindBoolean:
		return "google.protobuf.BoolValue", true
	case types.KindInt:
		return "google.protobuf.Int32Value", true
	case types.KindBigInt:
		return "google.protobuf.Int64Value", true
	case types.KindDouble:
		return "google.protobuf.DoubleValue", true
	case types.KindString:
		return "google.protobuf.StringValue", true
	case types.KindBytes:
		return "google.protobuf.BytesValue", true
	}
	return "", false
}

// isProtoWrapper reports whether a message is one of the google.protobuf
// wrappers (a message whose one field "value" holds a scalar).
func isProtoWrapper(name protoreflect.FullName) bool {
	switch name {
	case "google.protobuf.BoolValue", "google.protobuf.Int32Value", "google.protobuf.Int64Value",
		"google.protobuf.UInt32Value", "google.protobuf.UInt64Value", "google.protobuf.FloatValue",
		"google.protobuf.DoubleValue", "google.protobuf.StringValue", "google.protobuf.BytesValue":
		return true
	}
	return false
}

// message writes a message named name, or ConnectDefaultN when "".
func (d *protoDeriver) message(b *strings.Builder, indent, name string, nfields int, field func(int) (string, *types.Type)) {
	if name == "" {
		name = ProtobufMessageName + strconv.Itoa(d.next)
		d.next++
	}
	b.WriteString(indent + "message " + name + " {\n")
	var nested strings.Builder
	for i := range nfields {
		fname, t := field(i)
		b.WriteString(indent + "  ")
		switch t.Kind {
		case types.KindArray:
			b.WriteString("repeated " + d.fieldType(&nested, indent+"  ", t.Elem))
		case types.KindMap:
			if t.Elem.Kind == types.KindArray || t.Elem.Kind == types.KindMap {
				// No proto3 map holds a repeated value: a repeated entry message.
				entry := ProtobufMessageName + strconv.Itoa(d.next) + "Entry"
				d.next++
				b.WriteString("repeated " + entry)
				nested.WriteString("\n")
				d.message(&nested, indent+"  ", entry, 2, func(i int) (string, *types.Type) {
					if i == 0 {
						return "key", t.Key
					}
					return "value", t.Elem
				})
				break
			}
			k := d.fieldType(&nested, indent+"  ", t.Key)
			b.WriteString("map<" + k + ", " + d.fieldType(&nested, indent+"  ", t.Elem) + ">")
		default:
			if w, ok := protoWrapper(t.Kind); ok && d.nullable == ProtobufWrapper {
				d.imports["google/protobuf/wrappers.proto"] = true
				b.WriteString(w)
				break
			}
			if _, scalar := protoWrapper(t.Kind); scalar && d.nullable == ProtobufOptional {
				b.WriteString("optional ")
			}
			b.WriteString(d.fieldType(&nested, indent+"  ", t))
		}
		b.WriteString(" " + fname + " = " + strconv.Itoa(i+1))
		if t.Kind == types.KindDecimal {
			d.imports[confluentMetaProto] = true
			b.WriteString(` [(confluent.field_meta) = {params: [{key: "precision", value: "` + strconv.Itoa(t.Precision) +
				`"}, {key: "scale", value: "` + strconv.Itoa(t.Scale) + `"}]}]`)
		}
		b.WriteString(";\n")
	}
	if nested.Len() > 0 {
		b.WriteString(nested.String())
	}
	b.WriteString(indent + "}\n")
}

// fieldType names t's proto type, writing the definition of a nested message
// it needs to nested and noting the imports it needs.
func (d *protoDeriver) fieldType(nested *strings.Builder, indent string, t *types.Type) string {
	switch t.Kind {
	case types.KindBoolean:
		return "bool"
	case types.KindInt:
		return "int32"
	case types.KindBigInt:
		return "int64"
	case types.KindDouble:
		return "double"
	case types.KindString:
		return "string"
	case types.KindBytes:
		return "bytes"
	case types.KindTimestamp:
		d.imports["google/protobuf/timestamp.proto"] = true
		return "google.protobuf.Timestamp"
	case types.KindDate:
		d.imports[googleDateProto] = true
		return "google.type.Date"
	case types.KindTime:
		d.imports[googleTimeOfDayProto] = true
		return "google.type.TimeOfDay"
	case types.KindDecimal:
		d.imports[confluentDecimalProto] = true
		return "confluent.type.Decimal"
	case types.KindStruct:
		name := ProtobufMessageName + strconv.Itoa(d.next)
		nested.WriteString("\n")
		d.message(nested, indent, "", len(t.Fields), func(i int) (string, *types.Type) { return t.Fields[i].Name, t.Fields[i].Type })
		return name
	}
	return "bytes"
}

// The imports derived schemas use beyond protobuf's own (bundled in package
// protoschema).
const (
	googleDateProto       = protoschema.GoogleDate
	googleTimeOfDayProto  = protoschema.GoogleTimeOfDay
	confluentDecimalProto = protoschema.ConfluentDecimal
	confluentMetaProto    = protoschema.ConfluentMeta
)

// checkProtobuf reports the column types the PROTOBUF formats do not carry yet.
func checkProtobuf(format string, cols []types.Column) error {
	for _, c := range cols {
		if err := protoSupports(c.Type, ""); err != nil {
			return sqlerr.Newf(sqlerr.FeatureNotSupported, "The '%s' format does not support %s, column: %s", format, err.Error(), types.QuoteIdent(c.Name))
		}
	}
	return nil
}

// protoSupports checks t has a proto3 form; in is the collection t is an element
// of ("ARRAY", "MAP" for a map's value, "" for a field). A repeated field cannot
// hold another repeated field, so ARRAY elements may not be ARRAYs (Confluent's
// converter, and so ksqlDB, refuse them: "Array cannot be nested") nor MAPs (a
// repeated map entry is the map itself). A MAP's values may be ARRAYs or MAPs:
// the map is then written as Confluent's converter writes it, a repeated entry
// message whose value field is repeated (see protoDeriver.message).
func protoSupports(t *types.Type, in string) error {
	switch t.Kind {
	case types.KindBoolean, types.KindInt, types.KindBigInt, types.KindDouble, types.KindString, types.KindBytes,
		types.KindTimestamp, types.KindDate, types.KindTime, types.KindDecimal:
		return nil
	case types.KindStruct:
		for _, f := range t.Fields {
			if err := protoSupports(f.Type, ""); err != nil {
				return err
			}
		}
		return nil
	case types.KindArray, types.KindMap:
		if in == "ARRAY" {
			return fmt.Errorf("ARRAY elements of type '%s': Array cannot be nested", baseTypeName(t))
		}
		if t.Kind == types.KindMap {
			switch t.Key.Kind {
			case types.KindString, types.KindInt, types.KindBigInt, types.KindBoolean:
			default:
				return fmt.Errorf("MAP keys of type '%s'", baseTypeName(t.Key))
			}
			return protoSupports(t.Elem, "MAP")
		}
		return protoSupports(t.Elem, "ARRAY")
	}
	return fmt.Errorf("type '%s'", baseTypeName(t))
}

// protoEntryList reports whether f is a map written as a repeated entry message
// (fields key = 1 and value = 2, its name ending in Entry), as Confluent's
// converter writes a map whose values are arrays or maps.
func protoEntryList(f protoreflect.FieldDescriptor) bool {
	if !f.IsList() || f.Kind() != protoreflect.MessageKind {
		return false
	}
	m := f.Message()
	fs := m.Fields()
	return strings.HasSuffix(string(m.Name()), "Entry") && fs.Len() == 2 &&
		fs.Get(0).Name() == "key" && fs.Get(0).Number() == 1 && fs.Get(1).Name() == "value" && fs.Get(1).Number() == 2
}

// compileProto parses a proto schema text into its file descriptor, with the
// references by the names they are imported as.
func compileProto(text string, refs ...SchemaRef) (protoreflect.FileDescriptor, error) {
	imports := make(map[string]string, len(refs))
	for _, r := range refs {
		imports[r.Name] = r.Schema
	}
	return protoschema.Compile(text, imports)
}

// ProtobufSchemaType maps the first message of a proto schema (or the message
// named fullName) to the STRUCT ksqlDB infers for it: scalar fields to INT
// (32-bit integers), BIGINT (64-bit ones and uint32), DOUBLE (float and double),
// BOOLEAN, STRING (and enums), BYTES; messages to STRUCTs, repeated fields to
// ARRAYs and map fields to MAPs. upper upper-cases field names, as ksqlDB names
// inferred columns. refs are the schemas text imports.
func ProtobufSchemaType(text, fullName string, upper bool, refs ...SchemaRef) (*types.Type, error) {
	fd, err := compileProto(text, refs...)
	if err != nil {
		return nil, err
	}
	md, err := protoMessage(fd, fullName)
	if err != nil {
		return nil, err
	}
	return protoMessageType(md, upper, 0)
}

func protoMessage(fd protoreflect.FileDescriptor, fullName string) (protoreflect.MessageDescriptor, error) {
	if fd.Messages().Len() == 0 {
		return nil, fmt.Errorf("schema %s defines no message", fd.Path())
	}
	if fullName == "" {
		return fd.Messages().Get(0), nil
	}
	if d := findProtoMessage(fd.Messages(), fullName); d != nil {
		return d, nil
	}
	return nil, fmt.Errorf("schema defines no message %s", fullName)
}

// findProtoMessage finds a message by full name, or by name alone when the
// schema has a package the name leaves out.
func findProtoMessage(msgs protoreflect.MessageDescriptors, name string) protoreflect.MessageDescriptor {
	for i := range msgs.Len() {
		m := msgs.Get(i)
		if string(m.FullName()) == name || string(m.Name()) == name {
			return m
		}
		if d := findProtoMessage(m.Messages(), name); d != nil {
			return d
		}
	}
	return nil
}

func protoMessageType(md protoreflect.MessageDescriptor, upper bool, depth int) (*types.Type, error) {
	if depth > 32 {
		return nil, fmt.Errorf("message %s nests too deep (recursive?)", md.FullName())
	}
	fields := md.Fields()
	out := make([]types.Field, 0, fields.Len())
	for i := range fields.Len() {
		f := fields.Get(i)
		t, err := protoFieldSQLType(f, upper, depth)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", f.Name(), err)
		}
		name := string(f.Name())
		if upper {
			name = strings.ToUpper(name)
		}
		out = append(out, types.Field{Name: name, Type: t})
	}
	return types.NewStruct(out...), nil
}

func protoFieldSQLType(f protoreflect.FieldDescriptor, upper bool, depth int) (*types.Type, error) {
	if protoEntryList(f) {
		fs := f.Message().Fields()
		k, err := protoScalarSQLType(fs.Get(0), upper, depth)
		if err != nil {
			return nil, err
		}
		v, err := protoFieldSQLType(fs.Get(1), upper, depth+1)
		if err != nil {
			return nil, err
		}
		return types.NewMap(k, v), nil
	}
	if f.IsMap() {
		k, err := protoScalarSQLType(f.MapKey(), upper, depth)
		if err != nil {
			return nil, err
		}
		v, err := protoScalarSQLType(f.MapValue(), upper, depth)
		if err != nil {
			return nil, err
		}
		return types.NewMap(k, v), nil
	}
	t, err := protoScalarSQLType(f, upper, depth)
	if err != nil {
		return nil, err
	}
	if f.IsList() {
		return types.NewArray(t), nil
	}
	return t, nil
}

func protoScalarSQLType(f protoreflect.FieldDescriptor, upper bool, depth int) (*types.Type, error) {
	switch f.Kind() {
	case protoreflect.BoolKind:
		return types.BooleanType, nil
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return types.IntType, nil
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind,
		protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return types.BigIntType, nil
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		return types.DoubleType, nil
	case protoreflect.StringKind, protoreflect.EnumKind:
		return types.StringType, nil
	case protoreflect.BytesKind:
		return types.BytesType, nil
	case protoreflect.MessageKind, protoreflect.GroupKind:
		switch f.Message().FullName() {
		case "google.protobuf.Timestamp":
			return types.TimestampType, nil
		case "google.type.Date":
			return types.DateType, nil
		case "google.type.TimeOfDay":
			return types.TimeType, nil
		case "confluent.type.Decimal":
			p, s := decimalParams(f)
			return types.NewDecimal(p, s), nil
		}

		return protoMessageType(f.Message(), upper, depth+1)
	}
	return nil, fmt.Errorf("unsupported kind %s", f.Kind())
}

// decimalParams reads the precision and scale ksqlDB records in a
// confluent.type.Decimal field's Confluent field_meta option (field 1088 of the
// options, a Meta whose params map is field 2); 64 and 0 when they are absent.
func decimalParams(f protoreflect.FieldDescriptor) (precision, scale int) {
	precision, scale = 64, 0
	opts := f.Options()
	if opts == nil {
		return
	}
	raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(opts)
	if err != nil {
		return
	}
	for _, meta := range protoBytesFields(raw, 1088) {
		for _, entry := range protoBytesFields(meta, 2) {
			var k, v string
			if ks := protoBytesFields(entry, 1); len(ks) > 0 {
				k = string(ks[0])
			}
			if vs := protoBytesFields(entry, 2); len(vs) > 0 {
				v = string(vs[0])
			}
			n, err := strconv.Atoi(v)
			if err != nil {
				continue
			}
			switch k {
			case "precision":
				precision = n
			case "scale":
				scale = n
			}
		}
	}
	return
}

// protoBytesFields returns the values of the length-delimited fields numbered num
// in a serialized message.
func protoBytesFields(b []byte, num protowire.Number) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		n, typ, l := protowire.ConsumeTag(b)
		if l < 0 {
			return out
		}
		b = b[l:]
		if typ == protowire.BytesType && n == num {
			v, l := protowire.ConsumeBytes(b)
			if l < 0 {
				return out
			}
			out = append(out, v)
			b = b[l:]
			continue
		}
		l = protowire.ConsumeFieldValue(n, typ, b)
		if l < 0 {
			return out
		}
		b = b[l:]
	}
	return out
}
