package records

import (
	"runtime/debug"
	"testing"
)

// The family's own percent is what TuneGC applies (the GOGC rule is
// gctune's, tested there).
func TestTuneGC(t *testing.T) {
	was := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(was) })
	t.Setenv("GOGC", "")
	if got := TuneGC(); got != GCPercent {
		t.Fatalf("TuneGC() = %d, want %d", got, GCPercent)
	}
}
