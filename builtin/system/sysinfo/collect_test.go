package sysinfo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// sectionKinds is the JSON shape of every section, as the conformance case
// and HarperDB clients expect it.
var sectionKinds = map[string]map[string]string{
	SectionSystem: {
		"platform": kString, "distro": kString, "release": kString, "codename": kString,
		"kernel": kString, "arch": kString, "hostname": kString, "go_version": kString,
		"hops_version": kString,
	},
	SectionTime: {"current": kNumber, "uptime": kNumber, "timezone": kString, "timezoneName": kString},
	SectionCPU: {
		"manufacturer": kString, "brand": kString, "vendor": kString, "speed": kNumber,
		"speedMin": kNumber, "speedMax": kNumber, "cores": kNumber, "physicalCores": kNumber,
		"processors": kNumber, "flags": kString, "virtualization": kBool,
		"cpu_speed": kObject, "current_load": kObject,
	},
	SectionMemory: {
		"total": kNumber, "free": kNumber, "used": kNumber, "active": kNumber, "available": kNumber,
		"reclaimable": kNumber, "swaptotal": kNumber, "swapused": kNumber, "swapfree": kNumber,
		"writeback": kNumber, "dirty": kNumber, "rss": kNumber, "heapTotal": kNumber,
		"heapUsed": kNumber, "external": kNumber, "arrayBuffers": kNumber,
	},
	SectionDisk:              {"io": kObject, "read_write": kObject, "size": kArray},
	SectionNetwork:           {"default_interface": kString + "|" + kNull, "interfaces": kArray, "stats": kArray, "connections": kNumber},
	SectionHarperDBProcesses: {"core": kArray, "clustering": kArray, "plugins": kArray},
}

var loadKinds = map[string]string{
	"avgLoad": kNumber, "currentLoad": kNumber, "currentLoadUser": kNumber,
	"currentLoadSystem": kNumber, "currentLoadNice": kNumber, "currentLoadIdle": kNumber,
	"currentLoadIrq": kNumber, "currentLoadSteal": kNumber, "currentLoadGuest": kNumber,
	"rawCurrentLoad": kNumber, "rawCurrentLoadIdle": kNumber, "cpus": kArray,
}

var coreLoadKinds = map[string]string{
	"load": kNumber, "loadUser": kNumber, "loadSystem": kNumber, "loadNice": kNumber,
	"loadIdle": kNumber, "loadIrq": kNumber, "loadSteal": kNumber, "loadGuest": kNumber,
}

func TestCollectAllHasEverySectionInOrder(t *testing.T) {
	c := startCollector(t, Options{LoadInterval: testLoadInterval}, gopsutilSource())
	info, err := c.Collect(context.Background(), nil, Inputs{HopsVersion: "1.2.3"})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	if keys := topLevelKeys(t, raw); !slices.Equal(keys, AllSections) {
		t.Fatalf("keys = %v, want %v", keys, AllSections)
	}
	var got map[string]any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	for section, kinds := range sectionKinds {
		checkKinds(t, section, got[section], kinds)
	}
	for _, section := range []string{SectionTableSize, SectionThreads, SectionReplication} {
		if arr, ok := got[section].([]any); !ok || len(arr) != 0 {
			t.Errorf("%s = %v, want [] when the caller gave nothing", section, got[section])
		}
	}
	if kindOf(got[SectionMetrics]) != kObject {
		t.Errorf("metrics = %v, want an object", got[SectionMetrics])
	}
	sys := got[SectionSystem].(map[string]any)
	if sys["hops_version"] != "1.2.3" || !strings.HasPrefix(sys["go_version"].(string), "go") ||
		sys["hostname"] == "" || sys["platform"] != runtime.GOOS || sys["arch"] != runtime.GOARCH {
		t.Errorf("system = %v", sys)
	}
	if _, has := sys["node_version"]; has {
		t.Error("system has node_version")
	}
}

