package sysinfo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"
)

// DefaultLoadInterval is how often CPU times are sampled: one second is
// what HarperDB's systeminformation measures over, long enough that a
// 10 ms kernel tick does not make the percentages jumpy.
const DefaultLoadInterval = time.Second

// DefaultCacheTTL is how long disk usage, disk and network counters and the
// connection count are reused: reading them costs a few milliseconds, and a
// dashboard polling faster than once a second gains nothing from fresher
// numbers.
const DefaultCacheTTL = time.Second

// errNegativeDuration is returned by New for a negative Options duration.
var errNegativeDuration = errors.New("sysinfo: durations in Options must not be negative")

// Options configures a Collector. The zero value is ready to use.
type Options struct {
	// LoadInterval is how often the background goroutine samples CPU
	// times; current_load covers the last interval. Zero means
	// DefaultLoadInterval; negative is an error.
	LoadInterval time.Duration
	// CacheTTL is how long disk usage, disk and network counters and the
	// connection count are reused between calls. Zero means
	// DefaultCacheTTL; negative is an error.
	CacheTTL time.Duration
}

// PluginProc is one operation family's process as the supervisor knows it.
type PluginProc struct {
	// Name is the family name, e.g. "records".
	Name string
	// PID is the process id; 0 while the family is not running.
	PID int
	// Restarts counts restarts since the host started.
	Restarts int
	// StartedAt is when this process started; zero means "ask the OS".
	StartedAt time.Time
	// State is the supervisor's state of the family (e.g. "running",
	// "restarting"), reported as is.
	State string
}

// Inputs are the host-only facts the caller hands to Collect.
type Inputs struct {
	// HideDisk and HideNetwork answer the disk and network sections with
	// HarperDB's empty shapes, without collecting them
	// (operationsApi.sysInfo.disk and .network false).
	HideDisk, HideNetwork bool
	// HostPID is the host process: the `core` entry of harperdb_processes,
	// the process whose uptime `time.uptime` reports and whose connections
	// `network.connections` counts. Zero means this process.
	HostPID int
	// Plugins are the family processes listed under harperdb_processes.
	Plugins []PluginProc
	// TableSizes is the table_size section; nil answers [].
	TableSizes []any
	// Metrics is the metrics section (requests by operation and status,
	// latency quantiles); the collector adds RuntimeMetricsKey.
	Metrics map[string]any
	// Threads is the threads section; nil answers [].
	Threads any
	// Replication is the replication section; nil answers [].
	Replication []any
	// ClusteringFamily names the plugin that runs the node's NATS server
	// (listed under harperdb_processes.clustering as well); "" when none
	// runs one.
	ClusteringFamily string
	// HopsVersion is reported as system.hops_version.
	HopsVersion string
}

// Collector answers system_information. Create it with New and release it
// with Close; it is safe for concurrent use (calls are serialized).
type Collector struct {
	src     *source
	ttl     time.Duration
	sampler *sampler
	zone    string

	mu       sync.Mutex
	system   *System // nil until read successfully
	cpu      *CPU    // static part, nil until read successfully
	ifaces   *staticNet
	disk     ttlCache[Disk]
	net      ttlCache[netDynamic]
	diskPrev *diskSample
	netPrev  *netSample
	procs    map[int]*procHandle
	memTotal uint64
}

// New starts a Collector: it takes a first CPU sample and starts the
// background sampler. Stop it with Close.
func New(opts Options) (*Collector, error) {
	return newCollector(opts, gopsutilSource())
}

// newCollector is New over any source (tests pass counting fakes).
func newCollector(opts Options, src *source) (*Collector, error) {
	if opts.LoadInterval < 0 || opts.CacheTTL < 0 {
		return nil, errNegativeDuration
	}
	if opts.LoadInterval == 0 {
		opts.LoadInterval = DefaultLoadInterval
	}
	if opts.CacheTTL == 0 {
		opts.CacheTTL = DefaultCacheTTL
	}
	return &Collector{
		src:     src,
		ttl:     opts.CacheTTL,
		sampler: startSampler(src, opts.LoadInterval),
		zone:    timezoneName(),
		procs:   map[int]*procHandle{},
	}, nil
}

// Close stops the background sampler and waits for it to exit. Collect
// still works afterwards, with the last load measured. Safe to call twice.
func (c *Collector) Close() { c.sampler.stop() }

