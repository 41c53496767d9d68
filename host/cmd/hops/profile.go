package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"syscall"
)

// envProfileDir turns on signal-driven profiling, for benchmarks only (see
// docs/benchmarks.md, "Profiling"): when it names a directory, every hops
// process (the host and each builtin family, which inherit it) starts a CPU
// profile on its first SIGUSR1 and, on the next, stops it and writes
// DIR/<name>-<pid>.cpu.pprof and DIR/<name>-<pid>.heap.pprof, and so on
// alternately. Unset (the default), no handler is installed and SIGUSR1
// keeps its default action.
const envProfileDir = "HOPS_PROFILE_DIR"

// profileOnSignal installs the SIGUSR1 profiling toggle when envProfileDir
// is set; name tells the processes apart in the file names ("host" or the
// family's name).
func profileOnSignal(name string) {
	dir := os.Getenv(envProfileDir)
	if dir == "" {
		return
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR1)
	go func() {
		base := filepath.Join(dir, fmt.Sprintf("%s-%d", name, os.Getpid()))
		var cpu *os.File
		for range ch {
			if cpu == nil {
				f, err := os.Create(base + ".cpu.pprof")
				if err != nil {
					fmt.Fprintln(os.Stderr, "hops: profile:", err)
					continue
				}
				if err := pprof.StartCPUProfile(f); err != nil {
					fmt.Fprintln(os.Stderr, "hops: profile:", err)
					f.Close()
					continue
				}
				cpu = f
				continue
			}
			pprof.StopCPUProfile()
			cpu.Close()
			cpu = nil
			if f, err := os.Create(base + ".heap.pprof"); err == nil {
				runtime.GC()
				_ = pprof.WriteHeapProfile(f)
				f.Close()
			}
		}
	}()
}
