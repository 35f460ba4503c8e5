// Package formats turns the key or value part of a Kafka record into column values
// and back, for the serialization formats ksqlDB supports without a schema registry:
// JSON, DELIMITED, KAFKA and NONE. The bytes written match ksqlDB's byte for byte.
//
// It knows only types and columns; it never sees SQL, plans or Kafka clients.
package formats
