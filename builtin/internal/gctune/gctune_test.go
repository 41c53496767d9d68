package gctune_test

import (
	"runtime/debug"
	"testing"

	"github.com/hops-dev/hops/builtin/internal/gctune"
	"github.com/hops-dev/hops/builtin/records"
	"github.com/hops-dev/hops/builtin/status"
)

// Tune applies the percent unless GOGC is set, and each family's TuneGC
// applies its own percent.
func TestTune(t *testing.T) {
	was := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(was) })
	t.Setenv("GOGC", "")
	for _, c := range []struct {
		name string
		tune func() int
		want int
	}{
		{"Tune(300)", func() int { return gctune.Tune(300) }, 300},
		{"records.TuneGC", records.TuneGC, records.GCPercent},
		{"status.TuneGC", status.TuneGC, status.GCPercent},
	} {
		debug.SetGCPercent(100)
		if got := c.tune(); got != c.want {
			t.Errorf("%s = %d, want %d", c.name, got, c.want)
		}
	}
	debug.SetGCPercent(150)
	t.Setenv("GOGC", "150")
	if got := gctune.Tune(300); got != 150 {
		t.Fatalf("with GOGC set, Tune(300) = %d, want the operator's 150", got)
	}
}
