//go:build !linux

package store

import "os"

// adviseFile is a no-op where posix_fadvise is not used.
func adviseFile(*os.File, int64) error { return nil }

// maxPrefetchBytes is 0: no file is prefetched.
func maxPrefetchBytes() int64 { return 0 }

// defaultAdvise is nil: prefetching is off.
var defaultAdvise func(path string, size int64) error
