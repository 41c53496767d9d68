package config

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// source is a YAML text with the byte offset of each line, so node positions
// from yaml.v3 (1-based line, 1-based rune column) can be turned into byte
// offsets and the text edited in place.
type source struct {
	b      []byte
	starts []int // starts[n-1] is where 1-based line n begins
	nl     string
}

func newSource(b []byte) *source {
	s := &source{b: b, nl: "\n"}
	if bytes.Contains(b, []byte("\r\n")) {
		s.nl = "\r\n"
	}
	if len(b) > 0 {
		s.starts = append(s.starts, 0)
	}
	for i, c := range b {
		if c == '\n' && i+1 < len(b) {
			s.starts = append(s.starts, i+1)
		}
	}
	return s
}

func (s *source) lines() int { return len(s.starts) }

// afterLine is the offset just past line n's line break.
func (s *source) afterLine(n int) int {
	if n < len(s.starts) {
		return s.starts[n]
	}
	return len(s.b)
}

// lineEnd is the offset where line n's content ends (before "\n" or "\r\n").
func (s *source) lineEnd(n int) int {
	start, e := s.starts[n-1], s.afterLine(n)
	if e > start && s.b[e-1] == '\n' {
		e--
	}
	if e > start && s.b[e-1] == '\r' {
		e--
	}
	return e
}

func (s *source) line(n int) []byte { return s.b[s.starts[n-1]:s.lineEnd(n)] }

// offset turns a yaml.v3 position into a byte offset.
func (s *source) offset(line, col int) int {
	off := s.starts[line-1]
	for i := 1; i < col && off < len(s.b); i++ {
		_, size := utf8.DecodeRune(s.b[off:])
		off += size
	}
	return off
}

// isContent reports whether line n holds YAML content (not blank, not only a
// comment).
func (s *source) isContent(n int) bool {
	t := bytes.TrimSpace(s.line(n))
	return len(t) > 0 && t[0] != '#'
}

// lastContent is the last content line in (from, before), or from.
func (s *source) lastContent(from, before int) int {
	for n := min(before, s.lines()+1) - 1; n > from; n-- {
		if s.isContent(n) {
			return n
		}
	}
	return from
}

// splice applies one edit to the text, touching only the lines it changes.
func splice(src []byte, e edit) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, fmt.Errorf("config: parsing the config file: %w", err)
	}
	s := newSource(src)
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return s.insertAt(len(src), 0, e.path, e.value)
	}
	m, boundary := doc.Content[0], s.lines()+1
	if m.Kind != yaml.MappingNode {
		return nil, errNotMapping
	}
	var parent *yaml.Node // the key whose value is m; nil at the top
	parentBoundary := boundary
	for i, seg := range e.path {
		j := findKey(m, seg)
		if j < 0 {
			if isBlockMap(m) {
				first := m.Content[0]
				at := s.afterLine(s.lastContent(first.Line, boundary))
				return s.insertAt(at, first.Column-1, e.path[i:], e.value)
			}
			if parent == nil {
				return nil, errCannotSplice
			}
			return s.replace(parent, parentBoundary, merged(m, e.path[i:], e.value))
		}
		k, v := m.Content[j], m.Content[j+1]
		next := boundary
		if j+2 < len(m.Content) {
			next = m.Content[j+2].Line
		}
		if i == len(e.path)-1 {
			return s.replace(k, next, e.value)
		}
		if !isBlockMap(v) {
			return s.replace(k, next, merged(v, e.path[i+1:], e.value))
		}
		parent, parentBoundary, m, boundary = k, next, v, next
	}
	return nil, errCannotSplice
}

func isBlockMap(n *yaml.Node) bool {
	return n.Kind == yaml.MappingNode && n.Style&yaml.FlowStyle == 0 && len(n.Content) > 0
}

// merged is node n's content as a map (empty if n is not a mapping) with
// path set to value.
func merged(n *yaml.Node, path []string, value any) map[string]any {
	base := map[string]any{}
	if n.Kind == yaml.MappingNode {
		_ = n.Decode(&base) // a mapping that does not decode to string keys starts empty
	}
	setIn(base, path, value)
	return base
}

// insertAt inserts path: value as new block lines at offset at, indented by
// indent spaces.
func (s *source) insertAt(at, indent int, path []string, value any) ([]byte, error) {
	lines, err := renderBlock(nest(path, value), indent)
	if err != nil {
		return nil, err
	}
	text := strings.Join(lines, s.nl) + s.nl
	if at == len(s.b) && at > 0 && s.b[at-1] != '\n' {
		text = s.nl + text
	}
	return concat(s.b[:at], []byte(text), s.b[at:]), nil
}

