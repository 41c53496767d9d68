package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestHostGCPercent: the host collects at GOGC 200 unless the environment
// sets GOGC, which then stays the operator's; the families are not given
// the host's setting (their environment has no GOGC of the host's making).
func TestHostGCPercent(t *testing.T) {
	for _, c := range []struct {
		env  []string
		want string
	}{{nil, "200"}, {[]string{"GOGC=50"}, "50"}} {
		in := startHops(t, "", "", c.env...)
		st, text := in.getPath(t, "/metrics", adminUser, adminPass)
		if got := metricValue(text, "go_gc_gogc_percent"); st != 200 || got != c.want {
			t.Fatalf("env %v: go_gc_gogc_percent = %q (status %d), want %s", c.env, got, st, c.want)
		}
		if c.env != nil {
			continue
		}
		pid := in.familyPID(t, "plugin builtin status")
		environ, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if err != nil {
			t.Skipf("no /proc here: %v", err)
		}
		for _, kv := range strings.Split(string(environ), "\x00") {
			if strings.HasPrefix(kv, "GOGC=") {
				t.Errorf("status family's environment has %s", kv)
			}
		}
		in.stop()
	}
}
