package sysinfo

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/shirou/gopsutil/v4/cpu"
)

func TestStaticPartsAreReadOnce(t *testing.T) {
	src, n := countingSource(gopsutilSource())
	c := startCollector(t, Options{LoadInterval: time.Hour}, src)
	collectJSON(t, c, nil, Inputs{})
	static := []string{"platform", "kernel", "osRelease", "cpuInfo", "cpuCounts", "interfaces", "defaultRoute"}
	first := map[string]int{}
	for _, name := range static {
		first[name] = n.get(name)
		if first[name] == 0 {
			t.Fatalf("%s was never read", name)
		}
	}
	memBefore := n.get("virtualMemory")
	collectJSON(t, c, nil, Inputs{})
	collectJSON(t, c, []string{SectionSystem, SectionCPU, SectionNetwork}, Inputs{})
	for _, name := range static {
		if got := n.get(name); got != first[name] {
			t.Errorf("%s read %d times after more calls, want %d (cached)", name, got, first[name])
		}
	}
	if n.get("virtualMemory") <= memBefore {
		t.Error("memory was not read again: it is not a static part")
	}
}

func TestFailedStaticReadIsRetried(t *testing.T) {
	src, n := countingSource(gopsutilSource())
	real := src.cpuInfo
	failing := true
	src.cpuInfo = func(ctx context.Context) ([]cpu.InfoStat, error) {
		if failing {
			n.inc("failed")
			return nil, errors.New("cpuinfo unreadable")
		}
		return real(ctx)
	}
	c := startCollector(t, Options{LoadInterval: time.Hour}, src)
	got := collectJSON(t, c, []string{SectionCPU}, Inputs{})[SectionCPU].(map[string]any)
	if got["brand"] != "" || got["cores"].(float64) <= 0 {
		t.Fatalf("cpu with unreadable cpuinfo = %v, want empty model but counts", got)
	}
	failing = false
	got = collectJSON(t, c, []string{SectionCPU}, Inputs{})[SectionCPU].(map[string]any)
	collectJSON(t, c, []string{SectionCPU}, Inputs{})
	if n.get("failed") != 1 || n.get("cpuInfo") != 1 {
		t.Fatalf("cpuInfo: %d failed reads, %d good ones; want one of each (retry, then cached)",
			n.get("failed"), n.get("cpuInfo"))
	}
	if got["vendor"] == "" {
		t.Errorf("retried cpu = %v, want the model filled in", got)
	}
}

func TestDiskAndNetworkAreCachedForTheTTL(t *testing.T) {
	src, n := countingSource(gopsutilSource())
	clock := &fakeClock{now: time.Now()}
	src.now = clock.Now
	const ttl = time.Second
	c := startCollector(t, Options{LoadInterval: time.Hour, CacheTTL: ttl}, src)
	sections := []string{SectionDisk, SectionNetwork}

	got := collectJSON(t, c, sections, Inputs{})
	if io := got[SectionDisk].(map[string]any)["io"].(map[string]any); io["rIO_sec"] != nil {
		t.Errorf("first disk sample has a rate: %v", io)
	}
	clock.Advance(ttl / 2)
	collectJSON(t, c, sections, Inputs{})
	for _, name := range []string{"partitions", "diskIO", "netIO", "connections"} {
		if n.get(name) != 1 {
			t.Errorf("%s read %d times within the TTL, want 1", name, n.get(name))
		}
	}

	clock.Advance(ttl)
	got = collectJSON(t, c, sections, Inputs{})
	for _, name := range []string{"partitions", "diskIO", "netIO", "connections"} {
		if n.get(name) != 2 {
			t.Errorf("%s read %d times after the TTL, want 2", name, n.get(name))
		}
	}
	io := got[SectionDisk].(map[string]any)["io"].(map[string]any)
	if io["rIO_sec"] == nil || io["ms"].(float64) != (ttl+ttl/2).Seconds()*msPerSecond {
		t.Errorf("second disk sample = %v, want a rate over %v", io, ttl+ttl/2)
	}
	for _, st := range got[SectionNetwork].(map[string]any)["stats"].([]any) {
		if st.(map[string]any)["rx_sec"] == nil {
			t.Errorf("second network sample has no rate: %v", st)
		}
	}
}
