package formats

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"sync"

	"github.com/cockroachdb/apd/v3"
	"github.com/twmb/avro"

	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// Registry ties a Schema Registry format to the registry for one key or value:
// the schema the codec writes, registered under ID, and where the schemas of
// records written with other ids come from.
type Registry struct {
	ID     int    // written in every record's header; 0 only for a codec that checks columns
	Schema string // the schema text registered under ID
	// Lookup returns other writers' schemas; nil when records carry only ID.
	Lookup SchemaLookup
}

// SchemaLookup finds schemas by id in a Schema Registry.
type SchemaLookup interface {
	// SchemaByID returns the schema with the id and the schemas it references,
	// in an order in which each comes after those it references.
	SchemaByID(id int) (schema string, refs []SchemaRef, err error)
}

// SchemaRef is a schema another one references: the name it is referenced by (a
// Protobuf import path; an Avro schema uses the names the reference defines) and
// its text.
type SchemaRef struct {
	Name, Schema string
}

// Confluent's framing: a zero magic byte, then the schema id in 4 big-endian bytes.
const (
	confluentMagic  = 0
	confluentHeader = 5
)

func appendConfluentHeader(dst []byte, id int) []byte {
	dst = append(dst, confluentMagic)
	return binary.BigEndian.AppendUint32(dst, uint32(id))
}

func readConfluentHeader(data []byte) (int, []byte, error) {
	if len(data) < confluentHeader || data[0] != confluentMagic {
		return 0, nil, sqlerr.New(sqlerr.InvalidTextRepresentation, "Unknown magic byte!")
	}
	return int(binary.BigEndian.Uint32(data[1:5])), data[confluentHeader:], nil
}

// avroCodec writes AVRO records with the Confluent framing.
type avroCodec struct {
	cols       []types.Column
	unwrap     bool // a single key or unwrapped value: the bare value, not a record
	id         int
	schema     *avro.Schema
	fields     []string           // the record field each column is written to
	fieldNodes []*avro.SchemaNode // and its schema
	root       *avro.SchemaNode   // the schema's tree, built once
	lookup     SchemaLookup
	writers    sync.Map // id -> *avro.Schema
}

// avroLogical makes the library hand decimals over as *apd.Decimal and leave
// dates, times and timestamps as their raw int and long values.
func avroLogical() []avro.SchemaOpt {
	dec := avro.NewCustomType[*apd.Decimal, []byte]("decimal",
		func(d *apd.Decimal, n *avro.SchemaNode) ([]byte, error) { return decimalBytes(d, n.Scale) },
		func(b []byte, n *avro.SchemaNode) (*apd.Decimal, error) { return bytesDecimal(b, n.Scale), nil })
	opts := []avro.SchemaOpt{dec}
	for _, lt := range []string{"date", "time-millis", "time-micros", "timestamp-millis", "timestamp-micros",
		"timestamp-nanos", "local-timestamp-millis", "local-timestamp-micros", "uuid"} {
		opts = append(opts, avro.CustomType{LogicalType: lt})
	}
	return opts
}

// parseAvroWithRefs parses a schema after the schemas it references.
func parseAvroWithRefs(schema string, refs []SchemaRef) (*avro.Schema, error) {
	opts := avroLogical()
	if len(refs) == 0 {
		return avro.Parse(schema, opts...)
	}
	var cache avro.SchemaCache
	for _, r := range refs {
		if _, err := cache.Parse(r.Schema, opts...); err != nil {
			return nil, err
		}
	}
	return cache.Parse(schema, opts...)
}

func newAvroCodec(cols []types.Column, opts Options) (*avroCodec, error) {
	c := &avroCodec{cols: cols, unwrap: !wrapped(cols, opts)}
	text := AvroSchemaFor(cols, opts, opts.FullName)
	if r := opts.Registry; r != nil {
		c.id, c.lookup = r.ID, r.Lookup
		if r.Schema != "" {
			text = r.Schema
		}
	}
	s, err := parseAvroWithRefs(text, nil)
	if err != nil && c.lookup != nil && c.id > 0 {
		// A schema with references: the registry knows them.
		var refs []SchemaRef
		if _, refs, err = c.lookup.SchemaByID(c.id); err == nil {
			s, err = parseAvroWithRefs(text, refs)
		}
	}
	if err != nil {
		return nil, sqlerr.Newf(sqlerr.InvalidParameterValue, "Schema is not compatible with Avro: %v", err)
	}
	c.schema = s
	c.fields = make([]string, len(cols))
	c.fieldNodes = make([]*avro.SchemaNode, len(cols))
	root := s.Root()
	c.root = root
	for i, col := range cols {
		c.fields[i] = col.Name
		if !c.unwrap {
			c.fields[i], c.fieldNodes[i] = avroField(root, col.Name)
		}
	}
	if c.id > 0 {
		c.writers.Store(c.id, s)
	}
	return c, nil
}

