package main

import (
	"crypto/tls"
	"crypto/x509"
	"net"
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

// With tls.certificate and tls.privateKey set, HTTPS serves the operator's
// certificate (what a client trusting only the operator's CA verifies),
// and a renewed pair renamed over the files is served without a restart.
func TestTLSServesTheOperatorsCertificate(t *testing.T) {
	dir := t.TempDir()
	ca, caKey := testCA(t)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	install := func(host string) {
		t.Helper()
		certPEM, keyPEM := testLeaf(t, ca, caKey, host)
		for path, data := range map[string]string{certFile: certPEM, keyFile: keyPEM} {
			if err := os.WriteFile(path+".new", []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(path+".new", path); err != nil {
				t.Fatal(err)
			}
		}
	}
	install("operator.test")
	securePort := freePort(t)
	in := startHops(t, "", "tls:\n  certificate: "+certFile+"\n  privateKey: "+keyFile+"\n",
		"OPERATIONSAPI_NETWORK_SECUREPORT="+strconv.Itoa(securePort))
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	handshake := func(name string) *x509.Certificate {
		t.Helper()
		conn, err := tls.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(securePort)),
			&tls.Config{RootCAs: pool, ServerName: name, MinVersion: tls.VersionTLS12})
		if err != nil {
			t.Fatalf("handshake for %s: %v\n%s", name, err, in.out.String())
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0]
	}
	if got := handshake("operator.test"); got.Subject.CommonName != "operator.test" {
		t.Fatalf("served %s, want the operator's certificate", got.Subject.CommonName)
	}
	install("renewed.test")
	if got := handshake("renewed.test"); got.Subject.CommonName != "renewed.test" {
		t.Errorf("after renewal served %s, want renewed.test", got.Subject.CommonName)
	}
}

