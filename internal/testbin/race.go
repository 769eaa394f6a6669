//go:build race

package testbin

// raceEnabled is true when the test binary itself is built with -race:
// the programs it runs are then built with -race too.
const raceEnabled = true