// replace rewrites the value of key k (whose entry ends before line
// boundary). A one-line value replaced by a one-line value changes only the
// value's bytes; the line's comment and spacing stay.
func (s *source) replace(k *yaml.Node, boundary int, value any) ([]byte, error) {
	colon, err := s.colonAfterKey(k)
	if err != nil {
		return nil, err
	}
	last := s.lastContent(k.Line, boundary)
	rest := s.b[colon:s.lineEnd(k.Line)]
	valEnd, comment := splitComment(rest)
	lead := len(rest) - len(bytes.TrimLeft(rest, " \t"))
	first, block, err := render(value, k.Column-1)
	if err != nil {
		return nil, err
	}
	if last == k.Line && len(block) == 0 {
		if valEnd == 0 {
			return concat(s.b[:colon], []byte(" "+first), s.b[colon:]), nil
		}
		return concat(s.b[:colon+lead], []byte(first), s.b[colon+valEnd:]), nil
	}
	head := string(s.b[s.starts[k.Line-1]:colon])
	if first != "" {
		head += " " + first
	}
	if len(comment) > 0 {
		head += " " + string(comment)
	}
	text := strings.Join(append([]string{head}, block...), s.nl)
	return concat(s.b[:s.starts[k.Line-1]], []byte(text), s.b[s.lineEnd(last):]), nil
}

// colonAfterKey returns the offset just past the ':' that ends key k.
func (s *source) colonAfterKey(k *yaml.Node) (int, error) {
	i, end := s.offset(k.Line, k.Column), s.lineEnd(k.Line)
	if k.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 && i < end {
		i = skipQuoted(s.b[:end], i)
		for i < end && (s.b[i] == ' ' || s.b[i] == '\t') {
			i++
		}
		if i < end && s.b[i] == ':' {
			return i + 1, nil
		}
		return 0, errCannotSplice
	}
	for ; i < end; i++ {
		if s.b[i] == ':' && (i+1 == end || s.b[i+1] == ' ' || s.b[i+1] == '\t') {
			return i + 1, nil
		}
	}
	return 0, errCannotSplice
}

// skipQuoted returns the offset just past the quoted scalar starting at i.
func skipQuoted(b []byte, i int) int {
	q := b[i]
	for i++; i < len(b); i++ {
		switch {
		case q == '"' && b[i] == '\\':
			i++
		case b[i] == q && q == '\'' && i+1 < len(b) && b[i+1] == '\'':
			i++
		case b[i] == q:
			return i + 1
		}
	}
	return i
}

// splitComment finds where the value text in rest (what follows a key's
// colon on its line) ends and returns that length (trailing blanks excluded)
// and the trailing "# comment", if any. Quotes open a quoted scalar only at
// the start of a token, so an apostrophe inside plain text is not one.
func splitComment(rest []byte) (int, []byte) {
	tokenStart := true
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		switch {
		case (c == '"' || c == '\'') && tokenStart:
			i = skipQuoted(rest, i) - 1
			c = rest[i]
		case c == '#' && (i == 0 || rest[i-1] == ' ' || rest[i-1] == '\t'):
			return len(bytes.TrimRight(rest[:i], " \t")), bytes.TrimRight(rest[i:], " \t")
		}
		tokenStart = strings.IndexByte(" \t[{,:", c) >= 0
	}
	return len(bytes.TrimRight(rest, " \t")), nil
}

// render encodes value as the value of a key indented by indent spaces: the
// text that follows "key:" on its line, and the block lines below it.
func render(value any, indent int) (string, []string, error) {
	lines, err := renderBlock(map[string]any{"x": value}, indent)
	if err != nil {
		return "", nil, err
	}
	first := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(lines[0]), "x:"))
	return first, lines[1:], nil
}

// renderBlock encodes m as block YAML, every line indented by indent spaces.
func renderBlock(m map[string]any, indent int) ([]string, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(yamlIndent)
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("config: encoding: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("config: encoding: %w", err)
	}
	pad := strings.Repeat(" ", indent)
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	for i := range lines {
		lines[i] = pad + lines[i]
	}
	return lines, nil
}

func concat(parts ...[]byte) []byte {
	return bytes.Join(parts, nil)
}
