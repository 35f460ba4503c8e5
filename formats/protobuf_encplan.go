package formats

import (
	"math"

	"github.com/cockroachdb/apd/v3"
	"sort"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/sluice-db/sluice/types"
)

// A protoEncPlan writes column values (or a STRUCT's fields) as one message
// straight to the wire, compiled once per message: the fields in declaration
// order (the order the deterministic marshaller of google.golang.org/protobuf
// writes a dynamic message in), each converted by protoScalar as the dynamicpb
// path converts it, so the bytes are the same. Shapes it does not cover make
// buildProtoEncPlan return nil; values it cannot write make encode return
// errProtoFallback; either way the codec encodes with dynamicpb, which
// also words any error.
type protoEncPlan struct {
	fields []protoEncField // in declaration order
}

type protoEncField struct {
	in  int // index in the values
	fd  protoreflect.FieldDescriptor
	t   *types.Type
	sub *protoEncPlan // STRUCT messages (or elements)
}

func buildProtoEncPlan(md protoreflect.MessageDescriptor, names []string, typs []*types.Type, depth int) *protoEncPlan {
	if depth > 32 {
		return nil
	}
	p := &protoEncPlan{}
	for i, name := range names {
		fd := protoFieldByName(md, name)
		if fd == nil {
			continue
		}
		ef := protoEncField{in: i, fd: fd, t: typs[i]}
		if !encFieldOK(&ef, depth) {
			return nil
		}
		p.fields = append(p.fields, ef)
	}
	sort.Slice(p.fields, func(a, b int) bool { return p.fields[a].fd.Index() < p.fields[b].fd.Index() })
	for i := 1; i < len(p.fields); i++ {
		if p.fields[i].fd == p.fields[i-1].fd {
			return nil // two columns on one field: the last would win
		}
	}
	return p
}

func encFieldOK(ef *protoEncField, depth int) bool {
	fd, t := ef.fd, ef.t
	switch {
	case fd.Kind() == protoreflect.GroupKind:
		return false
	case fd.IsMap():
		return t.Kind == types.KindMap && fd.MapValue().Kind() != protoreflect.MessageKind && fd.MapValue().Kind() != protoreflect.GroupKind
	case fd.IsList():
		if t.Kind != types.KindArray {
			return false
		}
		if fd.Kind() == protoreflect.MessageKind {
			return encMessageOK(ef, fd.Message(), t.Elem, depth)
		}
		return true
	case fd.Kind() == protoreflect.MessageKind:
		return encMessageOK(ef, fd.Message(), t, depth)
	}
	return true
}

func encMessageOK(ef *protoEncField, md protoreflect.MessageDescriptor, t *types.Type, depth int) bool {
	switch md.FullName() {
	case protoTimestamp, protoDate, protoTimeOfDay, protoDecimal:
		return t.Kind != types.KindStruct
	}
	if isProtoWrapper(md.FullName()) && t.Kind != types.KindStruct {
		return true
	}
	if t.Kind != types.KindStruct {
		return false
	}
	names := make([]string, len(t.Fields))
	typs := make([]*types.Type, len(t.Fields))
	for i, f := range t.Fields {
		names[i], typs[i] = f.Name, f.Type
	}
	ef.sub = buildProtoEncPlan(md, names, typs, depth+1)
	return ef.sub != nil
}

// encode appends the message holding vals (aligned with the plan's inputs).
func (p *protoEncPlan) encode(dst []byte, vals []any) ([]byte, error) {
	for i := range p.fields {
		ef := &p.fields[i]
		if ef.in >= len(vals) || vals[ef.in] == nil {
			continue
		}
		var err error
		if dst, err = ef.encode(dst, vals[ef.in]); err != nil {
			return dst, err
		}
	}
	return dst, nil
}

func (ef *protoEncField) encode(dst []byte, v any) ([]byte, error) {
	fd := ef.fd
	switch {
	case fd.IsMap():
		m, ok := v.(*types.Map)
		if !ok {
			return dst, errProtoFallback
		}
		return ef.encodeMap(dst, m)
	case fd.IsList():
		items, ok := v.([]any)
		if !ok {
			return dst, errProtoFallback
		}
		if len(items) == 0 {
			return dst, nil
		}
		if fd.Kind() == protoreflect.MessageKind || fd.Kind() == protoreflect.StringKind || fd.Kind() == protoreflect.BytesKind {
			for _, it := range items {
				var err error
				if dst, err = ef.element(dst, it, ef.t.Elem, true); err != nil {
					return dst, err
				}
			}
			return dst, nil
		}
		// Packed, as proto3 writes repeated scalars.
		dst = protowire.AppendTag(dst, fd.Number(), protowire.BytesType)
		return appendLengthPrefixed(dst, func(b []byte) ([]byte, error) {
			for _, it := range items {
				pv := protoZero(fd.Kind())
				if it != nil {
					var err error
					if pv, err = protoScalar(fd, it, ef.t.Elem); err != nil {
						return b, errProtoFallback
					}
				}
				b = appendScalar(b, fd.Kind(), pv)
			}
			return b, nil
		})
	}
	return ef.element(dst, v, ef.t, false)
}

