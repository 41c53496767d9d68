package gctune

import (
	"runtime/debug"
	"testing"
)

func TestTune(t *testing.T) {
	was := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(was) })
	t.Setenv("GOGC", "")
	if got := Tune(300); got != 300 {
		t.Fatalf("Tune(300) = %d, want 300", got)
	}
	debug.SetGCPercent(150)
	t.Setenv("GOGC", "150")
	if got := Tune(300); got != 150 {
		t.Fatalf("with GOGC set, Tune(300) = %d, want the operator's 150", got)
	}
}
