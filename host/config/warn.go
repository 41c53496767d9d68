package config

import (
	"fmt"
	"sort"
	"strings"

	"github.com/knadh/koanf/v2"
)

// Reasons a key is reported or refused because hops does not act on it.
const (
	// ReasonNotImplemented names a HarperDB key hops knows but does not act
	// on: set_configuration and flags refuse it, the file and the
	// environment report it as a warning.
	ReasonNotImplemented = "is a HarperDB setting hops does not implement; it has no effect"
	// ReasonNotSection refuses a scalar or list where a section of keys
	// belongs (operationsApi: 5).
	ReasonNotSection = "must be a section of keys (or empty)"
	// ReasonNoSuchFamily reports a families.<name> section that names no
	// builtin family and no plugins entry: nothing would read it.
	ReasonNoSuchFamily = "names no builtin family and no entry of plugins; nothing reads it"
	// ReasonRootPathIgnored reports a rootPath in the file that differs
	// from the root in use.
	ReasonRootPathIgnored = "differs from the rootPath in use (%s); rootPath is chosen by the rootPath flag or ROOTPATH, and this value is ignored"
)

// Warning is a key that a layer gives but hops does not act on: a key no
// layer knows (a typo), or a HarperDB setting hops does not implement.
// hops logs each at WARN at start, and `hops config check` prints them.
type Warning struct {
	// Key is the key as the layer wrote it: a dotted path for a file or a
	// JSON layer, the variable's name for the environment.
	Key string
	// Source is where it came from: the config file's path, "environment",
	// or the name of a JSON layer's variable.
	Source string
	// Reason is ReasonUnknownKey, ReasonNotImplemented or
	// ReasonRootPathIgnored's text.
	Reason string
}

func (w Warning) String() string { return w.Key + " (" + w.Source + "): " + w.Reason }

// Warnings returns what the last load reported, sorted by source and key.
func (c *Config) Warnings() []Warning {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return append([]Warning(nil), c.warnings...)
}

// Check loads the configuration hops would start with from root (""
// resolves it as `hops run` does: ROOTPATH, else ~/hops), with the
// process's environment, and returns every warning a start would log. A
// value hops would refuse is the error (a *LoadError naming each key). It
// writes nothing. `hops config check` prints both and exits non-zero when
// there is either.
func Check(root string) ([]Warning, error) {
	opts := Options{}
	if root != "" {
		opts.Flags = map[string]any{rootPathKey: root}
	}
	return CheckOptions(opts)
}

// CheckOptions is Check with every option of New (flags, environment).
func CheckOptions(opts Options) ([]Warning, error) {
	c, err := New(opts)
	if err != nil {
		return nil, err
	}
	if err := c.CheckStart(); err != nil {
		return c.Warnings(), err
	}
	return c.Warnings(), nil
}

// walkLayer reports the keys of one YAML or JSON layer that hops does not
// act on (warnings) and the sections given a value that is not a section
// (problems).
func (ix *index) walkLayer(source string, m map[string]any) ([]Warning, []Problem) {
	var ws []Warning
	var ps []Problem
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for name, v := range m {
			path := joinPath(prefix, name)
			_, listed := ix.byPath[path]
			switch {
			case ix.sections[path]:
				if sub, isMap := v.(map[string]any); isMap {
					walk(path, sub)
				} else if v != nil && listed && !ix.acts(path) {
					ws = append(ws, Warning{Key: path, Source: source, Reason: ReasonNotImplemented})
				} else if v != nil && !listed {
					ps = append(ps, Problem{Key: path + " (" + source + ")", Reason: ReasonNotSection})
				}
			case listed:
				if !ix.acts(path) {
					ws = append(ws, Warning{Key: path, Source: source, Reason: ReasonNotImplemented})
				}
			case ix.freeForm(path):
			default:
				ws = append(ws, Warning{Key: path, Source: source, Reason: ReasonUnknownKey})
			}
		}
	}
	walk("", m)
	return ws, ps
}

