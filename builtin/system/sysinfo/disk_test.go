package sysinfo

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/shirou/gopsutil/v4/disk"
)

func TestWholeDisksSkipsPartitionsAndLayers(t *testing.T) {
	counters := map[string]disk.IOCountersStat{}
	for _, name := range []string{"sda", "sda1", "sda2", "nvme0n1", "nvme0n1p1", "nvme0n10",
		"mmcblk0", "mmcblk0p1", "vda", "loop0", "dm-0", "md0", "sr0", "zram0", "xvdb", "xvdb3"} {
		counters[name] = disk.IOCountersStat{Name: name}
	}
	want := []string{"mmcblk0", "nvme0n1", "nvme0n10", "sda", "vda", "xvdb"}
	if got := wholeDisks(counters); !slices.Equal(got, want) {
		t.Fatalf("wholeDisks = %v, want %v", got, want)
	}
	// A partition whose disk is not listed (as in some containers) counts.
	if got := wholeDisks(map[string]disk.IOCountersStat{"vda1": {}}); !slices.Equal(got, []string{"vda1"}) {
		t.Fatalf("lone partition: %v", got)
	}
}

func TestDiskSumsWholeDisksAndListsRealMounts(t *testing.T) {
	src := gopsutilSource()
	src.partitions = func(context.Context) ([]disk.PartitionStat, error) {
		return []disk.PartitionStat{
			{Device: "proc", Mountpoint: "/proc", Fstype: "proc"},
			{Device: "/dev/sda1", Mountpoint: "/", Fstype: "ext4", Opts: []string{"rw", "relatime"}},
			{Device: "overlay", Mountpoint: "/", Fstype: "overlay"}, // same mount point: listed once
			{Device: "tmpfs", Mountpoint: "/dev/shm", Fstype: "tmpfs"},
			{Device: "/dev/sdb1", Mountpoint: "/empty", Fstype: "xfs"}, // size 0: skipped
			{Device: "/dev/sdb2", Mountpoint: "/gone", Fstype: "xfs"},  // unreadable: skipped
			{Device: "/dev/sdc", Mountpoint: "/data", Fstype: "xfs", Opts: []string{"ro"}},
		}, nil
	}
	src.usage = func(_ context.Context, path string) (*disk.UsageStat, error) {
		switch path {
		case "/":
			return &disk.UsageStat{Total: 100, Used: 40, Free: 50, UsedPercent: 44.444}, nil
		case "/data":
			return &disk.UsageStat{Total: 10, Used: 1, Free: 9, UsedPercent: 10}, nil
		case "/empty":
			return &disk.UsageStat{}, nil
		}
		return nil, errors.New("no such mount")
	}
	src.diskIO = func(context.Context) (map[string]disk.IOCountersStat, error) {
		return map[string]disk.IOCountersStat{
			"sda":  {ReadCount: 10, WriteCount: 5, ReadBytes: 1000, WriteBytes: 500},
			"sda1": {ReadCount: 10, WriteCount: 5, ReadBytes: 1000, WriteBytes: 500},
			"sdc":  {ReadCount: 1, WriteCount: 2, ReadBytes: 3, WriteBytes: 4},
			"dm-0": {ReadCount: 99, WriteCount: 99, ReadBytes: 99, WriteBytes: 99},
		}, nil
	}
	c := startCollector(t, Options{LoadInterval: time.Hour}, src)
	d := c.diskSection(context.Background(), &callState{now: time.Now()})
	want := []MountSize{
		{FS: "/dev/sda1", Type: "ext4", Size: 100, Used: 40, Available: 50, Use: 44.44, Mount: "/", RW: true},
		{FS: "/dev/sdc", Type: "xfs", Size: 10, Used: 1, Available: 9, Use: 10, Mount: "/data"},
	}
	if !slices.Equal(d.Size, want) {
		t.Errorf("size = %+v, want %+v", d.Size, want)
	}
	if d.IO.RIO != 11 || d.IO.WIO != 7 || d.IO.TIO != 18 || d.ReadWrite.RX != 1003 || d.ReadWrite.WX != 504 || d.ReadWrite.TX != 1507 {
		t.Errorf("io = %+v, read_write = %+v", d.IO, d.ReadWrite)
	}
}
