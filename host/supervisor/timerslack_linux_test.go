package supervisor

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hops-dev/hops/host/supervisor/supervisortest"
)

// TestTimerSlackReachesEveryThreadOfTheProcess: a spec's TimerSlack is the
// slack of every thread of the family's process (the Go runtime's sysmon
// among them), and a spec without one leaves its process the host's own:
// the slack set for one start does not stay on a thread that forks the
// next.
func TestTimerSlackReachesEveryThreadOfTheProcess(t *testing.T) {
	own, err := os.ReadFile("/proc/self/timerslack_ns")
	if err != nil {
		t.Skipf("no timer slack in /proc here: %v", err)
	}
	spec := helperSpec()
	spec.TimerSlack = 700 * time.Microsecond
	s := start(t, Options{}, spec)
	for _, got := range supervisortest.ThreadSlacks(t, mustPID(t, s)) {
		if got != "700000" {
			t.Fatalf("a thread of the family has timer slack %s ns, want 700000", got)
		}
	}
	plain := start(t, Options{}, helperSpec())
	for _, got := range supervisortest.ThreadSlacks(t, mustPID(t, plain)) {
		if want := strings.TrimSpace(string(own)); got != want {
			t.Fatalf("a thread of a family without TimerSlack has %s ns, want the host's %s", got, want)
		}
	}
}
