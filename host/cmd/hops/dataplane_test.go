package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
)

// dataPlaneOf returns the data-plane socket a family's process listens on
// ("" when it has none) and how many connections it has accepted on it
// (from /proc/net/unix, where an accepted connection carries the path of
// the socket it came from).
func dataPlaneOf(t *testing.T, pid int) (path string, conns int) {
	t.Helper()
	inodes := map[string]bool{}
	fds, _ := os.ReadDir(filepath.Join("/proc", strconv.Itoa(pid), "fd"))
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "fd", fd.Name()))
		if err == nil && strings.HasPrefix(link, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
		}
	}
	f, err := os.Open("/proc/net/unix")
	if err != nil {
		t.Skipf("no /proc/net/unix: %v", err)
	}
	defer f.Close()
	count := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// Num RefCount Protocol Flags Type St Inode Path
		fields := strings.Fields(sc.Text())
		if len(fields) < 8 || !strings.Contains(fields[7], "hops-dp-") || !inodes[fields[6]] {
			continue
		}
		count[fields[7]]++
	}
	for p, n := range count {
		return p, n - 1 // the listener itself
	}
	return "", 0
}

// TestStatusFamilyKilledUnderLoadOnTheDataPlane: get_status travels on the
// status family's data plane; SIGKILL of the family under load gives every
// request an answer (200 with the status, or a 503 JSON error while it
// restarts, never a transport error or a hang), the dead family's socket
// is removed, and the restarted family's data plane carries requests again.
func TestStatusFamilyKilledUnderLoadOnTheDataPlane(t *testing.T) {
	in := startHops(t, "", "")
	// A status never set: its answer is the same before and after the
	// restart (the family keeps statuses in memory).
	ask := map[string]any{"operation": "get_status", "id": "maintenance"}
	want := in.admin(t, ask)
	if want.Status != 200 {
		t.Fatalf("get_status: %d %s", want.Status, want.Raw)
	}
	pid := in.familyPID(t, "plugin builtin status")
	oldPath, conns := dataPlaneOf(t, pid)
	if oldPath == "" || conns < 1 {
		t.Fatalf("the status family has no data plane in use (socket %q, %d connections)", oldPath, conns)
	}

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
		t.Logf("status family pid %d (killed %d); %d answers (%d before the kill), %d 503s, %d others %v\n%s",
			newPID, pid, ok.Load(), killedAt, unavailable.Load(), len(bad), bad[:min(len(bad), 3)], in.out.String())
	})
	stop.Store(true)
	wg.Wait()
	if len(bad) > 0 {
		t.Fatalf("%d requests were not answered with the status or a clean 503 (first: %s)", len(bad), bad[0])
	}
	newPath, conns := dataPlaneOf(t, newPID)
	if newPath == "" || newPath == oldPath || conns < 1 {
		t.Fatalf("the restarted family's data plane is not in use (socket %q, was %q; %d connections)", newPath, oldPath, conns)
	}
	waitFor(t, "the killed family's socket directory removed", func() bool {
		_, err := os.Stat(filepath.Dir(oldPath))
		return os.IsNotExist(err)
	})
	t.Logf("%d answers, %d 503s while the family restarted", ok.Load(), unavailable.Load())
}
