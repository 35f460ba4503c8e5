package main

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/avro"
	"github.com/twmb/franz-go/pkg/sr"
)

// This file is the runner's AVRO test serde, as ksqlDB's ValueSpecAvroSerdeSupplier:
// an input record's JSON is written with the latest schema of the topic's subject
// (the one the case declared, or the one the CREATE registered), in Confluent's
// framing; a sink record is read with the schema its id names, and turned into the
// JSON-like values the comparator takes.

// srClient reads the Schema Registry of the sluice under test.
type srClient struct {
	cl *sr.Client

	mu   sync.Mutex
	byID map[int]*avroSchema
}

// avroSchema is a parsed schema with its JSON, which the conversions walk.
type avroSchema struct {
	id     int
	parsed *avro.Schema
	tree   any
}

func newSRClient(url string) (*srClient, error) {
	cl, err := sr.NewClient(sr.URLs(url))
	if err != nil {
		return nil, err
	}
	return &srClient{cl: cl, byID: map[int]*avroSchema{}}, nil
}

func (c *srClient) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 10*time.Second)
}

// rawLogical leaves decimals as bytes and dates and times as numbers.
func rawLogical() []avro.SchemaOpt {
	var opts []avro.SchemaOpt
	for _, lt := range []string{"decimal", "date", "time-millis", "time-micros", "timestamp-millis", "timestamp-micros", "uuid",
		"local-timestamp-millis", "local-timestamp-micros"} {
		opts = append(opts, avro.CustomType{LogicalType: lt})
	}
	return opts
}

func (c *srClient) parse(id int, text string) (*avroSchema, error) {
	p, err := avro.Parse(text, rawLogical()...)
	if err != nil {
		return nil, fmt.Errorf("schema %d: %w", id, err)
	}
	var tree any
	if err := json.Unmarshal([]byte(text), &tree); err != nil {
		return nil, err
	}
	return &avroSchema{id: id, parsed: p, tree: tree}, nil
}

func (c *srClient) schemaByID(id int) (*avroSchema, error) {
	c.mu.Lock()
	s, ok := c.byID[id]
	c.mu.Unlock()
	if ok {
		return s, nil
	}
	ctx, cancel := c.ctx()
	defer cancel()
	got, err := c.cl.SchemaByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("schema id %d: %w", id, err)
	}
	if s, err = c.parse(id, got.Schema); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.byID[id] = s
	c.mu.Unlock()
	return s, nil
}

func (c *srClient) latest(subject string) (*avroSchema, error) {
	ctx, cancel := c.ctx()
	defer cancel()
	ss, err := c.cl.SchemaByVersion(ctx, subject, -1)
	if err != nil {
		return nil, fmt.Errorf("subject %s: %w", subject, err)
	}
	return c.schemaByID(ss.ID)
}

