package sysinfo

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/shirou/gopsutil/v4/process"
)

// cpuBurnTarget is how much CPU time the test burns so that a process
// CPU reading must move (several 10 ms kernel ticks).
const cpuBurnTarget = 50 * time.Millisecond

// startSleep starts a child `sleep` and kills it after the test.
func startSleep(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start sleep: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd.Process.Pid
}

func TestHarperDBProcessesListsHostAndPlugins(t *testing.T) {
	c := startCollector(t, Options{LoadInterval: testLoadInterval}, gopsutilSource())
	child := startSleep(t)
	startedAt := time.Now().Add(-time.Minute)
	in := Inputs{Plugins: []PluginProc{
		{Name: "status", PID: os.Getpid(), Restarts: 2},
		{Name: "records", PID: child, StartedAt: startedAt},
		{Name: "certs", PID: 0, Restarts: 5, State: "restarting"}, // no process right now
	}}
	got := collectJSON(t, c, []string{SectionHarperDBProcesses}, in)[SectionHarperDBProcesses].(map[string]any)

	core := got["core"].([]any)
	if len(core) != 1 {
		t.Fatalf("core = %v, want one entry", core)
	}
	checkKinds(t, "core[0]", core[0], map[string]string{"pid": kNumber, "name": kString, "cpu": kNumber, "memory": kNumber, "uptime": kNumber, "parentPid": kNumber, "started": kString})
	if pid := core[0].(map[string]any)["pid"].(float64); int(pid) != os.Getpid() {
		t.Errorf("core pid = %v, want this process %d", pid, os.Getpid())
	}
	if clustering := got["clustering"].([]any); len(clustering) != 0 {
		t.Errorf("clustering = %v, want []", clustering)
	}

	plugins := got["plugins"].([]any)
	if len(plugins) != len(in.Plugins) {
		t.Fatalf("plugins = %v", plugins)
	}
	pluginKinds := map[string]string{"pid": kNumber, "name": kString, "cpu": kNumber, "memory": kNumber, "uptime": kNumber, "restarts": kNumber}
	for i, p := range plugins {
		checkKinds(t, "plugins[]", p, pluginKinds)
		entry := p.(map[string]any)
		if int(entry["pid"].(float64)) != in.Plugins[i].PID || entry["name"] != in.Plugins[i].Name ||
			int(entry["restarts"].(float64)) != in.Plugins[i].Restarts || entry["state"] != in.Plugins[i].State {
			t.Errorf("plugins[%d] = %v, want %+v", i, entry, in.Plugins[i])
		}
	}
	self, sleeper, down := plugins[0].(map[string]any), plugins[1].(map[string]any), plugins[2].(map[string]any)
	if self["memory"].(float64) <= 0 || self["uptime"].(float64) <= 0 {
		t.Errorf("this process as a plugin = %v", self)
	}
	if sleeper["memory"].(float64) <= 0 || sleeper["uptime"].(float64) < time.Minute.Seconds() {
		t.Errorf("sleep child = %v, want rss > 0 and uptime from StartedAt", sleeper)
	}
	if down["memory"].(float64) != 0 || down["uptime"].(float64) != 0 {
		t.Errorf("stopped family = %v, want zeros", down)
	}
}

func TestPluginUptimeFromOSWhenStartTimeUnknown(t *testing.T) {
	c := startCollector(t, Options{LoadInterval: testLoadInterval}, gopsutilSource())
	child := startSleep(t)
	self := collectJSON(t, c, []string{SectionTime}, Inputs{})[SectionTime].(map[string]any)["uptime"].(float64)
	got := collectJSON(t, c, []string{SectionHarperDBProcesses}, Inputs{Plugins: []PluginProc{{Name: "export", PID: child}}})
	uptime := got[SectionHarperDBProcesses].(map[string]any)["plugins"].([]any)[0].(map[string]any)["uptime"].(float64)
	// The child started after this test process: it must be younger.
	if uptime < 0 || uptime > self {
		t.Fatalf("child uptime %v, this process %v", uptime, self)
	}
	childTime := collectJSON(t, c, []string{SectionTime}, Inputs{HostPID: child})[SectionTime].(map[string]any)["uptime"].(float64)
	if childTime > self {
		t.Fatalf("time.uptime with HostPID=child is %v, more than this process's %v", childTime, self)
	}
}

func TestProcessCPUIsMeasuredBetweenCalls(t *testing.T) {
	c := startCollector(t, Options{LoadInterval: testLoadInterval}, gopsutilSource())
	in := Inputs{Plugins: []PluginProc{{Name: "system", PID: os.Getpid()}}}
	collectJSON(t, c, []string{SectionHarperDBProcesses}, in)
	burnCPU(t, cpuBurnTarget)
	got := collectJSON(t, c, []string{SectionHarperDBProcesses}, in)[SectionHarperDBProcesses].(map[string]any)
	if cpu := got["plugins"].([]any)[0].(map[string]any)["cpu"].(float64); cpu <= 0 {
		t.Fatalf("cpu after burning %v = %v, want > 0", cpuBurnTarget, cpu)
	}
	if _, cached := c.procs[os.Getpid()]; !cached {
		t.Fatal("the process handle was not kept between calls")
	}
}

// burnCPU spins until this process has used at least d more CPU time.
func burnCPU(t *testing.T, d time.Duration) {
	t.Helper()
	p, err := process.NewProcess(int32(os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	used := func() float64 {
		ts, err := p.TimesWithContext(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return ts.User + ts.System
	}
	start, deadline := used(), time.Now().Add(10*time.Second)
	x := 0
	for used()-start < d.Seconds() {
		for i := 0; i < 1e6; i++ {
			x += i
		}
		if time.Now().After(deadline) {
			t.Fatalf("could not burn %v of CPU (x=%d)", d, x)
		}
	}
}

func TestHandlesOfUnlistedProcessesAreDropped(t *testing.T) {
	c := startCollector(t, Options{LoadInterval: testLoadInterval}, gopsutilSource())
	child := startSleep(t)
	collectJSON(t, c, []string{SectionHarperDBProcesses}, Inputs{Plugins: []PluginProc{{Name: "records", PID: child}}})
	if _, ok := c.procs[child]; !ok {
		t.Fatal("child handle not cached")
	}
	collectJSON(t, c, []string{SectionHarperDBProcesses}, Inputs{})
	if _, ok := c.procs[child]; ok {
		t.Fatal("child handle kept after the child left the list")
	}
	if _, ok := c.procs[os.Getpid()]; !ok {
		t.Fatal("host handle dropped")
	}
}
