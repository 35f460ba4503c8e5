package main

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// This file is the runner's PROTOBUF and PROTOBUF_NOSR test serde, as ksqlDB's
// ValueSpecProtobufSerdeSupplier: a PROTOBUF input record's JSON is written as the
// first message of the subject's latest schema (the one the case declared, or the
// one the CREATE registered), after Confluent's header and the message indexes
// [0]; a sink record is read with the schema and message its header names. For
// PROTOBUF_NOSR the schema is the one ksqlDB derives from the source's columns,
// written here from the column types the catalog prints. Fields are matched to
// JSON members by name (exactly, else ignoring case).

func compileProtoText(text string, refs map[string]string) (protoreflect.FileDescriptor, error) {
	files := map[string]string{"test.proto": text}
	for k, v := range wellKnownProtos {
		files[k] = v
	}
	for k, v := range refs {
		files[k] = v
	}
	c := protocompile.Compiler{Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
		Accessor: protocompile.SourceAccessorFromMap(files),
	})}
	compiled, err := c.Compile(context.Background(), "test.proto")
	if err != nil {
		return nil, fmt.Errorf("protobuf schema: %w", err)
	}
	return compiled[0], nil
}

func firstMessage(fd protoreflect.FileDescriptor) (protoreflect.MessageDescriptor, error) {
	if fd.Messages().Len() == 0 {
		return nil, fmt.Errorf("protobuf schema without a message")
	}
	return fd.Messages().Get(0), nil
}

// encodeProtobuf writes raw with the subject's latest schema in Confluent's framing.
func encodeProtobuf(c *srClient, subject string, raw json.RawMessage) ([]byte, error) {
	if c == nil {
		return nil, fmt.Errorf("no schema registry")
	}
	ctx, cancel := c.ctx()
	defer cancel()
	ss, err := c.cl.SchemaByVersion(ctx, subject, -1)
	if err != nil {
		return nil, fmt.Errorf("subject %s: %w", subject, err)
	}
	refs := map[string]string{}
	if err := c.protoRefs(ctx, ss.Schema.References, refs, 0); err != nil {
		return nil, err
	}
	fd, err := compileProtoText(ss.Schema.Schema, refs)
	if err != nil {
		return nil, err
	}
	md, index, err := messageFor(fd, raw)
	if err != nil {
		return nil, err
	}
	body, err := jsonToProto(md, raw)
	if err != nil {
		return nil, err
	}
	b := []byte{0}
	b = binary.BigEndian.AppendUint32(b, uint32(ss.ID))
	if index == 0 {
		b = append(b, 0) // message indexes [0]
	} else {
		b = protowire.AppendVarint(b, protowire.EncodeZigZag(1))
		b = protowire.AppendVarint(b, protowire.EncodeZigZag(int64(index)))
	}
	return append(b, body...), nil
}

// messageFor picks the top-level message a record is written as: the first whose
// fields name every member of the record (a schema may define several, and the
// source picks one with KEY_/VALUE_SCHEMA_FULL_NAME), else the first.
func messageFor(fd protoreflect.FileDescriptor, raw json.RawMessage) (protoreflect.MessageDescriptor, int, error) {
	first, err := firstMessage(fd)
	if err != nil {
		return nil, 0, err
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil || len(obj) == 0 {
		return first, 0, nil
	}
	msgs := fd.Messages()
	for i := range msgs.Len() {
		all := true
		for k := range obj {
			if fieldNamed(msgs.Get(i), k) == nil {
				all = false
				break
			}
		}
		if all {
			return msgs.Get(i), i, nil
		}
	}
	return first, 0, nil
}

// encodeProtobufNoSR writes raw as the message ksqlDB derives for cols.
func encodeProtobufNoSR(cols []Column, raw json.RawMessage) ([]byte, error) {
	md, err := derivedMessage(cols)
	if err != nil {
		return nil, err
	}
	return jsonToProto(md, raw)
}

func decodeProtobuf(c *srClient, b []byte) (any, error) {
	if len(b) < 6 || b[0] != 0 {
		return nil, fmt.Errorf("PROTOBUF record without Confluent's header: % x", b)
	}
	if c == nil {
		return nil, fmt.Errorf("no schema registry")
	}
	id := int(binary.BigEndian.Uint32(b[1:5]))
	ctx, cancel := c.ctx()
	defer cancel()
	s, err := c.cl.SchemaByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("schema id %d: %w", id, err)
	}
	refs := map[string]string{}
	if err := c.protoRefs(ctx, s.References, refs, 0); err != nil {
		return nil, err
	}
	fd, err := compileProtoText(s.Schema, refs)
	if err != nil {
		return nil, err
	}
	rest := b[5:]
	n, l := protowire.ConsumeVarint(rest)
	if l < 0 {
		return nil, fmt.Errorf("bad message indexes")
	}
	rest = rest[l:]
	path := []int64{0}
	if count := protowire.DecodeZigZag(n); count > 0 {
		path = nil
		for range count {
			v, l := protowire.ConsumeVarint(rest)
			if l < 0 {
				return nil, fmt.Errorf("bad message indexes")
			}
			rest = rest[l:]
			path = append(path, protowire.DecodeZigZag(v))
		}
	}
	msgs := fd.Messages()
	var md protoreflect.MessageDescriptor
	for _, i := range path {
		if int(i) >= msgs.Len() || i < 0 {
			return nil, fmt.Errorf("message index %d out of range", i)
		}
		md = msgs.Get(int(i))
		msgs = md.Messages()
	}
	return protoToJSON(md, rest)
}

