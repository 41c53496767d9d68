package sysinfo

import (
	"context"
	"testing"
	"time"

	"github.com/shirou/gopsutil/v4/cpu"
)

func TestCPUBrand(t *testing.T) {
	cases := []struct{ model, manufacturer, want string }{
		{"Intel(R) Xeon(R) CPU @ 2.20GHz", "Intel", "Xeon"},
		{"Intel(R) Core(TM) i7-8550U CPU @ 1.80GHz", "Intel", "Core i7-8550U"},
		{"AMD EPYC 7B13 64-Core Processor", "AMD", "EPYC 7B13 64-Core"},
		{"Neoverse-N1", "ARM", "Neoverse-N1"},
		{"", "", ""},
	}
	for _, tc := range cases {
		if got := cpuBrand(tc.model, tc.manufacturer); got != tc.want {
			t.Errorf("cpuBrand(%q, %q) = %q, want %q", tc.model, tc.manufacturer, got, tc.want)
		}
	}
}

func TestBuildCPUFromInfo(t *testing.T) {
	src := gopsutilSource()
	src.cpuInfo = func(context.Context) ([]cpu.InfoStat, error) {
		return []cpu.InfoStat{
			{VendorID: "GenuineIntel", ModelName: "Intel(R) Xeon(R) CPU @ 2.20GHz", PhysicalID: "0", Mhz: 2200, Flags: []string{"fpu", "vmx"}},
			{VendorID: "GenuineIntel", ModelName: "Intel(R) Xeon(R) CPU @ 2.20GHz", PhysicalID: "0", Mhz: 1200},
			{VendorID: "GenuineIntel", ModelName: "Intel(R) Xeon(R) CPU @ 2.20GHz", PhysicalID: "1", Mhz: 3400},
		}, nil
	}
	src.cpuCounts = func(_ context.Context, logical bool) (int, error) {
		if logical {
			return 3, nil
		}
		return 2, nil
	}
	c := startCollector(t, Options{LoadInterval: time.Hour}, src)
	got, ok := c.buildCPU(context.Background())
	if !ok {
		t.Fatal("buildCPU reported a failed read")
	}
	if got.Manufacturer != "Intel" || got.Vendor != "GenuineIntel" || got.Brand != "Xeon" ||
		got.Cores != 3 || got.PhysicalCores != 2 || got.Processors != 2 ||
		got.Flags != "fpu vmx" || !got.Virtualization {
		t.Errorf("model facts = %+v", got)
	}
	if got.Speed != 2.2 || got.SpeedMin != 1.2 || got.SpeedMax != 3.4 ||
		got.CPUSpeed.Avg != 2.27 || len(got.CPUSpeed.Cores) != 3 || got.CPUSpeed.Cores[2] != 3.4 {
		t.Errorf("speeds = %+v / %+v", got, got.CPUSpeed)
	}
}

func TestParseOSRelease(t *testing.T) {
	got := parseOSRelease("# comment\nNAME=\"Debian GNU/Linux\"\nVERSION_ID='12'\nVERSION_CODENAME=bookworm\nbroken line\n")
	if got["NAME"] != "Debian GNU/Linux" || got["VERSION_ID"] != "12" || got["VERSION_CODENAME"] != "bookworm" || len(got) != 3 {
		t.Fatalf("parseOSRelease = %v", got)
	}
}

func TestTimezoneName(t *testing.T) {
	cases := map[string]string{
		"Europe/Paris":                   "Europe/Paris",
		":America/New_York":              "America/New_York",
		"/usr/share/zoneinfo/Asia/Tokyo": "Asia/Tokyo",
		":/usr/share/zoneinfo/Etc/GMT+5": "Etc/GMT+5",
		"":                               defaultZoneName,
	}
	for tz, want := range cases {
		t.Setenv("TZ", tz)
		if got := timezoneName(); got != want {
			t.Errorf("TZ=%q: timezoneName() = %q, want %q", tz, got, want)
		}
	}
}

func TestZoneOffset(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []struct {
		zone *time.Location
		want string
	}{
		{time.UTC, "UTC+0000"},
		{time.FixedZone("IST", 5*3600+30*60), "UTC+0530"},
		{time.FixedZone("NST", -(3*3600 + 30*60)), "UTC-0330"},
		{time.FixedZone("X", -10*3600), "UTC-1000"},
	}
	for _, tc := range cases {
		if got := zoneOffset(at.In(tc.zone)); got != tc.want {
			t.Errorf("zoneOffset in %v = %q, want %q", tc.zone, got, tc.want)
		}
	}
}
