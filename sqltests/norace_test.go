//go:build !race

package sqltests

// raceEnabled: see race_test.go.
const raceEnabled = false
