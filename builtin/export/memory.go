package export

import (
	"os"
	"runtime/debug"
)

// MemoryLimit is the soft memory limit (runtime/debug.SetMemoryLimit) of
// the export family's process. What an export holds is bounded by design:
// one record, the read and write buffers, the gRPC stream window, and for
// S3 the transfer manager's part buffers (about 32 MiB). With only GOGC
// the collector lets the heap reach twice that before it runs, so the
// process's RSS would grow by more than the 64 MiB while holding
// much less; under this limit the collector runs sooner instead. It is
// soft: an export that truly needs more (one huge record) still gets it,
// at the cost of more frequent collections.
const MemoryLimit = 64 << 20

// LimitMemory applies MemoryLimit to this process unless the operator set
// GOMEMLIMIT (which the host passes to builtin families), and returns the
// limit in force. Call it once, in the family's own process: the builtin
// catalog does, tests do not.
func LimitMemory() int64 {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(MemoryLimit)
	}
	return debug.SetMemoryLimit(-1)
}
