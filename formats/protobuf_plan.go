package formats

import (
	"errors"
	"fmt"
	"math"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/sluice-db/sluice/types"
)

// A protoPlan decodes one message type straight from the wire into column values
// (or a STRUCT's fields), without building a dynamicpb message: it is compiled
// once per writer message and kept by the codec. Fields no column names are
// skipped on the wire; fields the reader does not use (a Projection) are read and
// checked but not kept. The plan
// gives the values the dynamicpb path (protoFieldValue) gives: absent scalars
// read as their zero value (NULL for proto3 optional), absent messages as NULL,
// absent repeated fields and maps as empty. Shapes it does not cover (maps of
// messages or collections, groups, a message field written twice, which
// protobuf merges) make buildProtoPlan return nil or decode return
// errProtoFallback, and the codec decodes that record with dynamicpb instead.
type protoPlan struct {
	// byNum maps a field number to its entry in fields.
	byNum  map[protowire.Number]int
	fields []protoPlanField
	n      int // number of outputs
}

type protoPlanField struct {
	out int // index in the output row or STRUCT
	fd  protoreflect.FieldDescriptor
	t   *types.Type
	// sub is the plan of a STRUCT-typed message field (or of its elements).
	sub *protoPlan
	// wellKnown is set for a Timestamp, Date, TimeOfDay, Decimal or wrapper read
	// into a non-STRUCT column.
	wellKnown bool
	// discard marks a field the reader does not use: it is still read and
	// checked (a projected reader rejects the records a full one rejects), but
	// its output stays NULL.
	discard bool
}

var errProtoFallback = errors.New("protobuf record needs the general decoder")

// buildProtoPlan compiles the plan for reading md into the given columns (or
// STRUCT fields); use is the part of them the reader needs (nil: all).
func buildProtoPlan(md protoreflect.MessageDescriptor, names []string, typs []*types.Type, use *Projection, depth int) *protoPlan {
	if depth > 32 {
		return nil
	}
	p := &protoPlan{byNum: map[protowire.Number]int{}, n: len(names)}
	for i, name := range names {
		used, nested := use.use(i)
		fd := protoFieldByName(md, name)
		if fd == nil {
			continue
		}
		pf := protoPlanField{out: i, fd: fd, t: typs[i], discard: !used}
		if !used {
			nested = nil
		}
		if !planFieldOK(&pf, nested, depth) {
			return nil
		}
		p.byNum[fd.Number()] = len(p.fields)
		p.fields = append(p.fields, pf)
	}
	return p
}

// planFieldOK fills in the message parts of pf and reports whether the plan
// covers the field.
func planFieldOK(pf *protoPlanField, nested *Projection, depth int) bool {
	fd, t := pf.fd, pf.t
	switch {
	case fd.Kind() == protoreflect.GroupKind:
		return false
	case fd.IsMap():
		if t.Kind != types.KindMap || fd.MapValue().Kind() == protoreflect.MessageKind || fd.MapValue().Kind() == protoreflect.GroupKind {
			return false
		}
		return true
	case fd.IsList():
		if t.Kind == types.KindMap && protoEntryList(fd) {
			return false
		}
		if t.Kind != types.KindArray {
			return false
		}
		if fd.Kind() == protoreflect.MessageKind {
			return planMessageOK(pf, fd.Message(), t.Elem, nil, depth)
		}
		return true
	case fd.Kind() == protoreflect.MessageKind:
		return planMessageOK(pf, fd.Message(), t, nested, depth)
	}
	return true
}

