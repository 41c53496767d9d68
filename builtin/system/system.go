package system

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"

	"github.com/hashicorp/go-hclog"

	"github.com/hops-dev/hops/builtin/system/sysinfo"
	"github.com/hops-dev/hops/sdk"
)

// Version is the family's version.
const Version = "1.0.0"

// defaultComponentsDir is where project folders live under the root path
// when the config names no componentsRoot, as DESIGN.md lays out.
const defaultComponentsDir = "components"

// Settings is the family's config section (`families.system` in the host's
// config file), as JSON.
type Settings struct {
	// ComponentsRoot is the folder whose sub-folders install_node_modules
	// may run npm in. Absent, null or "": <rootPath>/components. A relative
	// path is taken relative to the root path.
	ComponentsRoot *string `json:"componentsRoot"`
	// SysInfo is the host's operationsApi.sysInfo, handed over in this
	// section: which costly system_information sections are reported.
	// Absent: both are.
	SysInfo *SysInfo `json:"sysInfo"`
}

// SysInfo chooses the system_information sections HarperDB reports only
// when enabled (operationsApi.sysInfo.disk and .network). A section that
// is off answers HarperDB's empty shape.
type SysInfo struct {
	// Disk reports disk I/O counters and file-system sizes.
	Disk bool `json:"disk"`
	// Network reports interfaces, their counters and the connection count.
	Network bool `json:"network"`
}

// Family is the system family. Create it with New; the host configures it
// before the first request.
type Family struct {
	mu             sync.RWMutex
	log            hclog.Logger
	collector      *sysinfo.Collector
	componentsRoot string
	sysInfo        SysInfo
	// installMu serializes install_node_modules: two npm runs in one
	// folder would race on node_modules.
	installMu sync.Mutex
}

// New returns an unconfigured family; Configure starts its collector.
func New() (*Family, error) {
	return &Family{log: hclog.NewNullLogger()}, nil
}

// Info implements sdk.Family.
func (f *Family) Info() sdk.Info { return sdk.Info{Name: "system", Version: Version} }

// Operations implements sdk.Family: the whole operation table.
func (f *Family) Operations() []sdk.Operation {
	return []sdk.Operation{
		{Name: "system_information", Access: sdk.AccessSuperUser, RestrictedName: "systemInformation",
			Summary: "host, process, metrics and table-size facts, optionally limited to named sections", Handler: f.systemInformation},
		{Name: "install_node_modules", Access: sdk.AccessSuperUser, RestrictedName: "installModules",
			Summary: "deprecated: run npm install in project folders under the components root", Handler: f.installNodeModules},
	}
}

// Configure implements sdk.Configurer: it reads the section and starts the
// collector the family keeps until Shutdown. Called again, it replaces both.
func (f *Family) Configure(_ context.Context, cfg sdk.Config) error {
	settings, err := parseSettings(cfg.Section)
	if err != nil {
		return err
	}
	root := filepath.Join(cfg.RootPath, defaultComponentsDir)
	if settings.ComponentsRoot != nil && *settings.ComponentsRoot != "" {
		root = *settings.ComponentsRoot
		if !filepath.IsAbs(root) {
			root = filepath.Join(cfg.RootPath, root)
		}
	}
	c, err := sysinfo.New(sysinfo.Options{})
	if err != nil {
		return fmt.Errorf("start system information collector: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = hclog.NewNullLogger()
	}
	report := SysInfo{Disk: true, Network: true}
	if settings.SysInfo != nil {
		report = *settings.SysInfo
	}
	f.mu.Lock()
	old := f.collector
	f.collector, f.componentsRoot, f.log, f.sysInfo = c, filepath.Clean(root), log, report
	f.mu.Unlock()
	if old != nil {
		old.Close()
	}
	return nil
}

// parseSettings decodes the section strictly: a misspelt key is an error
// at start, not a setting silently ignored.
func parseSettings(section json.RawMessage) (Settings, error) {
	var s Settings
	trimmed := bytes.TrimSpace(section)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return s, nil
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Settings{}, fmt.Errorf("system family config section: %w", err)
	}
	return s, nil
}

// state returns what a handler needs, or a 503 before Configure.
func (f *Family) state() (*sysinfo.Collector, string, hclog.Logger, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.collector == nil {
		return nil, "", nil, sdk.Errorf(http.StatusServiceUnavailable, "%s", MsgNotConfigured)
	}
	return f.collector, f.componentsRoot, f.log, nil
}

// MsgNotConfigured answers a request that arrives before Configure (the
// host never sends one; a test harness might).
const MsgNotConfigured = "the system family is not configured yet"

// Shutdown implements sdk.Shutdowner: it stops the collector's sampler.
func (f *Family) Shutdown(context.Context) error {
	f.mu.Lock()
	c := f.collector
	f.collector = nil
	f.mu.Unlock()
	if c != nil {
		c.Close()
	}
	return nil
}

var (
	_ sdk.Family     = (*Family)(nil)
	_ sdk.Configurer = (*Family)(nil)
	_ sdk.Shutdowner = (*Family)(nil)
)
