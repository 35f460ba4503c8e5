// Package script runs end-to-end SQL scripts (datadriven files) against a sluice
// server started by package harness: one server per file, one Postgres session per
// file (re-opened after a restart), plus Kafka producers and consumers on the broker
// the server reports.
//
// The commands are documented in sqltests/README.md; each is one method of runner,
// dispatched from a single switch in runner.go. Expected outputs state what ksqlDB
// would do: when the engine differs, the script fails (or is moved to
// testdata/pending with a reason) rather than being rewritten to match.
package script
