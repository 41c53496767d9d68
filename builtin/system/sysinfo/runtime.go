package sysinfo

import (
	"context"
	"fmt"
	"maps"
	"runtime"
	"time"
)

// secondsPerHour and secondsPerMinute format a zone offset as "+hhmm".
const (
	secondsPerHour   = 3600
	secondsPerMinute = 60
)

// RuntimeMetricsKey is the metrics entry the collector adds: the Go runtime
// of the process running the collector. A caller-supplied entry under the
// same key wins.
const RuntimeMetricsKey = "runtime"

// gcPauseRing is the length of runtime.MemStats.PauseNs, a circular buffer.
const gcPauseRing = 256

// RuntimeMetrics is the Go runtime part of the metrics section.
type RuntimeMetrics struct {
	Goroutines int         `json:"goroutines"`
	Heap       HeapMetrics `json:"heap"`
	GC         GCMetrics   `json:"gc"`
}

// HeapMetrics is the Go heap in bytes (objects is a count).
type HeapMetrics struct {
	Alloc   uint64 `json:"alloc"`
	Sys     uint64 `json:"sys"`
	Idle    uint64 `json:"idle"`
	InUse   uint64 `json:"inuse"`
	Objects uint64 `json:"objects"`
}

// GCMetrics summarizes garbage collection since the process started.
type GCMetrics struct {
	NumGC        uint32  `json:"num_gc"`
	PauseTotalNs uint64  `json:"pause_total_ns"`
	LastPauseNs  uint64  `json:"last_pause_ns"`
	NextGC       uint64  `json:"next_gc"`
	CPUFraction  float64 `json:"cpu_fraction"`
}

// metricsSection copies the caller's metrics and adds the runtime entry.
func metricsSection(st *callState, given map[string]any) *map[string]any {
	out := make(map[string]any, len(given)+1)
	maps.Copy(out, given)
	if _, taken := out[RuntimeMetricsKey]; !taken {
		ms := st.memStats()
		var last uint64
		if ms.NumGC > 0 {
			last = ms.PauseNs[(ms.NumGC+gcPauseRing-1)%gcPauseRing]
		}
		out[RuntimeMetricsKey] = RuntimeMetrics{
			Goroutines: runtime.NumGoroutine(),
			Heap: HeapMetrics{Alloc: ms.HeapAlloc, Sys: ms.HeapSys, Idle: ms.HeapIdle,
				InUse: ms.HeapInuse, Objects: ms.HeapObjects},
			GC: GCMetrics{NumGC: ms.NumGC, PauseTotalNs: ms.PauseTotalNs, LastPauseNs: last,
				NextGC: ms.NextGC, CPUFraction: ms.GCCPUFraction},
		}
	}
	return &out
}

// timeSection reports the clock, the host process uptime and the zone.
func (c *Collector) timeSection(ctx context.Context, st *callState, in Inputs) *Time {
	out := &Time{
		Current:      st.now.UnixMilli(),
		Timezone:     zoneOffset(st.now),
		TimezoneName: c.zone,
	}
	if h := c.handle(ctx, in.HostPID); h != nil && !h.created.IsZero() {
		out.Uptime = nonNegative(st.now.Sub(h.created).Seconds())
	}
	return out
}

// zoneOffset formats now's zone offset as "UTC+0000".
func zoneOffset(now time.Time) string {
	_, off := now.Zone()
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("UTC%c%02d%02d", sign, off/secondsPerHour, off%secondsPerHour/secondsPerMinute)
}
