// Package supervisortest holds what the tests of the supervisor and of
// the hops binary both read from a running process.
package supervisortest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ThreadSlacks returns the timer slack, in ns as /proc writes it, of
// every thread of pid that is still running when it is read.
func ThreadSlacks(t testing.TB, pid int) []string {
	t.Helper()
	paths, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*", pid))
	if err != nil || len(paths) == 0 {
		t.Fatalf("threads of %d: %v", pid, err)
	}
	var out []string
	for _, p := range paths {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%s/timerslack_ns", filepath.Base(p)))
		if err != nil {
			continue // the thread ended meanwhile
		}
		out = append(out, strings.TrimSpace(string(b)))
	}
	return out
}