// register registers the schemas a case declares on its topics, with the ids it
// gives (in IMPORT mode, as a registry is migrated), before any statement runs.
func (c *srClient) register(topics []Topic) error {
	type reg struct {
		subject string
		schema  string
		id      int
		typ     sr.SchemaType
		refs    []sr.SchemaReference
	}
	var regs []reg
	for _, t := range topics {
		valueRefs, err := c.registerReferences(t.ValueSchemaReferences)
		if err != nil {
			return fmt.Errorf("topic %s: %w", t.Name, err)
		}
		for _, side := range []struct {
			suffix string
			schema json.RawMessage
			id     json.RawMessage
			format string
			refs   []sr.SchemaReference
		}{
			{"-key", t.KeySchema, t.KeySchemaID, firstNonEmpty(t.KeyFormat, t.Format), nil},
			{"-value", t.ValueSchema, t.ValueSchemaID, firstNonEmpty(t.ValueFormat, t.Format), valueRefs},
		} {
			if isNull(side.schema) {
				continue
			}
			typ := sr.TypeAvro
			switch f := strings.ToUpper(side.format); f {
			case "", "AVRO":
			case "JSON_SR":
				typ = sr.TypeJSON
			case "PROTOBUF":
				typ = sr.TypeProtobuf
			default:
				continue
			}
			id := 0
			if !isNull(side.id) {
				id, _ = strconv.Atoi(string(side.id))
			}
			text := string(side.schema)
			if typ == sr.TypeProtobuf {
				// A Protobuf schema is given as a JSON string of proto text.
				var s string
				if json.Unmarshal(side.schema, &s) == nil {
					text = s
				}
			}
			regs = append(regs, reg{t.Name + side.suffix, text, id, typ, side.refs})
		}
	}
	if len(regs) == 0 {
		return nil
	}
	ctx, cancel := c.ctx()
	defer cancel()
	withIDs := false
	for _, r := range regs {
		withIDs = withIDs || r.id > 0
	}
	if withIDs {
		// Forced: the subjects of references may already hold schemas.
		if m := c.cl.SetMode(sr.WithParams(ctx, sr.Force), sr.ModeImport); m[0].Err != nil {
			return m[0].Err
		}
		for _, r := range regs {
			if r.id > 0 {
				if _, err := c.cl.RegisterSchema(ctx, r.subject, sr.Schema{Schema: r.schema, Type: r.typ, References: r.refs}, r.id, -1); err != nil {
					return fmt.Errorf("register %s with id %d: %w", r.subject, r.id, err)
				}
			}
		}
		if m := c.cl.SetMode(ctx, sr.ModeReadWrite); m[0].Err != nil {
			return m[0].Err
		}
	}
	for _, r := range regs {
		if r.id == 0 {
			if _, err := c.cl.RegisterSchema(ctx, r.subject, sr.Schema{Schema: r.schema, Type: r.typ, References: r.refs}, -1, -1); err != nil {
				return fmt.Errorf("register %s: %w", r.subject, err)
			}
		}
	}
	return nil
}

// registerReferences registers the schemas a topic's schema references, each
// under its own name as the subject (as ksqlDB's tests do), and returns the
// references to them.
func (c *srClient) registerReferences(raw json.RawMessage) ([]sr.SchemaReference, error) {
	if isNull(raw) {
		return nil, nil
	}
	var specs []struct {
		Name   string          `json:"name"`
		Format string          `json:"format"`
		Schema json.RawMessage `json:"schema"`
	}
	if err := json.Unmarshal(raw, &specs); err != nil {
		return nil, fmt.Errorf("schema references: %w", err)
	}
	ctx, cancel := c.ctx()
	defer cancel()
	var refs []sr.SchemaReference
	for _, sp := range specs {
		schema := sr.Schema{Schema: string(sp.Schema)}
		switch strings.ToUpper(sp.Format) {
		case "PROTOBUF":
			schema.Type = sr.TypeProtobuf
			var text string
			if json.Unmarshal(sp.Schema, &text) == nil {
				schema.Schema = text
			}
		case "JSON_SR", "JSON":
			schema.Type = sr.TypeJSON
		}
		if _, err := c.cl.RegisterSchema(ctx, sp.Name, schema, -1, -1); err != nil {
			return nil, fmt.Errorf("register reference %s: %w", sp.Name, err)
		}
		ss, err := c.cl.LookupSchema(ctx, sp.Name, schema)
		if err != nil {
			return nil, fmt.Errorf("look up reference %s: %w", sp.Name, err)
		}
		refs = append(refs, sr.SchemaReference{Name: sp.Name, Subject: sp.Name, Version: ss.Version})
	}
	return refs, nil
}

