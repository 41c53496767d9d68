package main

import (
	"os"
	"runtime"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// hostTimerSlack is the timer slack `hops run` runs with, the one the
// builtin families already start with (host/app's builtinTimerSlack):
// the Go runtime's sysmon thread naps 20 µs at a time while the process
// is busy, each nap a timer and two context switches, and a slack of
// 1 ms lets the kernel group those wake-ups. What waits longer for it:
// the host's timers and sysmon's retake of a P held in a system call,
// each by at most the slack.
const hostTimerSlack = time.Millisecond

// kernelTimerSlack is the slack a process gets from the kernel when
// nobody set one (init's 50 µs, inherited by every process).
const kernelTimerSlack = 50 * time.Microsecond

// raiseTimerSlack re-executes the running binary, with the same arguments
// and environment and the same PID, after setting the calling thread's
// timer slack to hostTimerSlack: a thread's slack is inherited by the
// threads it creates and kept across execve, and the Go runtime has
// created its threads (sysmon's among them) before main runs, so only a
// fresh image gets the slack on every thread. It does so only when the
// process runs with the kernel's default slack: after the re-exec the
// slack is hostTimerSlack and it returns at once, and a slack an operator
// chose (systemd's TimerSlackNSec=) is kept. When the exec fails, hops
// goes on with the slack it had.
func raiseTimerSlack() {
	cur, err := unix.PrctlRetInt(unix.PR_GET_TIMERSLACK, 0, 0, 0, 0)
	if err != nil || time.Duration(cur) != kernelTimerSlack {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(hostTimerSlack.Nanoseconds()), 0, 0, 0); err != nil {
		return
	}
	_ = syscall.Exec(exe, os.Args, os.Environ())
	_ = unix.Prctl(unix.PR_SET_TIMERSLACK, uintptr(kernelTimerSlack.Nanoseconds()), 0, 0, 0)
}
