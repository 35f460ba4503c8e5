// Command ksqlcompat runs ksqlDB's query-validation tests (QTT) against Sluice from
// the outside, as a user would: one sluice process per case, statements over the
// Postgres wire, input records produced with franz-go, sink topics read back and
// compared with the rules of ksqlDB's own record comparator. The REST QTT files
// (rest-query-validation-tests: INSERT VALUES, pull and push queries) run the same
// way, with each query sent over the wire and its rows compared with ksqlDB's
// expected response (rest.go).
//
//	go run ./sqltests/ksqlcompat -dir ../shared/qtt
//
// It imports no engine package; it needs from the engine only what users have:
// SHOW STREAMS/TABLES EXTENDED for formats and windows, and AWAIT IDLE to wait until
// every persistent query has processed its input. The test data stays outside the
// repository (see ../shared/qtt/README.md); ksqlcompat_test.go runs the whole set
// in CI against baseline.txt, the list of cases known to fail.
package main
