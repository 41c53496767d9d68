package store

import (
	"os"
	"path/filepath"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// resident returns how many of f's first size bytes' pages are in the
// page cache (mincore over a fresh read-only mapping).
func resident(t *testing.T, f *os.File, size int) int {
	t.Helper()
	m, err := unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(m)
	vec := make([]byte, (size+os.Getpagesize()-1)/os.Getpagesize())
	// x/sys has no mincore wrapper.
	if _, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)), uintptr(unsafe.Pointer(&vec[0]))); errno != 0 {
		t.Fatal(errno)
	}
	n := 0
	for _, v := range vec {
		n += int(v & 1)
	}
	return n
}

// TestAdviseFileFillsThePageCache evicts a file from the page cache and
// checks that adviseFile brings all of it back, not just the first few
// MiB one WILLNEED call reads.
func TestAdviseFileFillsThePageCache(t *testing.T) {
	const size = 48 << 20
	path := filepath.Join(t.TempDir(), "f")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(make([]byte, size)); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	pages := size / os.Getpagesize()
	if err := unix.Fadvise(int(f.Fd()), 0, size, unix.FADV_DONTNEED); err != nil {
		t.Fatal(err)
	}
	if n := resident(t, f, size); n > pages/2 {
		t.Skipf("cannot evict the file here (%d of %d pages stay cached; tmpfs?)", n, pages)
	}
	if err := adviseFile(f, size); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		n := resident(t, f, size)
		if n == pages {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d pages cached 10 s after adviseFile", n, pages)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