// logging.format: json reaches the host's logger; under a service manager
// (INVOCATION_ID set) with the file on, lines go to the file only.
func TestLoggingConfigReachesTheHost(t *testing.T) {
	in := startHops(t, "", "logging:\n  format: json\n")
	if !in.waitOutput(`"@message":"ready"`, outputWait) {
		t.Errorf("no JSON ready line:\n%s", in.out.String())
	}
	in = startHops(t, "", "", "INVOCATION_ID=0123")
	if !in.waitOutput("a service manager captures stderr", outputWait) {
		t.Errorf("no notice of file-only logging:\n%s", in.out.String())
	}
	deadline := time.Now().Add(outputWait)
	for {
		data, _ := os.ReadFile(filepath.Join(in.root, "log", "hops.log"))
		if strings.Contains(string(data), "ready") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("hops.log has no ready line:\n%s", data)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if strings.Contains(in.out.String(), "[INFO]  hops: ready") {
		t.Errorf("a line reached stderr as well as the file:\n%s", in.out.String())
	}
}

// nestedValue is a value n objects deep.
func nestedValue(n int) any {
	var v any = 1
	for range n {
		v = map[string]any{"a": v}
	}
	return v
}

// set_configuration refuses the values that would take hops down at the
// next start (an impossible logging root, a bad records section, a
// 9,000-level nested value, half a certificate pair) and writes nothing;
// a file broken by hand makes restart refuse, naming the key, and hops
// keeps serving.
func TestConfigCannotBrickTheNode(t *testing.T) {
	in := startHops(t, "", "families:\n  inventory:\n    x: 1\n")
	file := filepath.Join(in.root, "hops-config.yaml")
	before, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		body map[string]any
		want string
	}{
		{map[string]any{"logging_root": "/dev/null/logs"}, "logging_root: is not a directory hops can create or write"},
		{map[string]any{"families_records_noSync": "yes"}, "families_records_noSync: must be a boolean"},
		{map[string]any{"families_records_deleteBatch": -1}, "families_records_deleteBatch: must be between"},
		{map[string]any{"families_records_batchSize": 5}, "families_records_batchSize: unknown configuration key"},
		{map[string]any{"families_inventory_x": nestedValue(9000)}, "families_inventory_x: nests deeper than 32 levels"},
		{map[string]any{"tls_certificate": "/nonexistent/cert.pem"}, "tls_certificate: is set but tls.privateKey is not"},
	}
	for _, tc := range cases {
		tc.body["operation"] = "set_configuration"
		r := in.admin(t, tc.body)
		if r.Status != 400 || !strings.Contains(r.Error(), tc.want) {
			t.Errorf("%v: %d %s, want 400 naming %q", tc.want, r.Status, r.Raw, tc.want)
		}
	}
	if after, _ := os.ReadFile(file); string(after) != string(before) {
		t.Errorf("a refused set_configuration changed the file:\n%s", after)
	}
	if backups, _ := filepath.Glob(filepath.Join(in.root, "backup", "*")); len(backups) != 0 {
		t.Errorf("a refused set_configuration left backups: %v", backups)
	}

	// A good set keeps a backup of the file it replaced.
	if r := in.admin(t, map[string]any{"operation": "set_configuration", "logging_level": "warn"}); r.Status != 200 {
		t.Fatalf("set_configuration: %d %s", r.Status, r.Raw)
	}
	backups, _ := filepath.Glob(filepath.Join(in.root, "backup", "*-hops-config.yaml.bak"))
	if len(backups) != 1 {
		t.Fatalf("backups = %v, want one", backups)
	}
	if b, _ := os.ReadFile(backups[0]); string(b) != string(before) {
		t.Errorf("the backup does not hold the replaced file:\n%s", b)
	}

	// Broken by hand: restart is refused with the key named; hops serves on.
	if err := os.WriteFile(file, []byte("tls:\n  certificate: /nonexistent/cert.pem\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := in.admin(t, map[string]any{"operation": "restart"})
	if r.Status != 400 || !strings.Contains(r.Error(), "tls.certificate: is set but tls.privateKey is not") {
		t.Errorf("restart with a broken file: %d %s", r.Status, r.Raw)
	}
	if r := in.admin(t, map[string]any{"operation": "get_status"}); r.Status != 200 {
		t.Errorf("hops stopped serving: %d %s", r.Status, r.Raw)
	}
}

// HDB_CONFIG names the file (read at start, written by set_configuration)
// and HARPER_SET_CONFIG beats it; HARPER_DEFAULT_CONFIG sits under it.
func TestHarperConfigVariables(t *testing.T) {
	other := filepath.Join(t.TempDir(), "elsewhere.yaml")
	if err := os.WriteFile(other, []byte("logging:\n  format: text\n  levl: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	in := startHops(t, "", "", "HDB_CONFIG="+other,
		`HARPER_SET_CONFIG={"logging":{"format":"json"}}`,
		`HARPER_DEFAULT_CONFIG={"authentication":{"operationTokenTimeout":"2h"}}`)
	if !in.waitOutput(`"@message":"ready"`, outputWait) {
		t.Errorf("HARPER_SET_CONFIG's logging.format json did not beat the file:\n%s", in.out.String())
	}
	if !in.waitOutput(`"key":"logging.levl","reason":"unknown configuration key","source":"`+other+`"`, outputWait) {
		t.Errorf("the HDB_CONFIG file was not read (no warning for its typo):\n%s", in.out.String())
	}
	if cfg := in.configuration(t); lookup(cfg, "authentication.operationTokenTimeout") != "2h" {
		t.Errorf("HARPER_DEFAULT_CONFIG not applied: %v", lookup(cfg, "authentication.operationTokenTimeout"))
	}
	if r := in.admin(t, map[string]any{"operation": "set_configuration", "logging_rotation_compress": true}); r.Status != 200 {
		t.Fatalf("set_configuration: %d %s", r.Status, r.Raw)
	}
	if b, _ := os.ReadFile(other); !strings.Contains(string(b), "compress: true") {
		t.Errorf("set_configuration did not write the HDB_CONFIG file:\n%s", b)
	}
	if _, err := os.Stat(filepath.Join(in.root, "hops-config.yaml")); !os.IsNotExist(err) {
		t.Errorf("a second config file was written under the root (%v)", err)
	}
}
