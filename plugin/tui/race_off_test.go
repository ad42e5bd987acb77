//go:build !race

package tui

// raceEnabled is true under -race, where timings are several times slower and the frame
// budget is not checked.
const raceEnabled = false
