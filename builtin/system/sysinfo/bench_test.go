package sysinfo

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"testing"
	"time"
)

// benchInputs is a host with two families, both this process (so the
// process readings are real).
var benchInputs = Inputs{
	HopsVersion: "bench",
	Plugins: []PluginProc{
		{Name: "status", PID: os.Getpid()},
		{Name: "records", PID: os.Getpid(), Restarts: 1},
	},
	Metrics: map[string]any{"requests": map[string]any{}},
}

// benchCollect runs Collect for every section b.N times and reports the
// median call (p50-ns) besides the mean.
func benchCollect(b *testing.B, ttl time.Duration) {
	c, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	c.ttl = ttl
	ctx := context.Background()
	if _, err := c.Collect(ctx, nil, benchInputs); err != nil { // warm the static parts
		b.Fatal(err)
	}
	durations := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		info, err := c.Collect(ctx, nil, benchInputs)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(info); err != nil {
			b.Fatal(err)
		}
		durations = append(durations, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(durations)
	b.ReportMetric(float64(durations[len(durations)/2].Nanoseconds()), "p50-ns")
}

// BenchmarkCollectAll is the steady state: static parts and the 1 s disk
// and network caches warm, as when a dashboard polls.
func BenchmarkCollectAll(b *testing.B) { benchCollect(b, DefaultCacheTTL) }

// BenchmarkCollectAllUncached re-reads disk usage, disk and network
// counters and connections on every call: the worst case.
func BenchmarkCollectAllUncached(b *testing.B) { benchCollect(b, time.Nanosecond) }
