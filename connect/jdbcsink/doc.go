// Package jdbcsink runs Kafka Connect's JDBC sink connector
// (io.confluent.connect.jdbc.JdbcSinkConnector) natively, into PostgreSQL:
// it validates the connector's documented properties (config.go), maps the
// rows of a topic's Sluice source to a PostgreSQL table (table.go), and writes
// them with pgx (writer.go), exactly once: each batch's rows and the offsets
// they cover commit in one PostgreSQL transaction, and a task resumes from the
// offsets stored there (offsets.go). The Kafka consumer group only assigns
// partitions (connector.go).
//
// It reads records with the key and value formats of the Sluice source declared
// over each topic: the JDBC sink needs a schema, and the source is where Sluice
// keeps one. It never sees SQL statements, plans or the engine.
package jdbcsink
