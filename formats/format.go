package formats

import (
	"strings"
	"sync"

	"github.com/sluice-db/sluice/sqlerr"
	"github.com/sluice-db/sluice/types"
)

// Canonical format names, as ksqlDB spells them.
const (
	JSON      = "JSON"
	Delimited = "DELIMITED"
	Kafka     = "KAFKA"
	None      = "NONE"
	Avro      = "AVRO"
	JSONSR    = "JSON_SR"
	// Protobuf is Protocol Buffers with a Schema Registry, ProtobufNoSR without.
	Protobuf     = "PROTOBUF"
	ProtobufNoSR = "PROTOBUF_NOSR"
)

// ValidFormat returns the canonical name of a format this package implements
// ("json" -> "JSON"), or ok=false for any other name (typos):
// the caller decides how to report those.
func ValidFormat(name string) (canonical string, ok bool) {
	switch c := strings.ToUpper(strings.TrimSpace(name)); c {
	case JSON, Delimited, Kafka, None, Avro, JSONSR, Protobuf, ProtobufNoSR:
		return c, true
	}
	return "", false
}

// Options are the properties of a source or sink that change how its key or value
// is written.
type Options struct {
	IsKey bool // key or value side
	// Delimiter is the DELIMITED field separator: a single character, or one of the
	// names TAB and SPACE. "" means ",". Other formats reject a non-empty value.
	Delimiter string
	// WrapSingle says whether a value with exactly one column is written as an object
	// holding it (true) or as the bare value (false); nil means the format's default
	// (JSON wraps). Keys are never wrapped when single; only JSON can wrap.
	WrapSingle *bool
	// FullName is the record name of a derived AVRO schema (KEY_SCHEMA_FULL_NAME,
	// VALUE_SCHEMA_FULL_NAME); "" means DefaultAvroFullName.
	FullName string
	// ProtobufNullable is how a derived PROTOBUF schema marks nullable scalar
	// fields (KEY_/VALUE_PROTOBUF_NULLABLE_REPRESENTATION): "" for plain proto3
	// fields (a NULL reads back as the zero value), ProtobufOptional or
	// ProtobufWrapper.
	ProtobufNullable string
	// Registry ties a Schema Registry format (AVRO) to its registered schema; nil
	// for the other formats, and for a codec built only to check the columns.
	Registry *Registry
}

// UsesRegistry reports whether a format keeps its schemas in a Schema Registry.
func UsesRegistry(format string) bool {
	return strings.EqualFold(format, Avro) || strings.EqualFold(format, JSONSR) || strings.EqualFold(format, Protobuf)
}

// NamesSchemas reports whether a Schema Registry format names the schemas it
// derives, so that KEY_/VALUE_SCHEMA_FULL_NAME apply (JSON Schema names none).
func NamesSchemas(format string) bool {
	return strings.EqualFold(format, Avro) || strings.EqualFold(format, Protobuf)
}

// RegistrySchemaType is the Schema Registry's schemaType of a format's schemas
// (AVRO, JSON), "" for a format that keeps none there.
func RegistrySchemaType(format string) string {
	switch strings.ToUpper(format) {
	case Avro:
		return "AVRO"
	case JSONSR:
		return "JSON"
	case Protobuf:
		return "PROTOBUF"
	}
	return ""
}

// DerivedSchema is the schema ksqlDB registers for columns written in a Schema
// Registry format with opts ("" for other formats).
func DerivedSchema(format string, cols []types.Column, opts Options) string {
	switch strings.ToUpper(format) {
	case Avro:
		return AvroSchemaFor(cols, opts, opts.FullName)
	case JSONSR:
		return JSONSchemaFor(cols, opts)
	case Protobuf, ProtobufNoSR:
		return ProtobufSchemaFor(cols, opts.FullName, opts.ProtobufNullable)
	}
	return ""
}

