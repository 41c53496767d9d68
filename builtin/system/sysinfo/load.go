package sysinfo

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/shirou/gopsutil/v4/cpu"
)

// msPerSecond converts gopsutil's CPU seconds to the milliseconds that
// HarperDB's raw load fields carry.
const msPerSecond = 1000.0

// percent is the scale of every load field.
const percent = 100.0

// sampler keeps the CPU load current from a background goroutine, so a
// Collect never waits for a measurement. Its first sample (taken by
// startSampler) is measured against zero, giving the load since boot; each
// tick then measures the interval since the previous one.
type sampler struct {
	src      *source
	interval time.Duration
	cancel   context.CancelFunc
	done     chan struct{}
	stopOnce sync.Once

	mu    sync.Mutex
	prev  []cpu.TimesStat
	load  Load
	load1 float64
}

// startSampler takes the first sample and starts the ticking goroutine.
func startSampler(src *source, interval time.Duration) *sampler {
	ctx, cancel := context.WithCancel(context.Background())
	s := &sampler{src: src, interval: interval, cancel: cancel, done: make(chan struct{})}
	s.sample(ctx)
	go s.run(ctx)
	return s
}

// run samples every interval until stop.
func (s *sampler) run(ctx context.Context) {
	defer close(s.done)
	ticker := time.NewTicker(s.interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			s.sample(ctx)
			if s.src.sampled != nil {
				s.src.sampled()
			}
		}
	}
}

// stop ends the goroutine and waits for it; safe to call more than once.
func (s *sampler) stop() {
	s.stopOnce.Do(func() {
		s.cancel()
		<-s.done
	})
}

// sample reads CPU times and the load average and updates the load. A
// failed read keeps the previous values.
func (s *sampler) sample(ctx context.Context) {
	times, errTimes := s.src.cpuTimes(ctx)
	avg, errAvg := s.src.loadAvg(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	if errAvg == nil && avg != nil {
		s.load1 = avg.Load1
	}
	if errTimes != nil || len(times) == 0 {
		return
	}
	prev := s.prev
	if len(prev) != len(times) { // first sample, or CPUs came or went
		prev = make([]cpu.TimesStat, len(times))
	}
	s.load = computeLoad(prev, times)
	s.prev = times
}

// current returns a copy of the latest load with avgLoad filled in.
func (s *sampler) current() Load {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.load
	out.CPUs = slices.Clone(s.load.CPUs)
	if out.CPUs == nil {
		out.CPUs = []CoreLoad{}
	}
	if n := len(out.CPUs); n > 0 {
		out.AvgLoad = round2(s.load1 / float64(n))
	}
	return out
}

// cpuSpan is the CPU seconds spent in each state between two samples.
type cpuSpan struct {
	user, system, nice, idle, irq, steal, guest float64
}

// spanBetween subtracts two samples of one CPU; a counter that went
// backwards (CPU reset) counts as zero.
func spanBetween(a, b cpu.TimesStat) cpuSpan {
	return cpuSpan{
		user:   nonNegative(b.User - a.User),
		system: nonNegative(b.System - a.System),
		nice:   nonNegative(b.Nice - a.Nice),
		idle:   nonNegative(b.Idle + b.Iowait - a.Idle - a.Iowait),
		irq:    nonNegative(b.Irq + b.Softirq - a.Irq - a.Softirq),
		steal:  nonNegative(b.Steal - a.Steal),
		guest:  nonNegative(b.Guest + b.GuestNice - a.Guest - a.GuestNice),
	}
}

// total is all CPU time in the span. Guest time is already inside user
// and nice (as the kernel reports it), so it is not added again.
func (c cpuSpan) total() float64 {
	return c.user + c.system + c.nice + c.idle + c.irq + c.steal
}

// add accumulates another CPU's span.
func (c *cpuSpan) add(o cpuSpan) {
	c.user += o.user
	c.system += o.system
	c.nice += o.nice
	c.idle += o.idle
	c.irq += o.irq
	c.steal += o.steal
	c.guest += o.guest
}

// share is part as a percentage of whole (0 when whole is 0).
func share(part, whole float64) float64 {
	if whole <= 0 {
		return 0
	}
	return percent * part / whole
}

// coreLoad turns one CPU's span into percentages and raw milliseconds.
func (c cpuSpan) coreLoad() CoreLoad {
	t := c.total()
	return CoreLoad{
		Load: share(t-c.idle, t), LoadUser: share(c.user, t), LoadSystem: share(c.system, t),
		LoadNice: share(c.nice, t), LoadIdle: share(c.idle, t), LoadIrq: share(c.irq, t),
		LoadSteal: share(c.steal, t), LoadGuest: share(c.guest, t),
		RawLoad: (t - c.idle) * msPerSecond, RawLoadUser: c.user * msPerSecond,
		RawLoadSystem: c.system * msPerSecond, RawLoadNice: c.nice * msPerSecond,
		RawLoadIdle: c.idle * msPerSecond, RawLoadIrq: c.irq * msPerSecond,
		RawLoadSteal: c.steal * msPerSecond, RawLoadGuest: c.guest * msPerSecond,
	}
}

// computeLoad measures every CPU between prev and cur (same length) and
// the machine as a whole.
func computeLoad(prev, cur []cpu.TimesStat) Load {
	var all cpuSpan
	cores := make([]CoreLoad, len(cur))
	for i := range cur {
		span := spanBetween(prev[i], cur[i])
		cores[i] = span.coreLoad()
		all.add(span)
	}
	t := all.coreLoad()
	return Load{
		CurrentLoad: t.Load, CurrentLoadUser: t.LoadUser, CurrentLoadSystem: t.LoadSystem,
		CurrentLoadNice: t.LoadNice, CurrentLoadIdle: t.LoadIdle, CurrentLoadIrq: t.LoadIrq,
		CurrentLoadSteal: t.LoadSteal, CurrentLoadGuest: t.LoadGuest,
		RawCurrentLoad: t.RawLoad, RawCurrentLoadUser: t.RawLoadUser,
		RawCurrentLoadSystem: t.RawLoadSystem, RawCurrentLoadNice: t.RawLoadNice,
		RawCurrentLoadIdle: t.RawLoadIdle, RawCurrentLoadIrq: t.RawLoadIrq,
		RawCurrentLoadSteal: t.RawLoadSteal, RawCurrentLoadGuest: t.RawLoadGuest,
		CPUs: cores,
	}
}

// nonNegative clamps v at zero.
func nonNegative(v float64) float64 {
	if v < 0 {
		return 0
	}
	return v
}
