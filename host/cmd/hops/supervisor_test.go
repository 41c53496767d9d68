package main

import (
	"syscall"
	"testing"
	"time"
)

// TestSupervisorSettingsReachTheSupervisor: supervisor.restartBackoffMin,
// restartBackoffMax and pingInterval from the config file are the ones the
// supervisor runs with, and a killed family stays down (503) for the
// configured minimum backoff before it is restarted.
func TestSupervisorSettingsReachTheSupervisor(t *testing.T) {
	const backoff = 2 * time.Second
	in := startHops(t, "", `supervisor:
  restartBackoffMin: 2s
  restartBackoffMax: 3s
  pingInterval: 700ms
`)
	const settings = "restart_backoff_min=2s restart_backoff_max=3s ping_interval=700ms"
	if !in.waitOutput(settings, 5*time.Second) {
		t.Fatalf("the supervisor did not start with the configured settings (%s):\n%s", settings, in.out.String())
	}

	pid := in.familyPID(t, "plugin builtin status")
	killed := time.Now() // the exit is seen after this
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	saw503 := false
	for {
		r, err := in.try(adminUser, adminPass, map[string]any{"operation": "get_status", "id": "primary"})
		if err != nil {
			t.Fatal(err)
		}
		if r.Status == 503 {
			saw503 = true
		}
		if r.Status == 200 && in.familyPIDOrZero("plugin builtin status") != pid {
			break
		}
		if time.Since(killed) > 30*time.Second {
			t.Fatalf("the status family was not restarted; last answer %d %s", r.Status, r.Raw)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if back := time.Since(killed); back < backoff {
		t.Fatalf("status family served again %s after its kill, before the configured restartBackoffMin %s", back, backoff)
	}
	if !saw503 {
		t.Fatal("no 503 while the family was down")
	}
}
