package config

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	kyaml "github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/providers/rawbytes"
	"github.com/knadh/koanf/v2"
)

// Directories derived from rootPath when their keys are null.
const (
	logDirName        = "log"
	componentsDirName = "components"
)

// ReasonPortClash refuses a port equal to its securePort.
const ReasonPortClash = "port and securePort cannot be the same value"

// portPairs are the listeners whose plain and TLS ports must differ.
var portPairs = [][2]string{
	{"operationsApi.network.port", "operationsApi.network.securePort"},
	{"http.port", "http.securePort"},
}

// load reads the file and builds the layered configuration.
func (c *Config) load() (*koanf.Koanf, error) {
	file, err := c.readFile()
	if err != nil {
		return nil, err
	}
	return c.loadWith(file)
}

// loadWith builds defaults < file < environment < flags from the given
// file bytes (nil: no file), then fills rootPath and the directories derived
// from it. Every layer is checked against the key table before it is merged,
// so a problem names the layer it came from.
func (c *Config) loadWith(file []byte) (*koanf.Koanf, error) {
	ko := koanf.New(".")
	var problems []Problem
	for _, l := range []struct {
		source string
		data   []byte
	}{{"defaults", c.opts.Defaults}, {FileName, file}} {
		layer := koanf.New(".")
		if err := layer.Load(rawbytes.Provider(l.data), kyaml.Parser()); err != nil {
			return nil, fmt.Errorf("config: parsing %s: %w", l.source, err)
		}
		problems = append(problems, checkLayer(l.source, layer)...)
		if err := ko.Merge(layer); err != nil {
			return nil, fmt.Errorf("config: merging %s: %w", l.source, err)
		}
	}
	var envProblems []Problem
	if err := ko.Load(env.Provider(".", env.Opt{
		EnvironFunc:   c.opts.Environ,
		TransformFunc: envTransform(&envProblems),
	}), nil); err != nil {
		return nil, fmt.Errorf("config: reading the environment: %w", err)
	}
	problems = append(problems, envProblems...)
	problems = append(problems, c.applyFlags(ko)...)
	if err := c.derive(ko); err != nil {
		return nil, err
	}
	problems = append(problems, checkPorts(ko)...)
	if len(problems) > 0 {
		return nil, &LoadError{Problems: sortProblems(problems)}
	}
	return ko, nil
}

// checkLayer checks every known key present in one layer.
func checkLayer(source string, layer *koanf.Koanf) []Problem {
	var out []Problem
	for _, k := range Keys() {
		if !layer.Exists(k.Path) {
			continue
		}
		if _, err := checkValue(k, layer.Get(k.Path)); err != nil {
			out = append(out, Problem{Key: k.Path + " (" + source + ")", Reason: err.Error()})
		}
	}
	return out
}

// envTransform maps HarperDB-style variable names (OPERATIONSAPI_NETWORK_PORT)
// to known paths, converting the value; unknown names and empty values are
// skipped, bad values recorded in problems.
func envTransform(problems *[]Problem) func(string, string) (string, any) {
	return func(name, value string) (string, any) {
		path, ok := known.env[strings.ToLower(name)]
		if !ok || value == "" {
			return "", nil
		}
		v, err := fromString(known.byPath[path], value)
		if err != nil {
			*problems = append(*problems, Problem{Key: name + " (environment)", Reason: err.Error()})
			return "", nil
		}
		return path, v
	}
}

// applyFlags sets the flag overrides on ko.
func (c *Config) applyFlags(ko *koanf.Koanf) []Problem {
	var out []Problem
	for name, raw := range c.opts.Flags {
		k, ok := known.dotted(name)
		if !ok {
			out = append(out, Problem{Key: flagSource(name), Reason: ReasonUnknownKey})
			continue
		}
		var v any
		var err error
		if s, isString := raw.(string); isString && k.Kind != KindString && k.Kind != KindPath {
			v, err = fromString(k, s)
		} else {
			v, err = checkValue(k, raw)
		}
		if err != nil {
			out = append(out, Problem{Key: flagSource(name), Reason: err.Error()})
			continue
		}
		if err := ko.Set(k.Path, v); err != nil {
			out = append(out, Problem{Key: flagSource(name), Reason: err.Error()})
		}
	}
	return out
}

func flagSource(name string) string { return name + " (flag)" }

// derive sets the resolved rootPath, expands "~" in path keys and fills the
// directories that default to a place under rootPath.
func (c *Config) derive(ko *koanf.Koanf) error {
	set := map[string]any{rootPathKey: c.rootPath}
	for _, k := range Keys() {
		if s, ok := ko.Get(k.Path).(string); ok && k.Kind == KindPath && k.Path != rootPathKey {
			expanded, err := expandHome(s)
			if err != nil {
				return err
			}
			if expanded != s {
				set[k.Path] = expanded
			}
		}
	}
	for path, dir := range map[string]string{"logging.root": logDirName, "componentsRoot": componentsDirName} {
		if s, _ := ko.Get(path).(string); s == "" {
			set[path] = filepath.Join(c.rootPath, dir)
		}
	}
	for path, v := range set {
		if err := ko.Set(path, v); err != nil {
			return fmt.Errorf("config: setting %s: %w", path, err)
		}
	}
	return nil
}

// checkPorts refuses a listener whose port equals its securePort.
func checkPorts(ko *koanf.Koanf) []Problem {
	var out []Problem
	for _, pair := range portPairs {
		plain, tls := ko.Get(pair[0]), ko.Get(pair[1])
		p, okP := toFloat(plain)
		s, okS := toFloat(tls)
		if okP && okS && p == s && p != 0 {
			out = append(out, Problem{Key: pair[1], Reason: ReasonPortClash})
		}
	}
	return out
}

// Problem is one key's reason for refusal.
type Problem struct {
	// Key names the key as the user wrote it (for Set), or its path and the
	// layer it came from (for a load).
	Key string
	// Reason is one of the Reason constants, possibly with detail.
	Reason string
}

func (p Problem) String() string { return p.Key + ": " + p.Reason }

// LoadErrorPrefix starts every LoadError message.
const LoadErrorPrefix = "invalid configuration"

// LoadError reports every bad value found while loading the layers.
type LoadError struct {
	Problems []Problem
}

func (e *LoadError) Error() string { return LoadErrorPrefix + ": " + joinProblems(e.Problems) }

func joinProblems(ps []Problem) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	return strings.Join(parts, "; ")
}

func sortProblems(ps []Problem) []Problem {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Key < ps[j].Key })
	return ps
}

// asProblems extracts the problems of a *LoadError.
func asProblems(err error) ([]Problem, bool) {
	var le *LoadError
	if errors.As(err, &le) {
		return le.Problems, true
	}
	return nil, false
}
