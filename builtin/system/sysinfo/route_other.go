//go:build !linux

package sysinfo

// defaultRouteIndex is not implemented off Linux: neither gopsutil nor
// package net exposes routes, and guessing by dialing out is not allowed
// here. default_interface is then null.
func defaultRouteIndex() (int, error) { return 0, errNoDefaultRoute }
