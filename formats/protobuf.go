package formats

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/cockroachdb/apd/v3"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// protobufCodec writes a row as one protobuf message: for PROTOBUF after
// Confluent's header and the message indexes, for PROTOBUF_NOSR bare. Columns are
// matched to the message's fields by name (exactly, else ignoring case).
//
// A PROTOBUF record written with another schema id is read with that (writer)
// schema, fetched once per id; PROTOBUF_NOSR records are read with the derived
// schema. As in proto3, a NULL scalar is written as nothing and reads back as the
// type's zero value; a NULL STRUCT reads back NULL; a NULL ARRAY or MAP as empty.
type protobufCodec struct {
	cols    []types.Column
	framed  bool
	id      int
	msg     protoreflect.MessageDescriptor
	fields  []protoreflect.FieldDescriptor // per column; nil when the message has none
	lookup  SchemaLookup
	writers *sync.Map // id -> protoreflect.FileDescriptor
	// use is the part of the row a reader needs (nil: all); see NewDecoder.
	use *Projection
	// plans holds the compiled wire decoder of each writer message
	// (protoreflect.MessageDescriptor -> *protoPlan, nil when it has none).
	plans *sync.Map
	// encPlan writes records straight to the wire (nil: dynamicpb only).
	encPlan *protoEncPlan
	// dynamicOnly encodes and decodes every record with dynamicpb (benchmarks
	// and tests compare).
	dynamicOnly bool
}

func newProtobufCodec(format string, cols []types.Column, opts Options) (*protobufCodec, error) {
	if err := checkProtobuf(format, cols); err != nil {
		return nil, err
	}
	c := &protobufCodec{cols: cols, framed: format == Protobuf, writers: &sync.Map{}, plans: &sync.Map{}}
	text := ProtobufSchemaFor(cols, opts.FullName, opts.ProtobufNullable)
	if r := opts.Registry; r != nil && c.framed {
		c.id, c.lookup = r.ID, r.Lookup
		if r.Schema != "" {
			text = r.Schema
		}
	}
	fd, err := compileProto(text)
	if err != nil && c.lookup != nil && c.id > 0 {
		// A schema with references: the registry knows them.
		var refs []SchemaRef
		if _, refs, err = c.lookup.SchemaByID(c.id); err == nil {
			fd, err = compileProto(text, refs...)
		}
	}
	if err != nil {
		return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "Schema is not a valid Protobuf schema: %v", err)
	}
	if c.msg, err = protoMessage(fd, opts.FullName); err != nil {
		return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "Schema is not compatible with the columns: %v", err)
	}
	c.fields = protoFieldsFor(c.msg, cols)
	names := make([]string, len(cols))
	typs := make([]*types.Type, len(cols))
	for i, col := range cols {
		names[i], typs[i] = col.Name, col.Type
	}
	c.encPlan = buildProtoEncPlan(c.msg, names, typs, 0)
	if c.id > 0 {
		c.writers.Store(c.id, fd)
	}
	return c, nil
}

func protoFieldsFor(md protoreflect.MessageDescriptor, cols []types.Column) []protoreflect.FieldDescriptor {
	out := make([]protoreflect.FieldDescriptor, len(cols))
	for i, c := range cols {
		out[i] = protoFieldByName(md, c.Name)
	}
	return out
}

