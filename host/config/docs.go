package config

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/hops-dev/hops/configs"
	kyaml "github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/rawbytes"
	"github.com/knadh/koanf/v2"
)

// KeyInfo describes one key hops acts on, for documentation and editors.
type KeyInfo struct {
	// Path is the dotted path ("operationsApi.network.port").
	Path string
	// Type is the value's type as a reader says it ("boolean", "port",
	// "duration", "one of: text, json").
	Type string
	// Default is the value in configs/defaults.yaml (nil: null or absent).
	Default any
	// Doc says what the key does.
	Doc string
	// Test names the test that proves it.
	Test string
}

// KeyTable returns every key hops acts on, sorted by path.
func KeyTable() []KeyInfo {
	defaults := koanf.New(".")
	_ = defaults.Load(rawbytes.Provider(configs.Defaults), kyaml.Parser())
	out := make([]KeyInfo, 0, len(acting))
	for path, d := range acting {
		k := known.byPath[path]
		out = append(out, KeyInfo{Path: path, Type: typeName(k), Default: defaults.Get(path), Doc: d.Doc, Test: d.Test})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// typeName says a key's type in words.
func typeName(k Key) string {
	var s string
	switch k.Kind {
	case KindBool:
		s = "boolean"
	case KindInt:
		s = "integer"
		if k.Max > k.Min {
			s = fmt.Sprintf("integer %d-%d", k.Min, k.Max)
		}
	case KindNumber:
		s = "number"
	case KindPort:
		s = "port (0-65535)"
	case KindString:
		s = "string"
	case KindPath:
		s = "path"
	case KindEnum:
		s = "one of: " + strings.Join(k.Values, ", ")
	case KindDuration:
		s = "duration (ms or \"30s\")"
	case KindList:
		s = "list"
	case KindObject:
		s = "object"
	case KindAny:
		s = "any"
	}
	if k.nullable() {
		s += " or null"
	}
	return s
}

// KeyTableMarkdown renders KeyTable as the Markdown table of
// docs/configuration.md.
func KeyTableMarkdown() string {
	var b strings.Builder
	b.WriteString("| key | type | default | what it does | tested by |\n|---|---|---|---|---|\n")
	cell := strings.NewReplacer("|", "\\|", "<", "&lt;", ">", "&gt;").Replace
	for _, k := range KeyTable() {
		def := "(the sections below)"
		if _, isMap := k.Default.(map[string]any); !isMap {
			b, _ := json.Marshal(k.Default)
			def = "`" + strings.ReplaceAll(string(b), "|", "\\|") + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", k.Path, cell(k.Type), def, cell(k.Doc), cell(k.Test))
	}
	return b.String()
}

// jsonSchemaID is the schema's $id.
const jsonSchemaID = "https://github.com/hops-dev/hops/docs/hops-config.schema.json"

// JSONSchema returns a JSON Schema (draft 2020-12) of the config file,
// generated from KeyTable: every key hops acts on, with its type,
// default and description; any other key is flagged by an editor, as hops
// flags it at start. Plugin families' sections (families.<name>) are
// free-form.
func JSONSchema() ([]byte, error) {
	root := schemaSection()
	for _, k := range KeyTable() {
		parts := strings.Split(k.Path, ".")
		node := root
		for _, p := range parts[:len(parts)-1] {
			props := node["properties"].(map[string]any)
			next, ok := props[p].(map[string]any)
			if !ok {
				next = schemaSection()
				props[p] = next
			}
			if _, isSection := next["properties"]; !isSection {
				next["properties"] = map[string]any{}
				next["type"] = []string{"object", "null"}
			}
			node = next
		}
		leaf := schemaOf(known.byPath[k.Path])
		leaf["description"] = k.Doc
		if k.Default != nil {
			leaf["default"] = k.Default
		}
		props := node["properties"].(map[string]any)
		if existing, ok := props[parts[len(parts)-1]].(map[string]any); ok {
			// A listed key that is also a section (families): keep the
			// listed children, take the description.
			existing["description"] = k.Doc
			if k.Path == freeFormRoot {
				existing["additionalProperties"] = map[string]any{"type": []string{"object", "null"}}
			}
			continue
		}
		if k.Path == freeFormRoot {
			leaf = schemaSection()
			leaf["description"] = k.Doc
			leaf["additionalProperties"] = map[string]any{"type": []string{"object", "null"}}
		}
		props[parts[len(parts)-1]] = leaf
	}
	root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	root["$id"] = jsonSchemaID
	root["title"] = "hops-config.yaml"
	root["type"] = "object"
	return json.MarshalIndent(root, "", "  ")
}

func schemaSection() map[string]any {
	return map[string]any{"type": []string{"object", "null"}, "properties": map[string]any{}, "additionalProperties": false}
}

// durationPattern is what ParseDuration reads, for editors.
const durationPattern = `^[0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h|d)?([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h|d))*$`

// schemaOf is the JSON Schema of one key's value.
func schemaOf(k Key) map[string]any {
	types := func(t ...string) []string {
		if k.nullable() {
			t = append(t, "null")
		}
		return t
	}
	switch k.Kind {
	case KindBool:
		return map[string]any{"type": types("boolean")}
	case KindInt:
		s := map[string]any{"type": types("integer")}
		if k.Max > k.Min {
			s["minimum"], s["maximum"] = k.Min, k.Max
		}
		return s
	case KindNumber:
		return map[string]any{"type": types("number")}
	case KindPort:
		return map[string]any{"type": types("integer"), "minimum": 0, "maximum": maxPort}
	case KindString, KindPath:
		s := map[string]any{"type": types("string")}
		if k.Path == "logging.rotation.maxSize" {
			s["pattern"] = `^[0-9]+ *([kKmMgG][bB]?)?$`
		}
		return s
	case KindEnum:
		vals := make([]any, 0, len(k.Values)+1)
		for _, v := range k.Values {
			vals = append(vals, v)
		}
		if k.nullable() {
			vals = append(vals, nil)
		}
		return map[string]any{"enum": vals}
	case KindDuration:
		return map[string]any{"type": types("integer", "string"), "minimum": 0, "pattern": durationPattern}
	case KindList:
		s := map[string]any{"type": types("array")}
		if k.Path == pluginsKey {
			s["items"] = pluginSchema()
		}
		return s
	}
	return map[string]any{}
}

// pluginSchema is the schema of one plugins entry (see checkPlugins).
func pluginSchema() map[string]any {
	strList := map[string]any{"type": []string{"array", "null"}, "items": map[string]any{"type": "string"}}
	return map[string]any{
		"type":                 "object",
		"required":             []string{"name", "path"},
		"additionalProperties": false,
		"properties": map[string]any{
			"name":   map[string]any{"type": "string", "minLength": 1},
			"path":   map[string]any{"type": "string", "minLength": 1},
			"sha256": map[string]any{"type": []string{"string", "null"}, "pattern": "^[0-9a-fA-F]{64}$"},
			"args":   strList,
			"env":    strList,
		},
	}
}