// element appends one occurrence of the field holding v (non-nil, or nil for a
// NULL array element); always is set for elements, which are written even when
// they are zero values.
func (ef *protoEncField) element(dst []byte, v any, t *types.Type, always bool) ([]byte, error) {
	fd := ef.fd
	if fd.Kind() == protoreflect.MessageKind {
		dst = protowire.AppendTag(dst, fd.Number(), protowire.BytesType)
		return appendLengthPrefixed(dst, func(b []byte) ([]byte, error) {
			if v == nil {
				return b, nil // an empty message
			}
			if ef.sub != nil {
				s, ok := v.(types.Struct)
				if !ok {
					return b, errProtoFallback
				}
				return ef.sub.encode(b, s)
			}
			return appendWellKnown(b, fd.Message(), v, t)
		})
	}
	pv := protoZero(fd.Kind())
	if v != nil {
		var err error
		if pv, err = protoScalar(fd, v, t); err != nil {
			return dst, errProtoFallback
		}
	}
	if !always && !fd.HasPresence() && isZeroScalar(fd.Kind(), pv) {
		return dst, nil // proto3 does not write a zero scalar
	}
	dst = protowire.AppendTag(dst, fd.Number(), wireTypeOf(fd.Kind()))
	return appendScalar(dst, fd.Kind(), pv), nil
}

func (ef *protoEncField) encodeMap(dst []byte, m *types.Map) ([]byte, error) {
	kf, vf := ef.fd.MapKey(), ef.fd.MapValue()
	type entry struct {
		k, v protoreflect.Value
	}
	entries := make([]entry, 0, len(m.Keys))
	for i, k := range m.Keys {
		if k == nil {
			continue
		}
		kv, err := protoScalar(kf, k, ef.t.Key)
		if err != nil {
			return dst, errProtoFallback
		}
		vv := protoZero(vf.Kind())
		if m.Values[i] != nil {
			if vv, err = protoScalar(vf, m.Values[i], ef.t.Elem); err != nil {
				return dst, errProtoFallback
			}
		}
		entries = append(entries, entry{kv, vv})
	}
	// The deterministic marshaller's key order; a later duplicate key wins.
	sort.SliceStable(entries, func(a, b int) bool { return mapKeyLess(kf.Kind(), entries[a].k, entries[b].k) })
	for i, e := range entries {
		if i+1 < len(entries) && !mapKeyLess(kf.Kind(), e.k, entries[i+1].k) {
			continue
		}
		dst = protowire.AppendTag(dst, ef.fd.Number(), protowire.BytesType)
		var err error
		dst, err = appendLengthPrefixed(dst, func(b []byte) ([]byte, error) {
			b = protowire.AppendTag(b, 1, wireTypeOf(kf.Kind()))
			b = appendScalar(b, kf.Kind(), e.k)
			b = protowire.AppendTag(b, 2, wireTypeOf(vf.Kind()))
			return appendScalar(b, vf.Kind(), e.v), nil
		})
		if err != nil {
			return dst, err
		}
	}
	return dst, nil
}

func mapKeyLess(k protoreflect.Kind, a, b protoreflect.Value) bool {
	switch k {
	case protoreflect.BoolKind:
		return !a.Bool() && b.Bool()
	case protoreflect.StringKind:
		return a.String() < b.String()
	case protoreflect.Uint32Kind, protoreflect.Uint64Kind, protoreflect.Fixed32Kind, protoreflect.Fixed64Kind:
		return a.Uint() < b.Uint()
	}
	return a.Int() < b.Int()
}

// appendLengthPrefixed appends what body writes, preceded by its length.
func appendLengthPrefixed(dst []byte, body func([]byte) ([]byte, error)) ([]byte, error) {
	start := len(dst)
	dst = append(dst, 0)
	dst, err := body(dst)
	if err != nil {
		return dst, err
	}
	l := len(dst) - start - 1
	if l < 0x80 {
		dst[start] = byte(l)
		return dst, nil
	}
	n := protowire.SizeVarint(uint64(l))
	dst = append(dst, make([]byte, n-1)...)
	copy(dst[start+n:], dst[start+1:start+1+l])
	protowire.AppendVarint(dst[:start], uint64(l))
	return dst, nil
}

func isZeroScalar(k protoreflect.Kind, v protoreflect.Value) bool {
	switch k {
	case protoreflect.BoolKind:
		return !v.Bool()
	case protoreflect.StringKind:
		return v.String() == ""
	case protoreflect.BytesKind:
		return len(v.Bytes()) == 0
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		f := v.Float()
		return f == 0 && !math.Signbit(f)
	case protoreflect.EnumKind:
		return v.Enum() == 0
	case protoreflect.Uint32Kind, protoreflect.Uint64Kind, protoreflect.Fixed32Kind, protoreflect.Fixed64Kind:
		return v.Uint() == 0
	}
	return v.Int() == 0
}

