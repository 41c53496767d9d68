//go:build !linux

package main

import "errors"

// pageout needs Linux's process_madvise.
func pageout(int, string) (int64, int, error) {
	return 0, 0, errors.New("pageout works on Linux only")
}
