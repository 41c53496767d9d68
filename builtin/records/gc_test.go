package records

import (
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	was := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(was) })
	t.Setenv("GOGC", "")
	if got := TuneGC(); got != GCPercent {
		t.Fatalf("TuneGC() = %d, want %d", got, GCPercent)
	}
	debug.SetGCPercent(150)
	t.Setenv("GOGC", "150")
	if got := TuneGC(); got != 150 {
		t.Fatalf("with GOGC set, TuneGC() = %d, want the operator's 150", got)
	}
}