func appendScalar(b []byte, k protoreflect.Kind, v protoreflect.Value) []byte {
	switch k {
	case protoreflect.BoolKind:
		return protowire.AppendVarint(b, protowire.EncodeBool(v.Bool()))
	case protoreflect.Int32Kind:
		return protowire.AppendVarint(b, uint64(int32(v.Int())))
	case protoreflect.Int64Kind:
		return protowire.AppendVarint(b, uint64(v.Int()))
	case protoreflect.Sint32Kind:
		return protowire.AppendVarint(b, protowire.EncodeZigZag(int64(int32(v.Int())))&math.MaxUint32)
	case protoreflect.Sint64Kind:
		return protowire.AppendVarint(b, protowire.EncodeZigZag(v.Int()))
	case protoreflect.Uint32Kind, protoreflect.Uint64Kind:
		return protowire.AppendVarint(b, v.Uint())
	case protoreflect.EnumKind:
		return protowire.AppendVarint(b, uint64(int64(v.Enum())))
	case protoreflect.Fixed32Kind:
		return protowire.AppendFixed32(b, uint32(v.Uint()))
	case protoreflect.Sfixed32Kind:
		return protowire.AppendFixed32(b, uint32(int32(v.Int())))
	case protoreflect.Fixed64Kind:
		return protowire.AppendFixed64(b, v.Uint())
	case protoreflect.Sfixed64Kind:
		return protowire.AppendFixed64(b, uint64(v.Int()))
	case protoreflect.FloatKind:
		return protowire.AppendFixed32(b, math.Float32bits(float32(v.Float())))
	case protoreflect.DoubleKind:
		return protowire.AppendFixed64(b, math.Float64bits(v.Float()))
	case protoreflect.StringKind:
		return protowire.AppendString(b, v.String())
	case protoreflect.BytesKind:
		return protowire.AppendBytes(b, v.Bytes())
	}
	panic("protobuf: no scalar encoding for kind " + strconv.Itoa(int(k)))
}

// appendWellKnown writes the fields of a Timestamp, Date, TimeOfDay or wrapper
// as fillWellKnown sets them (zero fields are not written).
func appendWellKnown(b []byte, md protoreflect.MessageDescriptor, v any, t *types.Type) ([]byte, error) {
	var ints [4]int64
	switch md.FullName() {
	case protoTimestamp:
		ts, ok := v.(types.Timestamp)
		if !ok {
			return b, errProtoFallback
		}
		ms := int64(ts)
		sec, rem := ms/1000, ms%1000
		if rem < 0 {
			sec, rem = sec-1, rem+1000
		}
		ints = [4]int64{sec, rem * 1_000_000}
	case protoDate:
		d, ok := v.(types.Date)
		if !ok {
			return b, errProtoFallback
		}
		y, mo, day := types.Timestamp(int64(d) * 86_400_000).GoTime().Date()
		ints = [4]int64{int64(y), int64(mo), int64(day)}
	case protoTimeOfDay:
		tm, ok := v.(types.Time)
		if !ok {
			return b, errProtoFallback
		}
		ms := int64(tm)
		ints = [4]int64{ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000 * 1_000_000}
	case protoDecimal:
		d, ok := v.(*apd.Decimal)
		if !ok || t.Kind != types.KindDecimal {
			return b, errProtoFallback
		}
		raw, err := decimalBytes(d, t.Scale)
		if err != nil {
			return b, errProtoFallback
		}
		// value, precision, scale as fillWellKnown sets them (zeros not written).
		fs := md.Fields()
		if len(raw) > 0 {
			b = protowire.AppendTag(b, fs.ByName("value").Number(), protowire.BytesType)
			b = protowire.AppendBytes(b, raw)
		}
		if t.Precision != 0 {
			b = protowire.AppendTag(b, fs.ByName("precision").Number(), protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(uint32(t.Precision)))
		}
		if t.Scale != 0 {
			b = protowire.AppendTag(b, fs.ByName("scale").Number(), protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(int64(int32(t.Scale))))
		}
		return b, nil
	default: // a wrapper
		f := md.Fields().ByName("value")
		pv, err := protoScalar(f, v, t)
		if err != nil {
			return b, errProtoFallback
		}
		if isZeroScalar(f.Kind(), pv) {
			return b, nil
		}
		b = protowire.AppendTag(b, 1, wireTypeOf(f.Kind()))
		return appendScalar(b, f.Kind(), pv), nil
	}
	fs := md.Fields()
	for i := 0; i < fs.Len() && i < len(ints); i++ {
		f := fs.Get(i)
		if ints[i] == 0 {
			continue
		}
		var pv protoreflect.Value
		switch f.Kind() {
		case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
			pv = protoreflect.ValueOfInt64(ints[i])
		case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
			pv = protoreflect.ValueOfUint32(uint32(ints[i]))
		default:
			pv = protoreflect.ValueOfInt32(int32(ints[i]))
		}
		b = protowire.AppendTag(b, f.Number(), wireTypeOf(f.Kind()))
		b = appendScalar(b, f.Kind(), pv)
	}
	return b, nil
}
