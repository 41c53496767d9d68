package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
		"supervisor_pingInterval":  "2s",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.NewReplacer(
		"    enabled: true\n", "    enabled: true\n    maxSize: 10M\n  stdStreams: false\n",
		"    host: '127.0.0.1'\n", "    host: '127.0.0.1'\nsupervisor:\n  pingInterval: 2s\n",
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
		{"nested object is not a flat key", map[string]any{"logging": map[string]any{"level": "error"}}, "logging", "is a section: set its keys one by one"},
		{"bool as string", map[string]any{"logging_rotation_enabled": "maybe"}, "logging_rotation_enabled", ReasonNotBool},
		{"bool as word", map[string]any{"logging_file": "true"}, "logging_file", ReasonNotBool},
		{"enum case", map[string]any{"logging_level": "Info"}, "logging_level", "must be one of [trace, debug, info, warn, error, fatal, notify]"},
		{"port as string", map[string]any{"operationsApi_network_port": "9925"}, "operationsApi_network_port", ReasonNotPort},
		{"port out of range", map[string]any{"operationsApi_network_securePort": float64(70000)}, "operationsApi_network_securePort", ReasonNotPort},
		{"fractional int", map[string]any{"operationsApi_network_maxRequestBodySize": 1.5}, "operationsApi_network_maxRequestBodySize", ReasonNotInt},
		{"range", map[string]any{"families_status_maxProcs": float64(5000)}, "families_status_maxProcs", "must be between 1 and 1024"},
		{"not implemented", map[string]any{"http_port": float64(9926)}, "http_port", ReasonNotImplemented},
		{"not implemented alias", map[string]any{"disable_transaction_log": true}, "disable_transaction_log", ReasonNotImplemented},
		{"unknown key in a builtin family", map[string]any{"families_records_batchSize": float64(3)}, "families_records_batchSize", ReasonUnknownKey},
		{"bad builtin family value", map[string]any{"families_records_noSync": "yes"}, "families_records_noSync", ReasonNotBool},
		{"bad export endpoint", map[string]any{"families_export_s3_endpoint": "ftp://x"}, "families_export_s3_endpoint", ReasonNotHTTPURL},
		{"bad size", map[string]any{"logging_rotation_maxSize": "12 parsecs"}, "logging_rotation_maxSize", ReasonSize},
		{"too deep", map[string]any{"families_inventory_x": nested(maxSetDepth + 1)}, "families_inventory_x", "nests deeper than 32 levels"},
		{"too large", map[string]any{"families_inventory_x": strings.Repeat("a", maxSetBytes)}, "set_configuration", "the request's values exceed"},
		{"half a certificate pair", map[string]any{"tls_certificate": "/nonexistent/cert.pem"}, "tls_certificate", "is set but tls.privateKey is not"},
		{"missing certificate files", map[string]any{"tls_certificate": "/nonexistent/cert.pem", "tls_privateKey": "/nonexistent/key.pem"}, "tls_certificate", "open /nonexistent/cert.pem"},
		{"bad duration", map[string]any{"authentication_cacheTTL": "soon"}, "authentication_cacheTTL", ReasonNotDuration},
		{"null bool", map[string]any{"logging_file": nil}, "logging_file", ReasonNull},
		{"list", map[string]any{"replication_routes": "a"}, "replication_routes", ReasonNotList},
		{"plugins", map[string]any{"plugins": []any{map[string]any{"name": "p", "path": "/p"}}}, "plugins", ReasonPluginsFileOnly},
		{"route shape", map[string]any{"replication_routes": []any{float64(3)}}, "replication_routes", "entry 0: " + ReasonRouteShape},
		{"route object without host", map[string]any{"replication_routes": []any{map[string]any{"port": float64(9933)}}}, "replication_routes", "entry 0: " + ReasonRouteShape},
		{"route port", map[string]any{"replication_routes": []any{"a:1", map[string]any{"hostname": "b", "port": float64(0)}}}, "replication_routes", "entry 1: " + ReasonRoutePort},
		{"route host", map[string]any{"replication_routes": []any{"a:1", "[::1]:2", "nats-route://c:3", "::::"}}, "replication_routes", "entry 3: " + ReasonRouteHost},
		{"route object host", map[string]any{"replication_routes": []any{map[string]any{"hostname": "a b"}}}, "replication_routes", "entry 0: " + ReasonRouteHost},
		{"databases", map[string]any{"replication_databases": "all"}, "replication_databases", ReasonDatabasesShape},
		{"route URL with a path", map[string]any{"replication_routes": []any{"wss://a:9933/", "nats-route://b:9933/cluster"}}, "replication_routes", "entry 1: " + ReasonRouteURL},
		{"route URL with a user", map[string]any{"replication_routes": []any{"nats-route://u:p@b:9933"}}, "replication_routes", "entry 0: " + ReasonRouteURL},
		{"node name", map[string]any{"replication_hostname": "node a/1"}, "replication_hostname", ReasonNodeName},
		{"cluster port clash", map[string]any{"replication_securePort": float64(9925)}, "replication.securePort", "is also operationsApi.network.port"},
		{"section as an object", map[string]any{"replication": map[string]any{"port": 1.0}}, "replication", "is a section: set its keys one by one, flat (for example replication_databases)"},
		{"unknown-key section as an object", map[string]any{"Logging": map[string]any{"level": "warn"}}, "Logging", "is a section: set its keys one by one, flat (for example logging_accessLog)"},
		{"rootPath", map[string]any{"hdb_root": "/x"}, "hdb_root", ReasonRootPath},
		{"redaction placeholder", map[string]any{"tls_privateKey": Redacted}, "tls_privateKey", ReasonRedacted},
		{"alias conflict", map[string]any{"log_level": "warn", "logging_level": "error"}, "logging_level", `sets the same key as "log_level"`},
		{"no listener", map[string]any{"operationsApi_network_port": nil}, "operationsApi.network.port", ReasonNoListener},
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
			named := false
			for _, p := range se.Problems {
				named = named || (p.Key == tc.key && strings.Contains(p.Reason, tc.reason))
			}
			if want := tc.key + ": " + tc.reason; !named && !strings.Contains(err.Error(), want) {
				t.Errorf("error %q (problems %+v) does not name %q", err, se.Problems, want)
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
	if len(entries) != 2 || entries[0].Name() != BackupDir || entries[1].Name() != FileName {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("rootPath holds %v, want only %s and %s (no temp files)", names, BackupDir, FileName)
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
	if err := c.Set(map[string]any{"log_level": "warn", "server_timeout_ms": float64(5000)}); err != nil {
		t.Fatal(err)
	}
	if !c.PendingRestart() {
		t.Error("PendingRestart is false after Set")
	}
	if c.String("logging.level") != "info" || c.Duration("operationsApi.network.timeout") != 120*time.Second {
		t.Error("Set changed the running values")
	}
	logging := c.Effective()["logging"].(map[string]any)
	if logging["level"] != "warn" {
		t.Errorf("Effective after Set: level %v, want warn", logging["level"])
	}
	if err := c.Reload(); err != nil {
		t.Fatal(err)
	}
	if c.PendingRestart() || c.String("logging.level") != "warn" || c.Duration("operationsApi.network.timeout") != 5*time.Second {
		t.Errorf("after Reload: pending %v level %q timeout %v", c.PendingRestart(), c.String("logging.level"), c.Duration("operationsApi.network.timeout"))
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

// Keys inside a plugin family's section can be set once the file holds
// them; a builtin family's keys are listed and always can.
func TestSetFamilySection(t *testing.T) {
	c := testConfig(t, "families:\n  inventory:\n    batchSize: 10\n", nil, nil)
	err := c.Set(map[string]any{"families_inventory_batchsize": float64(20), "families_records_noSync": true})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Reload(); err != nil {
		t.Fatal(err)
	}
	// maxProcs and deleteBatch come from the embedded defaults, under the file's keys.
	for path, want := range map[string]string{"families.inventory": `{"batchSize":20}`, "families.records": `{"deleteBatch":10000,"load":{"allowedURLs":[]},"maxProcs":null,"noSync":true}`} {
		if got, err := c.SectionJSON(path); err != nil || string(got) != want {
			t.Errorf("SectionJSON(%s) = %s (%v), want %s", path, got, err, want)
		}
	}
}

// nested returns a value n levels of objects deep.
func nested(n int) any {
	var v any = "leaf"
	for range n {
		v = map[string]any{"a": v}
	}
	return v
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

// Each Set keeps the file it replaces under <rootPath>/backup/, named
// with a HarperDB-style UTC stamp, mode 0600.
func TestSetKeepsABackup(t *testing.T) {
	c := testConfig(t, userFile, nil, nil)
	for _, level := range []string{"warn", "error"} {
		if err := c.Set(map[string]any{"logging_level": level}); err != nil {
			t.Fatal(err)
		}
	}
	files, err := filepath.Glob(filepath.Join(c.RootPath(), BackupDir, "*-"+FileName+".bak"))
	if err != nil || len(files) != 2 {
		t.Fatalf("backups = %v (%v), want 2", files, err)
	}
	first, err := os.ReadFile(files[0])
	if err != nil || string(first) != userFile {
		t.Errorf("first backup = %q (%v), want the original file", first, err)
	}
	second, _ := os.ReadFile(files[1])
	if !strings.Contains(string(second), "level: warn") {
		t.Errorf("second backup holds %q, want the file as the first Set left it", second)
	}
	if info, err := os.Stat(files[0]); err != nil || info.Mode().Perm() != fileMode {
		t.Errorf("backup mode %v (%v), want %v", info.Mode().Perm(), err, fileMode)
	}
	name := filepath.Base(files[0])
	if _, err := time.Parse(backupTimeLayout, strings.TrimSuffix(name, "-"+FileName+".bak")); err != nil {
		t.Errorf("backup name %q: %v", name, err)
	}
}

// A stale temporary file from an interrupted write is removed at start.
func TestEnsureFileRemovesStaleTemps(t *testing.T) {
	c := testConfig(t, userFile, nil, nil)
	stale := filepath.Join(c.RootPath(), "."+FileName+".tmp-123456")
	if err := os.WriteFile(stale, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := c.EnsureFile(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale temp file still there (%v)", err)
	}
}

// logging.root and rootPath-relative folders must be creatable: a value
// that would stop the next start is refused, and nothing is written.
func TestSetRefusesUnwritablePaths(t *testing.T) {
	c := testConfig(t, userFile, nil, nil)
	file := filepath.Join(c.RootPath(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{file + "/logs", "/dev/null/x"} {
		err := c.Set(map[string]any{"logging_root": dir})
		if err == nil || !strings.Contains(err.Error(), "logging_root: is not a directory hops can create or write") {
			t.Errorf("logging_root %q: error %v", dir, err)
		}
	}
	if got := readConfigFile(t, c); got != userFile {
		t.Errorf("file changed:\n%s", got)
	}
	if err := c.Set(map[string]any{"logging_root": filepath.Join(c.RootPath(), "new", "logs")}); err != nil {
		t.Errorf("a creatable logging_root was refused: %v", err)
	}
}

// A refused value of one of HarperDB's own keys is worded as HarperDB 4.7
// words it (Joi's messages, the dotted path, joined by ". "); a problem
// with a hops key, or one Joi would not see, keeps hops' wording, which
// names the key as the caller wrote it.
func TestSetErrorInHarperDBWords(t *testing.T) {
	c := testConfig(t, userFile, nil, nil)
	err := c.Set(map[string]any{"logging_level": "loud", "LOGGING_ROTATION_ENABLED": "maybe"})
	want := "HarperDB config file validation error: 'logging.rotation.enabled' must be a boolean. " +
		"'logging.level' must be one of [trace, debug, info, warn, error, fatal, notify]"
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v\nwant    %s", err, want)
	}
	err = c.Set(map[string]any{"operationsApi_network_maxRequestBodySize": 1.5})
	if err == nil || err.Error() != "HarperDB config file validation error: 'operationsApi.network.maxRequestBodySize' must be an integer" {
		t.Fatalf("integer: %v", err)
	}
	err = c.Set(map[string]any{"families_records_noSync": "yes"})
	if err == nil || !strings.HasPrefix(err.Error(), SetErrorPrefix+": families_records_noSync: ") {
		t.Fatalf("hops key: %v", err)
	}
	if got := readConfigFile(t, c); got != userFile {
		t.Errorf("file changed:\n%s", got)
	}
}