// nullSections lists the paths of m holding null where a section of keys
// belongs (operationsApi: with its children commented out). The loader
// deletes them so the layers below keep their values: an empty section is
// the same as an absent one.
func (ix *index) nullSections(prefix string, m map[string]any) []string {
	var out []string
	for name, v := range m {
		path := joinPath(prefix, name)
		if !ix.sections[path] {
			continue
		}
		switch t := v.(type) {
		case nil:
			out = append(out, path)
		case map[string]any:
			out = append(out, ix.nullSections(path, t)...)
		}
	}
	return out
}

// envSections are the lower-case first segments of every known key
// ("operationsapi", "logging", ...): an environment variable starting with
// one and "_" is meant for hops.
var envSections = func() map[string]bool {
	out := map[string]bool{}
	for _, k := range Keys() {
		first, _, _ := strings.Cut(k.Path, ".")
		out[strings.ToLower(first)] = true
	}
	return out
}()

// envNotOurs are variables that start like a section but belong to other
// programs (HTTP_PROXY starts like http.*).
var envNotOurs = map[string]bool{"http_proxy": true, "https_proxy": true, "no_proxy": true}

// envWarning reports a variable that looks meant for hops (its name starts
// with a section and "_") but that hops does not act on. ok is false for
// variables that are none of hops' business.
func (ix *index) envWarning(name string) (Warning, bool) {
	lower := strings.ToLower(name)
	if path, ok := ix.env[lower]; ok {
		if ix.acts(path) {
			return Warning{}, false
		}
		return Warning{Key: name, Source: "environment", Reason: ReasonNotImplemented}, true
	}
	first, _, found := strings.Cut(lower, "_")
	if !found || !envSections[first] || envNotOurs[lower] {
		return Warning{}, false
	}
	if _, open := ix.byFlat[lower]; open {
		return Warning{}, false // an object key: ignored, see the package doc
	}
	return Warning{Key: name, Source: "environment", Reason: ReasonUnknownKey}, true
}

func sortWarnings(ws []Warning) []Warning {
	sort.SliceStable(ws, func(i, j int) bool {
		if ws[i].Source != ws[j].Source {
			return ws[i].Source < ws[j].Source
		}
		return ws[i].Key < ws[j].Key
	})
	return ws
}

// rootPathWarning reports a rootPath in a file layer that is not the root
// in use.
func rootPathWarning(source string, m map[string]any, root string) []Warning {
	v, ok := m[rootPathKey].(string)
	if !ok || v == "" {
		return nil
	}
	expanded, err := expandHome(v)
	if err == nil && strings.TrimRight(expanded, "/") == strings.TrimRight(root, "/") {
		return nil
	}
	return []Warning{{Key: rootPathKey, Source: source, Reason: fmt.Sprintf(ReasonRootPathIgnored, root)}}
}

// pluginSections lists the families.<name> sections of one layer that are
// not a builtin family's, as warnings to give if no plugin has the name.
func (ix *index) pluginSections(source string, m map[string]any) []Warning {
	fams, _ := m[freeFormRoot].(map[string]any)
	var out []Warning
	for name := range fams {
		path := freeFormRoot + "." + name
		if ix.freeForm(path) {
			out = append(out, Warning{Key: path, Source: source, Reason: ReasonNoSuchFamily})
		}
	}
	return out
}

// orphanSections keeps the plugin sections whose name no plugins entry of
// the loaded configuration has.
func orphanSections(ko *koanf.Koanf, sections []Warning) []Warning {
	names := map[string]bool{}
	list, _ := ko.Get(pluginsKey).([]any)
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			if n, ok := m["name"].(string); ok {
				names[n] = true
			}
		}
	}
	var out []Warning
	for _, w := range sections {
		if !names[strings.TrimPrefix(w.Key, freeFormRoot+".")] {
			out = append(out, w)
		}
	}
	return out
}
