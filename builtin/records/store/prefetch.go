package store

import (
	"os"
	"sync"
)

// Prefetch. bbolt reads through mmap, so a scan of a table whose pages
// the kernel took back from the page cache (after a while unused, or
// under memory pressure) pays one major fault, one small disk read, per
// page it touches. After a bulk load the pages of a table are scattered
// through the file in no order a fault's read-around can follow, so a
// cold scan of a million records stalls on tens of thousands of such
// reads. Before a scan of a whole table the store therefore asks the
// kernel to read the database's file into the page cache in the
// background (posix_fadvise WILLNEED: large sequential reads, and pages
// already cached are skipped), and the scan's faults find them there.
//
// Bounds: only a table holding at least prefetchMinBytes and at least a
// quarter of the file's used bytes is worth it (a small table in a big
// file would not repay reading the file; a cold 100k-record table of 35
// MiB took 1.8-2.8 s to export page by page, where the whole file reads
// in 40 ms); a file over a quarter of the machine's RAM is left alone
// (the page cache would throw out as much as it takes in); and one
// prefetch at a time runs per file. Asking again for pages already cached
// is cheap (15 ms of one background goroutine for an 850 MiB file), so a
// scan always asks: it cannot know what was reclaimed since the last.

// prefetchMinBytes is the smallest table prefetched.
const prefetchMinBytes = 1 << 20

// prefetcher starts prefetches, one at a time per file.
type prefetcher struct {
	mu      sync.Mutex
	running map[string]bool // files being prefetched
	// advise reads path's first size bytes into the page cache; nil (on
	// systems without posix_fadvise) disables prefetching.
	advise func(path string, size int64) error
	// minBytes is the smallest table worth it (prefetchMinBytes; tests
	// lower it).
	minBytes int64
}

// newPrefetcher returns the prefetcher a Store uses.
func newPrefetcher() prefetcher {
	return prefetcher{advise: defaultAdvise, minBytes: prefetchMinBytes}
}

// wholeTable is called before a scan of the whole table t: it starts a
// background prefetch of the part of the database file bbolt uses
// (tx.Size) when the bounds allow it.
func (p *prefetcher) wholeTable(t *tableTx) {
	if p.advise == nil {
		return
	}
	tx := t.recs.Tx()
	size := tx.Size()
	if t.meta.Bytes < p.minBytes || t.meta.Bytes < size/4 || size > maxPrefetchBytes() {
		return
	}
	path := tx.DB().Path()
	p.mu.Lock()
	if p.running[path] {
		p.mu.Unlock()
		return
	}
	if p.running == nil {
		p.running = make(map[string]bool)
	}
	p.running[path] = true
	p.mu.Unlock()
	go func() {
		// Best effort: a failed hint only means the scan reads the
		// file as it would have without one.
		_ = p.advise(path, size)
		p.mu.Lock()
		delete(p.running, path)
		p.mu.Unlock()
	}()
}

// adviseWillNeed opens path and asks the kernel to read its first size
// bytes (see adviseFile).
func adviseWillNeed(path string, size int64) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return adviseFile(f, size)
}