func protoFieldByName(md protoreflect.MessageDescriptor, name string) protoreflect.FieldDescriptor {
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

func (c *protobufCodec) Encode(dst []byte, vals []any) ([]byte, error) {
	if len(c.cols) == 0 {
		return nil, nil
	}
	if c.framed {
		dst = appendConfluentHeader(dst, c.id)
		dst = appendMessageIndexes(dst, c.msg)
	}
	if c.encPlan != nil && !c.dynamicOnly {
		start := len(dst)
		out, err := c.encPlan.encode(dst, vals)
		if err == nil {
			if out == nil {
				out = []byte{} // a message of zero values is empty, not a null record
			}
			return out, nil
		}
		dst = out[:start] // the general encoder words the error, or covers the value
	}
	m := dynamicpb.NewMessage(c.msg)
	for i, col := range c.cols {
		if vals[i] == nil || c.fields[i] == nil {
			continue
		}
		if err := setProtoField(m, c.fields[i], vals[i], col.Type); err != nil {
			return dst, sqlerr.Newf(sqlerr.InternalError, "encode Protobuf column %s: %v", col.Name, err)
		}
	}
	out, err := proto.MarshalOptions{Deterministic: true}.MarshalAppend(dst, m)
	if err != nil {
		return dst, sqlerr.Newf(sqlerr.InternalError, "encode Protobuf: %v", err)
	}
	if out == nil {
		// A message of zero values is empty, not a null record.
		out = []byte{}
	}
	return out, nil
}

// appendMessageIndexes writes the path to md in its file as Confluent's serializer
// does: a zigzag varint count, then each index; the common [0] is a single 0.
func appendMessageIndexes(dst []byte, md protoreflect.MessageDescriptor) []byte {
	var path []int
	for d := protoreflect.Descriptor(md); ; d = d.Parent() {
		if _, ok := d.(protoreflect.MessageDescriptor); !ok {
			break
		}
		path = append([]int{d.Index()}, path...)
	}
	if len(path) == 1 && path[0] == 0 {
		return append(dst, 0)
	}
	dst = protowire.AppendVarint(dst, protowire.EncodeZigZag(int64(len(path))))
	for _, i := range path {
		dst = protowire.AppendVarint(dst, protowire.EncodeZigZag(int64(i)))
	}
	return dst
}

// readMessageIndexes reads the indexes appendMessageIndexes writes and finds the
// message they name in fd.
func readMessageIndexes(data []byte, fd protoreflect.FileDescriptor) (protoreflect.MessageDescriptor, []byte, error) {
	// A producer that leaves the indexes out (kafkajs' Protobuf serializer does)
	// puts the message's first field tag here: say so, since the indexes it seems
	// to name mean nothing to its author.
	const hint = " (Confluent's Protobuf framing puts message indexes after the schema id; was the record written without them?)"
	n, l := protowire.ConsumeVarint(data)
	if l < 0 {
		return nil, nil, fmt.Errorf("bad message indexes" + hint)
	}
	data = data[l:]
	count := protowire.DecodeZigZag(n)
	path := []int64{0}
	switch {
	case count < 0 || count > 64:
		return nil, nil, fmt.Errorf("invalid message index count %d%s", count, hint)
	case count > 0:
		path = path[:0]
		for range count {
			v, l := protowire.ConsumeVarint(data)
			if l < 0 {
				return nil, nil, fmt.Errorf("bad message indexes" + hint)
			}
			data = data[l:]
			path = append(path, protowire.DecodeZigZag(v))
		}
	}
	msgs := fd.Messages()
	var md protoreflect.MessageDescriptor
	for _, i := range path {
		if i < 0 || int(i) >= msgs.Len() {
			return nil, nil, fmt.Errorf("message index %d out of range%s", i, hint)
		}
		md = msgs.Get(int(i))
		msgs = md.Messages()
	}
	return md, data, nil
}

func (c *protobufCodec) writer(id int) (protoreflect.FileDescriptor, error) {
	if fd, ok := c.writers.Load(id); ok {
		return fd.(protoreflect.FileDescriptor), nil
	}
	if c.lookup == nil {
		return nil, sqlerr.Newf(sqlerr.InvalidTextRepresentation, "Error retrieving Protobuf schema for id %d: unknown schema id", id)
	}
	text, refs, err := c.lookup.SchemaByID(id)
	if err != nil {
		return nil, sqlerr.Newf(sqlerr.InvalidTextRepresentation, "Error retrieving Protobuf schema for id %d: %v", id, err)
	}
	fd, err := compileProto(text, refs...)
	if err != nil {
		return nil, sqlerr.Newf(sqlerr.InvalidTextRepresentation, "Error parsing Protobuf schema for id %d: %v", id, err)
	}
	c.writers.Store(id, fd)
	return fd, nil
}

func (c *protobufCodec) Decode(data []byte, dst []any) error {
	if len(c.cols) == 0 {
		return nil
	}
	md, fields := c.msg, c.fields
	if c.framed {
		id, body, err := readConfluentHeader(data)
		if err != nil {
			return err
		}
		fd, err := c.writer(id)
		if err != nil {
			return err
		}
		if md, body, err = readMessageIndexes(body, fd); err != nil {
			return sqlerr.Newf(sqlerr.InvalidTextRepresentation, "Failed to deserialize Protobuf: %v", err)
		}
		if md != c.msg {
			fields = protoFieldsFor(md, c.cols)
		}
		data = body
	}
	if plan := c.plan(md); plan != nil && plan.decode(data, dst) == nil {
		return nil
	}
	// No plan, or the record needs the general decoder (which also words any
	// error the plan met).
	m := dynamicpb.NewMessage(md)
	if err := proto.Unmarshal(data, m); err != nil {
		return sqlerr.Newf(sqlerr.InvalidTextRepresentation, "Failed to deserialize Protobuf: %v", err)
	}
	for i, col := range c.cols {
		f := fields[i]
		if f == nil {
			dst[i] = nil
			continue
		}
		v, err := protoFieldValue(m, f, col.Type)
		if err != nil {
			return sqlerr.Newf(sqlerr.InvalidTextRepresentation, "Failed to deserialize Protobuf field %s: %v", f.Name(), err)
		}
		dst[i] = v
	}
	return nil
}

// plan returns the compiled wire decoder for records of md, building it on first
// use; nil when the message needs the general decoder.
func (c *protobufCodec) plan(md protoreflect.MessageDescriptor) *protoPlan {
	if c.dynamicOnly {
		return nil
	}
	if p, ok := c.plans.Load(md); ok {
		return p.(*protoPlan)
	}
	names := make([]string, len(c.cols))
	typs := make([]*types.Type, len(c.cols))
	for i, col := range c.cols {
		names[i], typs[i] = col.Name, col.Type
	}
	p := buildProtoPlan(md, names, typs, c.use, 0)
	c.plans.Store(md, p)
	return p
}

// setProtoField sets f of m to v, a value of t.
func setProtoField(m protoreflect.Message, f protoreflect.FieldDescriptor, v any, t *types.Type) error {
	switch {
	case f.IsMap():
		mv, ok := v.(*types.Map)
		if !ok || t.Kind != types.KindMap {
			return fmt.Errorf("%T for a map field", v)
		}
		pm := m.Mutable(f).Map()
		for i, k := range mv.Keys {
			if k == nil {
				continue
			}
			key, err := protoScalar(f.MapKey(), k, t.Key)
			if err != nil {
				return err
			}
			val, err := protoElement(pm.NewValue, f.MapValue(), mv.Values[i], t.Elem)
			if err != nil {
				return err
			}
			pm.Set(key.MapKey(), val)
		}
		return nil
	case t.Kind == types.KindMap && protoEntryList(f):
		mv, ok := v.(*types.Map)
		if !ok {
			return fmt.Errorf("%T for a map field", v)
		}
		kf, vf := f.Message().Fields().Get(0), f.Message().Fields().Get(1)
		l := m.Mutable(f).List()
		for i, k := range mv.Keys {
			if k == nil {
				continue
			}
			entry := l.NewElement()
			key, err := protoScalar(kf, k, t.Key)
			if err != nil {
				return err
			}
			entry.Message().Set(kf, key)
			if mv.Values[i] != nil {
				if err := setProtoField(entry.Message(), vf, mv.Values[i], t.Elem); err != nil {
					return err
				}
			}
			l.Append(entry)
		}
		return nil
	case f.IsList():
		items, ok := v.([]any)
		if !ok || t.Kind != types.KindArray {
			return fmt.Errorf("%T for a repeated field", v)
		}
		l := m.Mutable(f).List()
		for _, it := range items {
			val, err := protoElement(l.NewElement, f, it, t.Elem)
			if err != nil {
				return err
			}
			l.Append(val)
		}
		return nil
	}
	if f.Kind() == protoreflect.MessageKind {
		sub := m.Mutable(f).Message()
		return fillProtoMessage(sub, v, t)
	}
	pv, err := protoScalar(f, v, t)
	if err != nil {
		return err
	}
	m.Set(f, pv)
	return nil
}

// protoElement converts a list element or map value; a NULL is the zero value,
// as a repeated field or map cannot hold a null.
func protoElement(newValue func() protoreflect.Value, f protoreflect.FieldDescriptor, v any, t *types.Type) (protoreflect.Value, error) {
	if f.Kind() == protoreflect.MessageKind {
		val := newValue()
		if v != nil {
			if err := fillProtoMessage(val.Message(), v, t); err != nil {
				return val, err
			}
		}
		return val, nil
	}
	if v == nil {
		return protoZero(f.Kind()), nil
	}
	return protoScalar(f, v, t)
}

// protoZero is the zero value of a scalar kind (a repeated field's Default is
// not one).
func protoZero(k protoreflect.Kind) protoreflect.Value {
	switch k {
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(false)
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(0)
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(0)
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(0)
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(0)
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32(0)
	case protoreflect.DoubleKind:
		return protoreflect.ValueOfFloat64(0)
	case protoreflect.StringKind:
		return protoreflect.ValueOfString("")
	case protoreflect.BytesKind:
		return protoreflect.ValueOfBytes(nil)
	case protoreflect.EnumKind:
		return protoreflect.ValueOfEnum(0)
	}
	return protoreflect.Value{}
}

func fillProtoMessage(m protoreflect.Message, v any, t *types.Type) error {
	if ok, err := fillWellKnown(m, v, t); ok || err != nil {
		return err
	}
	s, ok := v.(types.Struct)
	if !ok || t.Kind != types.KindStruct {
		return fmt.Errorf("%T for a message field", v)
	}
	md := m.Descriptor()
	for i, field := range t.Fields {
		if i >= len(s) || s[i] == nil {
			continue
		}
		sf := protoFieldByName(md, field.Name)
		if sf == nil {
			continue
		}
		if err := setProtoField(m, sf, s[i], field.Type); err != nil {
			return err
		}
	}
	return nil
}

// protoScalar converts a SQL scalar to the value of the field's kind.
func protoScalar(f protoreflect.FieldDescriptor, v any, t *types.Type) (protoreflect.Value, error) {
	var i int64
	var isInt bool
	switch x := v.(type) {
	case int32:
		i, isInt = int64(x), true
	case int64:
		i, isInt = x, true
	}
	switch f.Kind() {
	case protoreflect.BoolKind:
		if b, ok := v.(bool); ok {
			return protoreflect.ValueOfBool(b), nil
		}
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		if isInt && i >= math.MinInt32 && i <= math.MaxInt32 {
			return protoreflect.ValueOfInt32(int32(i)), nil
		}
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		if isInt {
			return protoreflect.ValueOfInt64(i), nil
		}
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		if isInt && i >= 0 && i <= math.MaxUint32 {
			return protoreflect.ValueOfUint32(uint32(i)), nil
		}
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		if isInt && i >= 0 {
			return protoreflect.ValueOfUint64(uint64(i)), nil
		}
	case protoreflect.DoubleKind, protoreflect.FloatKind:
		var d float64
		switch x := v.(type) {
		case float64:
			d = x
		default:
			if !isInt {
				return protoreflect.Value{}, fmt.Errorf("%T for a %s field", v, f.Kind())
			}
			d = float64(i)
		}
		if f.Kind() == protoreflect.FloatKind {
			return protoreflect.ValueOfFloat32(float32(d)), nil
		}
		return protoreflect.ValueOfFloat64(d), nil
	case protoreflect.StringKind:
		if s, ok := v.(string); ok {
			return protoreflect.ValueOfString(s), nil
		}
	case protoreflect.BytesKind:
		if b, ok := v.([]byte); ok {
			return protoreflect.ValueOfBytes(b), nil
		}
	case protoreflect.EnumKind:
		if s, ok := v.(string); ok {
			if ev := f.Enum().Values().ByName(protoreflect.Name(s)); ev != nil {
				return protoreflect.ValueOfEnum(ev.Number()), nil
			}
			return protoreflect.Value{}, fmt.Errorf("%q is not a value of enum %s", s, f.Enum().FullName())
		}
	}
	return protoreflect.Value{}, fmt.Errorf("cannot write %s value %v into a %s field", t, v, f.Kind())
}

// protoFieldValue reads f of m as a value of t.
func protoFieldValue(m protoreflect.Message, f protoreflect.FieldDescriptor, t *types.Type) (any, error) {
	switch {
	case f.IsMap():
		if t.Kind != types.KindMap {
			return nil, fmt.Errorf("a map field read as %s", t)
		}
		out := &types.Map{}
		var err error
		m.Get(f).Map().Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
			var key, val any
			if key, err = protoToSQL(f.MapKey(), k.Value(), t.Key); err != nil {
				return false
			}
			if val, err = protoToSQL(f.MapValue(), v, t.Elem); err != nil {
				return false
			}
			out.Put(key, val)
			return true
		})
		if err != nil {
			return nil, err
		}
		return sortedMap(out), nil
	case t.Kind == types.KindMap && protoEntryList(f):
		kf, vf := f.Message().Fields().Get(0), f.Message().Fields().Get(1)
		out := &types.Map{}
		l := m.Get(f).List()
		for i := range l.Len() {
			entry := l.Get(i).Message()
			key, err := protoToSQL(kf, entry.Get(kf), t.Key)
			if err != nil {
				return nil, err
			}
			val, err := protoFieldValue(entry, vf, t.Elem)
			if err != nil {
				return nil, err
			}
			out.Put(key, val)
		}
		return sortedMap(out), nil
	case f.IsList():
		if t.Kind != types.KindArray {
			return nil, fmt.Errorf("a repeated field read as %s", t)
		}
		l := m.Get(f).List()
		out := make([]any, l.Len())
		for i := range l.Len() {
			v, err := protoToSQL(f, l.Get(i), t.Elem)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	if f.Kind() == protoreflect.MessageKind && !m.Has(f) {
		return nil, nil
	}
	if oo := f.ContainingOneof(); oo != nil && oo.IsSynthetic() && !m.Has(f) {
		// A proto3 optional field that is absent is NULL, not its zero value.
		return nil, nil
	}
	return protoToSQL(f, m.Get(f), t)
}

// sortedMap orders a map read from protobuf by key: the wire order of map entries
// is not defined, and a deterministic writer sorts them.
func sortedMap(m *types.Map) *types.Map {
	if m.Len() < 2 {
		return m
	}
	idx := make([]int, m.Len())
	for i := range idx {
		idx[i] = i
	}
	less := func(a, b any) bool { return fmt.Sprint(a) < fmt.Sprint(b) }
	for i := 1; i < len(idx); i++ {
		for j := i; j > 0 && less(m.Keys[idx[j]], m.Keys[idx[j-1]]); j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
	out := &types.Map{}
	for _, i := range idx {
		out.Put(m.Keys[i], m.Values[i])
	}
	return out
}

func protoToSQL(f protoreflect.FieldDescriptor, v protoreflect.Value, t *types.Type) (any, error) {
	switch f.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		if x, ok, err := readWellKnown(v.Message(), t); ok || err != nil {
			return x, err
		}
		if t.Kind != types.KindStruct {
			return nil, fmt.Errorf("a message read as %s", t)
		}
		sub := v.Message()
		md := sub.Descriptor()
		out := make(types.Struct, len(t.Fields))
		for i, field := range t.Fields {
			sf := protoFieldByName(md, field.Name)
			if sf == nil {
				continue
			}
			x, err := protoFieldValue(sub, sf, field.Type)
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	case protoreflect.EnumKind:
		if t.Kind != types.KindString {
			return nil, fmt.Errorf("an enum read as %s", t)
		}
		if ev := f.Enum().Values().ByNumber(v.Enum()); ev != nil {
			return string(ev.Name()), nil
		}
		return fmt.Sprint(int32(v.Enum())), nil
	}
	var i int64
	isInt := true
	switch x := v.Interface().(type) {
	case int32:
		i = int64(x)
	case int64:
		i = x
	case uint32:
		i = int64(x)
	case uint64:
		if x > math.MaxInt64 {
			return nil, fmt.Errorf("%d does not fit a BIGINT", x)
		}
		i = int64(x)
	default:
		isInt = false
	}
	switch t.Kind {
	case types.KindInt:
		if isInt && i >= math.MinInt32 && i <= math.MaxInt32 {
			return int32(i), nil
		}
	case types.KindBigInt:
		if isInt {
			return i, nil
		}
	case types.KindDouble:
		switch x := v.Interface().(type) {
		case float64:
			return x, nil
		case float32:
			return float64(x), nil
		}
		if isInt {
			return float64(i), nil
		}
	case types.KindBoolean:
		if b, ok := v.Interface().(bool); ok {
			return b, nil
		}
	case types.KindString:
		if s, ok := v.Interface().(string); ok {
			return s, nil
		}
		if isInt {
			return fmt.Sprint(i), nil
		}
	case types.KindBytes:
		if b, ok := v.Interface().([]byte); ok {
			return append([]byte(nil), b...), nil
		}
	}
	return nil, fmt.Errorf("a %s field read as %s", f.Kind(), t)
}

// The well-known messages ksqlDB writes DECIMAL, DATE, TIME and TIMESTAMP as.
const (
	protoTimestamp = "google.protobuf.Timestamp"
	protoDate      = "google.type.Date"
	protoTimeOfDay = "google.type.TimeOfDay"
	protoDecimal   = "confluent.type.Decimal"
)

func setInt(m protoreflect.Message, name string, v int64) {
	f := m.Descriptor().Fields().ByName(protoreflect.Name(name))
	switch f.Kind() {
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		m.Set(f, protoreflect.ValueOfInt64(v))
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		m.Set(f, protoreflect.ValueOfUint32(uint32(v)))
	default:
		m.Set(f, protoreflect.ValueOfInt32(int32(v)))
	}
}

func getInt(m protoreflect.Message, name string) int64 {
	f := m.Descriptor().Fields().ByName(protoreflect.Name(name))
	if f == nil {
		return 0
	}
	switch x := m.Get(f).Interface().(type) {
	case int32:
		return int64(x)
	case int64:
		return x
	case uint32:
		return int64(x)
	}
	return 0
}

// fillWellKnown writes a DECIMAL, DATE, TIME or TIMESTAMP value into its
// well-known message; ok is false for other messages.
func fillWellKnown(m protoreflect.Message, v any, t *types.Type) (ok bool, err error) {
	if isProtoWrapper(m.Descriptor().FullName()) && t.Kind != types.KindStruct {
		// A scalar column in a wrapper (a STRUCT column is the wrapper itself,
		// as ksqlDB infers it without WRAPPER).
		f := m.Descriptor().Fields().ByName("value")
		pv, err := protoScalar(f, v, t)
		if err != nil {
			return true, err
		}
		m.Set(f, pv)
		return true, nil
	}
	switch m.Descriptor().FullName() {
	case protoTimestamp:
		ts, isTS := v.(types.Timestamp)
		if !isTS {
			return true, fmt.Errorf("%T for a Timestamp", v)
		}
		ms := int64(ts)
		sec, rem := ms/1000, ms%1000
		if rem < 0 {
			sec, rem = sec-1, rem+1000
		}
		setInt(m, "seconds", sec)
		setInt(m, "nanos", rem*1_000_000)
	case protoDate:
		d, isDate := v.(types.Date)
		if !isDate {
			return true, fmt.Errorf("%T for a Date", v)
		}
		y, mo, day := types.Timestamp(int64(d) * 86_400_000).GoTime().Date()
		setInt(m, "year", int64(y))
		setInt(m, "month", int64(mo))
		setInt(m, "day", int64(day))
	case protoTimeOfDay:
		tm, isTime := v.(types.Time)
		if !isTime {
			return true, fmt.Errorf("%T for a TimeOfDay", v)
		}
		ms := int64(tm)
		setInt(m, "hours", ms/3_600_000)
		setInt(m, "minutes", ms/60_000%60)
		setInt(m, "seconds", ms/1000%60)
		setInt(m, "nanos", ms%1000*1_000_000)
	case protoDecimal:
		d, isDec := v.(*apd.Decimal)
		if !isDec || t.Kind != types.KindDecimal {
			return true, fmt.Errorf("%T for a Decimal", v)
		}
		b, err := decimalBytes(d, t.Scale)
		if err != nil {
			return true, err
		}
		m.Set(m.Descriptor().Fields().ByName("value"), protoreflect.ValueOfBytes(b))
		setInt(m, "precision", int64(t.Precision))
		setInt(m, "scale", int64(t.Scale))
	default:
		return false, nil
	}
	return true, nil
}

// decimalFromProto reads a confluent.type.Decimal's unscaled big-endian value
// and scale as a value of the DECIMAL type t (rescaled to its scale).
func decimalFromProto(b []byte, scale int, t *types.Type) (*apd.Decimal, error) {
	d := bytesDecimal(b, scale)
	if scale != t.Scale {
		q := new(apd.Decimal)
		if _, err := apd.BaseContext.WithPrecision(uint32(t.Precision)+1).Quantize(q, d, int32(-t.Scale)); err != nil {
			return nil, err
		}
		d = q
	}
	return d, nil
}

// readWellKnown reads a well-known message as a value of t; ok is false for
// other messages.
func readWellKnown(m protoreflect.Message, t *types.Type) (v any, ok bool, err error) {
	if isProtoWrapper(m.Descriptor().FullName()) && t.Kind != types.KindStruct {
		f := m.Descriptor().Fields().ByName("value")
		v, err := protoToSQL(f, m.Get(f), t)
		return v, true, err
	}
	switch m.Descriptor().FullName() {
	case protoTimestamp:
		if t.Kind != types.KindTimestamp {
			return nil, true, fmt.Errorf("a Timestamp read as %s", t)
		}
		return types.Timestamp(getInt(m, "seconds")*1000 + getInt(m, "nanos")/1_000_000), true, nil
	case protoDate:
		if t.Kind != types.KindDate {
			return nil, true, fmt.Errorf("a Date read as %s", t)
		}
		day := time.Date(int(getInt(m, "year")), time.Month(getInt(m, "month")), int(getInt(m, "day")), 0, 0, 0, 0, time.UTC)
		return types.Date(day.Unix() / 86_400), true, nil
	case protoTimeOfDay:
		if t.Kind != types.KindTime {
			return nil, true, fmt.Errorf("a TimeOfDay read as %s", t)
		}
		ms := getInt(m, "hours")*3_600_000 + getInt(m, "minutes")*60_000 + getInt(m, "seconds")*1000 + getInt(m, "nanos")/1_000_000
		return types.Time(ms), true, nil
	case protoDecimal:
		if t.Kind != types.KindDecimal {
			return nil, true, fmt.Errorf("a Decimal read as %s", t)
		}
		d, err := decimalFromProto(m.Get(m.Descriptor().Fields().ByName("value")).Bytes(), int(getInt(m, "scale")), t)
		return d, true, err
	}
	return nil, false, nil
}
