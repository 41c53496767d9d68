package app

import (
	"os"
	"runtime/debug"
)

// hostGCPercent is the host process's GOGC when the environment sets
// none: the heap may grow to three times what is live (the runtime's
// default is two) before a collection. Every operations request makes a
// few kilobytes of garbage in net/http and the gRPC client, so at tens of
// thousands of requests a second the host collected several times a
// second, each cycle costing milliseconds of CPU (stacks of every
// connection's goroutine scanned, assists charged to requests) and a
// stop-the-world pause that every connection waits out. At 200 the host
// collects half as often for about 8 MiB more heap under load
// (docs/design.md, "Per-call cost"). The families keep the runtime's
// default: they inherit GOGC only when the operator sets it.
const hostGCPercent = 200

// setHostGC applies hostGCPercent unless GOGC is set in the environment,
// which the runtime has already read and which then stays the operator's.
func setHostGC() {
	if _, set := os.LookupEnv("GOGC"); set {
		return
	}
	debug.SetGCPercent(hostGCPercent)
}
