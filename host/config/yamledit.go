package config

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"

	"gopkg.in/yaml.v3"
)

// edit sets one nested path to a (normalized) value.
type edit struct {
	path  []string
	value any
}

// yamlIndent is the indentation of blocks hops writes, the YAML norm and
// what configs/defaults.yaml uses.
const yamlIndent = 2

var (
	// errCannotSplice makes editYAML fall back to re-encoding the node tree.
	errCannotSplice = errors.New("config: cannot edit this spot in place")
	// errNotMapping refuses a config file whose top level is not a mapping.
	errNotMapping = errors.New("config: the config file's top level is not a mapping")
	// errEditMismatch means neither edit strategy produced the intended
	// document; nothing is written.
	errEditMismatch = errors.New("config: edited file does not read back as intended")
)

// editYAML applies edits to a YAML document, keeping the user's bytes. It
// first splices each change into the text (located through the yaml.v3 node
// tree), so every byte outside the changed lines survives. The result is
// re-parsed and compared with the intended document; if a splice was not
// possible or the comparison fails (an exotic layout), it edits the node tree
// and re-encodes it instead, which keeps comments and key order but
// normalises layout. Either result is verified before it is returned.
func editYAML(src []byte, edits []edit) ([]byte, error) {
	want, err := intended(src, edits)
	if err != nil {
		return nil, err
	}
	out, spliceErr := src, error(nil)
	for _, e := range edits {
		if out, spliceErr = splice(out, e); spliceErr != nil {
			break
		}
	}
	if spliceErr == nil && readsAs(out, want) {
		return out, nil
	}
	out, err = treeEdit(src, edits)
	if err != nil {
		return nil, err
	}
	if !readsAs(out, want) {
		return nil, errEditMismatch
	}
	return out, nil
}

// intended is the document src should read as after the edits, in the form
// yaml.v3 decodes it.
func intended(src []byte, edits []edit) (any, error) {
	var doc any
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("config: parsing the config file: %w", err)
	}
	if doc == nil {
		doc = map[string]any{}
	}
	root, ok := doc.(map[string]any)
	if !ok {
		return nil, errNotMapping
	}
	for _, e := range edits {
		setIn(root, e.path, e.value)
	}
	b, err := yaml.Marshal(root)
	if err != nil {
		return nil, fmt.Errorf("config: encoding: %w", err)
	}
	var norm any
	if err := yaml.Unmarshal(b, &norm); err != nil {
		return nil, fmt.Errorf("config: re-reading: %w", err)
	}
	return norm, nil
}

// setIn sets path in m, replacing any non-map on the way by a map.
func setIn(m map[string]any, path []string, value any) {
	for _, seg := range path[:len(path)-1] {
		next, ok := m[seg].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[seg] = next
		}
		m = next
	}
	m[path[len(path)-1]] = value
}

// nest wraps value in maps along path: {a: {b: value}}.
func nest(path []string, value any) map[string]any {
	m := map[string]any{path[len(path)-1]: value}
	for i := len(path) - 2; i >= 0; i-- {
		m = map[string]any{path[i]: m}
	}
	return m
}

// readsAs reports whether b decodes to want.
func readsAs(b []byte, want any) bool {
	var got any
	if err := yaml.Unmarshal(b, &got); err != nil {
		return false
	}
	if got == nil {
		got = map[string]any{}
	}
	return reflect.DeepEqual(got, want)
}

// treeEdit applies edits to the yaml.v3 node tree and re-encodes it.
func treeEdit(src []byte, edits []edit) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("config: parsing the config file: %w", err)
	}
	if doc.Kind == 0 {
		doc = yaml.Node{Kind: yaml.DocumentNode}
	}
	if len(doc.Content) == 0 {
		doc.Content = []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, errNotMapping
	}
	for _, e := range edits {
		if err := setNode(root, e.path, e.value); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(yamlIndent)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("config: encoding: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("config: encoding: %w", err)
	}
	return buf.Bytes(), nil
}

// setNode sets path under mapping m, keeping the comments of a replaced
// node and appending missing keys at the end of their mapping.
func setNode(m *yaml.Node, path []string, value any) error {
	for i, seg := range path {
		j := findKey(m, seg)
		if i == len(path)-1 {
			var nv yaml.Node
			if err := nv.Encode(value); err != nil {
				return fmt.Errorf("config: encoding %s: %w", seg, err)
			}
			if j < 0 {
				m.Content = append(m.Content, keyNode(seg), &nv)
				return nil
			}
			keepComments(&nv, m.Content[j+1])
			m.Content[j+1] = &nv
			return nil
		}
		if j < 0 {
			child := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			m.Content = append(m.Content, keyNode(seg), child)
			m = child
			continue
		}
		if v := m.Content[j+1]; v.Kind != yaml.MappingNode {
			child := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			keepComments(child, v)
			m.Content[j+1] = child
		}
		m = m.Content[j+1]
	}
	return nil
}

func keyNode(name string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: name}
}

func keepComments(dst, src *yaml.Node) {
	dst.HeadComment, dst.LineComment, dst.FootComment = src.HeadComment, src.LineComment, src.FootComment
}

// findKey returns the index of key name in mapping m's Content, or -1.
// Matching is exact: the loader is case-sensitive too.
func findKey(m *yaml.Node, name string) int {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == name {
			return i
		}
	}
	return -1
}
