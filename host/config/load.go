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

// hostKey is the operations API's interface; DefaultHost is what a null or
// empty value means: loopback only, never every interface by accident.
const (
	hostKey     = "operationsApi.network.host"
	DefaultHost = "127.0.0.1"
)

// ReasonPortClash refuses a port equal to its securePort.
const ReasonPortClash = "port and securePort cannot be the same value"

// ReasonNoListener refuses an operations API with neither port: hops
// would start serving nothing.
const ReasonNoListener = "and operationsApi.network.securePort are both null or 0: the operations API would listen nowhere"

// apiPorts are the operations API's plain and TLS ports.
var apiPorts = [2]string{"operationsApi.network.port", "operationsApi.network.securePort"}

// replPorts are the cluster ports: each needs a port no HTTP listener of
// the node has.
var replPorts = []string{"replication.port", "replication.securePort"}

// ReasonReplPortClash refuses a cluster port another listener of the node
// has (the key it clashes with).
const ReasonReplPortClash = "is also %s: the cluster port needs a port of its own"

// portPairs are the listeners whose plain and TLS ports must differ.
var portPairs = [][2]string{
	{"operationsApi.network.port", "operationsApi.network.securePort"},
	{"http.port", "http.securePort"},
}

// load reads the file and builds the layered configuration.
func (c *Config) load() (*koanf.Koanf, []Warning, error) {
	file, err := c.readFile()
	if err != nil {
		return nil, nil, err
	}
	return c.loadWith(file)
}

// layer is one YAML or JSON source of configuration.
type layer struct {
	source string
	data   []byte
}

// loadWith builds the layers (see the package doc) from the given file
// bytes (nil: no file), then fills rootPath and the directories derived
// from it. Every layer is checked against the key table before it is
// merged, so a problem or a warning names the layer it came from.
func (c *Config) loadWith(file []byte) (*koanf.Koanf, []Warning, error) {
	ko := koanf.New(".")
	var problems []Problem
	var warnings []Warning
	var sections []Warning // families.<name> sections of plugin families, by layer
	environ := c.opts.Environ()
	below := []layer{{"defaults", c.opts.Defaults}}
	if v, ok := envValue(environ, EnvDefaultConfig); ok {
		below = append(below, layer{EnvDefaultConfig, []byte(v)})
	}
	below = append(below, layer{c.filePath, file})
	above := []layer{}
	if v, ok := envValue(environ, EnvSetConfig); ok {
		above = append(above, layer{EnvSetConfig, []byte(v)})
	}
	merge := func(l layer) error {
		lk := koanf.New(".")
		if err := lk.Load(rawbytes.Provider(l.data), kyaml.Parser()); err != nil {
			return fmt.Errorf("config: parsing %s: %w", l.source, err)
		}
		for _, p := range known.nullSections("", lk.Raw()) {
			lk.Delete(p)
		}
		raw := lk.Raw()
		problems = append(problems, checkLayer(l.source, lk)...)
		if l.source != "defaults" {
			ws, ps := known.walkLayer(l.source, raw)
			warnings = append(warnings, ws...)
			warnings = append(warnings, rootPathWarning(l.source, raw, c.rootPath)...)
			problems = append(problems, ps...)
			sections = append(sections, known.pluginSections(l.source, raw)...)
		}
		if err := ko.Merge(lk); err != nil {
			return fmt.Errorf("config: merging %s: %w", l.source, err)
		}
		return nil
	}
	for _, l := range below {
		if err := merge(l); err != nil {
			return nil, nil, err
		}
	}
	var envProblems []Problem
	if err := ko.Load(env.Provider(".", env.Opt{
		EnvironFunc:   func() []string { return environ },
		TransformFunc: envTransform(&envProblems, &warnings),
	}), nil); err != nil {
		return nil, nil, fmt.Errorf("config: reading the environment: %w", err)
	}
	problems = append(problems, envProblems...)
	problems = append(problems, c.applyFlags(ko)...)
	for _, l := range above {
		if err := merge(l); err != nil {
			return nil, nil, err
		}
	}
	if err := c.derive(ko); err != nil {
		return nil, nil, err
	}
	problems = append(problems, checkPorts(ko)...)
	warnings = append(warnings, orphanSections(ko, sections)...)
	warnings = append(warnings, unusedTLSWarning(ko)...)
	if len(problems) > 0 {
		return nil, nil, &LoadError{Problems: sortProblems(problems)}
	}
	return ko, sortWarnings(warnings), nil
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
// to the paths of the keys hops acts on, converting the value. A name
// that looks meant for hops but is unknown or not implemented is recorded
// in warnings and skipped, as are other names and empty values; a bad
// value is recorded in problems.
func envTransform(problems *[]Problem, warnings *[]Warning) func(string, string) (string, any) {
	return func(name, value string) (string, any) {
		if value == "" {
			return "", nil
		}
		if w, ok := known.envWarning(name); ok {
			*warnings = append(*warnings, w)
			return "", nil
		}
		path, ok := known.env[strings.ToLower(name)]
		if !ok {
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
		if !known.acts(k.Path) {
			out = append(out, Problem{Key: flagSource(name), Reason: ReasonNotImplemented})
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

// derive sets the resolved rootPath, expands "~" in path keys, fills the
// directories that default to a place under rootPath and gives a null or
// empty operationsApi.network.host its default.
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
	if s, _ := ko.Get(hostKey).(string); s == "" {
		set[hostKey] = DefaultHost
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

// checkPorts refuses a listener whose port equals its securePort, and an
// operations API with no port at all.
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
	for _, rp := range replPorts {
		r, ok := toFloat(ko.Get(rp))
		if !ok || r == 0 {
			continue
		}
		for _, other := range []string{apiPorts[0], apiPorts[1], "http.port", "http.securePort"} {
			if o, ok := toFloat(ko.Get(other)); ok && o == r {
				out = append(out, Problem{Key: rp, Reason: fmt.Sprintf(ReasonReplPortClash, other)})
				break
			}
		}
	}
	if ko.Int(apiPorts[0]) <= 0 && ko.Int(apiPorts[1]) <= 0 {
		out = append(out, Problem{Key: apiPorts[0], Reason: ReasonNoListener})
	}
	return out
}

// Problem is one key's reason for refusal.
type Problem struct {
	// Key names the key as the user wrote it (for Set), or its path and the
	// layer it came from (for a load).
	Key string
	// Path is the key's dotted path when it resolved to a known key (a
	// refused value); empty otherwise.
	Path string
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