// topLevelKeys lists an object's keys in document order.
func topLevelKeys(t *testing.T, raw []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func TestCollectSectionDetails(t *testing.T) {
	c := startCollector(t, Options{LoadInterval: testLoadInterval}, gopsutilSource())
	got := collectJSON(t, c, []string{SectionCPU, SectionMemory, SectionDisk, SectionNetwork, SectionTime}, Inputs{})

	cpuSec := got[SectionCPU].(map[string]any)
	checkKinds(t, "cpu.cpu_speed", cpuSec["cpu_speed"], map[string]string{"min": kNumber, "max": kNumber, "avg": kNumber, "cores": kArray})
	checkKinds(t, "cpu.current_load", cpuSec["current_load"], loadKinds)
	cpus := cpuSec["current_load"].(map[string]any)["cpus"].([]any)
	if len(cpus) != runtime.NumCPU() {
		t.Errorf("current_load.cpus has %d entries, want %d", len(cpus), runtime.NumCPU())
	}
	for _, core := range cpus {
		checkKinds(t, "cpu.current_load.cpus[]", core, coreLoadKinds)
	}
	if cores := cpuSec["cores"].(float64); int(cores) != runtime.NumCPU() {
		t.Errorf("cpu.cores = %v, want %d", cores, runtime.NumCPU())
	}

	memSec := got[SectionMemory].(map[string]any)
	total, free, used := memSec["total"].(float64), memSec["free"].(float64), memSec["used"].(float64)
	if total <= 0 || used != total-free || memSec["rss"].(float64) <= 0 || memSec["heapUsed"].(float64) <= 0 {
		t.Errorf("memory = %v", memSec)
	}

	diskSec := got[SectionDisk].(map[string]any)
	checkKinds(t, "disk.io", diskSec["io"], map[string]string{"rIO": kNumber, "wIO": kNumber, "tIO": kNumber})
	checkKinds(t, "disk.read_write", diskSec["read_write"], map[string]string{"rx": kNumber, "wx": kNumber, "tx": kNumber, "ms": kNumber})
	for _, m := range diskSec["size"].([]any) {
		checkKinds(t, "disk.size[]", m, map[string]string{"fs": kString, "type": kString, "size": kNumber, "used": kNumber, "available": kNumber, "use": kNumber, "mount": kString})
		if typ := m.(map[string]any)["type"].(string); pseudoFS[typ] {
			t.Errorf("disk.size lists pseudo file system %v", m)
		}
	}

	netSec := got[SectionNetwork].(map[string]any)
	ifaces := netSec["interfaces"].([]any)
	if len(ifaces) == 0 {
		t.Fatal("network.interfaces is empty; every host has a loopback")
	}
	for _, it := range ifaces {
		checkKinds(t, "network.interfaces[]", it, map[string]string{"iface": kString, "ip4": kString, "ip6": kString, "mac": kString, "internal": kBool})
	}
	for _, st := range netSec["stats"].([]any) {
		checkKinds(t, "network.stats[]", st, map[string]string{"iface": kString, "rx_bytes": kNumber, "tx_bytes": kNumber, "rx_dropped": kNumber, "tx_dropped": kNumber, "rx_sec": kNumber + "|" + kNull})
	}

	tm := got[SectionTime].(map[string]any)
	if tm["uptime"].(float64) <= 0 || tm["current"].(float64) <= 0 || !strings.HasPrefix(tm["timezone"].(string), "UTC") {
		t.Errorf("time = %v", tm)
	}
}

func TestCollectOnlyRequestedSections(t *testing.T) {
	c := startCollector(t, Options{LoadInterval: testLoadInterval}, gopsutilSource())
	cases := [][]string{
		{SectionTime},
		{SectionCPU, SectionMemory},
		{SectionTableSize},
		{SectionReplication, SectionThreads},
		{AliasDatabaseMetrics},
	}
	for _, sections := range cases {
		got := collectJSON(t, c, sections, Inputs{})
		want, err := normalizeSections(sections)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for k := range got {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		slices.Sort(want)
		if !slices.Equal(keys, want) {
			t.Errorf("Collect(%v) keys = %v, want %v", sections, keys, want)
		}
	}
}

func TestCollectPassesCallerSections(t *testing.T) {
	c := startCollector(t, Options{LoadInterval: testLoadInterval}, gopsutilSource())
	given := map[string]any{"requests": map[string]any{"describe_all": 3}}
	in := Inputs{
		TableSizes:  []any{map[string]any{"schema": "dev", "table": "dog"}},
		Metrics:     given,
		Threads:     []any{map[string]any{"threadId": 1}},
		Replication: []any{"peer"},
	}
	got := collectJSON(t, c, []string{SectionTableSize, SectionMetrics, SectionThreads, SectionReplication}, in)
	if arr := got[SectionTableSize].([]any); len(arr) != 1 {
		t.Errorf("table_size = %v", arr)
	}
	if arr := got[SectionThreads].([]any); len(arr) != 1 {
		t.Errorf("threads = %v", arr)
	}
	if arr := got[SectionReplication].([]any); len(arr) != 1 || arr[0] != "peer" {
		t.Errorf("replication = %v", arr)
	}
	metrics := got[SectionMetrics].(map[string]any)
	if metrics["requests"] == nil {
		t.Errorf("metrics lost the caller's entry: %v", metrics)
	}
	checkKinds(t, "metrics.runtime", metrics[RuntimeMetricsKey], map[string]string{"goroutines": kNumber, "heap": kObject, "gc": kObject})
	if _, added := given[RuntimeMetricsKey]; added {
		t.Error("Collect modified the caller's metrics map")
	}

	in.Metrics = map[string]any{RuntimeMetricsKey: "host's own"}
	got = collectJSON(t, c, []string{SectionMetrics}, in)
	if rt := got[SectionMetrics].(map[string]any)[RuntimeMetricsKey]; rt != "host's own" {
		t.Errorf("caller's runtime entry replaced by %v", rt)
	}
}

func TestCollectRejectsUnknownSection(t *testing.T) {
	c := startCollector(t, Options{LoadInterval: testLoadInterval}, gopsutilSource())
	_, err := c.Collect(context.Background(), []string{"time", "bogus"}, Inputs{})
	var bad *BadInputError
	if !errors.As(err, &bad) || !strings.Contains(err.Error(), "bogus") {
		t.Fatalf("err = %v, want a BadInputError naming bogus", err)
	}
}

func TestCollectHonoursCancelledContext(t *testing.T) {
	c := startCollector(t, Options{LoadInterval: testLoadInterval}, gopsutilSource())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Collect(ctx, nil, Inputs{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestNewRejectsNegativeDurations(t *testing.T) {
	for _, opts := range []Options{{LoadInterval: -1}, {CacheTTL: -1}} {
		if c, err := New(opts); err == nil {
			c.Close()
			t.Errorf("New(%+v) succeeded", opts)
		}
	}
}