func decodeProtobufNoSR(cols []Column, b []byte) (any, error) {
	md, err := derivedMessage(cols)
	if err != nil {
		return nil, err
	}
	return protoToJSON(md, b)
}

func jsonToProto(md protoreflect.MessageDescriptor, raw json.RawMessage) ([]byte, error) {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("a PROTOBUF record must be an object, got %s", raw)
	}
	m := dynamicpb.NewMessage(md)
	if err := fillMessage(m, obj); err != nil {
		return nil, err
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(m)
}

func fieldNamed(md protoreflect.MessageDescriptor, name string) protoreflect.FieldDescriptor {
	fs := md.Fields()
	if f := fs.ByName(protoreflect.Name(name)); f != nil {
		return f
	}
	for i := range fs.Len() {
		if strings.EqualFold(string(fs.Get(i).Name()), name) {
			return fs.Get(i)
		}
	}
	return nil
}

func fillMessage(m protoreflect.Message, obj map[string]any) error {
	for k, v := range obj {
		f := fieldNamed(m.Descriptor(), k)
		if f == nil {
			// As a serializer from JSON would, members the message lacks are left out.
			continue
		}
		if v == nil {
			continue
		}
		switch {
		case f.IsMap():
			mv, ok := v.(map[string]any)
			if !ok {
				return fmt.Errorf("field %s: want an object, got %T", k, v)
			}
			pm := m.Mutable(f).Map()
			for mk, val := range mv {
				key, err := scalarValue(f.MapKey(), mk)
				if err != nil {
					return err
				}
				pv, err := elementValue(pm.NewValue, f.MapValue(), val)
				if err != nil {
					return err
				}
				pm.Set(key.MapKey(), pv)
			}
		case f.IsList():
			items, ok := v.([]any)
			if !ok {
				return fmt.Errorf("field %s: want an array, got %T", k, v)
			}
			l := m.Mutable(f).List()
			for _, it := range items {
				pv, err := elementValue(l.NewElement, f, it)
				if err != nil {
					return err
				}
				l.Append(pv)
			}
		case f.Kind() == protoreflect.MessageKind && isWellKnown(f.Message()):
			if err := fillWellKnownJSON(m.Mutable(f).Message(), v); err != nil {
				return fmt.Errorf("field %s: %w", k, err)
			}
		case f.Kind() == protoreflect.MessageKind:
			sub, ok := v.(map[string]any)
			if !ok {
				return fmt.Errorf("field %s: want an object, got %T", k, v)
			}
			if err := fillMessage(m.Mutable(f).Message(), sub); err != nil {
				return err
			}
		default:
			pv, err := scalarValue(f, v)
			if err != nil {
				return fmt.Errorf("field %s: %w", k, err)
			}
			m.Set(f, pv)
		}
	}
	return nil
}

func elementValue(newValue func() protoreflect.Value, f protoreflect.FieldDescriptor, v any) (protoreflect.Value, error) {
	if f.Kind() == protoreflect.MessageKind {
		pv := newValue()
		if isWellKnown(f.Message()) {
			if v == nil {
				return pv, nil
			}
			return pv, fillWellKnownJSON(pv.Message(), v)
		}
		if obj, ok := v.(map[string]any); ok {
			return pv, fillMessage(pv.Message(), obj)
		}
		if v != nil {
			return pv, fmt.Errorf("want an object, got %T", v)
		}
		return pv, nil
	}
	if v == nil {
		return newValue(), nil
	}
	return scalarValue(f, v)
}

