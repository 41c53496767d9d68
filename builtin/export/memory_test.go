package export

import (
	"runtime/debug"
	"testing"
)

func TestLimitMemory(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })

	t.Setenv("GOMEMLIMIT", "")
	if got := LimitMemory(); got != MemoryLimit {
		t.Fatalf("LimitMemory() = %d, want %d", got, MemoryLimit)
	}
	// An operator's GOMEMLIMIT wins: the limit in force is left alone.
	debug.SetMemoryLimit(1 << 30)
	t.Setenv("GOMEMLIMIT", "1GiB")
	if got := LimitMemory(); got != 1<<30 {
		t.Fatalf("with GOMEMLIMIT set, LimitMemory() = %d, want the runtime's 1 GiB", got)
	}
}
