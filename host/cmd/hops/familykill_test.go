package main

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
)

// TestStatusFamilyKilledUnderLoad: SIGKILL of the status family while
// eight clients keep asking get_status gives every request an answer
// (200 with the status, or a 503 JSON error while it restarts; never a
// transport error or a hang), and the restarted family serves the same
// answer on fresh Handle lanes.
func TestStatusFamilyKilledUnderLoad(t *testing.T) {
	in := startHops(t, "", "")
	// A status never set: its answer is the same before and after the
	// restart (the family keeps statuses in memory).
	ask := map[string]any{"operation": "get_status", "id": "maintenance"}
	want := in.admin(t, ask)
	if want.Status != 200 {
		t.Fatalf("get_status: %d %s", want.Status, want.Raw)
	}
	pid := in.familyPID(t, "plugin builtin status")

	var (
		stop            atomic.Bool
		ok, unavailable atomic.Int64
		mu              sync.Mutex
		bad             []string
		wg              sync.WaitGroup
	)
	for range 8 {
		wg.Go(func() {
			for !stop.Load() {
				r, err := in.try(adminUser, adminPass, ask)
				switch {
				case err != nil:
					mu.Lock()
					bad = append(bad, "transport: "+err.Error())
					mu.Unlock()
				case r.Status == 200 && string(r.Raw) == string(want.Raw):
					ok.Add(1)
				case r.Status == 503 && strings.Contains(r.Error(), "restarting"):
					unavailable.Add(1)
				default:
					mu.Lock()
					bad = append(bad, strconv.Itoa(r.Status)+" "+string(r.Raw))
					mu.Unlock()
				}
			}
		})
	}
	defer func() { stop.Store(true); wg.Wait() }()
	waitFor(t, "answers before the kill", func() bool { return ok.Load() > 200 })
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killedAt := ok.Load()
	var newPID int
	waitForOr(t, "the restarted family answering", func() bool {
		newPID = in.familyPIDOrZero("plugin builtin status")
		return newPID != 0 && newPID != pid && ok.Load() > killedAt+200
	}, func() {
		mu.Lock()
		defer mu.Unlock()
		t.Logf("status family pid %d (killed %d); %d answers (%d before the kill), %d 503s, %d others %v",
			newPID, pid, ok.Load(), killedAt, unavailable.Load(), len(bad), bad[:min(len(bad), 3)])
	})
	stop.Store(true)
	wg.Wait()
	if len(bad) > 0 {
		t.Fatalf("%d requests were not answered with the status or a clean 503 (first: %s)", len(bad), bad[0])
	}
	t.Logf("%d answers, %d 503s while the family restarted", ok.Load(), unavailable.Load())
}
