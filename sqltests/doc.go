// Package sqltests holds the end-to-end tests: SQL scripts in testdata/*.test run
// against a real sluice binary (built once per test process) with its embedded Kafka
// broker, over the Postgres wire protocol, and a quickstart test that drives psql and
// kcat the way the README tells a newcomer to. See README.md for the script format.
//
// Nothing here imports an engine package: the binary is a black box.
package sqltests
