package schemaregistry

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// JSON Schema compatibility follows Confluent's Schema Registry: the original
// and the updated schema are walked together into typed differences, and the
// update is compatible when each is one of the compatible kinds (relaxing a
// constraint, widening a type, removing a property from an open content model,
// ...). An object's content model decides what adding or removing a property
// means: open (additionalProperties absent or true, no patternProperties) admits
// any extra property, so a property added to it may conflict with data already
// written, while one removed from it stays readable; closed
// (additionalProperties false) admits none, so an added property is compatible
// (optional, or required with a default) and a removed one is not; partially
// open (patternProperties or an additionalProperties schema) is compatible when
// the schema covering the property there is.

// jsonSchemaCompatible reports whether a JSON Schema difference kind keeps data
// readable (Confluent's list of compatible changes).
func jsonSchemaCompatible(kind string) bool {
	switch kind {
	case "ID_CHANGED", "DESCRIPTION_CHANGED", "TITLE_CHANGED", "DEFAULT_CHANGED", "SCHEMA_REMOVED", "TYPE_EXTENDED",
		"MAX_LENGTH_INCREASED", "MAX_LENGTH_REMOVED", "MIN_LENGTH_DECREASED", "MIN_LENGTH_REMOVED", "PATTERN_REMOVED",
		"MAXIMUM_INCREASED", "MAXIMUM_REMOVED", "MINIMUM_DECREASED", "MINIMUM_REMOVED",
		"EXCLUSIVE_MAXIMUM_INCREASED", "EXCLUSIVE_MAXIMUM_REMOVED", "EXCLUSIVE_MINIMUM_DECREASED", "EXCLUSIVE_MINIMUM_REMOVED",
		"MULTIPLE_OF_REDUCED", "MULTIPLE_OF_REMOVED",
		"REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED", "REQUIRED_ATTRIBUTE_REMOVED",
		"DEPENDENCY_ARRAY_NARROWED", "DEPENDENCY_ARRAY_REMOVED", "DEPENDENCY_SCHEMA_REMOVED",
		"MAX_PROPERTIES_INCREASED", "MAX_PROPERTIES_REMOVED", "MIN_PROPERTIES_DECREASED", "MIN_PROPERTIES_REMOVED",
		"ADDITIONAL_PROPERTIES_ADDED", "ADDITIONAL_PROPERTIES_EXTENDED",
		"PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL", "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL",
		"OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL",
		"PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL", "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
		"PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
		"MAX_ITEMS_INCREASED", "MAX_ITEMS_REMOVED", "MIN_ITEMS_DECREASED", "MIN_ITEMS_REMOVED", "UNIQUE_ITEMS_REMOVED",
		"ADDITIONAL_ITEMS_ADDED", "ADDITIONAL_ITEMS_EXTENDED",
		"ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL", "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL",
		"ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL", "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL",
		"ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
		"ENUM_ARRAY_EXTENDED", "COMBINED_TYPE_EXTENDED", "PRODUCT_TYPE_NARROWED", "SUM_TYPE_EXTENDED", "NOT_TYPE_NARROWED":
		return true
	}
	return false
}

// jsonDoc is a parsed JSON Schema document; $refs into it are resolved by JSON
// pointer.
type jsonDoc struct {
	root any
}

func parseJSONSchema(text string) (*jsonDoc, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	switch v.(type) {
	case map[string]any, bool:
	default:
		return nil, fmt.Errorf("a JSON Schema is an object or a boolean")
	}
	return &jsonDoc{root: v}, nil
}

// deref follows a local $ref ("#/definitions/x", "#/$defs/x"); other references
// stay as they are and compare by their text.
func (doc *jsonDoc) deref(s any) any {
	for range 32 {
		m, ok := s.(map[string]any)
		if !ok {
			return s
		}
		ref, ok := m["$ref"].(string)
		if !ok || !strings.HasPrefix(ref, "#") {
			return s
		}
		target := doc.pointer(strings.TrimPrefix(ref, "#"))
		if target == nil {
			return s
		}
		s = target
	}
	return s
}

func (doc *jsonDoc) pointer(p string) any {
	cur := doc.root
	if p == "" || p == "/" {
		return cur
	}
	for _, tok := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		if cur, ok = m[tok]; !ok {
			return nil
		}
	}
	return cur
}