func (c *avroCodec) Encode(dst []byte, vals []any) ([]byte, error) {
	if len(c.cols) == 0 {
		return nil, nil
	}
	var v any
	if c.unwrap {
		if vals[0] == nil {
			// ksqlDB writes a null single value as a null record.
			return nil, nil
		}
		var err error
		if v, err = avroValue(vals[0], c.cols[0].Type, c.root); err != nil {
			return dst, err
		}
	} else {
		m := make(map[string]any, len(c.cols))
		for i, col := range c.cols {
			// A NULL is left out: the encoder writes the field's default, null for
			// the nullable fields ksqlDB derives, a declared default for others.
			if vals[i] != nil {
				x, err := avroValue(vals[i], col.Type, c.fieldNodes[i])
				if err != nil {
					return dst, err
				}
				m[c.fields[i]] = x
			}
		}
		v = m
	}
	dst = appendConfluentHeader(dst, c.id)
	out, err := c.schema.AppendEncode(dst, v)
	if err != nil {
		return dst, sqlerr.Newf(sqlerr.InternalError, "encode Avro: %v", err)
	}
	return out, nil
}

func (c *avroCodec) writer(id int) (*avro.Schema, error) {
	if s, ok := c.writers.Load(id); ok {
		return s.(*avro.Schema), nil
	}
	if c.lookup == nil {
		return nil, sqlerr.Newf(sqlerr.InvalidTextRepresentation, "Error retrieving Avro schema for id %d: unknown schema id", id)
	}
	text, refs, err := c.lookup.SchemaByID(id)
	if err != nil {
		return nil, sqlerr.Newf(sqlerr.InvalidTextRepresentation, "Error retrieving Avro schema for id %d: %v", id, err)
	}
	s, err := parseAvroWithRefs(text, refs)
	if err != nil {
		return nil, sqlerr.Newf(sqlerr.InvalidTextRepresentation, "Error parsing Avro schema for id %d: %v", id, err)
	}
	c.writers.Store(id, s)
	return s, nil
}

func (c *avroCodec) Decode(data []byte, dst []any) error {
	if len(c.cols) == 0 {
		return nil
	}
	id, body, err := readConfluentHeader(data)
	if err != nil {
		return err
	}
	w, err := c.writer(id)
	if err != nil {
		return err
	}
	var v any
	if _, err := w.Decode(body, &v); err != nil {
		return sqlerr.Newf(sqlerr.InvalidTextRepresentation, "Failed to deserialize Avro data from topic: %v", err)
	}
	if c.unwrap {
		if rec, ok := v.(map[string]any); ok && c.cols[0].Type.Kind != types.KindStruct && len(rec) == 1 {
			// A record holding the one column, as written by a wrapping producer.
			for _, fv := range rec {
				v = fv
			}
		}
		val, err := fromAvro(v, c.cols[0].Type, c.cols[0].Name)
		if err != nil {
			return err
		}
		dst[0] = val
		return nil
	}
	rec, ok := v.(map[string]any)
	if !ok {
		return sqlerr.Newf(sqlerr.InvalidTextRepresentation, "Avro value is not a record: %T", v)
	}
	for i, col := range c.cols {
		fv, found := lookupField(rec, col.Name)
		if !found {
			dst[i] = nil
			continue
		}
		val, err := fromAvro(fv, col.Type, col.Name)
		if err != nil {
			return err
		}
		dst[i] = val
	}
	return nil
}

