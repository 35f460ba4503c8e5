//go:build race

package pgclients

// raceEnabled builds the server with the race detector when the tests run with
// -race, sharing the build cache with sqltests.
const raceEnabled = true