// jsonKind classifies a schema as Confluent's JSON Schema library does: empty
// (true, {}), false, combined (allOf/anyOf/oneOf, and a list of types), not,
// enum (enum, const), or one type.
func jsonKind(s any) string {
	switch v := s.(type) {
	case bool:
		if v {
			return "empty"
		}
		return "false"
	case map[string]any:
		for _, c := range []string{"allOf", "anyOf", "oneOf"} {
			if _, ok := v[c]; ok {
				return "combined"
			}
		}
		if ts, ok := v["type"].([]any); ok && len(ts) != 1 {
			return "combined"
		}
		if _, ok := v["not"]; ok {
			return "not"
		}
		if _, ok := v["enum"]; ok {
			return "enum"
		}
		if _, ok := v["const"]; ok {
			return "enum"
		}
		t, _ := v["type"].(string)
		if ts, ok := v["type"].([]any); ok && len(ts) == 1 {
			t, _ = ts[0].(string)
		}
		switch t {
		case "integer", "number":
			return "number"
		case "string", "boolean", "null", "object", "array":
			return t
		case "":
			for _, k := range []string{"properties", "additionalProperties", "patternProperties", "required", "minProperties", "maxProperties", "dependencies"} {
				if _, ok := v[k]; ok {
					return "object"
				}
			}
			for _, k := range []string{"items", "additionalItems", "minItems", "maxItems", "uniqueItems"} {
				if _, ok := v[k]; ok {
					return "array"
				}
			}
			for _, k := range []string{"minLength", "maxLength", "pattern"} {
				if _, ok := v[k]; ok {
					return "string"
				}
			}
			for _, k := range []string{"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"} {
				if _, ok := v[k]; ok {
					return "number"
				}
			}
			if _, ok := v["$ref"]; ok {
				return "ref"
			}
			return "empty"
		}
		return t
	}
	return "empty"
}

// combined returns a combined schema's criterion and subschemas; a list of
// types is an anyOf of one schema per type.
func combined(m map[string]any) (string, []any) {
	for _, c := range []string{"allOf", "anyOf", "oneOf"} {
		if subs, ok := m[c].([]any); ok {
			return c, subs
		}
	}
	ts, _ := m["type"].([]any)
	var subs []any
	for _, t := range ts {
		sub := map[string]any{}
		for k, v := range m {
			sub[k] = v
		}
		sub["type"] = t
		subs = append(subs, sub)
	}
	return "anyOf", subs
}

// jsonDiffer accumulates the differences of one comparison of two documents.
type jsonDiffer struct {
	orig, upd *jsonDoc
	diffs     []difference
	// depth bounds recursive $refs.
	depth int
}

func jsonSchemaDiff(original, update *jsonDoc) []difference {
	d := &jsonDiffer{orig: original, upd: update}
	d.compare("#", original.root, update.root)
	return d.diffs
}

func (d *jsonDiffer) add(path, kind string) {
	d.diffs = append(d.diffs, difference{kind: kind, path: path})
}

func (d *jsonDiffer) sub() *jsonDiffer {
	return &jsonDiffer{orig: d.orig, upd: d.upd, depth: d.depth}
}

func (d *jsonDiffer) compatible() bool {
	for _, x := range d.diffs {
		if !jsonSchemaCompatible(x.kind) {
			return false
		}
	}
	return true
}

