// Package formats turns the key or value part of a Kafka record into column values
// and back, for the serialization formats ksqlDB supports: JSON, DELIMITED, KAFKA and
// NONE, with a Schema Registry AVRO, JSON_SR and PROTOBUF, and PROTOBUF_NOSR. The bytes written match ksqlDB's
// byte for byte. A Schema Registry format is given its registered schema (and a
// way to look up others by id) in Options.Registry; this package derives the
// schemas ksqlDB would register but never talks to a registry itself.
//
// It knows only types and columns; it never sees SQL, plans or Kafka clients.
//
// The model: NewCodec checks once, when a source or sink is defined, that a format
// can carry a list of columns, and returns a Codec bound to them. A Codec then
// encodes one row (values aligned with the columns) to bytes and decodes bytes to
// one row; it holds no per-record state, so one Codec may be used from several
// goroutines. Values follow the representation documented in package types.
//
// What each format writes:
//
//	JSON       an object with one field per column, or the bare value for a single
//	           key column (keys are never wrapped) or a single value column with
//	           WRAP_SINGLE_VALUE=false. Decoding is as lenient as ksqlDB's
//	           KsqlJsonDeserializer (numbers from strings, any JSON as STRING text).
//	DELIMITED  one CSV record, quoted like Apache Commons CSV's MINIMAL mode as ksqlDB
//	           ships it; NULL is an empty field.
//	KAFKA      the Kafka client's primitive serializers: big-endian INT, BIGINT and
//	           DOUBLE, raw STRING and BYTES; one column at most.
//	NONE       no columns, no bytes.
//	AVRO       Confluent's framing (magic 0, 4-byte schema id), then Avro binary
//	           of the derived or registered schema; read with the writer's schema.
//	JSON_SR    Confluent's framing, then the JSON the JSON format writes; read
//	           as JSON after the header, without the writer's schema.
//	PROTOBUF   Confluent's framing, the message indexes ([0] as one 0 byte), then
//	           the protobuf message (always a message, keys too); read with the
//	           writer's schema and message. PROTOBUF_NOSR: the bare message of
//	           the derived schema.
//
// Windowed keys wrap the inner key bytes in the Kafka Streams layout (window.go).
//
// Errors returned by NewCodec are *sqlerr.Error with ksqlDB's wording, for users.
// Errors returned by Decode describe what was wrong with the record, for the
// processing log; they are *sqlerr.Error with SQLSTATE 22P02. Encode fails only
// on a value that does not fit its column (22003, a DECIMAL too wide) or whose Go
// type does not represent the column type (XX000, a caller bug).
package formats
