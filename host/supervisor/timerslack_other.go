//go:build !linux

package supervisor

import "time"

// setTimerSlack does nothing where the kernel has no per-thread timer
// slack that children inherit.
func setTimerSlack(time.Duration) error { return nil }
