// Command pageout makes the data files of a running server cold, as the
// kernel does to pages left unused for a while (this benchmark machine
// runs DAMON with a pageout action, which reclaims pages idle for a
// minute): every mapping of process -pid whose file path contains -match
// is reclaimed with process_madvise(MADV_PAGEOUT), and then the files
// themselves are dropped from the page cache (posix_fadvise DONTNEED, for
// pages no process maps). The next read of those pages goes to the disk.
// export.sh runs it before each export when COLD=1, on hops' records
// family (its .bolt files) and on HarperDB (its .mdb files), so both
// servers are measured from the same cold start.
//
//	pageout -pid 1234 -match .bolt
//
// It needs the right to ptrace the process (root, or CAP_SYS_NICE).
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	pid := flag.Int("pid", 0, "process whose mappings to reclaim")
	match := flag.String("match", "", "substring of the mapped file paths to reclaim")
	flag.Parse()
	if *pid <= 0 || *match == "" {
		fmt.Fprintln(os.Stderr, "usage: pageout -pid PID -match SUBSTRING")
		os.Exit(2)
	}
	n, files, err := pageout(*pid, *match)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pageout:", err)
		os.Exit(1)
	}
	fmt.Printf("pageout pid=%d match=%q mapped_mib=%d files=%d\n", *pid, *match, n>>20, files)
}
