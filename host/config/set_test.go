package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// userFile is a hand-written config with comments, blank lines, odd spacing
// and quoting, all of which Set must leave alone.
const userFile = `# my hops config
rootPath: /somewhere   # informational

logging:
  # be quiet
  level: info      # was debug
  rotation:
    enabled: true

operationsApi:
  network:
    port: 9925
    host: '127.0.0.1'

# trailing notes
`

func TestSetMixedCaseKeysEditOnlyTheirLines(t *testing.T) {
	c := testConfig(t, userFile, nil, nil)
	err := c.Set(map[string]any{
		"operation":                  "set_configuration",
		"LOGGING_LEVEL":              "warn",
		"Logging_Rotation_Enabled":   false,
		"operationsApi_network_port": float64(9100),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.NewReplacer(
		"level: info      # was debug", "level: warn      # was debug",
		"enabled: true", "enabled: false",
		"port: 9925", "port: 9100",
	).Replace(userFile)
	if got := readConfigFile(t, c); got != want {
		t.Errorf("file after Set:\n%s\nwant:\n%s", got, want)
	}
}

func TestSetInsertsNewKeysInTheirSection(t *testing.T) {
	c := testConfig(t, userFile, nil, nil)
	err := c.Set(map[string]any{
		"logging_rotation_maxSize": "10M",
		"logging_stdStreams":       false,
		"mqtt_network_port":        float64(1883),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.NewReplacer(
		"    enabled: true\n", "    enabled: true\n    maxSize: 10M\n  stdStreams: false\n",
		"    host: '127.0.0.1'\n", "    host: '127.0.0.1'\nmqtt:\n  network:\n    port: 1883\n",
	).Replace(userFile)
	if got := readConfigFile(t, c); got != want {
		t.Errorf("file after Set:\n%s\nwant:\n%s", got, want)
	}
}

func TestSetRejectsBadInputAndWritesNothing(t *testing.T) {
	cases := []struct {
		name   string
		body   map[string]any
		key    string
		reason string
	}{
		{"unknown key", map[string]any{"conf_nosuch_key": "x"}, "conf_nosuch_key", ReasonUnknownKey},
		{"nested object is not a flat key", map[string]any{"logging": map[string]any{"level": "error"}}, "logging", ReasonUnknownKey},
		{"bool as string", map[string]any{"logging_rotation_enabled": "maybe"}, "logging_rotation_enabled", ReasonNotBool},
		{"bool as word", map[string]any{"logging_file": "true"}, "logging_file", ReasonNotBool},
		{"enum case", map[string]any{"logging_level": "Info"}, "logging_level", "must be one of [trace, debug, info, warn, error, fatal, notify]"},
		{"port as string", map[string]any{"operationsApi_network_port": "9925"}, "operationsApi_network_port", ReasonNotPort},
		{"port out of range", map[string]any{"http_port": float64(70000)}, "http_port", ReasonNotPort},
		{"fractional int", map[string]any{"analytics_aggregatePeriod": 1.5}, "analytics_aggregatePeriod", ReasonNotInt},
		{"threads range", map[string]any{"threads_count": float64(5000)}, "threads_count", "must be between 0 and 1000"},
		{"bad duration", map[string]any{"authentication_cacheTTL": "soon"}, "authentication_cacheTTL", ReasonNotDuration},
		{"null bool", map[string]any{"logging_file": nil}, "logging_file", ReasonNull},
		{"list", map[string]any{"replication_routes": "a"}, "replication_routes", ReasonNotList},
		{"plugin sha", map[string]any{"plugins": []any{map[string]any{"name": "p", "path": "/p", "sha256": "abc"}}}, "plugins", `entry "p": ` + ReasonPluginSHA256},
		{"rootPath", map[string]any{"hdb_root": "/x"}, "hdb_root", ReasonRootPath},
		{"redaction placeholder", map[string]any{"tls_privateKey": Redacted}, "tls_privateKey", ReasonRedacted},
		{"alias conflict", map[string]any{"log_level": "warn", "logging_level": "error"}, "logging_level", `sets the same key as "log_level"`},
		{"port clash", map[string]any{"operationsApi_network_securePort": float64(9925)}, "operationsApi.network.securePort", ReasonPortClash},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := testConfig(t, userFile, nil, nil)
			err := c.Set(tc.body)
			var se *SetError
			if !errors.As(err, &se) {
				t.Fatalf("Set error = %v, want *SetError", err)
			}
			if want := tc.key + ": " + tc.reason; !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not contain %q", err, want)
			}
			if got := readConfigFile(t, c); got != userFile {
				t.Errorf("file changed:\n%s", got)
			}
			if c.PendingRestart() {
				t.Error("PendingRestart after a refused Set")
			}
		})
	}
}

// The message users see is pinned: prefix, keys in order, reasons.
func TestSetErrorNamesEveryBadKey(t *testing.T) {
	c := testConfig(t, userFile, nil, nil)
	err := c.Set(map[string]any{
		"logging_level":            "loud",
		"conf_nosuch_key":          "x",
		"logging_rotation_enabled": "maybe",
		"logging_stdStreams":       false, // valid, but must not be written either
	})
	want := "Config validation error: conf_nosuch_key: unknown configuration key; " +
		"logging_level: must be one of [trace, debug, info, warn, error, fatal, notify]; " +
		"logging_rotation_enabled: must be a boolean (true or false)"
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v\nwant    %s", err, want)
	}
	if got := readConfigFile(t, c); got != userFile {
		t.Errorf("file changed:\n%s", got)
	}
}

