package config

import (
	"os"
	"path/filepath"
	"testing"

	kyaml "github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/rawbytes"
	"github.com/knadh/koanf/v2"
)

// testConfig creates a rootPath in a temp dir, writes file there when it is
// not empty, and loads a Config with the given environment and flags.
func testConfig(t testing.TB, file string, env []string, flags map[string]any) *Config {
	t.Helper()
	c, err := tryConfig(t, file, env, flags)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func tryConfig(t testing.TB, file string, env []string, flags map[string]any) (*Config, error) {
	t.Helper()
	root := t.TempDir()
	if file != "" {
		if err := os.WriteFile(filepath.Join(root, FileName), []byte(file), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	all := map[string]any{"rootPath": root}
	for k, v := range flags {
		all[k] = v
	}
	return New(Options{Flags: all, Environ: func() []string { return env }})
}

func readConfigFile(t *testing.T, c *Config) string {
	t.Helper()
	b, err := os.ReadFile(c.FilePath())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustLayer(t *testing.T, b []byte) *koanf.Koanf {
	t.Helper()
	ko := koanf.New(".")
	if err := ko.Load(rawbytes.Provider(b), kyaml.Parser()); err != nil {
		t.Fatal(err)
	}
	return ko
}
