// Package harness runs a built sluice binary as a black box for end-to-end tests.
//
// A Server is one sluice process on a data directory: it starts with every listener on
// port 0 and a ready file, and can be stopped cleanly (SIGTERM), killed (SIGKILL) and
// started again on the same directory. A Session is one Postgres wire connection (one
// engine session). Kafka reads and writes go straight to the broker the server reports
// (the embedded one by default) through franz-go.
//
// Records are written in a one-line text syntax shared by input and output (see
// ParseRecord and FormatRecord), so expected bytes in a test file are visible as is.
//
// The package must not import any engine package: everything it knows about sluice
// comes through the command line, the ready file, the Postgres wire protocol and Kafka.
package harness
