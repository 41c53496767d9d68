package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hops-dev/hops/configs"
	"gopkg.in/yaml.v3"
)

func TestKeyTables(t *testing.T) {
	if len(harperKeys) != harperCanonicalCount {
		t.Errorf("harperKeys has %d keys, want %d", len(harperKeys), harperCanonicalCount)
	}
	if _, err := newIndex(Keys(), legacyAliases); err != nil {
		t.Fatal(err)
	}
	// The index must refuse the mistakes mustIndex guards against.
	dup := []Key{key("logging_level", KindString), {Path: "LOGGING.level", Kind: KindString}}
	if _, err := newIndex(dup, nil); err == nil {
		t.Error("a case-insensitive duplicate was accepted")
	}
	if _, err := newIndex(Keys(), map[string]string{"logging_LEVEL": "logging_level"}); err == nil {
		t.Error("an alias shadowing a canonical name was accepted")
	}
	if _, err := newIndex(Keys(), map[string]string{"x": "no_such"}); err == nil {
		t.Error("an alias to an unknown key was accepted")
	}
}

func TestAliasesResolve(t *testing.T) {
	cases := map[string]string{
		"hdb_root":                "rootPath",
		"log_level":               "logging.level",
		"LOG_LEVEL_KEY":           "logging.level",
		"server_port":             "operationsApi.network.port",
		"private_key":             "tls.privateKey",
		"clustering":              "clustering.enabled",
		"disable_transaction_log": "logging.auditLog",
		"customfunctions_tls":     "tls",
		"max_hdb_processes":       "threads.count",
		"operationsapi_root":      "rootPath",
		// canonical names, any case
		"OPERATIONSAPI_NETWORK_PORT": "operationsApi.network.port",
		"authentication_cachettl":    "authentication.cacheTTL",
		"threads":                    "threads",
		"componentsroot":             "componentsRoot",
	}
	for name, want := range cases {
		if got, ok := known.flat(name, nil); !ok || got != want {
			t.Errorf("flat(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
	if len(known.aliases) != len(legacyAliases) {
		t.Errorf("%d aliases indexed, %d listed", len(known.aliases), len(legacyAliases))
	}
}

// Every key in defaults.yaml must be known (a typo there would silently never
// be read), and the defaults must load with no problem.
func TestDefaultsAreKnownKeys(t *testing.T) {
	var doc map[string]any
	if err := yaml.Unmarshal(configs.Defaults, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for name, v := range m {
			path := joinPath(prefix, name)
			k, ok := known.key(path)
			sub, isMap := v.(map[string]any)
			switch {
			case isMap && !(ok && k.open()):
				walk(path, sub) // a section: its keys are checked
			case !ok:
				t.Errorf("defaults.yaml key %q is not in the key table", path)
			}
		}
	}
	walk("", doc)
	if problems := checkLayer("defaults", mustLayer(t, configs.Defaults)); len(problems) > 0 {
		t.Errorf("defaults.yaml: %v", problems)
	}
}

func TestExamplesLoad(t *testing.T) {
	files, err := filepath.Glob("../../configs/examples/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples found (%v)", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			c := testConfig(t, string(b), nil, nil)
			if strings.Contains(f, "production") {
				ps, err := c.Plugins()
				if err != nil || len(ps) != 1 || ps[0].Name != "inventory" || len(ps[0].Env) != 2 {
					t.Errorf("plugins = %+v, %v", ps, err)
				}
				if c.Exists("operationsApi.network.port") || c.Int("operationsApi.network.securePort") != 9925 {
					t.Error("production example ports not loaded")
				}
			}
		})
	}
}