// callState is what one Collect reads at most once.
type callState struct {
	now time.Time
	ms  *runtime.MemStats
}

// memStats reads runtime.MemStats on first use.
func (s *callState) memStats() *runtime.MemStats {
	if s.ms == nil {
		s.ms = new(runtime.MemStats)
		runtime.ReadMemStats(s.ms)
	}
	return s.ms
}

// Collect answers the named sections (nil or empty: all). An unknown name
// is a *BadInputError; a done ctx is its error. Failures to read the host
// leave zeros and are not errors. The returned Info shares cached slices:
// treat it as read-only.
func (c *Collector) Collect(ctx context.Context, sections []string, in Inputs) (*Info, error) {
	names, err := normalizeSections(sections)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("system information: %w", err)
	}
	if in.HostPID <= 0 {
		in.HostPID = os.Getpid()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	st := &callState{now: c.src.now()}
	info := &Info{}
	for _, name := range names {
		c.fill(ctx, info, name, st, in)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("system information: %w", err)
	}
	return info, nil
}

// fill sets one section of info.
func (c *Collector) fill(ctx context.Context, info *Info, name string, st *callState, in Inputs) {
	switch name {
	case SectionSystem:
		info.System = c.systemSection(ctx, in)
	case SectionTime:
		info.Time = c.timeSection(ctx, st, in)
	case SectionCPU:
		info.CPU = c.cpuSection(ctx)
	case SectionMemory:
		info.Memory = c.memorySection(ctx, st)
	case SectionDisk:
		if in.HideDisk {
			info.Disk = EmptyDisk()
		} else {
			info.Disk = c.diskSection(ctx, st)
		}
	case SectionNetwork:
		if in.HideNetwork {
			info.Network = EmptyNetwork()
		} else {
			info.Network = c.networkSection(ctx, st, in)
		}
	case SectionHarperDBProcesses:
		info.HarperDBProcesses = c.processesSection(ctx, st, in)
	case SectionTableSize:
		info.TableSize = orEmpty(in.TableSizes)
	case SectionMetrics:
		info.Metrics = metricsSection(st, in.Metrics)
	case SectionThreads:
		info.Threads = in.Threads
		if info.Threads == nil {
			info.Threads = []any{}
		}
	case SectionReplication:
		info.Replication = orEmpty(in.Replication)
	}
}

// systemSection returns the cached system facts with this call's version.
func (c *Collector) systemSection(ctx context.Context, in Inputs) *System {
	var sys System
	if c.system != nil {
		sys = *c.system
	} else {
		var ok bool
		sys, ok = c.buildSystem(ctx)
		if ok {
			cached := sys
			c.system = &cached
		}
	}
	sys.HopsVersion = in.HopsVersion
	return &sys
}

// cpuSection returns the cached CPU facts with the sampler's load.
func (c *Collector) cpuSection(ctx context.Context) *CPU {
	var out CPU
	if c.cpu != nil {
		out = *c.cpu
	} else {
		var ok bool
		out, ok = c.buildCPU(ctx)
		if ok {
			cached := out
			c.cpu = &cached
		}
	}
	out.CurrentLoad = c.sampler.current()
	return &out
}

// orEmpty points at items, or at an empty slice when items is nil.
func orEmpty(items []any) *[]any {
	if items == nil {
		items = []any{}
	}
	return &items
}

// ttlCache holds one value for a while; the Collector's mutex guards it.
type ttlCache[T any] struct {
	value T
	at    time.Time
	valid bool
}

// get returns the cached value if younger than ttl, else fetch's.
func (t *ttlCache[T]) get(now time.Time, ttl time.Duration, fetch func() T) T {
	if t.valid && now.Sub(t.at) < ttl && !now.Before(t.at) {
		return t.value
	}
	t.value, t.at, t.valid = fetch(), now, true
	return t.value
}

// EmptyDisk is what HarperDB answers for disk when
// operationsApi.sysInfo.disk is off: {}.
func EmptyDisk() map[string]any { return map[string]any{} }

// EmptyNetwork is what HarperDB answers for network when
// operationsApi.sysInfo.network is off.
func EmptyNetwork() map[string]any {
	return map[string]any{"default_interface": nil, "latency": map[string]any{}, "interfaces": []any{},
		"stats": []any{}, "connections": []any{}}
}
