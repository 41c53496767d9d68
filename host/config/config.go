package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/hops-dev/hops/configs"
	"github.com/knadh/koanf/v2"
)

// FileName is the config file's name inside rootPath.
const FileName = "hops-config.yaml"

// DefaultRootPath is the rootPath used when neither the flag nor the
// ROOTPATH environment variable names one.
const DefaultRootPath = "~/hops"

// rootPathKey is the path of the rootPath key (and, upper-cased, its
// environment variable).
const rootPathKey = "rootPath"

// dirMode keeps rootPath private to the user running hops: it holds keys,
// users and the config file.
const dirMode = 0o700

// fileMode is the mode of a newly written config file: it may hold secrets.
const fileMode = 0o600

// Options configures New. The zero value is usable.
type Options struct {
	// Flags are command-line overrides keyed by dotted path ("rootPath",
	// "operationsApi.network.port"; matched case-insensitively). A string
	// value is converted to the key's type like an environment value; other
	// values are checked strictly. Flags beat every other layer and are never
	// written to the file. An unknown path is an error from New.
	Flags map[string]any
	// Environ returns the environment as NAME=value strings. Default
	// os.Environ; tests pass a fixed list.
	Environ func() []string
	// Defaults is the bottom layer, a YAML document. Default
	// configs.Defaults; tests may pass a smaller one.
	Defaults []byte
}

// Config is the host's layered configuration. Its methods are safe for
// concurrent use. The accessors read what the process loaded (at New or the
// last Reload); Set only edits the file.
type Config struct {
	opts     Options
	rootPath string
	filePath string

	mu      sync.RWMutex
	running *koanf.Koanf
	// warnings are what loading running reported.
	warnings []Warning
	// next is what a restart would load, computed by the last Set; nil when
	// nothing was set since the last load.
	next    *koanf.Koanf
	pending bool
	// effective is EffectiveJSON's kept answer.
	effective atomic.Pointer[effectiveAnswer]

	// writeMu serialises file writers (Set, EnsureFile).
	writeMu sync.Mutex
}

// New resolves rootPath (flag > ROOTPATH > DefaultRootPath), then loads
// defaults < file < environment < flags. A missing file is not an error (see
// EnsureFile); an unreadable or malformed file, or a value of the wrong type
// in any layer, is: the error is a *LoadError naming each bad key.
func New(opts Options) (*Config, error) {
	if opts.Environ == nil {
		opts.Environ = os.Environ
	}
	if opts.Defaults == nil {
		opts.Defaults = configs.Defaults
	}
	root, err := resolveRootPath(opts)
	if err != nil {
		return nil, err
	}
	file := filepath.Join(root, FileName)
	if v, ok := envValue(opts.Environ(), EnvConfigFile); ok {
		if file, err = expandHome(v); err != nil {
			return nil, err
		}
		if file, err = filepath.Abs(file); err != nil {
			return nil, fmt.Errorf("config: %s %q: %w", EnvConfigFile, v, err)
		}
	}
	c := &Config{opts: opts, rootPath: root, filePath: file}
	ko, ws, err := c.load()
	if err != nil {
		return nil, err
	}
	c.running, c.warnings = ko, ws
	return c, nil
}

// Reload re-reads the file, the environment and the flags (for
// restart_service). On error the running configuration is kept. rootPath
// is not re-resolved: the file cannot move under a running host.
func (c *Config) Reload() error {
	ko, ws, err := c.load()
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.running, c.warnings, c.next, c.pending = ko, ws, nil, false
	return nil
}

// RootPath returns the resolved, absolute rootPath.
func (c *Config) RootPath() string { return c.rootPath }

// FilePath returns the config file's path: HDB_CONFIG when set, else
// <rootPath>/hops-config.yaml.
func (c *Config) FilePath() string { return c.filePath }

// PendingRestart reports whether Set has written the file since the last
// load, so the running values differ from what a restart would use.
func (c *Config) PendingRestart() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.pending
}

// resolveRootPath applies flag > environment ROOTPATH > default, expands a
// leading "~" and makes the path absolute.
func resolveRootPath(opts Options) (string, error) {
	root := DefaultRootPath
	if v, ok := envValue(opts.Environ(), rootPathKey); ok {
		root = v
	}
	for name, v := range opts.Flags {
		if strings.EqualFold(name, rootPathKey) {
			s, ok := v.(string)
			if !ok || s == "" {
				return "", &LoadError{Problems: []Problem{{Key: flagSource(name), Reason: ReasonNotString}}}
			}
			root = s
		}
	}
	expanded, err := expandHome(root)
	if err != nil {
		return "", err
	}
	abs, err := filepath.Abs(expanded)
	if err != nil {
		return "", fmt.Errorf("config: rootPath %q: %w", root, err)
	}
	return abs, nil
}

// envValue finds a non-empty environment variable by name, ignoring case.
func envValue(environ []string, name string) (string, bool) {
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if ok && v != "" && strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// expandHome replaces a leading "~" or "~/" with the user's home directory.
func expandHome(p string) (string, error) {
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("config: expanding %q: %w", p, err)
	}
	return filepath.Join(home, strings.TrimPrefix(p, "~")), nil
}

// readFile returns the config file's bytes, or nil when it does not exist.
func (c *Config) readFile() ([]byte, error) {
	b, err := os.ReadFile(c.filePath)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config: reading %s: %w", c.filePath, err)
	}
	return b, nil
}
