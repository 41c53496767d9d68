package sysinfo

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v4/process"
)

// startedLayout is HarperDB's `started` format for a process entry.
const startedLayout = "2006-01-02 15:04:05"

// procHandle is a cached gopsutil process plus what is needed to report CPU
// use between calls; one per PID, dropped when the PID is no longer asked
// about.
type procHandle struct {
	p       *process.Process
	created time.Time // zero if unknown
	static  *procStatic
	lastCPU float64 // user+system seconds at lastAt
	lastAt  time.Time
	percent float64 // result at lastAt, reused within one call
	seen    bool
}

// procStatic is what does not change while a process lives.
type procStatic struct {
	name, command, params, path string
	ppid                        int
}

// handle returns the cached handle for pid, creating it; nil if the
// process does not exist or cannot be read.
func (c *Collector) handle(ctx context.Context, pid int) *procHandle {
	if h, ok := c.procs[pid]; ok {
		return h
	}
	if pid <= 0 {
		return nil
	}
	p, err := process.NewProcessWithContext(ctx, int32(pid))
	if err != nil {
		return nil
	}
	h := &procHandle{p: p}
	if ms, err := p.CreateTimeWithContext(ctx); err == nil {
		h.created = time.UnixMilli(ms)
	}
	c.procs[pid] = h
	return h
}

// cpuPercent is the percentage of one CPU used since the previous call,
// or since the process started on the first call. A PID listed twice in
// one call (host and plugin) gets the same answer both times.
func (h *procHandle) cpuPercent(ctx context.Context, now time.Time) float64 {
	if h.seen && now.Equal(h.lastAt) {
		return h.percent
	}
	t, err := h.p.TimesWithContext(ctx)
	if err != nil {
		return 0
	}
	used := t.User + t.System
	from, base := h.lastAt, h.lastCPU
	if !h.seen {
		from, base = h.created, 0
	}
	h.lastAt, h.lastCPU, h.seen, h.percent = now, used, true, 0
	if elapsed := now.Sub(from).Seconds(); !from.IsZero() && elapsed > 0 {
		h.percent = round2(percent * nonNegative(used-base) / elapsed)
	}
	return h.percent
}

// rss is the resident set size in bytes (0 if unreadable).
func (h *procHandle) rss(ctx context.Context) uint64 {
	mi, err := h.p.MemoryInfoWithContext(ctx)
	if err != nil || mi == nil {
		return 0
	}
	return mi.RSS
}

// loadStatic reads name, command line and executable once.
func (h *procHandle) loadStatic(ctx context.Context) *procStatic {
	if h.static != nil {
		return h.static
	}
	s := &procStatic{}
	s.name, _ = h.p.NameWithContext(ctx)
	if ppid, err := h.p.PpidWithContext(ctx); err == nil {
		s.ppid = int(ppid)
	}
	if args, err := h.p.CmdlineSliceWithContext(ctx); err == nil && len(args) > 0 {
		s.command, s.params = args[0], strings.Join(redactArgs(args[1:]), " ")
	}
	if exe, err := h.p.ExeWithContext(ctx); err == nil {
		s.path = filepath.Dir(exe)
	}
	h.static = s
	return s
}

// processesSection lists the host process and the family processes and
// forgets handles of PIDs no longer listed.
func (c *Collector) processesSection(ctx context.Context, st *callState, in Inputs) *Processes {
	out := &Processes{
		Core:       []CoreProcess{c.coreEntry(ctx, st.now, in.HostPID)},
		Clustering: []any{},
		Plugins:    make([]PluginProcess, 0, len(in.Plugins)),
	}
	keep := map[int]bool{in.HostPID: true, os.Getpid(): true}
	for _, pl := range in.Plugins {
		keep[pl.PID] = true
		e := c.pluginEntry(ctx, st.now, pl)
		out.Plugins = append(out.Plugins, e)
		if pl.Name == in.ClusteringFamily {
			out.Clustering = append(out.Clustering, e)
		}
	}
	for pid := range c.procs {
		if !keep[pid] {
			delete(c.procs, pid)
		}
	}
	return out
}

// coreEntry describes the host process.
func (c *Collector) coreEntry(ctx context.Context, now time.Time, pid int) CoreProcess {
	e := CoreProcess{PID: pid}
	h := c.handle(ctx, pid)
	if h == nil {
		return e
	}
	s := h.loadStatic(ctx)
	e.ParentPID, e.Name, e.Command, e.Params, e.Path = s.ppid, s.name, s.command, s.params, s.path
	e.CPU = h.cpuPercent(ctx, now)
	e.Memory = h.rss(ctx)
	e.Mem = c.memPercent(ctx, e.Memory)
	if !h.created.IsZero() {
		e.Uptime = nonNegative(now.Sub(h.created).Seconds())
		e.Started = h.created.Format(startedLayout)
	}
	if states, err := h.p.StatusWithContext(ctx); err == nil && len(states) > 0 {
		e.State = states[0]
	}
	return e
}

// pluginEntry describes one family process; a family that is not running
// (PID 0 or gone) reports zeros.
func (c *Collector) pluginEntry(ctx context.Context, now time.Time, pl PluginProc) PluginProcess {
	e := PluginProcess{PID: pl.PID, Name: pl.Name, Restarts: pl.Restarts, State: pl.State}
	started := pl.StartedAt
	if h := c.handle(ctx, pl.PID); h != nil {
		e.CPU = h.cpuPercent(ctx, now)
		e.Memory = h.rss(ctx)
		e.Mem = c.memPercent(ctx, e.Memory)
		if started.IsZero() {
			started = h.created
		}
	}
	if !started.IsZero() {
		e.Uptime = nonNegative(now.Sub(started).Seconds())
		e.Started = started.Format(startedLayout)
	}
	return e
}

// memPercent is rss as a percentage of host memory.
func (c *Collector) memPercent(ctx context.Context, rss uint64) float64 {
	return round2(share(float64(rss), float64(c.totalMemory(ctx))))
}
