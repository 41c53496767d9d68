package config

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"

	"github.com/knadh/koanf/v2"
)

// Reasons specific to Set, shown to users.
const (
	// ReasonRootPath refuses rootPath: the file lives inside it.
	ReasonRootPath = "rootPath is chosen at start (the rootPath flag or the ROOTPATH environment variable), not by the config file"
	// ReasonRedacted refuses the placeholder Effective shows for a secret.
	ReasonRedacted = "is the " + Redacted + " placeholder from get_configuration, not a value"
	// ReasonPluginsFileOnly refuses plugins: which executables run is the
	// operator's decision, made in the file (docs/security.md says why).
	ReasonPluginsFileOnly = "plugins is changed only in the config file by an operator, not through set_configuration (see docs/security.md)"
	// ReasonTooDeep and ReasonTooLarge are formats: the bounds.
	ReasonTooDeep  = "nests deeper than %d levels"
	ReasonTooLarge = "the request's values exceed %d bytes of JSON"
	// ReasonConflict is a format: the other name for the same key.
	ReasonConflict = "sets the same key as %q with a different value"
)

// SetErrorPrefix starts every SetError message.
const SetErrorPrefix = "Config validation error"

// Bounds of one set_configuration request: a configuration is a few KiB
// and a few levels deep; anything far past that is a mistake or an attack
// on the next start's parser.
const (
	maxSetDepth = 32
	maxSetBytes = 1 << 20
)

// depth is how many levels of lists and objects v nests.
func depth(v any) int {
	d := 0
	switch t := v.(type) {
	case map[string]any:
		for _, e := range t {
			d = max(d, depth(e))
		}
		return d + 1
	case []any:
		for _, e := range t {
			d = max(d, depth(e))
		}
		return d + 1
	}
	return 0
}

// pluginsKey is the path of the plugins list.
const pluginsKey = "plugins"

// ignoredSetFields are body fields of a set_configuration request that are
// not configuration keys: the operation name and the fields HarperDB's auth
// layer adds to a request body.
var ignoredSetFields = map[string]bool{"operation": true, "hdb_user": true, "hdbauthheader": true}

// SetError reports every key Set refused; when it is returned nothing was
// written. Its message names each bad key as the caller spelled it.
type SetError struct {
	Problems []Problem
}

func (e *SetError) Error() string {
	if msg, ok := harperValidationMessage(e.Problems); ok {
		return msg
	}
	return SetErrorPrefix + ": " + joinProblems(e.Problems)
}

// HarperSetErrorPrefix starts a set_configuration refusal worded as
// HarperDB 4.7 words it.
const HarperSetErrorPrefix = "HarperDB config file validation error: "

// joiReasons maps the reasons a value of a known key is refused for to
// the words of HarperDB's validator (Joi).
var joiReasons = map[string]string{
	ReasonNotBool:   "must be a boolean",
	ReasonNotInt:    "must be an integer",
	ReasonNotNumber: "must be a number",
	ReasonNotString: "must be a string",
	ReasonNotList:   "must be an array",
	ReasonNotObject: "must be of type object",
}

// harperValidationMessage words problems as HarperDB 4.7's set_configuration
// does ("HarperDB config file validation error: 'logging.level' must be one
// of [...]. 'http.cors' must be a boolean") when every problem is a value of
// one of HarperDB's own keys that Joi would refuse too; ok is false
// otherwise, and hops' own wording (which names the key as the caller wrote
// it) is used.
func harperValidationMessage(ps []Problem) (string, bool) {
	parts := make([]string, 0, len(ps))
	for _, p := range ps {
		if p.Path == "" || !isHarperKey(p.Path) {
			return "", false
		}
		joi, ok := joiReasons[p.Reason]
		if !ok && strings.HasPrefix(p.Reason, "must be one of [") {
			joi, ok = p.Reason, true
		}
		if !ok {
			return "", false
		}
		parts = append(parts, "'"+p.Path+"' "+joi)
	}
	return HarperSetErrorPrefix + strings.Join(parts, ". "), len(parts) > 0
}

