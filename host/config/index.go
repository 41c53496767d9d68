package config

import (
	"fmt"
	"strings"
)

// index finds known keys by path, by flat name and by legacy alias.
type index struct {
	byPath map[string]Key
	// byFlat maps a lower-case flat name ("operationsapi_network_port") to
	// its path.
	byFlat map[string]string
	// aliases maps a lower-case legacy name to a path.
	aliases map[string]string
	// env maps a lower-case flat name to a path for the keys the environment
	// may set: every key except object and any keys, whose structure a shell
	// variable would replace by accident (TLS=1 must not wipe the tls block).
	env map[string]string
	// sections holds every proper prefix of a listed path
	// ("operationsApi", "operationsApi.network", "families.records"): the
	// places a file holds a map of further keys.
	sections map[string]bool
}

// known is the index of Keys(); building it checks the tables for clashes.
var known = mustIndex(Keys(), legacyAliases)

// newIndex builds an index, refusing duplicate paths and flat names or
// aliases that clash case-insensitively.
func newIndex(keys []Key, aliases map[string]string) (*index, error) {
	ix := &index{
		byPath:   make(map[string]Key, len(keys)),
		byFlat:   make(map[string]string, len(keys)),
		aliases:  make(map[string]string, len(aliases)),
		env:      make(map[string]string, len(keys)),
		sections: map[string]bool{},
	}
	for _, k := range keys {
		flat := strings.ToLower(k.Flat())
		if _, dup := ix.byFlat[flat]; dup {
			return nil, fmt.Errorf("config: key %q is listed twice", k.Path)
		}
		ix.byPath[k.Path] = k
		ix.byFlat[flat] = k.Path
		if !k.open() {
			ix.env[flat] = k.Path
		}
		for p := parentPath(k.Path); p != ""; p = parentPath(p) {
			ix.sections[p] = true
		}
	}
	for alias, canonical := range aliases {
		lower := strings.ToLower(alias)
		if _, clash := ix.byFlat[lower]; clash {
			return nil, fmt.Errorf("config: alias %q shadows a canonical key", alias)
		}
		path, ok := ix.byFlat[strings.ToLower(canonical)]
		if !ok {
			return nil, fmt.Errorf("config: alias %q names unknown key %q", alias, canonical)
		}
		ix.aliases[lower] = path
	}
	return ix, nil
}

// mustIndex builds the package's index from its static tables. A clash is a
// programming error in those tables (a test builds them), not bad input.
func mustIndex(keys []Key, aliases map[string]string) *index {
	ix, err := newIndex(keys, aliases)
	if err != nil {
		panic(err)
	}
	return ix
}

// flat resolves a set_configuration name (any case, "_" between levels, or
// a legacy alias) to a path. extra holds further lower-case flat names (keys
// present inside open sections) to try last.
func (ix *index) flat(name string, extra map[string]string) (string, bool) {
	lower := strings.ToLower(name)
	if p, ok := ix.byFlat[lower]; ok {
		return p, true
	}
	if p, ok := ix.aliases[lower]; ok {
		return p, true
	}
	p, ok := extra[lower]
	return p, ok
}

// key returns the Key for a path. A path the tables do not list is still
// known, as KindAny, when it lies inside an open key (an object or any key
// such as a plugin family's section) with no closed section between.
func (ix *index) key(path string) (Key, bool) {
	if k, ok := ix.byPath[path]; ok {
		return k, true
	}
	for p := parentPath(path); p != ""; p = parentPath(p) {
		if k, ok := ix.byPath[p]; ok {
			if k.open() {
				return Key{Path: path, Kind: KindAny}, true
			}
			return Key{}, false
		}
		if ix.sections[p] {
			// A section whose keys are all listed (a builtin family's):
			// an unlisted key inside it is unknown.
			return Key{}, false
		}
	}
	return Key{}, false
}

// dotted resolves a flag's dotted path: exact first, then case-insensitively.
func (ix *index) dotted(path string) (Key, bool) {
	if k, ok := ix.key(path); ok {
		return k, true
	}
	if p, ok := ix.byFlat[strings.ToLower(strings.ReplaceAll(path, ".", "_"))]; ok {
		return ix.byPath[p], true
	}
	return Key{}, false
}

// openLeaves lists, as lower-case flat name -> path, the leaves of cfg that
// lie inside open keys, so set_configuration can name a family's own
// settings ("families_records_batchSize") when they are in the file.
func (ix *index) openLeaves(cfg map[string]any) map[string]string {
	out := map[string]string{}
	var walk func(prefix string, m map[string]any, inOpen bool)
	walk = func(prefix string, m map[string]any, inOpen bool) {
		for name, v := range m {
			path := joinPath(prefix, name)
			k, listed := ix.byPath[path]
			open := inOpen || (listed && k.open())
			if sub, isMap := v.(map[string]any); isMap && len(sub) > 0 {
				walk(path, sub, open)
				continue
			}
			if open && !listed {
				out[strings.ToLower(strings.ReplaceAll(path, ".", "_"))] = path
			}
		}
	}
	walk("", cfg, false)
	return out
}

func parentPath(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}

func joinPath(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}
