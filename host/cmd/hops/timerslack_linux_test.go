package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/hops-dev/hops/host/supervisor/supervisortest"
)

// TestHostRunsWithTimerSlack: `hops run` started with the kernel's default
// timer slack re-executes itself once with 1 ms, so every thread of the
// host (its runtime's sysmon included) has it, keeps its PID, and serves;
// started with a slack someone chose, it keeps that one.
func TestHostRunsWithTimerSlack(t *testing.T) {
	own, err := os.ReadFile("/proc/self/timerslack_ns")
	if err != nil {
		t.Skipf("no timer slack in /proc here: %v", err)
	}
	want := "1000000"
	if strings.TrimSpace(string(own)) != "50000" {
		want = strings.TrimSpace(string(own)) // not the kernel's default: kept
	}
	in := startHops(t, "", "")
	if r := in.admin(t, map[string]any{"operation": "get_status"}); r.Status != 200 {
		t.Fatalf("get_status: %d %s", r.Status, r.Raw)
	}
	for _, got := range supervisortest.ThreadSlacks(t, in.cmd.Process.Pid) {
		if got != want {
			t.Fatalf("a thread of the host (pid %d, the one started) has %s ns of slack, want %s", in.cmd.Process.Pid, got, want)
		}
	}

	// An operator's slack (systemd's TimerSlackNSec=): the host is forked
	// from a thread that has it, and keeps it.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before, err := unix.PrctlRetInt(unix.PR_GET_TIMERSLACK, 0, 0, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Prctl(unix.PR_SET_TIMERSLACK, 300_000, 0, 0, 0); err != nil {
		t.Fatal(err)
	}
	chosen := startHops(t, "", "")
	if err := unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(before), 0, 0, 0); err != nil {
		t.Fatal(err)
	}
	if r := chosen.admin(t, map[string]any{"operation": "get_status"}); r.Status != 200 {
		t.Fatalf("get_status: %d %s", r.Status, r.Raw)
	}
	// Every thread keeps it but those that forked a builtin family (each
	// stays locked for its family's life, at the families' 1 ms).
	kept := 0
	for _, got := range supervisortest.ThreadSlacks(t, chosen.cmd.Process.Pid) {
		switch got {
		case "300000":
			kept++
		case "1000000":
		default:
			t.Fatalf("a thread of a host started with 300 µs of slack has %s ns", got)
		}
	}
	leader, err := os.ReadFile(fmt.Sprintf("/proc/%d/timerslack_ns", chosen.cmd.Process.Pid))
	if err != nil || strings.TrimSpace(string(leader)) != "300000" || kept < 2 {
		t.Fatalf("a host started with 300 µs of slack: main thread %q (%v), %d threads kept it", leader, err, kept)
	}
}
