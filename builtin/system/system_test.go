package system

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hops-dev/hops/sdk"
	"github.com/hops-dev/hops/sdk/sdktest"
)

func TestDescribeListsTheTable(t *testing.T) {
	_, h := newHarness(t, sdktest.Options{})
	if h.Description.Name != "system" || h.Description.Version != Version {
		t.Fatalf("described %s %s", h.Description.Name, h.Description.Version)
	}
	want := map[string]string{"system_information": "systemInformation", "install_node_modules": "installModules"}
	if len(h.Description.Operations) != len(want) {
		t.Fatalf("operations = %+v, want exactly %v", h.Description.Operations, want)
	}
	for _, op := range h.Description.Operations {
		if want[op.Name] == "" || op.RestrictedName != want[op.Name] || op.Access != sdk.AccessSuperUser || op.Summary == "" {
			t.Errorf("operation %+v, want super_user with restricted name %q", op, want[op.Name])
		}
	}
}

func TestComponentsRootSetting(t *testing.T) {
	abs := t.TempDir()
	cases := map[string]struct {
		section any
		dir     func(root string) string
	}{
		"default":   {map[string]any{}, func(root string) string { return filepath.Join(root, "components") }},
		"null":      {map[string]any{"componentsRoot": nil}, func(root string) string { return filepath.Join(root, "components") }},
		"no config": {nil, func(root string) string { return filepath.Join(root, "components") }},
		"relative":  {map[string]any{"componentsRoot": "apps"}, func(root string) string { return filepath.Join(root, "apps") }},
		"absolute":  {map[string]any{"componentsRoot": abs}, func(string) string { return abs }},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			_, h := newHarness(t, sdktest.Options{RootPath: root, Section: c.section})
			proj := filepath.Join(c.dir(root), "proj-"+strings.ReplaceAll(name, " ", "-"))
			if err := os.MkdirAll(proj, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(proj, "package.json"), []byte("{}"), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Setenv("PATH", t.TempDir()) // no npm: the answer still shows the folder was found
			r := h.Super(t, map[string]any{"operation": "install_node_modules", "projects": []string{filepath.Base(proj)}})
			var got map[string]json.RawMessage
			r.JSON(t, &got)
			if r.Status != http.StatusOK || got[filepath.Base(proj)] == nil {
				t.Fatalf("%d %s, want the project found under %s", r.Status, r.Body, c.dir(root))
			}
		})
	}
}

func TestConfigureRefusesUnknownKeys(t *testing.T) {
	f, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Shutdown(context.Background())
	err = f.Configure(context.Background(), sdk.Config{Section: json.RawMessage(`{"componentRoot": "x"}`), RootPath: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "componentRoot") {
		t.Fatalf("Configure = %v, want an error naming the misspelt key", err)
	}
	err = f.Configure(context.Background(), sdk.Config{Section: json.RawMessage(`{"componentsRoot": 7}`), RootPath: t.TempDir()})
	if err == nil {
		t.Fatal("Configure accepted a number as componentsRoot")
	}
	if err := f.Configure(context.Background(), sdk.Config{Section: json.RawMessage(`null`), RootPath: t.TempDir()}); err != nil {
		t.Fatalf("Configure(null) = %v", err)
	}
}

func TestShutdownStopsServing(t *testing.T) {
	f, h := newHarness(t, sdktest.Options{})
	if err := f.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := f.Shutdown(context.Background()); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	for _, op := range []string{"system_information", "install_node_modules"} {
		r := h.Super(t, map[string]any{"operation": op, "attributes": []string{"cpu"}, "projects": []string{"x"}})
		if r.Status != http.StatusServiceUnavailable || r.Error() != MsgNotConfigured {
			t.Errorf("%s after Shutdown: %d %s, want 503 %q", op, r.Status, r.Body, MsgNotConfigured)
		}
	}
}

// sysInfo (the host's operationsApi.sysInfo) turns the disk and network
// sections into HarperDB's empty shapes when off; absent, both report.
func TestSysInfoSetting(t *testing.T) {
	cases := map[string]struct {
		section           any
		wantDisk, wantNet bool
	}{
		"absent":       {map[string]any{}, true, true},
		"both off":     {map[string]any{"sysInfo": map[string]any{"disk": false, "network": false}}, false, false},
		"disk only":    {map[string]any{"sysInfo": map[string]any{"disk": true, "network": false}}, true, false},
		"network only": {map[string]any{"sysInfo": map[string]any{"disk": false, "network": true}}, false, true},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, h := newHarness(t, sdktest.Options{RootPath: t.TempDir(), Section: c.section})
			h.Host.DispatchFunc = (&fakePeers{hostInfo: hostInfoJSON(t, os.Getpid(), nil)}).dispatch
			r := h.Super(t, map[string]any{"operation": "system_information", "attributes": []string{"disk", "network"}})
			var got struct {
				Disk    map[string]json.RawMessage `json:"disk"`
				Network map[string]json.RawMessage `json:"network"`
			}
			r.JSON(t, &got)
			if hasDisk := got.Disk["io"] != nil; hasDisk != c.wantDisk || (!c.wantDisk && len(got.Disk) != 0) {
				t.Errorf("disk = %v, want reported %v", got.Disk, c.wantDisk)
			}
			if hasNet := string(got.Network["connections"]) != "[]"; hasNet != c.wantNet {
				t.Errorf("network = %v, want reported %v", got.Network, c.wantNet)
			}
			if !c.wantNet && (string(got.Network["default_interface"]) != "null" || string(got.Network["latency"]) != "{}") {
				t.Errorf("empty network = %v, want HarperDB's shape", got.Network)
			}
		})
	}
}
