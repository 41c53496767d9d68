// Package sysinfo collects the answer to the HarperDB `system_information`
// operation: host facts (system, time, cpu, memory, disk, network) read with
// github.com/shirou/gopsutil/v4, plus host-only sections (processes,
// table sizes, metrics, threads, replication) handed in by the caller.
//
// Where to start: collector.go (New, Collect, Close and the Inputs the
// caller supplies), then sections.go (ParseAttributes and the section
// names), then info.go (the reply shapes, in HarperDB key order).
// Each section has its own file: static.go (system and cpu facts computed
// once), load.go (the background CPU-load sampler), memory.go, disk.go,
// network.go, processes.go and runtime.go (time and metrics).
//
// Why gopsutil: it is the Go counterpart of the systeminformation npm
// library HarperDB uses, it is already pinned in go.mod, it covers every
// platform hops builds for, and it keeps this package free of hand-written
// /proc parsing. The only OS detail read directly is the default route
// (route_linux.go, over netlink with the standard library), because neither
// gopsutil nor package net exposes it; nothing here ever contacts another
// host (no ping, no DNS).
//
// Cost model: facts that do not change while the process runs (system, cpu
// model/speeds/flags, the interface list, the time zone name) are computed
// once and cached; disk usage and network counters are cached for
// Options.CacheTTL; CPU load is sampled by a goroutine every
// Options.LoadInterval, so Collect never waits for a sample. A full Collect
// costs well under a millisecond when the caches are warm (see
// BenchmarkCollectAll).
//
// Failures are soft: if gopsutil cannot read one thing, that field stays
// zero and the rest of the reply is still produced. Collect only fails for
// caller mistakes (an unknown section, a *BadInputError) or a done context.
package sysinfo
