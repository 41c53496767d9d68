//go:build !linux

package main

// raiseTimerSlack does nothing where the kernel has no per-thread timer
// slack.
func raiseTimerSlack() {}