func planMessageOK(pf *protoPlanField, md protoreflect.MessageDescriptor, t *types.Type, nested *Projection, depth int) bool {
	switch md.FullName() {
	case protoTimestamp, protoDate, protoTimeOfDay, protoDecimal:
		pf.wellKnown = true
		return true
	}
	if isProtoWrapper(md.FullName()) && t.Kind != types.KindStruct {
		pf.wellKnown = true
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
	pf.sub = buildProtoPlan(md, names, typs, nested, depth+1)
	return pf.sub != nil
}

// decode fills dst (len p.n) from the message bytes b.
func (p *protoPlan) decode(b []byte, dst []any) error {
	for i := range dst {
		dst[i] = nil
	}
	set := make([]bool, len(p.fields))
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		fi, ok := p.byNum[num]
		if !ok {
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return protowire.ParseError(n)
			}
			b = b[n:]
			continue
		}
		pf := &p.fields[fi]
		if set[fi] && pf.fd.Kind() == protoreflect.MessageKind && !pf.fd.IsList() && !pf.fd.IsMap() {
			return errProtoFallback // protobuf merges a message written twice
		}
		n, err := pf.consume(typ, b, dst, set[fi])
		if err != nil {
			return err
		}
		if n < 0 {
			return protowire.ParseError(n)
		}
		set[fi] = true
		b = b[n:]
	}
	for fi := range p.fields {
		if pf := &p.fields[fi]; pf.discard {
			dst[pf.out] = nil
		} else if set[fi] && pf.fd.IsMap() {
			// The wire order of map entries is not defined: sorted, as the
			// general decoder sorts them.
			dst[pf.out] = sortedMap(dst[pf.out].(*types.Map))
		}
	}
	// Absent fields: the zero value, NULL, or an empty collection.
	for fi := range p.fields {
		if set[fi] {
			continue
		}
		pf := &p.fields[fi]
		if pf.discard {
			continue
		}
		v, err := pf.absent()
		if err != nil {
			return err
		}
		dst[pf.out] = v
	}
	return nil
}

func (pf *protoPlanField) absent() (any, error) {
	fd := pf.fd
	switch {
	case fd.IsMap():
		return &types.Map{}, nil
	case fd.IsList():
		return make([]any, 0), nil
	case fd.Kind() == protoreflect.MessageKind:
		return nil, nil
	}
	if oo := fd.ContainingOneof(); oo != nil && oo.IsSynthetic() {
		return nil, nil
	}
	return protoScalarFromWire(fd, 0, nil, pf.t)
}

// consume reads one occurrence of the field (wire type typ, at b) into dst and
// returns the bytes it took; again says an earlier occurrence was read.
func (pf *protoPlanField) consume(typ protowire.Type, b []byte, dst []any, again bool) (int, error) {
	fd := pf.fd
	switch {
	case fd.IsMap():
		if typ != protowire.BytesType {
			return protowire.ConsumeFieldValue(fd.Number(), typ, b), nil
		}
		entry, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return n, nil
		}
		m, _ := dst[pf.out].(*types.Map)
		if m == nil || !again {
			m = &types.Map{}
		}
		k, v, err := pf.mapEntry(entry)
		if err != nil {
			return 0, err
		}
		m.Put(k, v)
		dst[pf.out] = m
		return n, nil
	case fd.IsList():
		l, _ := dst[pf.out].([]any)
		if !again {
			l = make([]any, 0, 4)
		}
		if typ == protowire.BytesType && fd.Kind() != protoreflect.MessageKind && fd.Kind() != protoreflect.StringKind && fd.Kind() != protoreflect.BytesKind {
			// Packed scalars.
			packed, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return n, nil
			}
			for len(packed) > 0 {
				v, m, err := pf.element(wireTypeOf(fd.Kind()), packed)
				if err != nil {
					return 0, err
				}
				if m < 0 {
					return m, nil
				}
				l = append(l, v)
				packed = packed[m:]
			}
			dst[pf.out] = l
			return n, nil
		}
		v, n, err := pf.element(typ, b)
		if err != nil || n < 0 {
			return n, err
		}
		dst[pf.out] = append(l, v)
		return n, nil
	}
	v, n, err := pf.element(typ, b)
	if err != nil || n < 0 {
		return n, err
	}
	dst[pf.out] = v
	return n, nil
}

