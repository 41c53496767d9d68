package app

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hops-dev/hops/host/config"
	"github.com/hops-dev/hops/host/metrics"
)

// operationsApi.network.* reach the HTTP server's options.
func TestServerOptionsFromConfig(t *testing.T) {
	cfg, err := config.New(config.Options{
		Flags: map[string]any{"rootPath": t.TempDir()},
		Environ: func() []string {
			return []string{"OPERATIONSAPI_NETWORK_TIMEOUT=7s", "OPERATIONSAPI_NETWORK_HEADERSTIMEOUT=3s",
				"OPERATIONSAPI_NETWORK_KEEPALIVETIMEOUT=11s", "OPERATIONSAPI_NETWORK_MAXREQUESTBODYSIZE=1000",
				"LOGGING_ACCESSLOG=false"}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	in := &instance{cfg: cfg, metrics: metrics.New(metrics.Sources{})}
	o := in.serverOptions()
	if o.BodyTimeout != 7*time.Second || o.ReadHeaderTimeout != 3*time.Second || o.IdleTimeout != 11*time.Second || o.MaxBodyBytes != 1000 {
		t.Errorf("options: body %v headers %v idle %v max %d", o.BodyTimeout, o.ReadHeaderTimeout, o.IdleTimeout, o.MaxBodyBytes)
	}
	if o.AccessLog || o.Metrics == nil || o.Ready == nil || o.OpenAPI == nil {
		t.Errorf("options: access log %v (LOGGING_ACCESSLOG=false), metrics %v", o.AccessLog, o.Metrics)
	}
}

// operationsApi.sysInfo reaches the system family in its section.
func TestSystemSectionCarriesSysInfo(t *testing.T) {
	cfg, err := config.New(config.Options{
		Flags: map[string]any{"rootPath": t.TempDir()},
		Environ: func() []string {
			return []string{"OPERATIONSAPI_SYSINFO_NETWORK=true", "OPERATIONSAPI_SYSINFO_DISK=false"}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	var sec struct {
		SysInfo map[string]bool `json:"sysInfo"`
	}
	if err := json.Unmarshal(familySection(cfg, "system"), &sec); err != nil {
		t.Fatal(err)
	}
	if sec.SysInfo["disk"] || !sec.SysInfo["network"] || len(sec.SysInfo) != 2 {
		t.Errorf("system section sysInfo = %v, want disk false, network true", sec.SysInfo)
	}
	if b := familySection(cfg, "records"); strings.Contains(string(b), "sysInfo") {
		t.Errorf("records section carries sysInfo: %s", b)
	}
}
