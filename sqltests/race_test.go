//go:build race

package sqltests

// raceEnabled builds the server with the race detector when the tests themselves run
// with -race, so the end-to-end scripts also hunt for data races in the engine (and
// the build reuses the race-instrumented package cache).
const raceEnabled = true