func (d *jsonDiffer) compare(path string, o, u any) {
	switch {
	case o == nil && u == nil:
		return
	case o == nil:
		d.add(path, "SCHEMA_ADDED")
		return
	case u == nil:
		d.add(path, "SCHEMA_REMOVED")
		return
	}
	if d.depth > 64 {
		return // a recursive schema: its levels below compare alike
	}
	d.depth++
	defer func() { d.depth-- }()
	o, u = d.orig.deref(o), d.upd.deref(u)
	ok, uk := jsonKind(o), jsonKind(u)

	// A union on one side may still match the other side's single schema.
	if ok != "combined" && uk == "combined" {
		crit, subs := combined(u.(map[string]any))
		if len(subs) == 1 || crit != "allOf" {
			for _, s := range subs {
				sd := d.sub()
				sd.compare(path, o, s)
				if sd.compatible() {
					d.diffs = append(d.diffs, sd.diffs...)
					if len(subs) > 1 {
						d.add(path, "SUM_TYPE_EXTENDED")
					}
					return
				}
			}
		}
	} else if ok == "combined" && uk != "combined" {
		if _, subs := combined(o.(map[string]any)); len(subs) == 1 {
			sd := d.sub()
			sd.compare(path, subs[0], u)
			if sd.compatible() {
				d.diffs = append(d.diffs, sd.diffs...)
				return
			}
		}
	}
	if ok != uk {
		if ok == "false" || uk == "empty" {
			return // the update accepts everything, or the original nothing
		}
		d.add(path, "TYPE_CHANGED")
		return
	}
	om, _ := o.(map[string]any)
	um, _ := u.(map[string]any)
	if om == nil || um == nil {
		return
	}
	for _, a := range []struct{ key, kind string }{{"$id", "ID_CHANGED"}, {"title", "TITLE_CHANGED"}, {"description", "DESCRIPTION_CHANGED"}, {"default", "DEFAULT_CHANGED"}} {
		if !reflect.DeepEqual(om[a.key], um[a.key]) {
			d.add(path, a.kind)
		}
	}
	switch ok {
	case "string":
		d.bound(path, om, um, "maxLength", "MAX_LENGTH")
		d.bound(path, om, um, "minLength", "MIN_LENGTH")
		op, oHas := om["pattern"]
		up, uHas := um["pattern"]
		switch {
		case !oHas && uHas:
			d.add(path+"/pattern", "PATTERN_ADDED")
		case oHas && !uHas:
			d.add(path+"/pattern", "PATTERN_REMOVED")
		case oHas && op != up:
			d.add(path+"/pattern", "PATTERN_CHANGED")
		}
	case "number":
		d.bound(path, om, um, "maximum", "MAXIMUM")
		d.bound(path, om, um, "minimum", "MINIMUM")
		d.bound(path, om, um, "exclusiveMaximum", "EXCLUSIVE_MAXIMUM")
		d.bound(path, om, um, "exclusiveMinimum", "EXCLUSIVE_MINIMUM")
		d.multipleOf(path, om, um)
		oi, ui := om["type"] == "integer", um["type"] == "integer"
		if oi && !ui {
			d.add(path, "TYPE_EXTENDED")
		} else if !oi && ui {
			d.add(path, "TYPE_NARROWED")
		}
	case "enum":
		oe, ue := enumValues(om), enumValues(um)
		switch {
		case reflect.DeepEqual(oe, ue):
		case containsAll(ue, oe):
			d.add(path+"/enum", "ENUM_ARRAY_EXTENDED")
		case containsAll(oe, ue):
			d.add(path+"/enum", "ENUM_ARRAY_NARROWED")
		default:
			d.add(path+"/enum", "ENUM_ARRAY_CHANGED")
		}
	case "not":
		// not X accepts more when X accepts less.
		sd := d.sub()
		sd.compare(path+"/not", um["not"], om["not"])
		if sd.compatible() {
			d.add(path+"/not", "NOT_TYPE_NARROWED")
		} else {
			d.add(path+"/not", "NOT_TYPE_EXTENDED")
		}
	case "combined":
		d.combined(path, om, um)
	case "object":
		d.object(path, om, um)
	case "array":
		d.array(path, om, um)
	case "ref":
		if om["$ref"] != um["$ref"] {
			d.add(path, "TYPE_CHANGED")
		}
	}
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	}
	return 0, false
}

// bound compares a numeric bound (maxLength, minimum, ...); which of its
// changes are compatible depends on whether it is an upper or a lower one.
func (d *jsonDiffer) bound(path string, om, um map[string]any, key, kind string) {
	ov, oHas := number(om[key])
	uv, uHas := number(um[key])
	p := path + "/" + key
	switch {
	case !oHas && !uHas:
	case !oHas:
		d.add(p, kind+"_ADDED")
	case !uHas:
		d.add(p, kind+"_REMOVED")
	case ov < uv:
		d.add(p, kind+"_INCREASED")
	case ov > uv:
		d.add(p, kind+"_DECREASED")
	}
}