// Codec encodes and decodes one row of the columns it was built for.
// A Codec holds no per-record state and may be used from several goroutines.
type Codec interface {
	// Encode appends the serialized form of vals (aligned with the columns) to dst
	// and returns the extended slice. A key with no columns, or the NONE format,
	// encodes to nil: the record has no key or value bytes.
	Encode(dst []byte, vals []any) ([]byte, error)
	// Decode fills dst (len(dst) == number of columns) from data. data is never nil:
	// null keys and tombstones are the caller's business. Decoded values do not alias
	// data. The error says what was wrong with the bytes, for the processing log.
	Decode(data []byte, dst []any) error
}

// NewCodec returns a Codec writing cols in the named format (canonical or not), or a
// *sqlerr.Error when the format cannot carry these columns with these options.
func NewCodec(format string, cols []types.Column, opts Options) (Codec, error) {
	name, ok := ValidFormat(format)
	if !ok {
		return nil, sqlerr.Newf(sqlerr.FeatureNotSupported, "Unknown format: %s", format)
	}
	if err := checkSchema(name, cols, opts); err != nil {
		return nil, err
	}
	if opts.Delimiter != "" && name != Delimited {
		return nil, sqlerr.Newf(sqlerr.FeatureNotSupported,
			"%s does not support the following configs: [delimiter]", name)
	}
	if opts.WrapSingle != nil && *opts.WrapSingle && name != JSON && name != Avro && name != JSONSR && name != Protobuf && name != ProtobufNoSR && !opts.IsKey {
		return nil, sqlerr.Newf(sqlerr.FeatureNotSupported,
			"Format '%s' does not support 'WRAP_SINGLE_VALUE' set to 'true'.", name)
	}
	if opts.WrapSingle != nil && !*opts.WrapSingle && (name == Protobuf || name == ProtobufNoSR) {
		// Protobuf has no bare values: a key or value is always a message.
		return nil, sqlerr.Newf(sqlerr.FeatureNotSupported,
			"Format '%s' does not support 'WRAP_SINGLE_VALUE' set to 'false'.", name)
	}
	switch name {
	case JSON:
		return newJSONCodec(cols, opts), nil
	case Delimited:
		delim, err := parseDelimiter(opts)
		if err != nil {
			return nil, err
		}
		return newDelimitedCodec(cols, delim), nil
	case Kafka:
		return newKafkaCodec(cols), nil
	case Avro:
		return newAvroCodec(cols, opts)
	case JSONSR:
		return newJSONSRCodec(cols, opts), nil
	case Protobuf, ProtobufNoSR:
		return newProtobufCodec(name, cols, opts)
	default:
		return noneCodec{}, nil
	}
}

// NewDecoder is NewCodec for a reader that uses only part of the row (a query's
// referenced columns and struct fields): Decode may leave the columns use
// excludes NULL, after checking them as it always does, so a record is rejected
// exactly when NewCodec's Decode would reject it. Formats other than JSON, JSON_SR
// and PROTOBUF decode every column. A nil use is NewCodec.
func NewDecoder(format string, cols []types.Column, opts Options, use *Projection) (Codec, error) {
	c, err := NewCodec(format, cols, opts)
	if err != nil || use == nil {
		return c, err
	}
	switch jc := c.(type) {
	case *jsonCodec:
		projected := *jc
		projected.use = use
		return &projected, nil
	case *jsonSRCodec:
		projected := *jc.json
		projected.use = use
		return &jsonSRCodec{json: &projected, id: jc.id}, nil
	case *protobufCodec:
		projected := *jc
		projected.use = use
		projected.plans = &sync.Map{} // plans depend on the projection
		return &projected, nil
	}
	return c, nil
}

// wrapped reports whether the columns are written as a JSON object rather than
// as one bare value.
func wrapped(cols []types.Column, opts Options) bool {
	if len(cols) != 1 {
		return true
	}
	if opts.IsKey {
		return false
	}
	return opts.WrapSingle == nil || *opts.WrapSingle
}
