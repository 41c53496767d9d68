package store

import (
	"os"

	"golang.org/x/sys/unix"
)

// adviseChunk is the span of one posix_fadvise call. Linux reads at most
// max(the device's largest request, its readahead window) per WILLNEED
// call and ignores the rest of a longer span (force_page_cache_ra), so
// one call over a whole file reads only its first few MiB; 512 KiB is
// within that limit on common devices, and a 1 GiB file costs 2,048 calls
// that return at once (the reads run in the background).
const adviseChunk = 512 << 10

// adviseFile is posix_fadvise(WILLNEED) over f's first size bytes, a
// chunk at a time: the kernel reads them into the page cache.
func adviseFile(f *os.File, size int64) error {
	fd := int(f.Fd())
	for off := int64(0); off < size; off += adviseChunk {
		if err := unix.Fadvise(fd, off, min(adviseChunk, size-off), unix.FADV_WILLNEED); err != nil {
			return err
		}
	}
	return nil
}

// maxPrefetchBytes is a quarter of the machine's RAM.
func maxPrefetchBytes() int64 {
	var si unix.Sysinfo_t
	if err := unix.Sysinfo(&si); err != nil {
		return 0
	}
	return int64(si.Totalram) * int64(si.Unit) / 4
}

// defaultAdvise is what a Store prefetches with.
var defaultAdvise = adviseWillNeed
