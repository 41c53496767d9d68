//go:build race

package logging

// raceEnabled: the race detector slows byte loops tenfold, so the
// flat-memory test reads a smaller large file.
const raceEnabled = true
