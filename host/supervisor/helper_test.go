package supervisor

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/hops-dev/hops/sdk"
	"github.com/hops-dev/hops/sdk/plugin"
)

// The helper-process pattern (go-plugin's own tests): the test binary
// re-executes itself as a family's process. TestHelperProcess is not a
// test; in a child it serves helperFamily, configured by these variables.
const (
	envHelper = "HOPS_SUPERVISOR_HELPER" // "1" in a child
	// envCrashAfter: the Nth call of "pid" in a process exits it
	// mid-request.
	envCrashAfter = "HELPER_CRASH_AFTER"
	// envHangShutdown: Shutdown creates this file, then never returns.
	envHangShutdown = "HELPER_HANG_SHUTDOWN"
	// envStateDir: each start is counted in a file there; from the second
	// start on, the family describes one more operation.
	envStateDir = "HELPER_STATE_DIR"
	// envStartDelay: the process waits this long before serving.
	envStartDelay = "HELPER_START_DELAY"
	// envTLS: how the process misbehaves in the TLS setup (tlsModes in
	// tls_test.go).
	envTLS = "HELPER_TLS"
	// envName: the family's name, instead of helperName.
	envName = "HELPER_NAME"
)

// helperName is the helper family's name.
const helperName = "helper"

// helperSpec returns the spec of a helper family with env settings.
func helperSpec(env ...string) Spec {
	return Spec{
		Name: helperName,
		Path: os.Args[0],
		Args: []string{"-test.run=^TestHelperProcess$", "--"},
		Env:  append([]string{envHelper + "=1"}, env...),
	}
}

func TestHelperProcess(*testing.T) {
	if os.Getenv(envHelper) != "1" {
		return
	}
	defer os.Exit(0)
	fam := &helperFamily{hangMarker: os.Getenv(envHangShutdown)}
	fam.crashAfter, _ = strconv.Atoi(os.Getenv(envCrashAfter))
	if dir := os.Getenv(envStateDir); dir != "" {
		fam.starts = countStart(dir)
	}
	if d, err := time.ParseDuration(os.Getenv(envStartDelay)); err == nil {
		time.Sleep(d)
	}
	if mode := os.Getenv(envTLS); mode != "" {
		helperTLS(mode)
	}
	plugin.Serve(fam)
}

// countStart adds one to the start count kept in dir and returns it.
func countStart(dir string) int {
	path := filepath.Join(dir, "starts")
	b, _ := os.ReadFile(path)
	n, _ := strconv.Atoi(string(b))
	n++
	if err := os.WriteFile(path, []byte(strconv.Itoa(n)), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	return n
}

// helperFamily is the family a helper process serves.
type helperFamily struct {
	crashAfter int
	calls      int
	hangMarker string
	starts     int
}

func (f *helperFamily) Info() sdk.Info {
	if name := os.Getenv(envName); name != "" {
		return sdk.Info{Name: name, Version: "0"}
	}
	return sdk.Info{Name: helperName, Version: "0"}
}

func (f *helperFamily) Operations() []sdk.Operation {
	ops := []sdk.Operation{
		{Name: "pid", Access: sdk.AccessAuthenticated, Handler: f.pid},
		{Name: "hold", Access: sdk.AccessAuthenticated, Handler: f.hold},
	}
	if f.starts > 1 {
		ops = append(ops, sdk.Operation{Name: "added_on_restart", Access: sdk.AccessAuthenticated, Handler: f.pid})
	}
	return ops
}

// pid answers the process id; the crashAfter-th call exits instead.
func (f *helperFamily) pid(context.Context, *sdk.Request) (*sdk.Response, error) {
	f.calls++ // calls are sequential in these tests
	if f.crashAfter > 0 && f.calls >= f.crashAfter {
		os.Exit(3)
	}
	return sdk.OK(map[string]int{"pid": os.Getpid()}), nil
}

// hold answers the process id after {"ms": n} milliseconds.
func (f *helperFamily) hold(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	var in struct {
		MS int `json:"ms"`
	}
	if err := json.Unmarshal(req.Body, &in); err != nil {
		return nil, sdk.BadRequest("%v", err)
	}
	time.Sleep(time.Duration(in.MS) * time.Millisecond)
	return sdk.OK(map[string]int{"pid": os.Getpid()}), nil
}

func (f *helperFamily) Shutdown(context.Context) error {
	if f.hangMarker != "" {
		_ = os.WriteFile(f.hangMarker, nil, 0o600)
		select {}
	}
	return nil
}

// Configure refuses a section {"refuse": "<reason>"} with that reason, as
// a family refuses a configuration it cannot run with.
func (f *helperFamily) Configure(_ context.Context, cfg sdk.Config) error {
	var sec struct {
		Refuse string `json:"refuse"`
	}
	_ = json.Unmarshal(cfg.Section, &sec)
	if sec.Refuse != "" {
		return sdk.BadRequest("%s", sec.Refuse)
	}
	return nil
}