func TestSetNeverWritesEnvironmentOrFlags(t *testing.T) {
	c := testConfig(t, userFile, []string{"LOGGING_LEVEL=trace", "LOGGING_ROTATION_MAXSIZE=99M"},
		map[string]any{"operationsApi.network.port": "9300"})
	if err := c.Set(map[string]any{"logging_rotation_enabled": false}); err != nil {
		t.Fatal(err)
	}
	got := readConfigFile(t, c)
	want := strings.Replace(userFile, "enabled: true", "enabled: false", 1)
	if got != want {
		t.Errorf("file after Set:\n%s\nwant:\n%s", got, want)
	}
	for _, leaked := range []string{"trace", "99M", "9300"} {
		if strings.Contains(got, leaked) {
			t.Errorf("override %q was written to the file", leaked)
		}
	}
}

func TestSetWritesAtomically(t *testing.T) {
	c := testConfig(t, userFile, nil, nil)
	if err := os.Chmod(c.FilePath(), 0o640); err != nil {
		t.Fatal(err)
	}
	for _, level := range []string{"warn", "error", "info"} {
		if err := c.Set(map[string]any{"logging_level": level}); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(c.RootPath())
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != FileName {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("rootPath holds %v, want only %s (no temp files)", names, FileName)
	}
	if info, err := os.Stat(c.FilePath()); err != nil || info.Mode().Perm() != 0o640 {
		t.Errorf("mode after Set = %v (%v), want 0640 kept", info.Mode().Perm(), err)
	}
}

func TestSetEmptyWritesNothing(t *testing.T) {
	c := testConfig(t, "", nil, nil)
	for _, body := range []map[string]any{nil, {"operation": "set_configuration"}} {
		if err := c.Set(body); err != nil {
			t.Fatalf("Set(%v) = %v", body, err)
		}
	}
	if _, err := os.Stat(c.FilePath()); !os.IsNotExist(err) {
		t.Errorf("an empty Set created the file (%v)", err)
	}
	if c.PendingRestart() {
		t.Error("PendingRestart after an empty Set")
	}
}

func TestSetLeavesRunningValuesUntilReload(t *testing.T) {
	c := testConfig(t, userFile, nil, nil)
	if err := c.Set(map[string]any{"log_level": "warn", "disable_transaction_log": true}); err != nil {
		t.Fatal(err)
	}
	if !c.PendingRestart() {
		t.Error("PendingRestart is false after Set")
	}
	if c.String("logging.level") != "info" || c.Bool("logging.auditLog") {
		t.Error("Set changed the running values")
	}
	logging := c.Effective()["logging"].(map[string]any)
	if logging["level"] != "warn" || logging["auditLog"] != true {
		t.Errorf("Effective after Set: level %v auditLog %v, want warn true", logging["level"], logging["auditLog"])
	}
	if err := c.Reload(); err != nil {
		t.Fatal(err)
	}
	if c.PendingRestart() || c.String("logging.level") != "warn" || !c.Bool("logging.auditLog") {
		t.Errorf("after Reload: pending %v level %q auditLog %v", c.PendingRestart(), c.String("logging.level"), c.Bool("logging.auditLog"))
	}
}

func TestSetCreatesMissingFileFromDefaults(t *testing.T) {
	c := testConfig(t, "", nil, nil)
	if err := c.Set(map[string]any{"logging_level": "warn"}); err != nil {
		t.Fatal(err)
	}
	got := readConfigFile(t, c)
	if !strings.Contains(got, "# hops configuration file.") || !strings.Contains(got, "\n  level: warn\n") ||
		!strings.Contains(got, "\nrootPath: "+c.RootPath()+"\n") {
		t.Errorf("created file:\n%s", got)
	}
}

// Keys inside a family's section can be set once the file holds them; a
// whole section can always be replaced.
func TestSetFamilySection(t *testing.T) {
	c := testConfig(t, "families:\n  records:\n    batchSize: 10\n", nil, nil)
	err := c.Set(map[string]any{"families_records_batchsize": float64(20), "families_status": map[string]any{"ttl": "1h"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Reload(); err != nil {
		t.Fatal(err)
	}
	// maxProcs comes from the embedded defaults, under the file's keys.
	for path, want := range map[string]string{"families.records": `{"batchSize":20,"maxProcs":null}`, "families.status": `{"maxProcs":1,"ttl":"1h"}`} {
		if got, err := c.SectionJSON(path); err != nil || string(got) != want {
			t.Errorf("SectionJSON(%s) = %s (%v), want %s", path, got, err, want)
		}
	}
}

// families.<name>.maxProcs is a whole number from 1, or null.
func TestSetFamilyMaxProcs(t *testing.T) {
	c := testConfig(t, "", nil, nil)
	if got := c.Int("families.status.maxProcs"); got != 1 {
		t.Errorf("default status maxProcs = %d, want 1", got)
	}
	if c.Exists("families.records.maxProcs") {
		t.Error("records maxProcs should default to null")
	}
	for _, bad := range []any{float64(0), float64(-2), float64(1.5), "two", float64(5000)} {
		if err := c.Set(map[string]any{"families_records_maxProcs": bad}); err == nil {
			t.Errorf("maxProcs %v accepted", bad)
		}
	}
	if err := c.Set(map[string]any{"families_records_maxProcs": float64(2), "families_status_maxProcs": nil}); err != nil {
		t.Fatal(err)
	}
	if err := c.Reload(); err != nil {
		t.Fatal(err)
	}
	if c.Int("families.records.maxProcs") != 2 || c.Exists("families.status.maxProcs") {
		t.Errorf("after set: records %d, status exists %v", c.Int("families.records.maxProcs"), c.Exists("families.status.maxProcs"))
	}
}

func TestEnsureFile(t *testing.T) {
	root := filepath.Join(t.TempDir(), "new", "root")
	c, err := New(Options{Flags: map[string]any{"rootPath": root}, Environ: func() []string { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	created, err := c.EnsureFile()
	if err != nil || !created {
		t.Fatalf("EnsureFile = %v, %v", created, err)
	}
	if info, err := os.Stat(root); err != nil || info.Mode().Perm() != dirMode {
		t.Errorf("rootPath mode = %v (%v)", info.Mode().Perm(), err)
	}
	first := readConfigFile(t, c)
	if !strings.Contains(first, "\nrootPath: "+root+"\n") {
		t.Errorf("rootPath not filled in:\n%s", first)
	}
	if err := c.Reload(); err != nil {
		t.Fatalf("the written file does not load: %v", err)
	}
	if created, err := c.EnsureFile(); err != nil || created {
		t.Errorf("second EnsureFile = %v, %v; want false, nil", created, err)
	}
	if readConfigFile(t, c) != first {
		t.Error("second EnsureFile rewrote the file")
	}
}