// lookupField finds a record field by name, exactly and then ignoring case.
func lookupField(rec map[string]any, name string) (any, bool) {
	if v, ok := rec[name]; ok {
		return v, true
	}
	for k, v := range rec {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

// avroBranch is the node values are written with: the non-null branch of a
// union, nil for a name reference (values are then shaped by their SQL type).
func avroBranch(n *avro.SchemaNode) *avro.SchemaNode {
	if n == nil {
		return nil
	}
	if n.Type == "union" {
		for i := range n.Branches {
			if n.Branches[i].Type != "null" {
				return avroBranch(&n.Branches[i])
			}
		}
		return nil
	}
	switch n.Type {
	case "record", "array", "map", "boolean", "int", "long", "float", "double", "string", "bytes", "fixed", "enum":
		return n
	}
	return nil
}

func avroField(n *avro.SchemaNode, name string) (string, *avro.SchemaNode) {
	if n == nil || n.Type != "record" {
		return name, nil
	}
	for i := range n.Fields {
		if strings.EqualFold(n.Fields[i].Name, name) {
			return n.Fields[i].Name, &n.Fields[i].Type
		}
	}
	return name, nil
}

// avroValue turns a column value into the generic value the Avro encoder takes,
// shaped by the schema node it is written with (nil: by its SQL type alone). A
// DECIMAL that does not fit its column is an error, as in every format.
func avroValue(v any, t *types.Type, node *avro.SchemaNode) (any, error) {
	if v == nil {
		return nil, nil
	}
	n := avroBranch(node)
	switch t.Kind {
	case types.KindDate:
		return int32(v.(types.Date)), nil
	case types.KindTime:
		return int32(v.(types.Time)), nil
	case types.KindTimestamp:
		return int64(v.(types.Timestamp)), nil
	case types.KindDecimal:
		return fitDecimal(v.(*apd.Decimal), t)
	case types.KindArray:
		var items *avro.SchemaNode
		if n != nil && n.Type == "array" {
			items = n.Items
		}
		in := v.([]any)
		out := make([]any, len(in))
		for i, e := range in {
			x, err := avroValue(e, t.Elem, items)
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	case types.KindMap:
		m := v.(*types.Map)
		if n != nil && n.Type == "map" {
			out := make(map[string]any, m.Len())
			for i := range m.Keys {
				x, err := avroValue(m.Values[i], t.Elem, n.Values)
				if err != nil {
					return nil, err
				}
				if k, ok := m.Keys[i].(string); ok {
					out[k] = x
				}
			}
			return out, nil
		}
		var entry *avro.SchemaNode
		if n != nil && n.Type == "array" {
			entry = avroBranch(n.Items)
		}
		_, keyNode := avroField(entry, "key")
		_, valNode := avroField(entry, "value")
		out := make([]any, m.Len())
		for i := range m.Keys {
			k, err := avroValue(m.Keys[i], t.Key, keyNode)
			if err != nil {
				return nil, err
			}
			x, err := avroValue(m.Values[i], t.Elem, valNode)
			if err != nil {
				return nil, err
			}
			out[i] = map[string]any{"key": k, "value": x}
		}
		return out, nil
	case types.KindStruct:
		st := v.(types.Struct)
		out := make(map[string]any, len(t.Fields))
		for i, f := range t.Fields {
			if st[i] == nil {
				continue // the field's default: null, or the one the schema declares
			}
			name, fn := avroField(n, f.Name)
			x, err := avroValue(st[i], f.Type, fn)
			if err != nil {
				return nil, err
			}
			out[name] = x
		}
		return out, nil
	}
	return v, nil
}

func avroMismatch(name string, t *types.Type, v any) error {
	return sqlerr.Newf(sqlerr.InvalidTextRepresentation, "Cannot deserialize type %s as type %s for path: %s", avroKind(v), t, name)
}

func avroKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "RECORD"
	case []any:
		return "ARRAY"
	case string:
		return "STRING"
	case bool:
		return "BOOLEAN"
	case []byte:
		return "BYTES"
	}
	return fmt.Sprintf("%T", v)
}

// fromAvro turns a decoded Avro value into a column value of type t, with the
// conversions Kafka Connect's AvroConverter and ksqlDB's deserializer allow
// (int to long, float to double, a map or an array of entries for a MAP).
func fromAvro(v any, t *types.Type, path string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch t.Kind {
	case types.KindBoolean:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case types.KindInt:
		switch n := v.(type) {
		case int32:
			return n, nil
		case int64:
			if n >= math.MinInt32 && n <= math.MaxInt32 {
				return int32(n), nil
			}
		}
	case types.KindBigInt:
		switch n := v.(type) {
		case int32:
			return int64(n), nil
		case int64:
			return n, nil
		}
	case types.KindDouble:
		switch n := v.(type) {
		case float64:
			return n, nil
		case float32:
			return float64(n), nil
		case int32:
			return float64(n), nil
		case int64:
			return float64(n), nil
		}
	case types.KindString:
		// ksqlDB reads any primitive into a STRING column as its text.
		switch s := v.(type) {
		case string:
			return s, nil
		case int32:
			return strconv.FormatInt(int64(s), 10), nil
		case int64:
			return strconv.FormatInt(s, 10), nil
		case bool:
			return strconv.FormatBool(s), nil
		case float64:
			return types.FormatDouble(s), nil
		case float32:
			return types.FormatDouble(float64(s)), nil
		}
	case types.KindBytes:
		if b, ok := v.([]byte); ok {
			return append([]byte(nil), b...), nil
		}
	case types.KindDecimal:
		switch d := v.(type) {
		case *apd.Decimal:
			return fitDecimal(d, t)
		case []byte:
			return fitDecimal(bytesDecimal(d, t.Scale), t)
		}
	case types.KindDate:
		if n, ok := v.(int32); ok {
			return types.Date(n), nil
		}
	case types.KindTime:
		switch n := v.(type) {
		case int32:
			return types.Time(n), nil
		case int64:
			return types.Time(n / 1000), nil // time-micros
		}
	case types.KindTimestamp:
		if n, ok := v.(int64); ok {
			return types.Timestamp(n), nil
		}
	case types.KindArray:
		if a, ok := v.([]any); ok {
			out := make([]any, len(a))
			for i, e := range a {
				x, err := fromAvro(e, t.Elem, path)
				if err != nil {
					return nil, err
				}
				out[i] = x
			}
			return out, nil
		}
	case types.KindMap:
		m := &types.Map{}
		switch mv := v.(type) {
		case map[string]any:
			for k, e := range mv {
				key, err := fromAvro(k, t.Key, path)
				if err != nil {
					return nil, err
				}
				val, err := fromAvro(e, t.Elem, path)
				if err != nil {
					return nil, err
				}
				m.Put(key, val)
			}
			return m, nil
		case []any:
			for _, e := range mv {
				entry, ok := e.(map[string]any)
				if !ok {
					return nil, avroMismatch(path, t, v)
				}
				key, err := fromAvro(entry["key"], t.Key, path)
				if err != nil {
					return nil, err
				}
				val, err := fromAvro(entry["value"], t.Elem, path)
				if err != nil {
					return nil, err
				}
				m.Put(key, val)
			}
			return m, nil
		}
	case types.KindStruct:
		if rec, ok := v.(map[string]any); ok {
			out := make(types.Struct, len(t.Fields))
			for i, f := range t.Fields {
				fv, found := lookupField(rec, f.Name)
				if !found {
					continue
				}
				x, err := fromAvro(fv, f.Type, path+"."+f.Name)
				if err != nil {
					return nil, err
				}
				out[i] = x
			}
			return out, nil
		}
	}
	return nil, avroMismatch(path, t, v)
}

// decimalBytes is the unscaled value of d at scale, in big-endian two's complement.
func decimalBytes(d *apd.Decimal, scale int) ([]byte, error) {
	q := d
	if d.Exponent != int32(-scale) {
		q = new(apd.Decimal)
		ctx := apd.BaseContext.WithPrecision(maxDecimalDigits)
		if _, err := ctx.Quantize(q, d, int32(-scale)); err != nil {
			return nil, err
		}
	}
	u := q.Coeff.MathBigInt()
	if q.Negative {
		u.Neg(u)
	}
	return twosComplement(u), nil
}

func twosComplement(u *big.Int) []byte {
	if u.Sign() >= 0 {
		b := u.Bytes()
		if len(b) == 0 || b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return b
	}
	// -u - 1, inverted, is the two's complement of u.
	m := new(big.Int).Neg(u)
	m.Sub(m, big.NewInt(1))
	b := m.Bytes()
	for i := range b {
		b[i] = ^b[i]
	}
	if len(b) == 0 || b[0]&0x80 == 0 {
		b = append([]byte{0xff}, b...)
	}
	return b
}

// bytesDecimal reads an unscaled big-endian two's complement value at scale.
func bytesDecimal(b []byte, scale int) *apd.Decimal {
	u := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		u.Sub(u, new(big.Int).Lsh(big.NewInt(1), uint(len(b)*8)))
	}
	neg := u.Sign() < 0
	u.Abs(u)
	d := apd.NewWithBigInt(new(apd.BigInt).SetMathBigInt(u), int32(-scale))
	d.Negative = neg
	return d
}
