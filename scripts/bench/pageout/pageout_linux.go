package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// pageout reclaims pid's mappings of files whose path contains match and
// drops those files from the page cache; it returns the bytes mapped and
// the number of files.
func pageout(pid int, match string) (int64, int, error) {
	maps, err := os.Open(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		return 0, 0, err
	}
	defer maps.Close()
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return 0, 0, fmt.Errorf("pidfd_open %d: %w", pid, err)
	}
	defer unix.Close(pidfd)

	var total int64
	files := map[string]bool{}
	sc := bufio.NewScanner(maps)
	for sc.Scan() {
		// start-end perms offset dev inode path
		f := strings.Fields(sc.Text())
		if len(f) < 6 || !strings.Contains(f[5], match) {
			continue
		}
		lo, hi, ok := strings.Cut(f[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		// process_madvise(pidfd, iovec, 1, MADV_PAGEOUT, 0); x/sys has no
		// wrapper. The address is the other process's: it is only handed
		// to the kernel, so it stays an integer here.
		iov := iovec{base: uintptr(start), len: uintptr(end - start)}
		if _, _, errno := unix.Syscall6(unix.SYS_PROCESS_MADVISE, uintptr(pidfd),
			uintptr(unsafe.Pointer(&iov)), 1, unix.MADV_PAGEOUT, 0, 0); errno != 0 {
			return total, len(files), fmt.Errorf("process_madvise %s: %w", f[0], errno)
		}
		total += int64(end - start)
		files[f[5]] = true
	}
	if err := sc.Err(); err != nil {
		return total, len(files), err
	}
	for path := range files {
		if err := dropFile(path); err != nil {
			return total, len(files), err
		}
	}
	return total, len(files), nil
}

// iovec is struct iovec with the base as a plain address.
type iovec struct{ base, len uintptr }

// dropFile drops path's clean, unmapped pages from the page cache.
func dropFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
}
