package status

import "github.com/hops-dev/hops/builtin/internal/gctune"

// GCPercent is the collector's target (runtime/debug.SetGCPercent, GOGC)
// of the status family's process. The family holds almost nothing (three
// small values, its connections' buffers) and allocates a few KiB per
// request it answers, so at Go's default of 100 the heap's 4 MiB floor
// sets how often it collects under load. At 400 the floor is 16 MiB: a
// quarter of the collections, for up to about 12 MiB more heap while it
// is busy (docs/design.md, "get_status and the family hop").
const GCPercent = 400

// TuneGC applies GCPercent to this process unless the operator set GOGC
// (gctune.Tune), and returns the percent in force. Call it once, in the
// family's own process: the builtin catalog does, tests do not.
func TuneGC() int { return gctune.Tune(GCPercent) }
