// Package schemaregistry is Sluice's embedded Schema Registry: the subset of
// Confluent Schema Registry's REST API that ksqlDB, Confluent's serializers,
// kafkajs' @kafkajs/confluent-schema-registry and franz-go's pkg/sr use, so that
// Avro, Protobuf and JSON Schema topics work with no other service running.
//
// State lives in a compacted single-partition Kafka topic (_schemas by default) in
// Confluent's own key/value layout (state.go): every node replays it at start and
// tails it afterwards, and a Confluent Schema Registry pointed at the same topic
// could take over. A write is produced first and applied when the tail reads it
// back, so the topic is the only authority and schema ids survive restarts.
//
// The package validates schemas (Avro with github.com/twmb/avro, JSON Schema as
// JSON, Protobuf as text) and checks compatibility (BACKWARD, FORWARD, FULL, their
// transitive forms and NONE) for Avro; it knows nothing of SQL, columns or the
// formats that use the schemas (package formats).
package schemaregistry
