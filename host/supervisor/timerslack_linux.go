package supervisor

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// setTimerSlack sets the calling thread's timer slack to d (nothing when d
// is zero); a process it forks starts with it, and so do that process's
// threads. The caller is locked to its OS thread.
//
// Why a family wants more than the kernel's 50 µs: the Go runtime's
// sysmon thread naps 20 µs at a time while the process is busy, and goes
// back to 20 µs naps whenever a system call wakes it from the deep sleep
// it takes when every P is idle, which a family answering small requests
// does many times a second. Each nap is a timer, a context switch out
// and one back in. A slack of d lets each nap last up to 20 µs + d. What
// waits longer for it: sysmon's retake of a P held by a goroutine in a
// system call, and the process's timers, by at most d.
func setTimerSlack(d time.Duration) error {
	if d <= 0 {
		return nil
	}
	if err := unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(d.Nanoseconds()), 0, 0, 0); err != nil {
		return fmt.Errorf("set timer slack: %w", err)
	}
	return nil
}
