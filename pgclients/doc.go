// Package pgclients holds the client compatibility matrix: tests that run the
// Postgres clients people use — psql, pgjdbc, psycopg2 with SQLAlchemy,
// node-postgres and pgx — as real programs over TCP against the real sluice
// binary, and assert what they print. The client programs live in testdata; the
// tools are installed by scripts/install-test-deps.sh. A test skips, saying why,
// only when its tool is missing and the CI environment variable is unset: in CI
// every client must run.
//
// The package has no non-test code.
package pgclients
