package status

import (
	"os"
	"runtime/debug"
)

// GCPercent is the collector's target (runtime/debug.SetGCPercent, GOGC)
// of the status family's process. The family holds almost nothing (three
// small values, its connection's buffers) and allocates a few KiB per
// request it answers; at Go's default of 100 the heap's 4 MiB floor made
// it collect many times a second under get_status load, a quarter of its
// CPU. At 400 the floor is 16 MiB: a quarter of the collections, for at
// most about 12 MiB more heap while it is busy.
const GCPercent = 400

// TuneGC applies GCPercent to this process unless the operator set GOGC
// (which the host passes to builtin families), and returns the percent in
// force. Call it once, in the family's own process: the builtin catalog
// does, tests do not.
func TuneGC() int {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(GCPercent)
	}
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}
