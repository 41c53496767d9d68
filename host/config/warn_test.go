package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// A typo in the file, a HarperDB key hops does not implement and an
// unknown OPERATIONSAPI_ variable are each reported once, naming the key
// and where it came from; the defaults and correct keys report nothing.
func TestWarningsNameKeyAndSource(t *testing.T) {
	file := `operationsApi:
  network:
    prot: 9925
    port: 9925
http:
  port: 9926
families:
  records:
    batchSize: 3
  inventory:
    anything: [1, 2]
logging:
  level: info
nonsense: true
`
	env := []string{"OPERATIONSAPI_NETWORK_PROT=1", "OPERATIONSAPI_NETWORK_HOST=127.0.0.1", "THREADS_COUNT=4",
		"HTTP_PROXY=http://proxy", "PATH=/bin", `HARPER_DEFAULT_CONFIG={"loging":{"level":"info"}}`}
	c := testConfig(t, file, env, nil)
	var got []string
	for _, w := range c.Warnings() {
		got = append(got, w.String())
	}
	path := c.FilePath()
	want := []string{
		"loging (HARPER_DEFAULT_CONFIG): " + ReasonUnknownKey,
		"families.records.batchSize (" + path + "): " + ReasonUnknownKey,
		"families.inventory (" + path + "): " + ReasonNoSuchFamily,
		"http.port (" + path + "): " + ReasonNotImplemented,
		"nonsense (" + path + "): " + ReasonUnknownKey,
		"operationsApi.network.prot (" + path + "): " + ReasonUnknownKey,
		"OPERATIONSAPI_NETWORK_PROT (environment): " + ReasonUnknownKey,
		"THREADS_COUNT (environment): " + ReasonNotImplemented,
	}
	// Sorted by source, then key.
	if !reflect.DeepEqual(sortedCopy(got), sortedCopy(want)) {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if c.Int("operationsApi.network.port") != 9925 {
		t.Error("a file with warnings did not load its good keys")
	}
	if c.Exists("threads.count") {
		t.Error("a not-implemented environment variable was loaded")
	}
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// The defaults and the examples hold only keys that act.
func TestDefaultsAndExamplesHoldOnlyActingKeys(t *testing.T) {
	files, _ := filepath.Glob("../../configs/examples/*.yaml")
	for _, f := range append(files, "../../configs/defaults.yaml") {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := yaml.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if ws, ps := known.walkLayer(f, m); len(ws) > 0 || len(ps) > 0 {
			t.Errorf("%s: %v %v", f, ws, ps)
		}
	}
	// Every acting key is listed, and every listed key of hops' own is acting.
	for path := range acting {
		if _, ok := known.byPath[path]; !ok {
			t.Errorf("acting key %q is not in the key table", path)
		}
	}
	for _, k := range hopsKeys {
		if !known.acts(k.Path) {
			t.Errorf("hops key %q does not act", k.Path)
		}
	}
}

// An empty or null section is the same as an absent one: the defaults
// under it hold (operationsApi: with its children commented out keeps the
// host on 127.0.0.1).
func TestEmptySectionKeepsDefaults(t *testing.T) {
	for _, file := range []string{
		"operationsApi:\n#  network:\n#    host: 0.0.0.0\n",
		"operationsApi:\n  network:\n",
		"operationsApi: {}\n",
		"operationsApi:\n  network:\n    host:\n",
		"operationsApi:\n  network:\n    host: ''\n",
	} {
		c := testConfig(t, file, nil, nil)
		if got := c.String("operationsApi.network.host"); got != DefaultHost {
			t.Errorf("%q: host = %q, want %s", file, got, DefaultHost)
		}
		if got := c.Int("operationsApi.network.port"); got != 9925 {
			t.Errorf("%q: port = %d, want the default 9925", file, got)
		}
		if len(c.Warnings()) > 0 {
			t.Errorf("%q: warnings %v", file, c.Warnings())
		}
	}
	c := testConfig(t, "logging:\nfamilies:\n  status:\n", nil, nil)
	if c.String("logging.level") != "info" || c.Int("families.status.maxProcs") != 1 {
		t.Errorf("null sections replaced defaults: level %q, status maxProcs %d", c.String("logging.level"), c.Int("families.status.maxProcs"))
	}
}

// HarperDB's layers: HARPER_DEFAULT_CONFIG under the file, the environment
// over the file, flags over the environment, HARPER_SET_CONFIG over all;
// HDB_CONFIG names the file.
func TestHarperLayersPrecedence(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "elsewhere.yaml")
	if err := os.WriteFile(other, []byte("logging:\n  level: warn\nauthentication:\n  cacheTTL: 5s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"HDB_CONFIG=" + other,
		`HARPER_DEFAULT_CONFIG={"logging":{"level":"debug","format":"json"},"authentication":{"cacheTTL":1000,"operationTokenTimeout":"2h"}}`,
		"AUTHENTICATION_CACHETTL=7s",
		`HARPER_SET_CONFIG={"operationsApi":{"network":{"port":9999}}}`,
	}
	c := testConfig(t, "logging:\n  level: error\n", env, map[string]any{"OPERATIONSAPI_NETWORK_PORT": "9001", "supervisor.pingInterval": "3s"})
	if c.FilePath() != other {
		t.Errorf("FilePath = %s, want HDB_CONFIG's %s", c.FilePath(), other)
	}
	checks := map[string][2]any{
		"logging.level (file over default config)":      {c.String("logging.level"), "warn"},
		"logging.format (default config over defaults)": {c.String("logging.format"), "json"},
		"operationTokenTimeout (default config)":        {c.Duration("authentication.operationTokenTimeout").String(), "2h0m0s"},
		"cacheTTL (environment over file)":              {c.Duration("authentication.cacheTTL").String(), "7s"},
		"port (HARPER_SET_CONFIG over flags)":           {c.Int("operationsApi.network.port"), 9999},
		"pingInterval (flag)":                           {c.Duration("supervisor.pingInterval").String(), "3s"},
	}
	for name, got := range checks {
		if got[0] != got[1] {
			t.Errorf("%s = %v, want %v", name, got[0], got[1])
		}
	}
	_, err := tryConfig(t, "", []string{`HARPER_SET_CONFIG={"logging":`}, nil)
	if err == nil || !strings.Contains(err.Error(), EnvSetConfig) {
		t.Errorf("malformed HARPER_SET_CONFIG: %v", err)
	}
}

// A rootPath in the file that is not the root in use is reported.
func TestRootPathInFileIsReported(t *testing.T) {
	c := testConfig(t, "rootPath: /somewhere/else\n", nil, nil)
	ws := c.Warnings()
	if len(ws) != 1 || ws[0].Key != rootPathKey || !strings.Contains(ws[0].Reason, c.RootPath()) {
		t.Errorf("warnings = %v", ws)
	}
	if c := testConfig(t, "", nil, nil); len(c.Warnings()) != 0 {
		t.Errorf("no file: warnings %v", c.Warnings())
	}
}

// Check is what `hops config check` runs: the warnings a start would log,
// and the start-time checks (a certificate without its key).
func TestCheck(t *testing.T) {
	root := t.TempDir()
	t.Setenv("ROOTPATH", "")
	t.Setenv("HDB_CONFIG", "")
	t.Setenv("HARPER_SET_CONFIG", "")
	t.Setenv("HARPER_DEFAULT_CONFIG", "")
	if err := os.WriteFile(filepath.Join(root, FileName), []byte("loging:\n  level: info\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ws, err := Check(root)
	if err != nil || len(ws) != 1 || ws[0].Key != "loging" {
		t.Errorf("Check = %v, %v", ws, err)
	}
	t.Setenv("OPERATIONSAPI_NETWORK_PORTT", "1")
	if ws, _ := Check(root); len(ws) != 2 {
		t.Errorf("an unknown variable was not reported: %v", ws)
	}
	if err := os.WriteFile(filepath.Join(root, FileName), []byte("tls:\n  certificate: /no/cert.pem\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Check(root)
	var le *LoadError
	if !errors.As(err, &le) || !strings.Contains(err.Error(), "tls.certificate: is set but tls.privateKey is not") {
		t.Errorf("Check with half a pair = %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, BackupDir)); !os.IsNotExist(err) {
		t.Error("Check wrote to the root")
	}
}

// operationsApi.tls overrides tls for the operations API, as in HarperDB.
func TestTLSFiles(t *testing.T) {
	c := testConfig(t, "tls:\n  certificate: /a/cert.pem\n  privateKey: /a/key.pem\n", nil, nil)
	if cert, key, ca := c.TLSFiles(); cert != "/a/cert.pem" || key != "/a/key.pem" || ca != "" {
		t.Errorf("tls: %q %q %q", cert, key, ca)
	}
	c = testConfig(t, "tls:\n  certificate: /a/cert.pem\n  privateKey: /a/key.pem\noperationsApi:\n  tls:\n    certificate: /b/cert.pem\n    privateKey: /b/key.pem\n    certificateAuthority: /b/ca.pem\n", nil, nil)
	if cert, key, ca := c.TLSFiles(); cert != "/b/cert.pem" || key != "/b/key.pem" || ca != "/b/ca.pem" {
		t.Errorf("operationsApi.tls: %q %q %q", cert, key, ca)
	}
	if ws := c.Warnings(); len(ws) != 1 || ws[0].Key != "operationsApi.tls.certificate" || ws[0].Reason != ReasonTLSUnused {
		t.Errorf("certificate without securePort: warnings %v", ws)
	}
	c = testConfig(t, "tls:\n  certificate: /a/cert.pem\n  privateKey: /a/key.pem\n", []string{"OPERATIONSAPI_NETWORK_SECUREPORT=9443"}, nil)
	if ws := c.Warnings(); len(ws) != 0 {
		t.Errorf("certificate with securePort: warnings %v", ws)
	}
	if cert, _, _ := testConfig(t, "", nil, nil).TLSFiles(); cert != "" {
		t.Errorf("defaults name a certificate: %q", cert)
	}
}

// A plugin family's section is free-form when a plugins entry has its
// name (in any layer); without one nothing would read it, and it is
// reported.
func TestPluginSectionNeedsAPlugin(t *testing.T) {
	file := "plugins:\n  - name: inventory\n    path: /opt/inventory\nfamilies:\n  inventory:\n    anything: [1]\n  recods:\n    noSync: true\n"
	c := testConfig(t, file, nil, nil)
	ws := c.Warnings()
	if len(ws) != 1 || ws[0].Key != "families.recods" || ws[0].Reason != ReasonNoSuchFamily {
		t.Errorf("warnings = %v, want families.recods only", ws)
	}
}