// protoRefs fetches the schemas a Protobuf schema imports, by import name.
func (c *srClient) protoRefs(ctx context.Context, refs []sr.SchemaReference, out map[string]string, depth int) error {
	if depth > 16 {
		return fmt.Errorf("schema references nest too deep")
	}
	for _, r := range refs {
		if _, ok := out[r.Name]; ok {
			continue
		}
		ss, err := c.cl.SchemaByVersion(ctx, r.Subject, r.Version)
		if err != nil {
			return fmt.Errorf("reference %s: %w", r.Name, err)
		}
		out[r.Name] = ss.Schema.Schema
		if err := c.protoRefs(ctx, ss.Schema.References, out, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// encodeAvro writes raw (a test record's key or value) with the subject's latest schema.
func encodeAvro(c *srClient, subject string, raw json.RawMessage) ([]byte, error) {
	if c == nil {
		return nil, fmt.Errorf("no schema registry")
	}
	s, err := c.latest(subject)
	if err != nil {
		return nil, err
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	g, err := toAvro(v, s.tree, map[string]any{})
	if err != nil {
		return nil, err
	}
	out := []byte{0}
	out = binary.BigEndian.AppendUint32(out, uint32(s.id))
	return s.parsed.AppendEncode(out, g)
}

// decodeAvro reads a sink key or value by the schema id in its header.
func decodeAvro(c *srClient, b []byte) (any, error) {
	if c == nil {
		return nil, fmt.Errorf("no schema registry")
	}
	if len(b) < 5 || b[0] != 0 {
		return nil, fmt.Errorf("not in Confluent's framing: % x", b)
	}
	s, err := c.schemaByID(int(binary.BigEndian.Uint32(b[1:5])))
	if err != nil {
		return nil, err
	}
	var v any
	if _, err := s.parsed.Decode(b[5:], &v); err != nil {
		return nil, err
	}
	return fromAvroValue(v, s.tree, map[string]any{})
}

// resolve follows a named-type reference.
func resolve(node any, named map[string]any) any {
	if s, ok := node.(string); ok {
		if def, ok := named[s]; ok {
			return def
		}
		for k, def := range named {
			if strings.HasSuffix(k, "."+s) {
				return def
			}
		}
	}
	return node
}

func define(m map[string]any, named map[string]any) {
	if name, _ := m["name"].(string); name != "" {
		named[name] = m
		if ns, _ := m["namespace"].(string); ns != "" && !strings.Contains(name, ".") {
			named[ns+"."+name] = m
		}
	}
}

func schemaType(node any) (string, map[string]any) {
	switch n := node.(type) {
	case string:
		return n, nil
	case map[string]any:
		t, _ := n["type"].(string)
		if inner, ok := n["type"].(map[string]any); ok {
			return schemaType(inner)
		}
		if lt, _ := n["logicalType"].(string); lt != "" {
			return lt, n
		}
		return t, n
	case []any:
		return "union", nil
	}
	return "", nil
}

func isMapEntryRecord(m map[string]any) bool {
	fields, _ := m["fields"].([]any)
	if len(fields) != 2 {
		return false
	}
	k, _ := fields[0].(map[string]any)
	v, _ := fields[1].(map[string]any)
	return k != nil && v != nil && k["name"] == "key" && v["name"] == "value"
}

// toAvro converts a JSON value to the generic value of the schema node.
func toAvro(v any, node any, named map[string]any) (any, error) {
	node = resolve(node, named)
	if u, ok := node.([]any); ok {
		if v == nil {
			return nil, nil
		}
		var lastErr error
		for _, b := range u {
			if t, _ := schemaType(resolve(b, named)); t == "null" {
				continue
			}
			g, err := toAvro(v, b, named)
			if err == nil {
				return g, nil
			}
			lastErr = err
		}
		return nil, lastErr
	}
	t, m := schemaType(node)
	if m != nil {
		define(m, named)
	}
	if v == nil {
		if t == "null" {
			return nil, nil
		}
		return nil, fmt.Errorf("null for %s", t)
	}
	num := func() (json.Number, error) {
		switch n := v.(type) {
		case json.Number:
			return n, nil
		case string:
			return json.Number(n), nil
		}
		return "", fmt.Errorf("%v is not a number", v)
	}
	switch t {
	case "boolean":
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case "int", "date", "time-millis":
		n, err := num()
		if err != nil {
			return nil, err
		}
		i, err := strconv.ParseInt(n.String(), 10, 32)
		return int32(i), err
	case "long", "timestamp-millis", "timestamp-micros", "time-micros":
		n, err := num()
		if err != nil {
			return nil, err
		}
		return strconv.ParseInt(n.String(), 10, 64)
	case "float", "double":
		n, err := num()
		if err != nil {
			return nil, err
		}
		f, err := strconv.ParseFloat(n.String(), 64)
		if t == "float" {
			return float32(f), err
		}
		return f, err
	case "string", "enum", "uuid":
		if s, ok := v.(string); ok {
			return s, nil
		}
		if n, ok := v.(json.Number); ok {
			return n.String(), nil
		}
	case "bytes", "fixed":
		if s, ok := v.(string); ok {
			return base64.StdEncoding.DecodeString(s)
		}
	case "decimal":
		n, err := num()
		if err != nil {
			return nil, err
		}
		scale := 0
		if f, ok := m["scale"].(float64); ok {
			scale = int(f)
		}
		return decimalToBytes(n.String(), scale)
	case "array":
		items := m["items"]
		if obj, ok := v.(map[string]any); ok {
			if rec, ok := resolve(stripNullBranch(items), named).(map[string]any); ok && isMapEntryRecord(rec) {
				out := make([]any, 0, len(obj))
				for _, k := range sortedKeys(obj) {
					entry, err := toAvro(map[string]any{"key": k, "value": obj[k]}, items, named)
					if err != nil {
						return nil, err
					}
					out = append(out, entry)
				}
				return out, nil
			}
		}
		if a, ok := v.([]any); ok {
			out := make([]any, len(a))
			for i, e := range a {
				g, err := toAvro(e, items, named)
				if err != nil {
					return nil, err
				}
				out[i] = g
			}
			return out, nil
		}
	case "map":
		if obj, ok := v.(map[string]any); ok {
			out := make(map[string]any, len(obj))
			for k, e := range obj {
				g, err := toAvro(e, m["values"], named)
				if err != nil {
					return nil, err
				}
				out[k] = g
			}
			return out, nil
		}
	case "record":
		if obj, ok := v.(map[string]any); ok {
			out := map[string]any{}
			fields, _ := m["fields"].([]any)
			for _, f := range fields {
				fm, _ := f.(map[string]any)
				name, _ := fm["name"].(string)
				fv, found := obj[name]
				if !found {
					for k, x := range obj {
						if strings.EqualFold(k, name) {
							fv, found = x, true
						}
					}
				}
				if !found {
					continue
				}
				g, err := toAvro(fv, fm["type"], named)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", name, err)
				}
				out[name] = g
			}
			return out, nil
		}
	}
	return nil, fmt.Errorf("cannot write %v as Avro %s", v, t)
}

func stripNullBranch(node any) any {
	if u, ok := node.([]any); ok {
		for _, b := range u {
			if s, ok := b.(string); !ok || s != "null" {
				return b
			}
		}
	}
	return node
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// fromAvroValue converts a decoded generic value to what the comparator takes:
// json.Number for numbers (Java's text for doubles, the schema's scale for
// decimals), maps for records and MAPs (Connect's map entries included), []byte
// for bytes.
func fromAvroValue(v any, node any, named map[string]any) (any, error) {
	if v == nil {
		return nil, nil
	}
	node = resolve(node, named)
	if u, ok := node.([]any); ok {
		for _, b := range u {
			rb := resolve(b, named)
			if t, _ := schemaType(rb); t != "null" && goMatches(v, rb, named) {
				return fromAvroValue(v, b, named)
			}
		}
		return nil, fmt.Errorf("no union branch for %T", v)
	}
	t, m := schemaType(node)
	if m != nil {
		define(m, named)
	}
	switch x := v.(type) {
	case int32:
		return json.Number(strconv.FormatInt(int64(x), 10)), nil
	case int64:
		return json.Number(strconv.FormatInt(x, 10)), nil
	case float64:
		// A Java Double, as the comparator sees AVRO doubles.
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return javaDouble(x), nil
		}
		return x, nil
	case float32:
		return float64(x), nil
	case []byte:
		if t == "decimal" {
			scale := 0
			if f, ok := m["scale"].(float64); ok {
				scale = int(f)
			}
			return json.Number(bytesToDecimal(x, scale)), nil
		}
		return x, nil
	case []any:
		items := m["items"]
		if rec, ok := resolve(stripNullBranch(items), named).(map[string]any); ok && isMapEntryRecord(rec) {
			out := map[string]any{}
			for _, e := range x {
				entry, _ := e.(map[string]any)
				k, _ := entry["key"].(string)
				val, err := fromAvroValue(entry["value"], rec["fields"].([]any)[1].(map[string]any)["type"], named)
				if err != nil {
					return nil, err
				}
				out[k] = val
			}
			return out, nil
		}
		out := make([]any, len(x))
		for i, e := range x {
			g, err := fromAvroValue(e, items, named)
			if err != nil {
				return nil, err
			}
			out[i] = g
		}
		return out, nil
	case map[string]any:
		out := map[string]any{}
		if t == "map" {
			for k, e := range x {
				g, err := fromAvroValue(e, m["values"], named)
				if err != nil {
					return nil, err
				}
				out[k] = g
			}
			return out, nil
		}
		fields, _ := m["fields"].([]any)
		for _, f := range fields {
			fm, _ := f.(map[string]any)
			name, _ := fm["name"].(string)
			g, err := fromAvroValue(x[name], fm["type"], named)
			if err != nil {
				return nil, err
			}
			out[name] = g
		}
		return out, nil
	}
	return v, nil
}

// goMatches reports whether a decoded Go value could come from the schema node.
func goMatches(v any, node any, named map[string]any) bool {
	t, m := schemaType(node)
	switch v.(type) {
	case bool:
		return t == "boolean"
	case int32:
		return t == "int" || t == "date" || t == "time-millis"
	case int64:
		return t == "long" || t == "timestamp-millis" || t == "timestamp-micros" || t == "time-micros"
	case float32:
		return t == "float"
	case float64:
		return t == "double"
	case string:
		return t == "string" || t == "enum" || t == "uuid"
	case []byte:
		return t == "bytes" || t == "fixed" || t == "decimal"
	case []any:
		return t == "array"
	case map[string]any:
		return t == "record" || t == "map" || (m != nil && m["type"] == "record")
	}
	_ = named
	return false
}

func decimalToBytes(text string, scale int) ([]byte, error) {
	r, ok := new(big.Rat).SetString(text)
	if !ok {
		return nil, fmt.Errorf("%q is not a decimal", text)
	}
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)))
	if !r.IsInt() {
		return nil, fmt.Errorf("%s has more than %d decimal places", text, scale)
	}
	u := r.Num()
	if u.Sign() >= 0 {
		b := u.Bytes()
		if len(b) == 0 || b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return b, nil
	}
	m := new(big.Int).Neg(u)
	m.Sub(m, big.NewInt(1))
	b := m.Bytes()
	for i := range b {
		b[i] = ^b[i]
	}
	if len(b) == 0 || b[0]&0x80 == 0 {
		b = append([]byte{0xff}, b...)
	}
	return b, nil
}

func bytesToDecimal(b []byte, scale int) string {
	u := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		u.Sub(u, new(big.Int).Lsh(big.NewInt(1), uint(len(b)*8)))
	}
	neg := u.Sign() < 0
	digits := new(big.Int).Abs(u).String()
	if scale > 0 {
		for len(digits) <= scale {
			digits = "0" + digits
		}
		digits = digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
	}
	if neg {
		digits = "-" + digits
	}
	return digits
}
