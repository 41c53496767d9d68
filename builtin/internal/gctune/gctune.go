// Package gctune sets a builtin family process's garbage collector
// target, the one rule the families that tune it share: the operator's
// GOGC (which the host passes to builtin families) wins over the
// family's own percent.
package gctune

import (
	"os"
	"runtime/debug"
)

// Tune applies percent (runtime/debug.SetGCPercent) to this process
// unless GOGC is set, and returns the percent in force.
func Tune(percent int) int {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(percent)
	}
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}
