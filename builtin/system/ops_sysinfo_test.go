package system

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hops-dev/hops/builtin/system/sysinfo"
	"github.com/hops-dev/hops/sdk"
	"github.com/hops-dev/hops/sdk/sdktest"
)

const testVersion = "9.9.9-test"

// sysHarness serves the family with peers answering its dispatches.
func sysHarness(t *testing.T, peers *fakePeers) *sdktest.Harness {
	t.Helper()
	_, h := newHarness(t, sdktest.Options{})
	h.Host.DispatchFunc = peers.dispatch
	return h
}

// hostInfoJSON is a host_information answer naming hostPID as the host.
func hostInfoJSON(t *testing.T, hostPID int, plugins []PluginInfo) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"host_pid": hostPID, "hops_version": testVersion, "plugins": plugins,
		"metrics":     map[string]any{"requests": map[string]any{"total": 5}},
		"threads":     []any{map[string]any{"threadId": 1, "name": "http"}},
		"replication": []any{map[string]any{"node": "peer-1"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSystemInformationAllSectionsInOrder(t *testing.T) {
	peers := &fakePeers{hostInfo: hostInfoJSON(t, os.Getpid(), nil)}
	h := sysHarness(t, peers)
	r := h.Super(t, map[string]any{"operation": "system_information"})
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	if got := topKeys(t, r.Body); !slices.Equal(got, sysinfo.AllSections) {
		t.Fatalf("keys = %v, want %v", got, sysinfo.AllSections)
	}
	var got struct {
		System      sysinfo.System   `json:"system"`
		Metrics     map[string]any   `json:"metrics"`
		Threads     []map[string]any `json:"threads"`
		Replication []map[string]any `json:"replication"`
		TableSize   []any            `json:"table_size"`
	}
	r.JSON(t, &got)
	if got.System.HopsVersion != testVersion || got.System.Hostname == "" {
		t.Errorf("system = %+v, want hops_version %q from the host", got.System, testVersion)
	}
	req, _ := got.Metrics["requests"].(map[string]any)
	if req["total"] != float64(5) || got.Metrics[sysinfo.RuntimeMetricsKey] == nil {
		t.Errorf("metrics = %v, want the host's requests plus runtime", got.Metrics)
	}
	if len(got.Threads) != 1 || got.Threads[0]["name"] != "http" {
		t.Errorf("threads = %v", got.Threads)
	}
	if len(got.Replication) != 1 || got.Replication[0]["node"] != "peer-1" {
		t.Errorf("replication = %v", got.Replication)
	}
	if got.TableSize == nil || len(got.TableSize) != 0 {
		t.Errorf("table_size = %v, want []", got.TableSize)
	}
	if c := peers.called(); c[OpHostInformation] != 1 || c[OpTableSizes] != 1 {
		t.Errorf("dispatched %v, want one of each", c)
	}
	for _, tok := range peers.tokens {
		if tok != sdktest.SuperUser.Token {
			t.Errorf("dispatched as %q, want the caller %q", tok, sdktest.SuperUser.Token)
		}
	}
}

// TestSystemInformationSections mirrors the conformance cases: each
// attributes list answers exactly its sections, and the host is asked only
// for what those sections need.
func TestSystemInformationSections(t *testing.T) {
	cases := []struct {
		attrs      []string
		want       []string
		host, tabs bool
	}{
		{[]string{"time"}, []string{"time"}, true, false},
		{[]string{"system"}, []string{"system"}, true, false},
		{[]string{"cpu", "memory"}, []string{"cpu", "memory"}, false, false},
		{[]string{"memory", "cpu"}, []string{"cpu", "memory"}, false, false},
		{[]string{"disk"}, []string{"disk"}, false, false},
		{[]string{"network"}, []string{"network"}, true, false},
		{[]string{"harperdb_processes"}, []string{"harperdb_processes"}, true, false},
		{[]string{"table_size"}, []string{"table_size"}, false, true},
		{[]string{"metrics"}, []string{"metrics"}, true, false},
		{[]string{"database_metrics"}, []string{"metrics"}, true, false},
		{[]string{"threads"}, []string{"threads"}, true, false},
		{[]string{"replication"}, []string{"replication"}, true, false},
		{[]string{"table_size", "cpu", "time"}, []string{"time", "cpu", "table_size"}, true, true},
		{[]string{}, sysinfo.AllSections, true, true},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.attrs, ","), func(t *testing.T) {
			peers := &fakePeers{hostInfo: hostInfoJSON(t, os.Getpid(), nil)}
			h := sysHarness(t, peers)
			r := h.Super(t, map[string]any{"operation": "system_information", "attributes": c.attrs})
			if r.Status != http.StatusOK {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			if got := topKeys(t, r.Body); !slices.Equal(got, c.want) {
				t.Errorf("keys = %v, want %v", got, c.want)
			}
			called := peers.called()
			if (called[OpHostInformation] == 1) != c.host || (called[OpTableSizes] == 1) != c.tabs {
				t.Errorf("dispatched %v, want host_information=%v table_sizes=%v", called, c.host, c.tabs)
			}
		})
	}
}

func TestSystemInformationProcesses(t *testing.T) {
	child := startSleep(t)
	hourAgo := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	plugins := []PluginInfo{
		{Name: "status", PID: os.Getpid(), Restarts: 2, StartedAt: hourAgo.Format(time.RFC3339), State: "running"},
		{Name: "records", PID: child, State: "running"},
		{Name: "certs", PID: 0, Restarts: 3, State: "restarting"},
		{Name: "export", PID: child, StartedAt: "yesterday", State: "running"},
	}
	peers := &fakePeers{hostInfo: hostInfoJSON(t, child, plugins)}
	h := sysHarness(t, peers)
	r := h.Super(t, map[string]any{"operation": "system_information", "attributes": []string{"harperdb_processes"}})
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	var got struct {
		P sysinfo.Processes `json:"harperdb_processes"`
	}
	r.JSON(t, &got)
	if len(got.P.Core) != 1 || got.P.Core[0].PID != child || got.P.Core[0].Name != "sleep" {
		t.Fatalf("core = %+v, want the host pid %d (sleep)", got.P.Core, child)
	}
	if got.P.Clustering == nil || len(got.P.Clustering) != 0 {
		t.Errorf("clustering = %v, want []", got.P.Clustering)
	}
	if len(got.P.Plugins) != len(plugins) {
		t.Fatalf("plugins = %+v", got.P.Plugins)
	}
	for i, p := range got.P.Plugins {
		w := plugins[i]
		if p.PID != w.PID || p.Name != w.Name || p.Restarts != w.Restarts || p.State != w.State {
			t.Errorf("plugins[%d] = %+v, want %+v", i, p, w)
		}
	}
	self, sleeper, down, badTime := got.P.Plugins[0], got.P.Plugins[1], got.P.Plugins[2], got.P.Plugins[3]
	if self.Memory == 0 || self.Uptime < time.Hour.Seconds() || self.Started != hourAgo.Local().Format("2006-01-02 15:04:05") {
		t.Errorf("this process = %+v, want rss > 0 and uptime from started_at %s", self, hourAgo)
	}
	if sleeper.Memory == 0 || sleeper.Started == "" || sleeper.Uptime > time.Hour.Seconds() {
		t.Errorf("sleep child = %+v, want rss > 0 and uptime from the OS", sleeper)
	}
	if down.Memory != 0 || down.Uptime != 0 || down.Started != "" {
		t.Errorf("stopped family = %+v, want zeros", down)
	}
	if badTime.Started != sleeper.Started {
		t.Errorf("unparsable started_at: %+v, want the OS start time %q", badTime, sleeper.Started)
	}
}

func TestSystemInformationTableSizes(t *testing.T) {
	want := []TableSize{{Database: "data", Table: "dog", TableSize: 8192, RecordCount: 12}, {Database: "dev", Table: "cat", TableSize: 4096}}
	body, _ := json.Marshal(want)
	peers := &fakePeers{tables: func() (*sdk.Reply, error) { return rawReply(http.StatusOK, string(body)), nil }}
	h := sysHarness(t, peers)
	r := h.Super(t, map[string]any{"operation": "system_information", "attributes": []string{"table_size"}})
	var got struct {
		TableSize []TableSize `json:"table_size"`
	}
	r.JSON(t, &got)
	if r.Status != http.StatusOK || !slices.Equal(got.TableSize, want) {
		t.Fatalf("%d %s, want table_size %+v", r.Status, r.Body, want)
	}
}

func TestSystemInformationTableSizesFailureIsEmpty(t *testing.T) {
	failures := map[string]func() (*sdk.Reply, error){
		"unknown operation": func() (*sdk.Reply, error) {
			return errorReply(http.StatusBadRequest, "Operation 'table_sizes' not found"), nil
		},
		"family down": func() (*sdk.Reply, error) {
			return errorReply(http.StatusServiceUnavailable, "records is restarting"), nil
		},
		"transport error": func() (*sdk.Reply, error) { return nil, errors.New("connection reset") },
		"not an array":    func() (*sdk.Reply, error) { return rawReply(http.StatusOK, `{"data":1}`), nil },
		"not json at all": func() (*sdk.Reply, error) { return rawReply(http.StatusOK, `table sizes`), nil },
	}
	for name, fail := range failures {
		t.Run(name, func(t *testing.T) {
			peers := &fakePeers{hostInfo: hostInfoJSON(t, os.Getpid(), nil), tables: fail}
			h := sysHarness(t, peers)
			r := h.Super(t, map[string]any{"operation": "system_information", "attributes": []string{"table_size", "time"}})
			if r.Status != http.StatusOK {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			var got map[string]json.RawMessage
			r.JSON(t, &got)
			if string(got["table_size"]) != "[]" || got["time"] == nil {
				t.Errorf("answer %s, want table_size [] and time", r.Body)
			}
		})
	}
}

func TestSystemInformationHostFailureIs500(t *testing.T) {
	peers := &fakePeers{} // an older host: host_information unknown
	h := sysHarness(t, peers)
	r := h.Super(t, map[string]any{"operation": "system_information", "attributes": []string{"time"}})
	if r.Status != http.StatusInternalServerError || !strings.HasPrefix(r.Error(), MsgHostInformationFailed) ||
		!strings.Contains(r.Error(), "host_information' not found") {
		t.Fatalf("%d %s, want 500 %q with the host's message", r.Status, r.Body, MsgHostInformationFailed)
	}

	peers = &fakePeers{hostInfo: `{"host_pid": "not a number"}`}
	h = sysHarness(t, peers)
	r = h.Super(t, map[string]any{"operation": "system_information", "attributes": []string{"metrics"}})
	if r.Status != http.StatusInternalServerError || !strings.HasPrefix(r.Error(), MsgHostInformationFailed) {
		t.Fatalf("bad host answer: %d %s", r.Status, r.Body)
	}
}

func TestSystemInformationAttributeErrors(t *testing.T) {
	cases := map[string]struct {
		attrs any
		want  string
	}{
		"not an array":   {"time", sysinfo.MsgAttributesNotArray},
		"unknown name":   {[]string{"time", "conf_bogus"}, "conf_bogus"},
		"not a string":   {[]any{"time", 7}, fmt.Sprintf(sysinfo.MsgAttributeNotString, 1)},
		"object instead": {map[string]any{"time": true}, sysinfo.MsgAttributesNotArray},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			peers := &fakePeers{hostInfo: hostInfoJSON(t, os.Getpid(), nil)}
			h := sysHarness(t, peers)
			r := h.Super(t, map[string]any{"operation": "system_information", "attributes": c.attrs})
			if r.Status != http.StatusBadRequest || !strings.Contains(r.Error(), c.want) {
				t.Fatalf("%d %s, want 400 containing %q", r.Status, r.Body, c.want)
			}
			if called := peers.called(); len(called) != 0 {
				t.Errorf("dispatched %v for a bad request", called)
			}
		})
	}
}
