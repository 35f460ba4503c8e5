//go:build !race

package pgclients

// raceEnabled: see race_test.go.
const raceEnabled = false
