package sysinfo

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/shirou/gopsutil/v4/disk"
)

// pseudoFS are file systems with no storage behind them (kernel views,
// memory-backed or read-only images); they are left out of disk.size.
var pseudoFS = map[string]bool{
	"proc": true, "sysfs": true, "devtmpfs": true, "devpts": true, "tmpfs": true,
	"ramfs": true, "cgroup": true, "cgroup2": true, "securityfs": true, "pstore": true,
	"bpf": true, "debugfs": true, "tracefs": true, "mqueue": true, "hugetlbfs": true,
	"configfs": true, "fusectl": true, "autofs": true, "binfmt_misc": true,
	"rpc_pipefs": true, "nsfs": true, "squashfs": true, "efivarfs": true,
	"selinuxfs": true, "devfs": true, "nullfs": true, "overlay-ro": true,
	"fuse.lxcfs": true, "fuse.gvfsd-fuse": true, "fuse.portal": true,
}

// virtualDiskPrefixes are block devices layered on other devices (or on
// memory); counting them would count the same IO twice.
var virtualDiskPrefixes = []string{"loop", "ram", "zram", "dm-", "md", "sr", "fd", "nbd"}

// The kernel names a partition after its disk: digits after a name that
// ends in a letter ("sda" -> "sda1"), "p" and digits after one that ends in
// a digit ("nvme0n1" -> "nvme0n1p2", "mmcblk0" -> "mmcblk0p1"), so
// "nvme0n10" is a disk, not a partition of "nvme0n1".
var (
	digitsSuffix  = regexp.MustCompile(`^[0-9]+$`)
	pDigitsSuffix = regexp.MustCompile(`^p[0-9]+$`)
)

// diskSample is the last IO reading, kept to compute rates.
type diskSample struct {
	at               time.Time
	rIO, wIO, rx, wx uint64
}

// diskSection returns disk usage and IO, cached for the TTL.
func (c *Collector) diskSection(ctx context.Context, st *callState) *Disk {
	d := c.disk.get(st.now, c.ttl, func() Disk { return c.readDisk(ctx, st.now) })
	return &d
}

// readDisk reads mounts, their usage and whole-disk IO counters.
func (c *Collector) readDisk(ctx context.Context, now time.Time) Disk {
	out := Disk{Size: c.mountSizes(ctx)}
	counters, err := c.src.diskIO(ctx)
	if err != nil && len(counters) == 0 {
		return out
	}
	cur := &diskSample{at: now}
	for _, name := range wholeDisks(counters) {
		s := counters[name]
		cur.rIO += s.ReadCount
		cur.wIO += s.WriteCount
		cur.rx += s.ReadBytes
		cur.wx += s.WriteBytes
	}
	out.IO = DiskIO{RIO: cur.rIO, WIO: cur.wIO, TIO: cur.rIO + cur.wIO}
	out.ReadWrite = DiskBytes{RX: cur.rx, WX: cur.wx, TX: cur.rx + cur.wx}
	if prev := c.diskPrev; prev != nil {
		if secs := now.Sub(prev.at).Seconds(); secs > 0 {
			out.IO.RIOSec, out.IO.WIOSec = rate(prev.rIO, cur.rIO, secs), rate(prev.wIO, cur.wIO, secs)
			out.IO.TIOSec = rate(prev.rIO+prev.wIO, out.IO.TIO, secs)
			out.ReadWrite.RXSec, out.ReadWrite.WXSec = rate(prev.rx, cur.rx, secs), rate(prev.wx, cur.wx, secs)
			out.ReadWrite.TXSec = rate(prev.rx+prev.wx, out.ReadWrite.TX, secs)
			out.IO.MS = secs * msPerSecond
			out.ReadWrite.MS = out.IO.MS
		}
	}
	c.diskPrev = cur
	return out
}

// mountSizes lists real mounted file systems once each, by mount point.
func (c *Collector) mountSizes(ctx context.Context) []MountSize {
	parts, err := c.src.partitions(ctx)
	sizes := []MountSize{}
	if err != nil && len(parts) == 0 {
		return sizes
	}
	seen := map[string]bool{}
	for _, p := range parts {
		if pseudoFS[p.Fstype] || seen[p.Mountpoint] {
			continue
		}
		seen[p.Mountpoint] = true
		u, err := c.src.usage(ctx, p.Mountpoint)
		if err != nil || u == nil || u.Total == 0 {
			continue
		}
		sizes = append(sizes, MountSize{
			FS: p.Device, Type: p.Fstype, Size: u.Total, Used: u.Used, Available: u.Free,
			Use: round2(u.UsedPercent), Mount: p.Mountpoint, RW: slices.Contains(p.Opts, "rw"),
		})
	}
	return sizes
}

// wholeDisks returns the names of physical disks in counters, leaving out
// partitions of a listed disk and layered devices, sorted for stable sums.
func wholeDisks(counters map[string]disk.IOCountersStat) []string {
	var out []string
	for name := range counters {
		if isVirtualDisk(name) || isPartitionOf(name, counters) {
			continue
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// isVirtualDisk reports a layered or memory-backed block device.
func isVirtualDisk(name string) bool {
	for _, prefix := range virtualDiskPrefixes {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	return false
}

// isPartitionOf reports whether name is a partition of another listed disk.
func isPartitionOf(name string, counters map[string]disk.IOCountersStat) bool {
	for other := range counters {
		if other == name || !strings.HasPrefix(name, other) {
			continue
		}
		suffix, last := name[len(other):], other[len(other)-1]
		if last >= '0' && last <= '9' {
			if pDigitsSuffix.MatchString(suffix) {
				return true
			}
		} else if digitsSuffix.MatchString(suffix) {
			return true
		}
	}
	return false
}

// rate is the per-second increase from prev to cur (0 if the counter
// went backwards).
func rate(prev, cur uint64, secs float64) *float64 {
	v := 0.0
	if cur >= prev {
		v = round2(float64(cur-prev) / secs)
	}
	return &v
}
