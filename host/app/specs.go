package app

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hops-dev/hops/host/config"
	"github.com/hops-dev/hops/host/supervisor"
	"github.com/hops-dev/hops/sdk/plugin"
)

// builtinEnv lists the host variables a builtin family inherits: enough to
// find programs (npm for install_node_modules), a home and a temp dir, the
// time zone, and the Go runtime's GC settings (GOGC, GOMEMLIMIT), so an
// operator can trade memory for CPU in the families as in the host (see
// docs/benchmarks.md), and HOPS_PROFILE_DIR (benchmarks' profiling toggle,
// host/cmd/hops); no credentials (HDB_ADMIN_PASSWORD, AWS_*) ever pass.
var builtinEnv = []string{"PATH", "HOME", "TMPDIR", "TZ", "LANG", "GOGC", "GOMEMLIMIT", "HOPS_PROFILE_DIR"}

// maxProcsKey is the one key of a family's config section that the host
// keeps: families.<name>.maxProcs becomes the process's GOMAXPROCS and is
// not handed to the family.
const maxProcsKey = "maxProcs"

// builtinTimerSlack is the timer slack every builtin family's process
// starts with (supervisor.Spec.TimerSlack): its Go runtime's sysmon then
// naps about 1 ms instead of 20 µs while the family is busy, which under
// small requests (get_status) costs the family fewer context switches
// and less CPU per request (docs/design.md, "get_status and the family
// hop"); its timers may fire up to this much late.
const builtinTimerSlack = time.Millisecond

// builtinSpecs returns a spec per builtin family: the hops binary
// re-executed as `hops plugin builtin NAME`. maxProcs(name), when above
// zero, becomes the family's GOMAXPROCS (families.<name>.maxProcs).
func builtinSpecs(exe string, names []string, section func(string) json.RawMessage, maxProcs func(string) int, logLevel string) []supervisor.Spec {
	env := passEnv(builtinEnv)
	env = append(env, plugin.EnvLogLevel+"="+logLevel)
	specs := make([]supervisor.Spec, 0, len(names))
	for _, n := range names {
		famEnv := env
		if p := maxProcs(n); p > 0 {
			famEnv = append(slices.Clip(env), "GOMAXPROCS="+strconv.Itoa(p))
		}
		specs = append(specs, supervisor.Spec{
			Name:       n,
			Path:       exe,
			Args:       []string{"plugin", "builtin", n},
			Env:        famEnv,
			Section:    section(n),
			TimerSlack: builtinTimerSlack,
		})
	}
	return specs
}

// pluginSpecs returns the specs of third-party plugins.
func pluginSpecs(plugins []config.Plugin, section func(string) json.RawMessage, logLevel string) ([]supervisor.Spec, error) {
	specs := make([]supervisor.Spec, 0, len(plugins))
	for i, p := range plugins {
		if p.Name == "" || p.Path == "" {
			return nil, fmt.Errorf("plugins[%d]: name and path are required", i)
		}
		env := []string{plugin.EnvLogLevel + "=" + logLevel}
		for _, e := range p.Env {
			if strings.Contains(e, "=") {
				env = append(env, e)
			} else if v, ok := os.LookupEnv(e); ok {
				env = append(env, e+"="+v)
			}
		}
		specs = append(specs, supervisor.Spec{
			Name: p.Name, Path: p.Path, Args: p.Args, Env: env,
			SHA256: strings.ToLower(p.SHA256), Section: section(p.Name),
		})
	}
	return specs, nil
}

func passEnv(names []string) []string {
	var env []string
	for _, n := range names {
		if v, ok := os.LookupEnv(n); ok {
			env = append(env, n+"="+v)
		}
	}
	return env
}