// element reads one value of the field's type: a scalar, or a message.
func (pf *protoPlanField) element(typ protowire.Type, b []byte) (any, int, error) {
	fd := pf.fd
	t := pf.t
	if fd.IsList() {
		t = t.Elem
	}
	if fd.Kind() == protoreflect.MessageKind {
		if typ != protowire.BytesType {
			return nil, 0, errProtoFallback
		}
		msg, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return nil, n, nil
		}
		if pf.wellKnown {
			v, err := wellKnownFromWire(fd.Message(), msg, t)
			return v, n, err
		}
		out := make(types.Struct, pf.sub.n)
		if err := pf.sub.decode(msg, out); err != nil {
			return nil, 0, err
		}
		return out, n, nil
	}
	if typ != wireTypeOf(fd.Kind()) {
		return nil, 0, errProtoFallback
	}
	var u uint64
	var raw []byte
	var n int
	switch typ {
	case protowire.VarintType:
		u, n = protowire.ConsumeVarint(b)
	case protowire.Fixed32Type:
		var x uint32
		x, n = protowire.ConsumeFixed32(b)
		u = uint64(x)
	case protowire.Fixed64Type:
		u, n = protowire.ConsumeFixed64(b)
	case protowire.BytesType:
		raw, n = protowire.ConsumeBytes(b)
	}
	if n < 0 {
		return nil, n, nil
	}
	v, err := protoScalarFromWire(fd, u, raw, t)
	return v, n, err
}

func (pf *protoPlanField) mapEntry(entry []byte) (k, v any, err error) {
	kf, vf := pf.fd.MapKey(), pf.fd.MapValue()
	var haveK, haveV bool
	for len(entry) > 0 {
		num, typ, n := protowire.ConsumeTag(entry)
		if n < 0 {
			return nil, nil, protowire.ParseError(n)
		}
		entry = entry[n:]
		var f protoreflect.FieldDescriptor
		var t *types.Type
		switch num {
		case 1:
			f, t = kf, pf.t.Key
		case 2:
			f, t = vf, pf.t.Elem
		}
		if f == nil || typ != wireTypeOf(f.Kind()) {
			n = protowire.ConsumeFieldValue(num, typ, entry)
			if n < 0 {
				return nil, nil, protowire.ParseError(n)
			}
			entry = entry[n:]
			continue
		}
		sub := protoPlanField{fd: f, t: t}
		x, n, err := sub.element(typ, entry)
		if err != nil {
			return nil, nil, err
		}
		if n < 0 {
			return nil, nil, protowire.ParseError(n)
		}
		if num == 1 {
			k, haveK = x, true
		} else {
			v, haveV = x, true
		}
		entry = entry[n:]
	}
	if !haveK {
		if k, err = protoScalarFromWire(kf, 0, nil, pf.t.Key); err != nil {
			return nil, nil, err
		}
	}
	if !haveV {
		if v, err = protoScalarFromWire(vf, 0, nil, pf.t.Elem); err != nil {
			return nil, nil, err
		}
	}
	return k, v, nil
}

// wireTypeOf is the wire type of a scalar kind.
func wireTypeOf(k protoreflect.Kind) protowire.Type {
	switch k {
	case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind, protoreflect.FloatKind:
		return protowire.Fixed32Type
	case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind, protoreflect.DoubleKind:
		return protowire.Fixed64Type
	case protoreflect.StringKind, protoreflect.BytesKind, protoreflect.MessageKind:
		return protowire.BytesType
	}
	return protowire.VarintType
}

