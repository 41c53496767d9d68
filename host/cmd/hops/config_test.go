package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// configStartWait bounds how long hops may take to refuse a configuration.
const configStartWait = 20 * time.Second

// A key no layer knows, in the file or the environment, and a HarperDB key
// hops does not implement are each logged at WARN at start with the key
// and where it came from; hops still starts.
func TestConfigUnknownKeyWarns(t *testing.T) {
	in := startHops(t, "", "operationsApi:\n  network:\n    hots: 0.0.0.0\nhttp:\n  port: 9926\n",
		"OPERATIONSAPI_NETWORK_PROT=1")
	file := filepath.Join(in.root, "hops-config.yaml")
	for _, want := range []string{
		"key=operationsApi.network.hots source=" + file + ` reason="unknown configuration key"`,
		"key=http.port source=" + file + ` reason="is a HarperDB setting hops does not implement; it has no effect"`,
		`key=OPERATIONSAPI_NETWORK_PROT source=environment reason="unknown configuration key"`,
	} {
		if !in.waitOutput(want, outputWait) {
			t.Errorf("no WARN line with %q:\n%s", want, in.out.String())
		}
	}
	r := in.admin(t, map[string]any{"operation": "set_configuration", "http_port": 9999})
	if r.Status != 400 || !strings.Contains(r.Error(), "http_port: is a HarperDB setting hops does not implement") {
		t.Errorf("set_configuration of a key that does not act: %d %s", r.Status, r.Raw)
	}
	r = in.admin(t, map[string]any{"operation": "set_configuration",
		"plugins": []any{map[string]any{"name": "x", "path": "/bin/sh"}}})
	if r.Status != 400 || !strings.Contains(r.Error(), "plugins is changed only in the config file") {
		t.Errorf("set_configuration of plugins: %d %s", r.Status, r.Raw)
	}
}

// operationsApi: with its children commented out is the same as no
// section: the API listens on 127.0.0.1 only, not on every interface.
func TestConfigEmptySectionBindsLoopback(t *testing.T) {
	in := startHops(t, "", "operationsApi:\n#  network:\n#    host: 0.0.0.0\nlogging:\n")
	want := "serving the operations API on http://127.0.0.1:" + strconv.Itoa(in.port)
	if !in.waitOutput(want, outputWait) {
		t.Errorf("not served on loopback only (want %q):\n%s", want, in.out.String())
	}
}

// A configuration hops cannot start with (edited by hand) stops the start
// at once with an error naming the key; hops never hangs or exits
// silently.
func TestConfigErrorAtStartNamesTheKey(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts the hops binary")
	}
	cases := map[string]string{
		"tls.certificate: is set but tls.privateKey is not": "tls:\n  certificate: /nonexistent/cert.pem\n",
		"logging.level":                    "logging:\n  level: loud\n",
		"logging.root: is not a directory": "logging:\n  root: /dev/null/logs\n",
		"operationsApi (":                  "operationsApi: 5\n",
	}
	for want, file := range cases {
		root := t.TempDir()
		if err := os.WriteFile(filepath.Join(root, "hops-config.yaml"), []byte(file), 0o600); err != nil {
			t.Fatal(err)
		}
		out, code := runToExit(t, root)
		if code == 0 || !strings.Contains(out, want) {
			t.Errorf("%q: exit %d, output:\n%s\nwant it to name %q", file, code, out, want)
		}
	}
}

// runToExit runs `hops run` on root until it exits and returns its output
// and exit code.
func runToExit(t *testing.T, root string, env ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(hopsBin, "run")
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + root, "ROOTPATH=" + root,
		"HDB_ADMIN_USERNAME=" + adminUser, "HDB_ADMIN_PASSWORD=" + adminPass,
		"OPERATIONSAPI_NETWORK_PORT=" + strconv.Itoa(freePort(t))}, env...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(configStartWait):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("hops did not exit within %s:\n%s", configStartWait, out.String())
	}
	return out.String(), cmd.ProcessState.ExitCode()
}
