package sysinfo

import (
	"context"
	"math"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/load"
)

// scriptedTimes is a fake CPU that, on every read, adds user and idle
// seconds to each of its CPUs.
type scriptedTimes struct {
	mu         sync.Mutex
	cur        []cpu.TimesStat
	user, idle float64
	reads      int
}

func (s *scriptedTimes) read(context.Context) ([]cpu.TimesStat, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reads > 0 {
		for i := range s.cur {
			s.cur[i].User += s.user
			s.cur[i].Idle += s.idle
		}
	}
	s.reads++
	return append([]cpu.TimesStat(nil), s.cur...), nil
}

func (s *scriptedTimes) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads
}

// fakeLoadSource samples scripted times and signals each tick on ticks.
func fakeLoadSource(times *scriptedTimes, ticks chan struct{}) *source {
	src := gopsutilSource()
	src.cpuTimes = times.read
	src.loadAvg = func(context.Context) (*load.AvgStat, error) { return &load.AvgStat{Load1: 1}, nil }
	src.sampled = func() {
		select {
		case ticks <- struct{}{}:
		default:
		}
	}
	return src
}

func approx(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestSamplerReportsSinceBootThenEachTick(t *testing.T) {
	// Since boot: 100 s user, 100 s idle per CPU -> 50 %.
	// Each tick: +1 s user, +3 s idle per CPU -> 25 %.
	times := &scriptedTimes{
		cur:  []cpu.TimesStat{{CPU: "cpu0", User: 100, Idle: 100}, {CPU: "cpu1", User: 100, Idle: 100}},
		user: 1, idle: 3,
	}
	ticks := make(chan struct{}, 1)
	c := startCollector(t, Options{LoadInterval: time.Hour}, fakeLoadSource(times, ticks))

	first := c.cpuSection(context.Background()).CurrentLoad
	if !approx(first.CurrentLoad, 50) || !approx(first.CurrentLoadUser, 50) || !approx(first.CurrentLoadIdle, 50) {
		t.Fatalf("load before any tick = %+v, want 50%% since boot", first)
	}
	if !approx(first.AvgLoad, 0.5) {
		t.Fatalf("avgLoad = %v, want load1 1 / 2 CPUs", first.AvgLoad)
	}

	c.sampler.sample(context.Background()) // what one tick does
	after := c.cpuSection(context.Background()).CurrentLoad
	if !approx(after.CurrentLoad, 25) || !approx(after.RawCurrentLoad, 2000) || !approx(after.RawCurrentLoadIdle, 6000) {
		t.Fatalf("load after a tick = %+v, want 25%%, 2000 ms busy, 6000 ms idle", after)
	}
	if len(after.CPUs) != 2 || !approx(after.CPUs[1].Load, 25) || !approx(after.CPUs[1].RawLoadUser, 1000) {
		t.Fatalf("per-CPU load = %+v", after.CPUs)
	}
}

func TestBackgroundSamplerTicksAndCloseStopsIt(t *testing.T) {
	ticks := make(chan struct{}, 1)
	src := gopsutilSource()
	src.sampled = func() {
		select {
		case ticks <- struct{}{}:
		default:
		}
	}
	c, err := newCollector(Options{LoadInterval: testLoadInterval}, src)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	before := c.cpuSection(context.Background()).CurrentLoad
	if before.RawCurrentLoad+before.RawCurrentLoadIdle <= 0 || before.CurrentLoad <= 0 {
		t.Fatalf("first call load = %+v, want non-zero (since boot)", before)
	}
	select {
	case <-ticks:
	case <-time.After(10 * time.Second):
		t.Fatal("no background sample within 10 s")
	}
	after := c.cpuSection(context.Background()).CurrentLoad
	total := after.RawCurrentLoad + after.RawCurrentLoadIdle
	if total <= 0 || total >= before.RawCurrentLoad+before.RawCurrentLoadIdle {
		t.Fatalf("after one tick raw total = %v ms, want > 0 and less than since boot (%v)",
			total, before.RawCurrentLoad+before.RawCurrentLoadIdle)
	}
	if len(after.CPUs) != runtime.NumCPU() {
		t.Fatalf("cpus = %d, want %d", len(after.CPUs), runtime.NumCPU())
	}

	c.Close()
	select {
	case <-c.sampler.done:
	default:
		t.Fatal("Close returned while the sampler goroutine was still running")
	}
	c.Close() // a second Close is harmless
	if _, err := c.Collect(context.Background(), []string{SectionCPU}, Inputs{}); err != nil {
		t.Fatalf("Collect after Close: %v", err)
	}
}

func TestCollectUsesTheSamplersLoad(t *testing.T) {
	times := &scriptedTimes{cur: []cpu.TimesStat{{User: 1, Idle: 1}}, user: 1, idle: 1}
	ticks := make(chan struct{}, 1)
	c := startCollector(t, Options{LoadInterval: time.Millisecond}, fakeLoadSource(times, ticks))
	<-ticks
	c.Close()
	n := times.count()
	for range 3 {
		c.cpuSection(context.Background())
	}
	if times.count() != n {
		t.Fatalf("Collect read CPU times itself (%d reads, then %d): it must use the sampler's", n, times.count())
	}
}

func TestComputeLoad(t *testing.T) {
	prev := []cpu.TimesStat{{User: 10, System: 5, Idle: 50, Iowait: 5, Irq: 1, Softirq: 1, Steal: 2, Guest: 1}}
	cur := []cpu.TimesStat{{User: 14, System: 7, Idle: 58, Iowait: 7, Irq: 2, Softirq: 2, Steal: 4, Guest: 2}}
	// deltas: user 4 (guest 1 inside), system 2, idle 8+2, irq 1+1, steal 2; total 20.
	l := computeLoad(prev, cur)
	want := map[string][2]float64{
		"currentLoad": {l.CurrentLoad, 50}, "user": {l.CurrentLoadUser, 20}, "system": {l.CurrentLoadSystem, 10},
		"idle": {l.CurrentLoadIdle, 50}, "irq": {l.CurrentLoadIrq, 10}, "steal": {l.CurrentLoadSteal, 10},
		"guest": {l.CurrentLoadGuest, 5}, "raw": {l.RawCurrentLoad, 10000}, "rawIdle": {l.RawCurrentLoadIdle, 10000},
	}
	for name, pair := range want {
		if !approx(pair[0], pair[1]) {
			t.Errorf("%s = %v, want %v", name, pair[0], pair[1])
		}
	}
	// A counter going backwards (CPU hot-plug, reset) counts as nothing.
	back := computeLoad(cur, prev)
	if back.CurrentLoad != 0 || back.RawCurrentLoad != 0 {
		t.Errorf("backwards counters gave %+v", back)
	}
}
