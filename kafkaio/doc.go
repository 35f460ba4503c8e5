// Package kafkaio is Sluice's door to Kafka: the embedded broker used when no external
// cluster is configured, client construction with the project's defaults, and the
// topic administration the engine needs (create, describe, delete, end offsets).
//
// It knows nothing of SQL, plans or formats.
package kafkaio
