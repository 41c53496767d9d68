package records

import (
	"os"
	"runtime/debug"
)

// GCPercent is the collector's target (runtime/debug.SetGCPercent, GOGC)
// of the records family's process. An insert request's body (up to
// megabytes of JSON) and the records decoded from it are garbage once the
// transaction commits, while the live heap between requests is small
// (the stores' pages are mapped files, not heap), so at Go's default of
// 100 the heap's 4 MiB floor made the process collect every request or
// two under a bulk load, each cycle's fixed costs (stacks, sweeping, the
// mark workers' start) charged to a few thousand records. A higher
// target collects less often for more heap while the family is busy and
// until the runtime's periodic forced collection after a load; a family
// that has not loaded anything keeps the heap it had.
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
