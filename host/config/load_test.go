package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Each layer must beat the one below it, for an enum and for a number.
func TestLayersLaterWins(t *testing.T) {
	file := "logging:\n  level: warn\noperationsApi:\n  network:\n    port: 9001\n"
	cases := []struct {
		name      string
		file      string
		env       []string
		flags     map[string]any
		wantLevel string
		wantPort  int
	}{
		{"defaults", "", nil, nil, "info", 9925},
		{"file beats defaults", file, nil, nil, "warn", 9001},
		{"env beats file", file, []string{"LOGGING_LEVEL=error", "OPERATIONSAPI_NETWORK_PORT=9002"}, nil, "error", 9002},
		{"flag beats env", file, []string{"LOGGING_LEVEL=error", "OPERATIONSAPI_NETWORK_PORT=9002"},
			map[string]any{"logging.level": "fatal", "operationsApi.network.port": "9003"}, "fatal", 9003},
		{"typed flag", "", nil, map[string]any{"operationsApi.network.port": 9004}, "info", 9004},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := testConfig(t, tc.file, tc.env, tc.flags)
			if got := c.String("logging.level"); got != tc.wantLevel {
				t.Errorf("logging.level = %q, want %q", got, tc.wantLevel)
			}
			if got := c.Int("operationsApi.network.port"); got != tc.wantPort {
				t.Errorf("port = %d, want %d", got, tc.wantPort)
			}
		})
	}
}

func TestEnvironmentNames(t *testing.T) {
	c := testConfig(t, "", []string{
		"OPERATIONSAPI_NETWORK_PORT=9100",
		"AUTHENTICATION_CACHETTL=1500",
		"authentication_operationTokenTimeout=2h",
		"logging_rotation_enabled=FALSE",
		"LOGGING_LEVEL=DEBUG",
		"REPLICATION_ROUTES=a.example, b.example",
		"OPERATIONSAPI_NETWORK_SECUREPORT=null",
	}, nil)
	if got := c.Int("operationsApi.network.port"); got != 9100 {
		t.Errorf("port = %d", got)
	}
	if got := c.Duration("authentication.cacheTTL"); got != 1500*time.Millisecond {
		t.Errorf("cacheTTL = %v", got)
	}
	if got := c.Duration("authentication.operationTokenTimeout"); got != 2*time.Hour {
		t.Errorf("operationTokenTimeout = %v", got)
	}
	if c.Bool("logging.rotation.enabled") {
		t.Error("logging.rotation.enabled still true")
	}
	if got := c.String("logging.level"); got != "debug" {
		t.Errorf("level = %q (enum from env should be normalised)", got)
	}
	if got := c.Strings("replication.routes"); !reflect.DeepEqual(got, []string{"a.example", "b.example"}) {
		t.Errorf("routes = %q", got)
	}
	if c.Exists("operationsApi.network.securePort") {
		t.Error("securePort should be null")
	}
}

// Variables that are not config keys, legacy aliases and whole-block keys are
// ignored: the result equals a load with an empty environment.
func TestEnvironmentIgnoresOthers(t *testing.T) {
	plain := testConfig(t, "", nil, nil).Effective()
	noisy := testConfig(t, "", []string{
		"PATH=/usr/bin", "HOME=/root", "NODE_NAME=k8s-node-1", "LOG_LEVEL=trace",
		"TLS={\"certificate\":\"x\"}", "THREADS=4", "LOGGING_LEVEL=", "NOEQUALS",
	}, nil).Effective()
	delete(plain, "rootPath")
	delete(noisy, "rootPath")
	for _, m := range []map[string]any{plain, noisy} {
		delete(m["logging"].(map[string]any), "root")
		delete(m, "componentsRoot")
	}
	if !reflect.DeepEqual(plain, noisy) {
		t.Errorf("unrelated variables changed the configuration:\n%v\n%v", plain, noisy)
	}
}

