package records

import "github.com/hops-dev/hops/builtin/internal/gctune"

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
// (gctune.Tune), and returns the percent in force. Call it once, in the
// family's own process: the builtin catalog does, tests do not.
func TuneGC() int { return gctune.Tune(GCPercent) }