// harperPaths holds the dotted paths of HarperDB's configuration keys.
var harperPaths = func() map[string]bool {
	m := make(map[string]bool, len(harperKeys))
	for _, k := range harperKeys {
		m[k.Path] = true
	}
	return m
}()

// isHarperKey reports whether path is one of HarperDB 4.7's keys.
func isHarperKey(path string) bool { return harperPaths[path] }

// Set writes flat keys to the config file, as set_configuration does. A name
// is any case with "_" between levels (logging_level, LOGGING_ROTATION_ENABLED,
// operationsApi_network_port) or a HarperDB legacy alias (log_level); keys
// inside a family's section may be named when the file already holds them.
// The field "operation" is ignored. Every key and value is checked first
// (strictly: JSON booleans for bools, numbers for numbers, exact enum values);
// any problem returns a *SetError naming each bad key, and the file is not
// touched. Otherwise the file is edited in place (comments, order and layout
// kept) and replaced atomically, creating it from the defaults if missing.
// Only the given keys are written, never environment or flag values. The
// running configuration does not change: PendingRestart becomes true and
// Effective shows what a restart will load. An empty map writes nothing.
func (c *Config) Set(flat map[string]any) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	edits, err := c.plan(flat)
	if err != nil || len(edits) == 0 {
		return err
	}
	cur, err := c.readFile()
	if err != nil {
		return err
	}
	if cur == nil {
		if cur, err = c.template(); err != nil {
			return err
		}
	}
	out, err := editYAML(cur, edits)
	if err != nil {
		return err
	}
	next, ws, err := c.loadWith(out)
	if err != nil {
		if ps, ok := asProblems(err); ok {
			return &SetError{Problems: ps}
		}
		return err
	}
	if ps := newFileWarnings(c.Warnings(), ws, c.filePath); len(ps) > 0 {
		return &SetError{Problems: ps}
	}
	if ps := newProblems(machineProblems(c.current(), c.rootPath), machineProblems(next, c.rootPath)); len(ps) > 0 {
		return &SetError{Problems: ps}
	}
	if err := c.backup(); err != nil {
		return err
	}
	if err := c.writeFile(out); err != nil {
		return err
	}
	c.mu.Lock()
	c.next, c.pending = next, true
	c.mu.Unlock()
	return nil
}

