package sysinfo

import (
	"context"
	"time"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/disk"
	"github.com/shirou/gopsutil/v4/host"
	"github.com/shirou/gopsutil/v4/load"
	"github.com/shirou/gopsutil/v4/mem"
	"github.com/shirou/gopsutil/v4/net"
)

// connectionKind selects TCP and UDP over IPv4 and IPv6: the sockets a
// HarperDB user means by "connections" (unix sockets to the families are
// plumbing, not clients).
const connectionKind = "inet"

// source is every host reading the collector makes, as function fields so
// tests can count or fake them (processes are read through gopsutil/process
// handles in processes.go).
type source struct {
	platform      func(ctx context.Context) (platform, family, version string, err error)
	kernel        func(ctx context.Context) (string, error)
	osRelease     func() map[string]string
	cpuInfo       func(ctx context.Context) ([]cpu.InfoStat, error)
	cpuCounts     func(ctx context.Context, logical bool) (int, error)
	cpuTimes      func(ctx context.Context) ([]cpu.TimesStat, error) // per CPU
	loadAvg       func(ctx context.Context) (*load.AvgStat, error)
	virtualMemory func(ctx context.Context) (*mem.VirtualMemoryStat, error)
	partitions    func(ctx context.Context) ([]disk.PartitionStat, error)
	usage         func(ctx context.Context, path string) (*disk.UsageStat, error)
	diskIO        func(ctx context.Context) (map[string]disk.IOCountersStat, error)
	interfaces    func(ctx context.Context) (net.InterfaceStatList, error)
	netIO         func(ctx context.Context) ([]net.IOCountersStat, error) // per NIC
	connections   func(ctx context.Context, pid int32) (int, error)
	defaultRoute  func() (ifaceIndex int, err error)
	now           func() time.Time
	// sampled, when set, is called after each background load sample.
	sampled func()
}

// gopsutilSource reads the real host.
func gopsutilSource() *source {
	return &source{
		platform:  host.PlatformInformationWithContext,
		kernel:    host.KernelVersionWithContext,
		osRelease: readOSRelease,
		cpuInfo:   cpu.InfoWithContext,
		cpuCounts: cpu.CountsWithContext,
		cpuTimes: func(ctx context.Context) ([]cpu.TimesStat, error) {
			return cpu.TimesWithContext(ctx, true)
		},
		loadAvg:       load.AvgWithContext,
		virtualMemory: mem.VirtualMemoryWithContext,
		partitions: func(ctx context.Context) ([]disk.PartitionStat, error) {
			// all=true: keep overlay and other nodev roots (a container's "/"),
			// pseudo file systems are dropped by isPseudoFS instead.
			return disk.PartitionsWithContext(ctx, true)
		},
		usage: disk.UsageWithContext,
		diskIO: func(ctx context.Context) (map[string]disk.IOCountersStat, error) {
			return disk.IOCountersWithContext(ctx)
		},
		interfaces: net.InterfacesWithContext,
		netIO: func(ctx context.Context) ([]net.IOCountersStat, error) {
			return net.IOCountersWithContext(ctx, true)
		},
		connections: func(ctx context.Context, pid int32) (int, error) {
			conns, err := net.ConnectionsPidWithoutUidsWithContext(ctx, connectionKind, pid)
			return len(conns), err
		},
		defaultRoute: defaultRouteIndex,
		now:          time.Now,
	}
}