func TestRootPathResolution(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	fromEnv, fromFlag := t.TempDir(), t.TempDir()
	c, err := New(Options{Environ: func() []string { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(home, "hops"); c.RootPath() != want {
		t.Errorf("default rootPath = %q, want %q", c.RootPath(), want)
	}
	c, err = New(Options{Environ: func() []string { return []string{"ROOTPATH=" + fromEnv} }})
	if err != nil || c.RootPath() != fromEnv {
		t.Fatalf("env rootPath = %q (%v), want %q", c.RootPath(), err, fromEnv)
	}
	c, err = New(Options{
		Environ: func() []string { return []string{"ROOTPATH=" + fromEnv} },
		Flags:   map[string]any{"rootPath": fromFlag},
	})
	if err != nil || c.RootPath() != fromFlag {
		t.Fatalf("flag rootPath = %q (%v), want %q", c.RootPath(), err, fromFlag)
	}
	if c.FilePath() != filepath.Join(fromFlag, FileName) {
		t.Errorf("FilePath = %q", c.FilePath())
	}
	// A rootPath written in the file cannot move the file.
	if err := os.WriteFile(c.FilePath(), []byte("rootPath: /elsewhere\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := c.Reload(); err != nil {
		t.Fatal(err)
	}
	if c.String("rootPath") != fromFlag {
		t.Errorf("rootPath from file won: %q", c.String("rootPath"))
	}
}

func TestDerivedDirectories(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	c := testConfig(t, "", nil, nil)
	if got, want := c.String("logging.root"), filepath.Join(c.RootPath(), "log"); got != want {
		t.Errorf("logging.root = %q, want %q", got, want)
	}
	if got, want := c.String("componentsRoot"), filepath.Join(c.RootPath(), "components"); got != want {
		t.Errorf("componentsRoot = %q, want %q", got, want)
	}
	c = testConfig(t, "logging:\n  root: ~/logs\n", nil, nil)
	if got, want := c.String("logging.root"), filepath.Join(home, "logs"); got != want {
		t.Errorf("logging.root = %q, want %q", got, want)
	}
}

func TestLoadErrorsNameTheKey(t *testing.T) {
	cases := []struct {
		name, file string
		env        []string
		flags      map[string]any
		want       string
	}{
		{"env enum", "", []string{"LOGGING_LEVEL=loud"}, nil, "LOGGING_LEVEL (environment): must be one of"},
		{"env bool", "", []string{"LOGGING_FILE=maybe"}, nil, "LOGGING_FILE (environment): " + ReasonNotBool},
		{"file port", "operationsApi:\n  network:\n    port: abc\n", nil, nil,
			FileName + "): " + ReasonNotPort},
		{"file plugin", "plugins:\n  - name: x\n", nil, nil, FileName + "): entry \"x\": " + ReasonPluginPath},
		{"plugin field typo", "plugins:\n  - name: x\n    path: /x\n    enviroment: [A]\n", nil, nil, `entry "x": "enviroment": ` + ReasonPluginField},
		{"flag unknown", "", nil, map[string]any{"nope.key": "1"}, "nope.key (flag): " + ReasonUnknownKey},
		{"flag int", "", nil, map[string]any{"authentication.cacheTTL": "many"}, "authentication.cacheTTL (flag): " + ReasonNotDuration},
		{"flag not implemented", "", nil, map[string]any{"THREADS_COUNT": "2"}, "THREADS_COUNT (flag): " + ReasonNotImplemented},
		{"scalar section", "operationsApi: 5\n", nil, nil, "operationsApi ("},
		{"HARPER_SET_CONFIG value", "", []string{`HARPER_SET_CONFIG={"logging":{"level":"loud"}}`}, nil, "logging.level (HARPER_SET_CONFIG): must be one of"},
		{"port clash", "operationsApi:\n  network:\n    securePort: 9925\n", nil, nil,
			"operationsApi.network.securePort: " + ReasonPortClash},
		{"node name", "replication:\n  hostname: node a\n", nil, nil, FileName + "): " + ReasonNodeName},
		{"cluster port is the API's", "replication:\n  port: 9925\n", nil, nil, "replication.port: is also operationsApi.network.port: the cluster port needs a port of its own"},
		{"cluster bind host", "families:\n  clustering:\n    host: \"0.0.0.0:9933\"\n", nil, nil, FileName + "): " + ReasonBindHost},
		{"route URL path", "replication:\n  routes: [\"nats-route://b:9933/x\"]\n", nil, nil, FileName + "): entry 0: " + ReasonRouteURL},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tryConfig(t, tc.file, tc.env, tc.flags)
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("error = %v, want *LoadError", err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), LoadErrorPrefix+": ") {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
	if _, err := tryConfig(t, "a: [unclosed\n", nil, nil); err == nil || !strings.Contains(err.Error(), FileName+": yaml:") {
		t.Errorf("malformed YAML: error = %v", err)
	}
}

func TestReload(t *testing.T) {
	c := testConfig(t, "logging:\n  level: warn\n", nil, nil)
	if err := os.WriteFile(c.FilePath(), []byte("logging:\n  level: error\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if c.String("logging.level") != "warn" {
		t.Fatal("the running config changed before Reload")
	}
	if err := c.Reload(); err != nil || c.String("logging.level") != "error" {
		t.Fatalf("after Reload level = %q (%v)", c.String("logging.level"), err)
	}
	if err := os.WriteFile(c.FilePath(), []byte("logging:\n  level: loud\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := c.Reload(); err == nil {
		t.Fatal("Reload accepted a bad file")
	}
	if c.String("logging.level") != "error" {
		t.Errorf("a failed Reload changed the running config to %q", c.String("logging.level"))
	}
}