// scalarValue converts a JSON scalar (json.Number, string, bool) to f's kind.
func scalarValue(f protoreflect.FieldDescriptor, v any) (protoreflect.Value, error) {
	text := fmt.Sprint(v)
	switch f.Kind() {
	case protoreflect.BoolKind:
		b, err := strconv.ParseBool(text)
		return protoreflect.ValueOfBool(b), err
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		n, err := strconv.ParseInt(text, 10, 32)
		return protoreflect.ValueOfInt32(int32(n)), err
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		n, err := strconv.ParseInt(text, 10, 64)
		return protoreflect.ValueOfInt64(n), err
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		n, err := strconv.ParseUint(text, 10, 32)
		return protoreflect.ValueOfUint32(uint32(n)), err
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		n, err := strconv.ParseUint(text, 10, 64)
		return protoreflect.ValueOfUint64(n), err
	case protoreflect.FloatKind:
		x, err := strconv.ParseFloat(text, 32)
		return protoreflect.ValueOfFloat32(float32(x)), err
	case protoreflect.DoubleKind:
		x, err := strconv.ParseFloat(text, 64)
		return protoreflect.ValueOfFloat64(x), err
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(text), nil
	case protoreflect.BytesKind:
		b, err := base64.StdEncoding.DecodeString(text)
		return protoreflect.ValueOfBytes(b), err
	case protoreflect.EnumKind:
		if ev := f.Enum().Values().ByName(protoreflect.Name(text)); ev != nil {
			return protoreflect.ValueOfEnum(ev.Number()), nil
		}
	}
	return protoreflect.Value{}, fmt.Errorf("cannot write %v into a %s field", v, f.Kind())
}

func protoToJSON(md protoreflect.MessageDescriptor, b []byte) (any, error) {
	m := dynamicpb.NewMessage(md)
	if err := proto.Unmarshal(b, m); err != nil {
		return nil, err
	}
	return messageJSON(m), nil
}

// messageJSON turns a message into the JSON-like values the comparator takes:
// every field, unset proto3 scalars as their zero values, unset messages null.
func messageJSON(m protoreflect.Message) map[string]any {
	out := map[string]any{}
	fs := m.Descriptor().Fields()
	for i := range fs.Len() {
		f := fs.Get(i)
		name := string(f.Name())
		switch {
		case f.IsMap():
			mv := map[string]any{}
			m.Get(f).Map().Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
				mv[fmt.Sprint(k.Interface())] = valueJSON(f.MapValue(), v)
				return true
			})
			out[name] = mv
		case f.IsList():
			l := m.Get(f).List()
			items := make([]any, l.Len())
			for j := range l.Len() {
				items[j] = valueJSON(f, l.Get(j))
			}
			out[name] = items
		case f.Kind() == protoreflect.MessageKind && !m.Has(f):
			out[name] = nil
		default:
			out[name] = valueJSON(f, m.Get(f))
		}
	}
	return out
}

func valueJSON(f protoreflect.FieldDescriptor, v protoreflect.Value) any {
	switch f.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		if isWellKnown(f.Message()) {
			return wellKnownJSON(v.Message())
		}
		return messageJSON(v.Message())
	case protoreflect.EnumKind:
		if ev := f.Enum().Values().ByNumber(v.Enum()); ev != nil {
			return string(ev.Name())
		}
		return json.Number(strconv.Itoa(int(v.Enum())))
	}
	switch x := v.Interface().(type) {
	case int32:
		return json.Number(strconv.FormatInt(int64(x), 10))
	case int64:
		return json.Number(strconv.FormatInt(x, 10))
	case uint32:
		return json.Number(strconv.FormatUint(uint64(x), 10))
	case uint64:
		return json.Number(strconv.FormatUint(x, 10))
	case float32:
		return float64(x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return javaDouble(x)
		}
		return x
	}
	return v.Interface()
}

