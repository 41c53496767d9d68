package sysinfo

import (
	"context"
	"os"
)

// memorySection reads host memory and this process's memory. Host fields
// follow systeminformation: used = total - free, active = total - available.
func (c *Collector) memorySection(ctx context.Context, st *callState) *Memory {
	out := &Memory{}
	if vm, err := c.src.virtualMemory(ctx); err == nil && vm != nil {
		c.memTotal = vm.Total
		out.Total, out.Free, out.Available = vm.Total, vm.Free, vm.Available
		out.Used = minus(vm.Total, vm.Free)
		out.Active = minus(vm.Total, vm.Available)
		out.Reclaimable = vm.Sreclaimable
		out.SwapTotal, out.SwapFree = vm.SwapTotal, vm.SwapFree
		out.SwapUsed = minus(vm.SwapTotal, vm.SwapFree)
		out.Writeback, out.Dirty = vm.WriteBack, vm.Dirty
	}
	ms := st.memStats()
	out.HeapTotal, out.HeapUsed = ms.HeapSys, ms.HeapAlloc
	if h := c.handle(ctx, os.Getpid()); h != nil {
		out.RSS = h.rss(ctx)
	}
	return out
}

// totalMemory is host memory in bytes, read once if no memory section has.
func (c *Collector) totalMemory(ctx context.Context) uint64 {
	if c.memTotal == 0 {
		if vm, err := c.src.virtualMemory(ctx); err == nil && vm != nil {
			c.memTotal = vm.Total
		}
	}
	return c.memTotal
}

// minus is a - b, or 0 when b > a.
func minus(a, b uint64) uint64 {
	if b > a {
		return 0
	}
	return a - b
}