// plan maps and checks every key, returning the edits sorted by path (so a
// whole section is replaced before a key inside it is set) or a *SetError.
func (c *Config) plan(flat map[string]any) ([]edit, error) {
	extra := known.openLeaves(c.current().Raw())
	names := make([]string, 0, len(flat))
	for name := range flat {
		if !ignoredSetFields[strings.ToLower(name)] {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	if b, err := json.Marshal(flat); err != nil || len(b) > maxSetBytes {
		return nil, &SetError{Problems: []Problem{{Key: "set_configuration", Reason: fmt.Sprintf(ReasonTooLarge, maxSetBytes)}}}
	}
	var problems []Problem
	chosen := map[string]string{} // path -> first name that set it
	values := map[string]any{}
	for _, name := range names {
		var v any
		var path, reason string
		if depth(flat[name]) > maxSetDepth {
			reason = fmt.Sprintf(ReasonTooDeep, maxSetDepth)
		} else {
			v, path, reason = checkSet(name, flat[name], extra)
		}
		if reason == "" {
			if other, dup := chosen[path]; dup && !reflect.DeepEqual(values[path], v) {
				reason = fmt.Sprintf(ReasonConflict, other)
			}
		}
		if reason != "" {
			problems = append(problems, Problem{Key: name, Path: path, Reason: reason})
			continue
		}
		chosen[path], values[path] = name, v
	}
	if len(problems) > 0 {
		return nil, &SetError{Problems: problems}
	}
	paths := make([]string, 0, len(values))
	for p := range values {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	edits := make([]edit, len(paths))
	for i, p := range paths {
		edits[i] = edit{path: strings.Split(p, "."), value: values[p]}
	}
	return edits, nil
}

// ReasonSection refuses a section given as an object: set_configuration
// takes flat keys (HarperDB ignores such an object).
const ReasonSection = "is a section: set its keys one by one, flat (for example %s)"

// sectionExample returns, when name (flat, any case) is a section holding
// keys hops acts on, the first of them in flat form; else "".
func sectionExample(name string) string {
	p := strings.ReplaceAll(name, "_", ".")
	keys := make([]string, 0, len(acting))
	for k := range acting {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if len(k) > len(p) && k[len(p)] == '.' && strings.EqualFold(k[:len(p)], p) {
			return strings.ReplaceAll(k, ".", "_")
		}
	}
	return ""
}

// checkSet resolves and checks one key, returning the normalized value and
// path, or the reason it is refused.
func checkSet(name string, raw any, extra map[string]string) (any, string, string) {
	if _, isObject := raw.(map[string]any); isObject {
		if ex := sectionExample(name); ex != "" {
			return nil, "", fmt.Sprintf(ReasonSection, ex)
		}
	}
	path, ok := known.flat(name, extra)
	if !ok {
		return nil, "", ReasonUnknownKey
	}
	if path == rootPathKey {
		return nil, "", ReasonRootPath
	}
	if path == pluginsKey {
		return nil, "", ReasonPluginsFileOnly
	}
	if !known.acts(path) {
		return nil, "", ReasonNotImplemented
	}
	k, _ := known.key(path)
	if s, isString := raw.(string); isString && s == Redacted && isSecretName(path) {
		return nil, "", ReasonRedacted
	}
	v, err := checkValue(k, raw)
	if err != nil {
		return nil, path, err.Error()
	}
	return v, path, ""
}

// current is what a restart would load: the last Set's result, else the
// running configuration.
func (c *Config) current() *koanf.Koanf {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.next != nil {
		return c.next
	}
	return c.running
}

// template is the first content of the config file: the defaults with the
// resolved rootPath filled in.
func (c *Config) template() ([]byte, error) {
	return editYAML(c.opts.Defaults, []edit{{path: []string{rootPathKey}, value: c.rootPath}})
}

// writeFile writes the config file atomically, creating rootPath if needed.
func (c *Config) writeFile(data []byte) error {
	if err := os.MkdirAll(c.rootPath, dirMode); err != nil {
		return fmt.Errorf("config: creating %s: %w", c.rootPath, err)
	}
	return writeAtomic(c.filePath, data, fileMode)
}

// EnsureFile runs at start: it removes the temporary files an interrupted
// Set left beside the config file, then creates rootPath (mode 0700) and
// writes the config file (the defaults with rootPath filled in, mode 0600)
// if the file does not exist yet. It reports whether it created the file. The running configuration is
// unchanged: the new file holds exactly the defaults.
func (c *Config) EnsureFile() (bool, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if err := c.removeStaleTemps(); err != nil {
		return false, err
	}
	if _, err := os.Lstat(c.filePath); err == nil {
		return false, nil
	} else if !os.IsNotExist(err) {
		return false, fmt.Errorf("config: checking %s: %w", c.filePath, err)
	}
	data, err := c.template()
	if err != nil {
		return false, err
	}
	if err := c.writeFile(data); err != nil {
		return false, err
	}
	return true, nil
}

// newFileWarnings turns the warnings about the file that after has and
// before had not into problems: set_configuration never writes a key hops
// would not act on.
func newFileWarnings(before, after []Warning, file string) []Problem {
	had := map[string]bool{}
	for _, w := range before {
		had[w.Key+"\x00"+w.Source] = true
	}
	var out []Problem
	for _, w := range after {
		if w.Source == file && !had[w.Key+"\x00"+w.Source] {
			out = append(out, Problem{Key: strings.ReplaceAll(w.Key, ".", "_"), Reason: w.Reason})
		}
	}
	return out
}

// newProblems returns the problems of after whose key before had no
// problem with, keys written as flat names: set_configuration refuses a
// change that breaks something, not one made while something else is
// broken.
func newProblems(before, after []Problem) []Problem {
	had := map[string]bool{}
	for _, p := range before {
		had[p.Key] = true
	}
	var out []Problem
	for _, p := range after {
		if !had[p.Key] {
			out = append(out, Problem{Key: strings.ReplaceAll(p.Key, ".", "_"), Reason: p.Reason})
		}
	}
	return out
}