// derivedMessage writes the proto3 schema ksqlDB derives for cols (message
// ConnectDefault1, a field per column numbered from 1, nested messages
// ConnectDefault2... for structs) and compiles it.
func derivedMessage(cols []Column) (protoreflect.MessageDescriptor, error) {
	var b strings.Builder
	b.WriteString("syntax = \"proto3\";\n")
	b.WriteString("import \"google/protobuf/timestamp.proto\";\nimport \"google/type/date.proto\";\n")
	b.WriteString("import \"google/type/timeofday.proto\";\nimport \"confluent/type/decimal.proto\";\n")
	n := 1
	if err := writeDerived(&b, &n, len(cols), func(i int) (string, string) { return cols[i].Name, cols[i].Type }); err != nil {
		return nil, err
	}
	fd, err := compileProtoText(b.String(), nil)
	if err != nil {
		return nil, err
	}
	return firstMessage(fd)
}

func writeDerived(b *strings.Builder, next *int, nfields int, field func(int) (string, string)) error {
	fmt.Fprintf(b, "message ConnectDefault%d {\n", *next)
	*next++
	var nested strings.Builder
	for i := range nfields {
		name, typ := field(i)
		pt, err := derivedType(&nested, next, strings.TrimSpace(typ), true)
		if err != nil {
			return fmt.Errorf("column %s: %w", name, err)
		}
		fmt.Fprintf(b, "  %s %s = %d;\n", pt, name, i+1)
	}
	b.WriteString(nested.String())
	b.WriteString("}\n")
	return nil
}

func derivedType(nested *strings.Builder, next *int, typ string, top bool) (string, error) {
	u := strings.ToUpper(typ)
	switch {
	case u == "BOOLEAN":
		return "bool", nil
	case u == "INTEGER" || u == "INT":
		return "int32", nil
	case u == "BIGINT":
		return "int64", nil
	case u == "DOUBLE":
		return "double", nil
	case u == "STRING" || u == "VARCHAR":
		return "string", nil
	case u == "BYTES":
		return "bytes", nil
	case u == "TIMESTAMP":
		return "google.protobuf.Timestamp", nil
	case u == "DATE":
		return "google.type.Date", nil
	case u == "TIME":
		return "google.type.TimeOfDay", nil
	case strings.HasPrefix(u, "DECIMAL"):
		return "confluent.type.Decimal", nil
	case strings.HasPrefix(u, "ARRAY<") && top:
		elem, err := derivedType(nested, next, typ[6:len(typ)-1], false)
		return "repeated " + elem, err
	case strings.HasPrefix(u, "MAP<") && top:
		parts := splitTopLevel(typ[4 : len(typ)-1])
		if len(parts) != 2 {
			return "", fmt.Errorf("bad map type %s", typ)
		}
		k, err := derivedType(nested, next, strings.TrimSpace(parts[0]), false)
		if err != nil {
			return "", err
		}
		v, err := derivedType(nested, next, strings.TrimSpace(parts[1]), false)
		return "map<" + k + ", " + v + ">", err
	case strings.HasPrefix(u, "STRUCT<"):
		name := fmt.Sprintf("ConnectDefault%d", *next)
		var fields [][2]string
		for _, p := range splitTopLevel(typ[7 : len(typ)-1]) {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			var fname, ftype string
			if p[0] == '`' {
				end := strings.Index(p[1:], "`")
				fname, ftype = p[1:end+1], p[end+2:]
			} else {
				fname, ftype, _ = strings.Cut(p, " ")
			}
			fields = append(fields, [2]string{fname, ftype})
		}
		err := writeDerived(nested, next, len(fields), func(i int) (string, string) { return fields[i][0], fields[i][1] })
		return name, err
	}
	return "", fmt.Errorf("type %s is not supported by the runner's PROTOBUF_NOSR serde", typ)
}

// wellKnownProtos are the imports ksqlDB's schemas use beyond protobuf's own
// (written here from the published field numbers), so the runner compiles them
// without a network.
var wellKnownProtos = map[string]string{
	"google/type/date.proto":       "syntax = \"proto3\"; package google.type; message Date { int32 year = 1; int32 month = 2; int32 day = 3; }",
	"google/type/timeofday.proto":  "syntax = \"proto3\"; package google.type; message TimeOfDay { int32 hours = 1; int32 minutes = 2; int32 seconds = 3; int32 nanos = 4; }",
	"confluent/type/decimal.proto": "syntax = \"proto3\"; package confluent.type; message Decimal { bytes value = 1; uint32 precision = 2; int32 scale = 3; }",
	"confluent/meta.proto": "syntax = \"proto3\"; package confluent; import \"google/protobuf/descriptor.proto\"; " +
		"message Meta { string doc = 1; map<string, string> params = 2; repeated string tags = 3; } " +
		"extend google.protobuf.FieldOptions { Meta field_meta = 1088; } extend google.protobuf.MessageOptions { Meta message_meta = 1088; } " +
		"extend google.protobuf.FileOptions { Meta file_meta = 1088; }",
}

