package sysinfo

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/disk"
	"github.com/shirou/gopsutil/v4/load"
	"github.com/shirou/gopsutil/v4/mem"
	"github.com/shirou/gopsutil/v4/net"
)

// testLoadInterval keeps sampler tests fast while spanning several kernel
// ticks (10 ms), so a real sample is never empty.
const testLoadInterval = 50 * time.Millisecond

// counts tallies calls to source functions by name.
type counts struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counts) inc(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[name]++
}

func (c *counts) get(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[name]
}

// countingSource wraps every reading of base with a counter.
func countingSource(base *source) (*source, *counts) {
	n := &counts{n: map[string]int{}}
	s := *base
	s.platform = func(ctx context.Context) (string, string, string, error) {
		n.inc("platform")
		return base.platform(ctx)
	}
	s.kernel = func(ctx context.Context) (string, error) { n.inc("kernel"); return base.kernel(ctx) }
	s.osRelease = func() map[string]string { n.inc("osRelease"); return base.osRelease() }
	s.cpuInfo = func(ctx context.Context) ([]cpu.InfoStat, error) { n.inc("cpuInfo"); return base.cpuInfo(ctx) }
	s.cpuCounts = func(ctx context.Context, logical bool) (int, error) {
		n.inc("cpuCounts")
		return base.cpuCounts(ctx, logical)
	}
	s.cpuTimes = func(ctx context.Context) ([]cpu.TimesStat, error) { n.inc("cpuTimes"); return base.cpuTimes(ctx) }
	s.loadAvg = func(ctx context.Context) (*load.AvgStat, error) { n.inc("loadAvg"); return base.loadAvg(ctx) }
	s.virtualMemory = func(ctx context.Context) (*mem.VirtualMemoryStat, error) {
		n.inc("virtualMemory")
		return base.virtualMemory(ctx)
	}
	s.partitions = func(ctx context.Context) ([]disk.PartitionStat, error) {
		n.inc("partitions")
		return base.partitions(ctx)
	}
	s.usage = func(ctx context.Context, path string) (*disk.UsageStat, error) {
		n.inc("usage")
		return base.usage(ctx, path)
	}
	s.diskIO = func(ctx context.Context) (map[string]disk.IOCountersStat, error) {
		n.inc("diskIO")
		return base.diskIO(ctx)
	}
	s.interfaces = func(ctx context.Context) (net.InterfaceStatList, error) {
		n.inc("interfaces")
		return base.interfaces(ctx)
	}
	s.netIO = func(ctx context.Context) ([]net.IOCountersStat, error) { n.inc("netIO"); return base.netIO(ctx) }
	s.connections = func(ctx context.Context, pid int32) (int, error) {
		n.inc("connections")
		return base.connections(ctx, pid)
	}
	s.defaultRoute = func() (int, error) { n.inc("defaultRoute"); return base.defaultRoute() }
	return &s, n
}

// fakeClock is a settable time source.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

// startCollector builds a collector over src and closes it after the test.
func startCollector(t testing.TB, opts Options, src *source) *Collector {
	t.Helper()
	c, err := newCollector(opts, src)
	if err != nil {
		t.Fatalf("newCollector: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// collectJSON runs Collect and decodes the marshalled reply generically,
// the way a client sees it.
func collectJSON(t testing.TB, c *Collector, sections []string, in Inputs) map[string]any {
	t.Helper()
	info, err := c.Collect(context.Background(), sections, in)
	if err != nil {
		t.Fatalf("Collect(%v): %v", sections, err)
	}
	raw, err := json.Marshal(info)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("unmarshal %s: %v", raw, err)
	}
	return out
}

// JSON kinds checked by checkKinds.
const (
	kNumber = "number"
	kString = "string"
	kBool   = "bool"
	kArray  = "array"
	kObject = "object"
	kNull   = "null"
)

// kindOf names the JSON kind of a decoded value.
func kindOf(v any) string {
	switch v.(type) {
	case float64:
		return kNumber
	case string:
		return kString
	case bool:
		return kBool
	case []any:
		return kArray
	case map[string]any:
		return kObject
	case nil:
		return kNull
	}
	return "?"
}

// checkKinds asserts obj has each field with one of the allowed kinds
// ("number|null" allows either).
func checkKinds(t *testing.T, where string, obj any, want map[string]string) {
	t.Helper()
	m, ok := obj.(map[string]any)
	if !ok {
		t.Fatalf("%s: got %s, want object", where, kindOf(obj))
	}
	for field, kinds := range want {
		v, present := m[field]
		if !present {
			t.Errorf("%s.%s: missing", where, field)
			continue
		}
		if !matchesKind(kindOf(v), kinds) {
			t.Errorf("%s.%s: got %s (%v), want %s", where, field, kindOf(v), v, kinds)
		}
	}
}

func matchesKind(got, kinds string) bool {
	return slices.Contains(strings.Split(kinds, "|"), got)
}