// protoScalarFromWire converts a scalar read off the wire (u for numbers, raw
// for strings and bytes) to a value of t, as protoToSQL converts it.
func protoScalarFromWire(fd protoreflect.FieldDescriptor, u uint64, raw []byte, t *types.Type) (any, error) {
	var i int64
	isInt := true
	var f float64
	isFloat := false
	switch fd.Kind() {
	case protoreflect.Int32Kind, protoreflect.Sfixed32Kind:
		i = int64(int32(u))
	case protoreflect.Sint32Kind:
		i = int64(int32(protowire.DecodeZigZag(u & math.MaxUint32)))
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		i = int64(uint32(u))
	case protoreflect.Int64Kind, protoreflect.Sfixed64Kind:
		i = int64(u)
	case protoreflect.Sint64Kind:
		i = protowire.DecodeZigZag(u)
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		if u > math.MaxInt64 {
			return nil, fmt.Errorf("%d does not fit a BIGINT", u)
		}
		i = int64(u)
	case protoreflect.EnumKind:
		if t.Kind != types.KindString {
			return nil, fmt.Errorf("an enum read as %s", t)
		}
		if ev := fd.Enum().Values().ByNumber(protoreflect.EnumNumber(int32(u))); ev != nil {
			return string(ev.Name()), nil
		}
		return fmt.Sprint(int32(u)), nil
	case protoreflect.BoolKind:
		if t.Kind == types.KindBoolean {
			return u != 0, nil
		}
		return nil, fmt.Errorf("a bool field read as %s", t)
	case protoreflect.FloatKind:
		isInt, isFloat, f = false, true, float64(math.Float32frombits(uint32(u)))
	case protoreflect.DoubleKind:
		isInt, isFloat, f = false, true, math.Float64frombits(u)
	case protoreflect.StringKind:
		switch t.Kind {
		case types.KindString:
			return string(raw), nil
		case types.KindBytes:
			// protoToSQL reads a string field only as STRING.
		}
		return nil, fmt.Errorf("a string field read as %s", t)
	case protoreflect.BytesKind:
		if t.Kind == types.KindBytes {
			return append([]byte{}, raw...), nil
		}
		return nil, fmt.Errorf("a bytes field read as %s", t)
	default:
		return nil, errProtoFallback
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
		if isFloat {
			return f, nil
		}
		if isInt {
			return float64(i), nil
		}
	case types.KindString:
		if isInt {
			return fmt.Sprint(i), nil
		}
	}
	return nil, fmt.Errorf("a %s field read as %s", fd.Kind(), t)
}

// wellKnownFromWire reads a Timestamp, Date, TimeOfDay, Decimal or wrapper
// message (its bytes b) as readWellKnown reads it.
func wellKnownFromWire(md protoreflect.MessageDescriptor, b []byte, t *types.Type) (any, error) {
	// Their fields are numbered 1 to 4; the last occurrence wins.
	var nums [5]uint64
	var raw [5][]byte
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		b = b[n:]
		switch {
		case num >= 1 && num <= 4 && typ == protowire.VarintType:
			nums[num], n = protowire.ConsumeVarint(b)
		case num >= 1 && num <= 4 && typ == protowire.BytesType:
			raw[num], n = protowire.ConsumeBytes(b)
		case num >= 1 && num <= 4 && typ == protowire.Fixed64Type:
			nums[num], n = protowire.ConsumeFixed64(b)
		case num >= 1 && num <= 4 && typ == protowire.Fixed32Type:
			var x uint32
			x, n = protowire.ConsumeFixed32(b)
			nums[num] = uint64(x)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		b = b[n:]
	}
	i32 := func(k int) int64 { return int64(int32(nums[k])) }
	switch md.FullName() {
	case protoTimestamp:
		if t.Kind != types.KindTimestamp {
			return nil, fmt.Errorf("a Timestamp read as %s", t)
		}
		return types.Timestamp(int64(nums[1])*1000 + i32(2)/1_000_000), nil
	case protoDate:
		if t.Kind != types.KindDate {
			return nil, fmt.Errorf("a Date read as %s", t)
		}
		day := time.Date(int(i32(1)), time.Month(i32(2)), int(i32(3)), 0, 0, 0, 0, time.UTC)
		return types.Date(day.Unix() / 86_400), nil
	case protoTimeOfDay:
		if t.Kind != types.KindTime {
			return nil, fmt.Errorf("a TimeOfDay read as %s", t)
		}
		return types.Time(i32(1)*3_600_000 + i32(2)*60_000 + i32(3)*1000 + i32(4)/1_000_000), nil
	case protoDecimal:
		if t.Kind != types.KindDecimal {
			return nil, fmt.Errorf("a Decimal read as %s", t)
		}
		return decimalFromProto(raw[1], int(i32(3)), t)
	}
	f := md.Fields().ByName("value")
	return protoScalarFromWire(f, nums[1], raw[1], t)
}