func isWellKnown(md protoreflect.MessageDescriptor) bool {
	switch md.FullName() {
	case "google.protobuf.Timestamp", "google.type.Date", "google.type.TimeOfDay", "confluent.type.Decimal":
		return true
	}
	return false
}

func setNum(m protoreflect.Message, name string, n int64) {
	f := m.Descriptor().Fields().ByName(protoreflect.Name(name))
	switch f.Kind() {
	case protoreflect.Int64Kind:
		m.Set(f, protoreflect.ValueOfInt64(n))
	case protoreflect.Uint32Kind:
		m.Set(f, protoreflect.ValueOfUint32(uint32(n)))
	default:
		m.Set(f, protoreflect.ValueOfInt32(int32(n)))
	}
}

func getNum(m protoreflect.Message, name string) int64 {
	v := m.Get(m.Descriptor().Fields().ByName(protoreflect.Name(name))).Interface()
	switch x := v.(type) {
	case int32:
		return int64(x)
	case int64:
		return x
	case uint32:
		return int64(x)
	}
	return 0
}

// fillWellKnownJSON writes a test value as ksqlDB's JSON test data gives it: a
// TIMESTAMP as epoch milliseconds, a DATE as epoch days, a TIME as milliseconds of
// the day, a DECIMAL as a number or its text.
func fillWellKnownJSON(m protoreflect.Message, v any) error {
	text := fmt.Sprint(v)
	switch m.Descriptor().FullName() {
	case "confluent.type.Decimal":
		scale := 0
		if i := strings.IndexByte(text, '.'); i >= 0 {
			scale = len(text) - i - 1
		}
		unscaled, err := decimalToBytes(text, scale)
		if err != nil {
			return err
		}
		m.Set(m.Descriptor().Fields().ByName("value"), protoreflect.ValueOfBytes(unscaled))
		setNum(m, "scale", int64(scale))
		return nil
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return fmt.Errorf("bad %s %q", m.Descriptor().Name(), text)
	}
	switch m.Descriptor().FullName() {
	case "google.protobuf.Timestamp":
		sec, ms := n/1000, n%1000
		if ms < 0 {
			sec, ms = sec-1, ms+1000
		}
		setNum(m, "seconds", sec)
		setNum(m, "nanos", ms*1_000_000)
	case "google.type.Date":
		y, mo, d := time.UnixMilli(n * 86_400_000).UTC().Date()
		setNum(m, "year", int64(y))
		setNum(m, "month", int64(mo))
		setNum(m, "day", int64(d))
	case "google.type.TimeOfDay":
		setNum(m, "hours", n/3_600_000)
		setNum(m, "minutes", n/60_000%60)
		setNum(m, "seconds", n/1000%60)
		setNum(m, "nanos", n%1000*1_000_000)
	}
	return nil
}

// wellKnownJSON reads a well-known message back into the test data's form.
func wellKnownJSON(m protoreflect.Message) any {
	switch m.Descriptor().FullName() {
	case "google.protobuf.Timestamp":
		return json.Number(strconv.FormatInt(getNum(m, "seconds")*1000+getNum(m, "nanos")/1_000_000, 10))
	case "google.type.Date":
		d := time.Date(int(getNum(m, "year")), time.Month(getNum(m, "month")), int(getNum(m, "day")), 0, 0, 0, 0, time.UTC)
		return json.Number(strconv.FormatInt(d.Unix()/86_400, 10))
	case "google.type.TimeOfDay":
		ms := getNum(m, "hours")*3_600_000 + getNum(m, "minutes")*60_000 + getNum(m, "seconds")*1000 + getNum(m, "nanos")/1_000_000
		return json.Number(strconv.FormatInt(ms, 10))
	case "confluent.type.Decimal":
		b := m.Get(m.Descriptor().Fields().ByName("value")).Bytes()
		return json.Number(bytesToDecimal(b, int(getNum(m, "scale"))))
	}
	return nil
}