func (d *jsonDiffer) multipleOf(path string, om, um map[string]any) {
	ov, oHas := number(om["multipleOf"])
	uv, uHas := number(um["multipleOf"])
	p := path + "/multipleOf"
	switch {
	case !oHas && !uHas:
	case !oHas:
		d.add(p, "MULTIPLE_OF_ADDED")
	case !uHas:
		d.add(p, "MULTIPLE_OF_REMOVED")
	case ov == uv:
	case uv != 0 && isMultiple(ov, uv):
		d.add(p, "MULTIPLE_OF_REDUCED") // every old multiple is a new one
	case ov != 0 && isMultiple(uv, ov):
		d.add(p, "MULTIPLE_OF_EXPANDED")
	default:
		d.add(p, "MULTIPLE_OF_CHANGED")
	}
}

func isMultiple(a, b float64) bool {
	q := a / b
	return q == float64(int64(q))
}

func enumValues(m map[string]any) []any {
	if c, ok := m["const"]; ok {
		return []any{c}
	}
	vs, _ := m["enum"].([]any)
	return vs
}

func containsAll(set, of []any) bool {
	for _, x := range of {
		found := false
		for _, y := range set {
			if reflect.DeepEqual(x, y) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func (d *jsonDiffer) combined(path string, om, um map[string]any) {
	oc, os := combined(om)
	uc, us := combined(um)
	if oc != uc {
		switch {
		case uc == "anyOf", uc == "oneOf" && len(os) == 1, uc == "allOf" && len(os) == 1 && len(us) == 1:
			d.add(path, "COMBINED_TYPE_EXTENDED")
		default:
			d.add(path, "COMBINED_TYPE_CHANGED")
			return
		}
	}
	os, us = distinct(os), distinct(us)
	switch {
	case len(os) < len(us) && uc == "allOf":
		d.add(path, "PRODUCT_TYPE_EXTENDED")
	case len(os) < len(us):
		d.add(path, "SUM_TYPE_EXTENDED")
	case len(os) > len(us) && uc == "allOf":
		d.add(path, "PRODUCT_TYPE_NARROWED")
	case len(os) > len(us):
		d.add(path, "SUM_TYPE_NARROWED")
	}
	// Match each original subschema to a distinct update subschema it is
	// compatible with (a maximum bipartite matching by augmenting paths).
	edges := make([][]*jsonDiffer, len(os))
	for i, o := range os {
		edges[i] = make([]*jsonDiffer, len(us))
		for j, u := range us {
			sd := d.sub()
			sd.compare(path+"/"+oc+"/"+strconv.Itoa(i), o, u)
			if sd.compatible() {
				edges[i][j] = sd
			}
		}
	}
	matchOfU := make([]int, len(us))
	for j := range matchOfU {
		matchOfU[j] = -1
	}
	var try func(i int, seen []bool) bool
	try = func(i int, seen []bool) bool {
		for j := range us {
			if edges[i][j] == nil || seen[j] {
				continue
			}
			seen[j] = true
			if matchOfU[j] < 0 || try(matchOfU[j], seen) {
				matchOfU[j] = i
				return true
			}
		}
		return false
	}
	matched := 0
	for i := range os {
		if try(i, make([]bool, len(us))) {
			matched++
		}
	}
	for j, i := range matchOfU {
		if i >= 0 {
			d.diffs = append(d.diffs, edges[i][j].diffs...)
		}
	}
	if matched < min(len(os), len(us)) {
		d.add(path, "COMBINED_TYPE_SUBSCHEMAS_CHANGED")
	}
}

func distinct(xs []any) []any {
	var out []any
	for _, x := range xs {
		if !containsAll(out, []any{x}) {
			out = append(out, x)
		}
	}
	return out
}

func stringSet(v any) map[string]bool {
	out := map[string]bool{}
	vs, _ := v.([]any)
	for _, x := range vs {
		if s, ok := x.(string); ok {
			out[s] = true
		}
	}
	return out
}

func sortedKeys(ms ...map[string]any) []string {
	set := map[string]bool{}
	for _, m := range ms {
		for k := range m {
			set[k] = true
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// openContentModel: an object that admits any property it does not name.
func openContentModel(m map[string]any) bool {
	if pp, ok := m["patternProperties"].(map[string]any); ok && len(pp) > 0 {
		return false
	}
	ap, has := m["additionalProperties"]
	return !has || ap == true
}

// partialSchema is the schema a partially open content model gives a property
// it does not name: the first matching patternProperties entry, else the
// additionalProperties schema (nil when there is none).
func partialSchema(m map[string]any, prop string) any {
	if pp, ok := m["patternProperties"].(map[string]any); ok {
		for _, pat := range sortedKeys(pp) {
			if re, err := regexp.Compile(pat); err == nil && re.MatchString(prop) {
				return pp[pat]
			}
		}
	}
	if ap, ok := m["additionalProperties"].(map[string]any); ok {
		return ap
	}
	return nil
}

func hasDefault(s any) bool {
	m, ok := s.(map[string]any)
	if !ok {
		return false
	}
	_, has := m["default"]
	return has
}

func (d *jsonDiffer) object(path string, om, um map[string]any) {
	op, _ := om["properties"].(map[string]any)
	up, _ := um["properties"].(map[string]any)
	oreq, ureq := stringSet(om["required"]), stringSet(um["required"])

	for _, k := range sortedKeys(op) {
		if _, ok := up[k]; !ok {
			continue
		}
		p := path + "/required/" + k
		switch {
		case oreq[k] && !ureq[k]:
			d.add(p, "REQUIRED_ATTRIBUTE_REMOVED")
		case !oreq[k] && ureq[k] && hasDefault(up[k]):
			d.add(p, "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED")
		case !oreq[k] && ureq[k]:
			d.add(p, "REQUIRED_ATTRIBUTE_ADDED")
		}
	}

	for _, k := range sortedKeys(op, up) {
		p := path + "/properties/" + k
		os, inOrig := op[k]
		us, inUpd := up[k]
		switch {
		case !inUpd:
			// Only the update's content model matters: a removed property is
			// still accepted if the update admits unnamed properties.
			if openContentModel(um) {
				d.add(p, "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL")
			} else if ps := partialSchema(um, k); ps != nil {
				sd := d.sub()
				sd.compare(p, os, ps)
				d.diffs = append(d.diffs, sd.diffs...)
				if sd.compatible() {
					d.add(p, "PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
				} else {
					d.add(p, "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
				}
			} else if os == false {
				d.add(p, "PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL")
			} else {
				d.add(p, "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL")
			}
		case !inOrig:
			// Only the original's content model matters: old data may hold the
			// new property with any value if the original admitted it.
			if openContentModel(om) {
				if jsonKind(us) == "empty" {
					d.add(p, "PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL")
				} else {
					d.add(p, "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL")
				}
				continue
			}
			if ps := partialSchema(om, k); ps != nil {
				sd := d.sub()
				sd.compare(p, ps, us)
				d.diffs = append(d.diffs, sd.diffs...)
				if sd.compatible() {
					d.add(p, "PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
				} else {
					d.add(p, "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
				}
			}
			switch {
			case ureq[k] && hasDefault(us):
				d.add(p, "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL")
			case ureq[k]:
				d.add(p, "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL")
			default:
				d.add(p, "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL")
			}
		default:
			d.compare(p, os, us)
		}
	}

	// dependencies: arrays of property names, or schemas.
	od, _ := om["dependencies"].(map[string]any)
	ud, _ := um["dependencies"].(map[string]any)
	for _, k := range sortedKeys(od, ud) {
		p := path + "/dependencies/" + k
		ov, inOrig := od[k]
		uv, inUpd := ud[k]
		_, oArr := ov.([]any)
		_, uArr := uv.([]any)
		switch {
		case !inUpd && oArr:
			d.add(p, "DEPENDENCY_ARRAY_REMOVED")
		case !inUpd:
			d.add(p, "DEPENDENCY_SCHEMA_REMOVED")
		case !inOrig && uArr:
			d.add(p, "DEPENDENCY_ARRAY_ADDED")
		case !inOrig:
			d.add(p, "DEPENDENCY_SCHEMA_ADDED")
		case oArr && uArr:
			os, us := stringSet(ov), stringSet(uv)
			switch {
			case reflect.DeepEqual(os, us):
			case subset(os, us):
				d.add(p, "DEPENDENCY_ARRAY_EXTENDED")
			case subset(us, os):
				d.add(p, "DEPENDENCY_ARRAY_NARROWED")
			default:
				d.add(p, "DEPENDENCY_ARRAY_CHANGED")
			}
		default:
			d.compare(p, ov, uv)
		}
	}

	p := path + "/additionalProperties"
	oap, uap := om["additionalProperties"], um["additionalProperties"]
	oPermits, uPermits := oap != false, uap != false
	_, oSchema := oap.(map[string]any)
	_, uSchema := uap.(map[string]any)
	switch {
	case oPermits != uPermits && uPermits:
		d.add(p, "ADDITIONAL_PROPERTIES_ADDED")
	case oPermits != uPermits:
		d.add(p, "ADDITIONAL_PROPERTIES_REMOVED")
	case !oSchema && uSchema:
		d.add(p, "ADDITIONAL_PROPERTIES_NARROWED")
	case oSchema && !uSchema:
		d.add(p, "ADDITIONAL_PROPERTIES_EXTENDED")
	case oSchema:
		d.compare(p, oap, uap)
	}

	d.bound(path, om, um, "maxProperties", "MAX_PROPERTIES")
	d.bound(path, om, um, "minProperties", "MIN_PROPERTIES")
}

func subset(a, b map[string]bool) bool {
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func (d *jsonDiffer) array(path string, om, um map[string]any) {
	d.bound(path, om, um, "maxItems", "MAX_ITEMS")
	d.bound(path, om, um, "minItems", "MIN_ITEMS")
	ou, uu := om["uniqueItems"] == true, um["uniqueItems"] == true
	if !ou && uu {
		d.add(path+"/uniqueItems", "UNIQUE_ITEMS_ADDED")
	} else if ou && !uu {
		d.add(path+"/uniqueItems", "UNIQUE_ITEMS_REMOVED")
	}

	p := path + "/additionalItems"
	oai, uai := om["additionalItems"], um["additionalItems"]
	oPermits, uPermits := oai != false, uai != false
	_, oSchema := oai.(map[string]any)
	_, uSchema := uai.(map[string]any)
	switch {
	case oPermits != uPermits && uPermits:
		d.add(p, "ADDITIONAL_ITEMS_ADDED")
	case oPermits != uPermits:
		d.add(p, "ADDITIONAL_ITEMS_REMOVED")
	case !oSchema && uSchema:
		d.add(p, "ADDITIONAL_ITEMS_NARROWED")
	case oSchema && !uSchema:
		d.add(p, "ADDITIONAL_ITEMS_EXTENDED")
	case oSchema:
		d.compare(p, oai, uai)
	}

	ot, oTuple := om["items"].([]any)
	ut, uTuple := um["items"].([]any)
	if !oTuple && !uTuple {
		d.compare(path+"/items", om["items"], um["items"])
		return
	}
	if oTuple != uTuple {
		d.add(path+"/items", "TYPE_CHANGED")
		return
	}
	// Tuples: items by position, an item beyond the other's length read under
	// its additionalItems (the content model of the array).
	for i := 0; i < max(len(ot), len(ut)); i++ {
		ip := path + "/items/" + strconv.Itoa(i)
		switch {
		case i >= len(ut):
			if uai == nil || uai == true {
				d.add(ip, "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL")
			} else if uSchema {
				sd := d.sub()
				sd.compare(ip, ot[i], uai)
				d.diffs = append(d.diffs, sd.diffs...)
				if sd.compatible() {
					d.add(ip, "ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
				} else {
					d.add(ip, "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
				}
			} else if ot[i] == false {
				d.add(ip, "ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL")
			} else {
				d.add(ip, "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL")
			}
		case i >= len(ot):
			if oai == nil || oai == true {
				if jsonKind(ut[i]) == "empty" {
					d.add(ip, "ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL")
				} else {
					d.add(ip, "ITEM_ADDED_TO_OPEN_CONTENT_MODEL")
				}
			} else if oSchema {
				sd := d.sub()
				sd.compare(ip, oai, ut[i])
				d.diffs = append(d.diffs, sd.diffs...)
				if sd.compatible() {
					d.add(ip, "ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
				} else {
					d.add(ip, "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
				}
			} else {
				d.add(ip, "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL")
			}
		default:
			d.compare(ip, ot[i], ut[i])
		}
	}
}

// describeDifference says what a difference is and where, for the message of a
// 409 (Confluent's own descriptions differ per kind; the type names are its).
func describeDifference(d difference) string {
	words := strings.ToLower(strings.ReplaceAll(d.kind, "_", " "))
	return fmt.Sprintf("The new schema has a change of type %s (%s) at path '%s'", d.kind, words, d.path)
}
