package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
	"golang.org/x/sys/unix"
)

// notify sends a state to the service manager named by $NOTIFY_SOCKET
// (systemd's sd_notify protocol; `hops start` listens on the same
// protocol to learn when its background instance is ready). Without the
// variable it does nothing. A failed READY=1, the one a manager waits
// for, is reported on stderr, unless the socket is gone: `hops start`
// removes its own once it has returned, so a background instance's later
// states (and the READY=1 after an in-place restart) have no reader.
func notify(state string) {
	_, err := daemon.SdNotify(false, state)
	gone := errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED)
	if err != nil && !gone && strings.HasPrefix(state, daemon.SdNotifyReady) {
		fmt.Fprintln(os.Stderr, "hops: readiness notification:", err)
	}
}

// notifyReloading tells the manager that an in-place restart began: the
// process re-executes itself with the same PID and sends READY=1 again
// when it serves. MONOTONIC_USEC lets systemd tell this reload from an
// earlier one.
func notifyReloading() {
	notify(daemon.SdNotifyReloading + "\nMONOTONIC_USEC=" + strconv.FormatInt(monotonicUsec(), 10))
}

// monotonicUsec is CLOCK_MONOTONIC in microseconds, the clock systemd
// reads MONOTONIC_USEC in.
func monotonicUsec() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return 0
	}
	return ts.Nano() / int64(time.Microsecond)
}
