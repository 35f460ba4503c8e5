package schemaregistry

import (
	"sort"
	"strconv"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// Protobuf compatibility follows Confluent's Schema Registry: the original and the
// updated schema are compared element by element (messages and enums by name,
// fields by number, oneofs by name) into a list of typed differences, and the
// update is compatible when every difference is one of the compatible kinds.
// BACKWARD compares (old, new), FORWARD (new, old). Field numbers are a field's
// identity on the wire, so renaming a field is compatible and renumbering one is a
// removal plus an addition; scalar types may change within the groups the
// Protobuf language guide calls wire-compatible.

// protobufCompatible reports whether a Protobuf difference kind keeps data
// readable (Confluent's list of compatible changes).
func protobufCompatible(kind string) bool {
	switch kind {
	case "MESSAGE_ADDED", "MESSAGE_MOVED", "ENUM_ADDED", "ENUM_REMOVED", "ENUM_CONST_ADDED",
		"ENUM_CONST_CHANGED", "ENUM_CONST_REMOVED", "FIELD_ADDED", "FIELD_REMOVED",
		"FIELD_NAME_CHANGED", "FIELD_STRING_OR_BYTES_LABEL_CHANGED", "ONEOF_ADDED",
		"ONEOF_REMOVED", "ONEOF_FIELD_ADDED":
		return true
	}
	return false
}

// protoDiffer accumulates the differences of one comparison.
type protoDiffer struct {
	diffs []difference
	// seen holds the message pairs compared already, so recursive and shared
	// message types are compared once.
	seen map[[2]protoreflect.FullName]bool
}

// protobufDiff lists the differences from original to update.
func protobufDiff(original, update protoreflect.FileDescriptor) []difference {
	d := &protoDiffer{seen: map[[2]protoreflect.FullName]bool{}}
	if original.Package() != update.Package() {
		d.add("PACKAGE_CHANGED", "#/")
	}
	d.types("#", original.Messages(), update.Messages(), original.Enums(), update.Enums())
	return d.diffs
}

func (d *protoDiffer) add(kind, path string) {
	d.diffs = append(d.diffs, difference{kind: kind, path: path})
}

// types compares the messages and enums declared at one level (a file, or a
// message's nested types). A message's index among its siblings is part of
// Confluent's framing, but the index is always read against the writer's
// schema, so moving a message is compatible.
func (d *protoDiffer) types(path string, om, um protoreflect.MessageDescriptors, oe, ue protoreflect.EnumDescriptors) {
	origIdx, updIdx := messageIndexes(om), messageIndexes(um)
	for _, name := range unionNames(origIdx, updIdx) {
		p := path + "/" + name
		oi, inOrig := origIdx[name]
		ui, inUpd := updIdx[name]
		switch {
		case !inUpd:
			d.add("MESSAGE_REMOVED", p)
		case !inOrig:
			d.add("MESSAGE_ADDED", p)
		default:
			d.message(p, om.Get(oi.pos), um.Get(ui.pos))
			if oi.index != ui.index {
				d.add("MESSAGE_MOVED", p)
			}
		}
	}
	origEnums, updEnums := enumsByName(oe), enumsByName(ue)
	for _, name := range unionNames(origEnums, updEnums) {
		p := path + "/" + name
		o, inOrig := origEnums[name]
		u, inUpd := updEnums[name]
		switch {
		case !inUpd:
			d.add("ENUM_REMOVED", p)
		case !inOrig:
			d.add("ENUM_ADDED", p)
		default:
			d.enum(p, o, u)
		}
	}
}

// msgPos is a message's position among its siblings (pos, map entries
// included) and its Confluent message index (map entries not counted).
type msgPos struct{ pos, index int }

func messageIndexes(ms protoreflect.MessageDescriptors) map[string]msgPos {
	out := map[string]msgPos{}
	index := 0
	for i := 0; i < ms.Len(); i++ {
		m := ms.Get(i)
		if m.IsMapEntry() {
			continue // a map field's entry type is compared as the map
		}
		out[string(m.Name())] = msgPos{pos: i, index: index}
		index++
	}
	return out
}

func enumsByName(es protoreflect.EnumDescriptors) map[string]protoreflect.EnumDescriptor {
	out := map[string]protoreflect.EnumDescriptor{}
	for i := 0; i < es.Len(); i++ {
		out[string(es.Get(i).Name())] = es.Get(i)
	}
	return out
}

func unionNames[V any](a, b map[string]V) []string {
	var out []string
	for k := range a {
		out = append(out, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func (d *protoDiffer) enum(path string, o, u protoreflect.EnumDescriptor) {
	ov, uv := o.Values(), u.Values()
	byNum := func(vs protoreflect.EnumValueDescriptors) map[protoreflect.EnumNumber]protoreflect.Name {
		m := map[protoreflect.EnumNumber]protoreflect.Name{}
		for i := 0; i < vs.Len(); i++ {
			m[vs.Get(i).Number()] = vs.Get(i).Name()
		}
		return m
	}
	om, um := byNum(ov), byNum(uv)
	for n, name := range om {
		p := path + "/" + strconv.Itoa(int(n))
		un, ok := um[n]
		switch {
		case !ok:
			d.add("ENUM_CONST_REMOVED", p)
		case un != name:
			d.add("ENUM_CONST_CHANGED", p)
		}
	}
	for n := range um {
		if _, ok := om[n]; !ok {
			d.add("ENUM_CONST_ADDED", path+"/"+strconv.Itoa(int(n)))
		}
	}
}

// realOneof is the field's oneof unless it is the synthetic one proto3 gives an
// optional field (which is a plain field on the wire).
func realOneof(f protoreflect.FieldDescriptor) protoreflect.OneofDescriptor {
	if o := f.ContainingOneof(); o != nil && !o.IsSynthetic() {
		return o
	}
	return nil
}

func (d *protoDiffer) message(path string, o, u protoreflect.MessageDescriptor) {
	key := [2]protoreflect.FullName{o.FullName(), u.FullName()}
	if d.seen[key] {
		return
	}
	d.seen[key] = true

	// Fields outside oneofs, by number; every field by number; and each field's
	// oneof (by name) if it has one.
	plain := func(m protoreflect.MessageDescriptor) (top map[protoreflect.FieldNumber]protoreflect.FieldDescriptor, all map[protoreflect.FieldNumber]protoreflect.FieldDescriptor, oneofOf map[protoreflect.FieldNumber]protoreflect.Name) {
		top, all, oneofOf = map[protoreflect.FieldNumber]protoreflect.FieldDescriptor{}, map[protoreflect.FieldNumber]protoreflect.FieldDescriptor{}, map[protoreflect.FieldNumber]protoreflect.Name{}
		fs := m.Fields()
		for i := 0; i < fs.Len(); i++ {
			f := fs.Get(i)
			all[f.Number()] = f
			if oo := realOneof(f); oo != nil {
				oneofOf[f.Number()] = oo.Name()
			} else {
				top[f.Number()] = f
			}
		}
		return top, all, oneofOf
	}
	oTop, oAll, oOneof := plain(o)
	uTop, uAll, uOneof := plain(u)

	// A oneof of the update may take in at most one field that was outside any
	// oneof, and only if none of its other fields was in a oneof before:
	// otherwise old data could hold two members of the new oneof at once.
	uOneofs := oneofsByName(u)
	for _, name := range sortedNames(uOneofs) {
		oo := uOneofs[name]
		moved, existing := 0, 0
		for i := 0; i < oo.Fields().Len(); i++ {
			n := oo.Fields().Get(i).Number()
			if _, ok := oTop[n]; ok {
				moved++
				delete(oTop, n) // not a removal
			} else if _, ok := oOneof[n]; ok {
				existing++
			}
		}
		p := path + "/" + string(name)
		if moved > 1 {
			d.add("MULTIPLE_FIELDS_MOVED_TO_ONEOF", p)
		} else if moved == 1 && existing > 0 {
			d.add("FIELD_MOVED_TO_EXISTING_ONEOF", p)
		}
	}

	oOneofs := oneofsByName(o)
	for _, name := range unionOneofNames(oOneofs, uOneofs) {
		p := path + "/" + string(name)
		oo, inOrig := oOneofs[name]
		uo, inUpd := uOneofs[name]
		switch {
		case !inUpd:
			d.add("ONEOF_REMOVED", p)
		case !inOrig:
			d.add("ONEOF_ADDED", p)
		default:
			d.oneof(p, oo, uo, uAll)
		}
	}

	for _, n := range unionNumbers(oTop, uTop) {
		p := path + "/" + strconv.Itoa(int(n))
		of, inOrig := oTop[n]
		uf, inUpd := uTop[n]
		switch {
		case !inUpd:
			if of.Cardinality() == protoreflect.Required {
				d.add("REQUIRED_FIELD_REMOVED", p)
			} else {
				d.add("FIELD_REMOVED", p)
			}
		case !inOrig:
			if uf.Cardinality() == protoreflect.Required {
				d.add("REQUIRED_FIELD_ADDED", p)
			} else {
				d.add("FIELD_ADDED", p)
			}
		default:
			d.field(p, of, uf)
		}
	}

	// Fields whose oneof membership changed (into, out of, or between oneofs) are
	// compared by number here: the loops above skipped them.
	for _, n := range unionNumbers(oAll, uAll) {
		of, inOrig := oAll[n]
		uf, inUpd := uAll[n]
		if !inOrig || !inUpd {
			continue
		}
		on, oIn := oOneof[n]
		un, uIn := uOneof[n]
		if (!oIn && !uIn) || (oIn && uIn && on == un) {
			continue
		}
		d.field(path+"/"+strconv.Itoa(int(n)), of, uf)
	}

	d.types(path, o.Messages(), u.Messages(), o.Enums(), u.Enums())
}

func (d *protoDiffer) oneof(path string, o, u protoreflect.OneofDescriptor, updateAll map[protoreflect.FieldNumber]protoreflect.FieldDescriptor) {
	byNum := func(oo protoreflect.OneofDescriptor) map[protoreflect.FieldNumber]protoreflect.FieldDescriptor {
		m := map[protoreflect.FieldNumber]protoreflect.FieldDescriptor{}
		for i := 0; i < oo.Fields().Len(); i++ {
			m[oo.Fields().Get(i).Number()] = oo.Fields().Get(i)
		}
		return m
	}
	om, um := byNum(o), byNum(u)
	for _, n := range unionNumbers(om, um) {
		p := path + "/" + strconv.Itoa(int(n))
		of, inOrig := om[n]
		uf, inUpd := um[n]
		switch {
		case !inUpd:
			// A field that left the oneof but lives on elsewhere in the message
			// was moved, not removed: that only relaxes the oneof.
			if _, elsewhere := updateAll[n]; !elsewhere {
				d.add("ONEOF_FIELD_REMOVED", p)
			}
		case !inOrig:
			d.add("ONEOF_FIELD_ADDED", p)
		default:
			d.field(p, of, uf)
		}
	}
}

func oneofsByName(m protoreflect.MessageDescriptor) map[protoreflect.Name]protoreflect.OneofDescriptor {
	out := map[protoreflect.Name]protoreflect.OneofDescriptor{}
	for i := 0; i < m.Oneofs().Len(); i++ {
		if oo := m.Oneofs().Get(i); !oo.IsSynthetic() {
			out[oo.Name()] = oo
		}
	}
	return out
}

func sortedNames(m map[protoreflect.Name]protoreflect.OneofDescriptor) []protoreflect.Name {
	var out []protoreflect.Name
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func unionOneofNames(a, b map[protoreflect.Name]protoreflect.OneofDescriptor) []protoreflect.Name {
	out := sortedNames(a)
	for _, k := range sortedNames(b) {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func unionNumbers(a, b map[protoreflect.FieldNumber]protoreflect.FieldDescriptor) []protoreflect.FieldNumber {
	var out []protoreflect.FieldNumber
	for k := range a {
		out = append(out, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// field compares two fields with the same number.
func (d *protoDiffer) field(path string, o, u protoreflect.FieldDescriptor) {
	if o.Name() != u.Name() {
		d.add("FIELD_NAME_CHANGED", path)
	}
	if (o.Cardinality() == protoreflect.Repeated) != (u.Cardinality() == protoreflect.Repeated) && !o.IsMap() && !u.IsMap() {
		// A singular field reads the last of a repeated one's elements; numeric
		// repeated fields are packed in proto3, which a singular reader cannot
		// split, while string and bytes elements are framed alike either way.
		switch {
		case isStringOrBytes(o) && isStringOrBytes(u):
			d.add("FIELD_STRING_OR_BYTES_LABEL_CHANGED", path)
		case protoKind(o) == "SCALAR" && protoKind(u) == "SCALAR":
			d.add("FIELD_NUMERIC_LABEL_CHANGED", path)
		}
	}
	d.fieldType(path, o, u)
}

func isStringOrBytes(f protoreflect.FieldDescriptor) bool {
	return f.Kind() == protoreflect.StringKind || f.Kind() == protoreflect.BytesKind
}

// fieldType compares the types of two fields (or of two map keys or values).
func (d *protoDiffer) fieldType(path string, o, u protoreflect.FieldDescriptor) {
	ok, uk := protoKind(o), protoKind(u)
	if ok != uk {
		d.add("FIELD_KIND_CHANGED", path)
		return
	}
	switch ok {
	case "SCALAR":
		if scalarGroup(o) != scalarGroup(u) {
			d.add("FIELD_SCALAR_KIND_CHANGED", path)
		}
	case "MAP":
		d.fieldType(path, o.MapKey(), u.MapKey())
		d.fieldType(path, o.MapValue(), u.MapValue())
	case "MESSAGE":
		om, um := o.Message(), u.Message()
		if localName(om) != localName(um) {
			d.add("FIELD_NAMED_TYPE_CHANGED", path)
			return
		}
		// The same name: the message type itself must have changed compatibly.
		sub := &protoDiffer{seen: d.seen}
		sub.message("#/"+localName(om), om, um)
		d.diffs = append(d.diffs, sub.diffs...)
		for _, x := range sub.diffs {
			if !protobufCompatible(x.kind) {
				d.add("FIELD_NAMED_TYPE_CHANGED", path)
				break
			}
		}
	}
}

// protoKind is Confluent's kind of a field's type: enums count as scalars.
func protoKind(f protoreflect.FieldDescriptor) string {
	switch {
	case f.IsMap():
		return "MAP"
	case f.Kind() == protoreflect.MessageKind || f.Kind() == protoreflect.GroupKind:
		return "MESSAGE"
	}
	return "SCALAR"
}

// scalarGroup groups the scalar types that read each other's encoding (the
// Protobuf language guide's "Updating A Message Type"): the varint types, enums
// and bool; the zigzag ones; string and bytes; each fixed width; float; double.
func scalarGroup(f protoreflect.FieldDescriptor) string {
	switch f.Kind() {
	case protoreflect.Int32Kind, protoreflect.Int64Kind, protoreflect.Uint32Kind, protoreflect.Uint64Kind,
		protoreflect.BoolKind, protoreflect.EnumKind:
		return "GENERAL_NUMBER"
	case protoreflect.Sint32Kind, protoreflect.Sint64Kind:
		return "SIGNED_NUMBER"
	case protoreflect.StringKind, protoreflect.BytesKind:
		return "STRING_OR_BYTES"
	case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind:
		return "FIXED32"
	case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind:
		return "FIXED64"
	case protoreflect.FloatKind:
		return "FLOAT"
	case protoreflect.DoubleKind:
		return "DOUBLE"
	}
	return f.Kind().String()
}

// localName is a message's name without its file's package, so that moving both
// schemas to another package keeps field types equal.
func localName(m protoreflect.MessageDescriptor) string {
	full := string(m.FullName())
	if pkg := string(m.ParentFile().Package()); pkg != "" {
		return strings.TrimPrefix(full, pkg+".")
	}
	return full
}
