package fastjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"sync"
)

// maxJSONDepth bounds nesting like encoding/json does (it stops at 10000),
// so a hostile record cannot overflow the stack.
const maxJSONDepth = 10000

// scratchEntries is the capacity a pooled parser starts its entry and
// value stacks with: a typical record's keys and values fit, so the
// stacks rarely grow.
const scratchEntries = 32

// maxRetainedEntries caps the stacks a parser keeps in the pool: one huge
// object may grow them, but they are dropped afterwards.
const maxRetainedEntries = 4096

// jsonParser walks one JSON text. Between texts it lives in a sync.Pool
// with its scratch stacks and key cache (keys.go).
type jsonParser struct {
	b     []byte
	i     int
	depth int
	// entries holds the key/value pairs of the objects being parsed, and
	// vals the elements of the arrays, innermost last: an object's map
	// (an array's slice) is made once its size is known, with exactly
	// that size, instead of growing as it fills.
	entries []entry
	vals    []any
	keys    keyCache
}

// entry is one key/value pair of an object being parsed.
type entry struct {
	k string
	v any
}

// parsers recycles parsers, so their stacks and key cache serve many
// records; each goroutine takes its own.
var parsers = sync.Pool{New: func() any {
	return &jsonParser{entries: make([]entry, 0, scratchEntries), vals: make([]any, 0, scratchEntries)}
}}

// DecodeObject decodes b, which must be one JSON object (with optional
// surrounding whitespace), into the map encoding/json with UseNumber
// would build. ok=false means "not sure": decode b with encoding/json
// instead (see the package doc). The map and its strings do not alias b.
// It is safe for concurrent use.
func DecodeObject(b []byte) (rec map[string]any, ok bool) {
	p := parsers.Get().(*jsonParser)
	defer p.release()
	return p.decode(b)
}

// ErrTrailing is Decode's error for text after the object.
var ErrTrailing = errors.New("more than one value in a record's text")

// Decode decodes b, one JSON object with optional surrounding whitespace,
// into the map encoding/json with UseNumber builds: DecodeObject when it
// is sure, encoding/json (which has the last word) when it is not. The
// error is encoding/json's, or ErrTrailing.
func Decode(b []byte) (map[string]any, error) {
	if rec, ok := DecodeObject(b); ok {
		return rec, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var rec map[string]any
	if err := dec.Decode(&rec); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, ErrTrailing
	}
	return rec, nil
}

// decode is DecodeObject with the parser p.
func (p *jsonParser) decode(b []byte) (map[string]any, bool) {
	p.b, p.i, p.depth = b, 0, 0
	p.skipSpace()
	if p.i >= len(b) || b[p.i] != '{' {
		return nil, false
	}
	v, ok := p.object()
	if !ok {
		return nil, false
	}
	p.skipSpace()
	return v, p.i == len(b)
}

// release returns p to the pool without its reference to the text (the
// stacks were emptied and cleared as each object and array ended, so the
// pool keeps no record alive).
func (p *jsonParser) release() {
	p.b = nil
	if cap(p.entries) > maxRetainedEntries || cap(p.vals) > maxRetainedEntries {
		p.entries, p.vals = make([]entry, 0, scratchEntries), make([]any, 0, scratchEntries)
	}
	parsers.Put(p)
}

func (p *jsonParser) skipSpace() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// value parses any JSON value at p.i.
func (p *jsonParser) value() (any, bool) {
	p.skipSpace()
	if p.i >= len(p.b) {
		return nil, false
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		return p.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	for _, lit := range [...]struct {
		text string
		v    any
	}{{"true", true}, {"false", false}, {"null", nil}} {
		if len(p.b)-p.i >= len(lit.text) && string(p.b[p.i:p.i+len(lit.text)]) == lit.text {
			p.i += len(lit.text)
			return lit.v, true
		}
	}
	return nil, false
}

// object parses {...} at p.i. Its pairs go on p.entries first, so the
// map is made with its final size; a repeated key keeps its last value,
// as with encoding/json.
func (p *jsonParser) object() (map[string]any, bool) {
	if p.depth++; p.depth > maxJSONDepth {
		return nil, false
	}
	p.i++ // '{'
	base := len(p.entries)
	defer func() { // pop the pairs, dropping their references
		clear(p.entries[base:])
		p.entries = p.entries[:base]
		p.depth--
	}()
	p.skipSpace()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return map[string]any{}, true
	}
	for {
		p.skipSpace()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return nil, false
		}
		k, ok := p.key()
		if !ok {
			return nil, false
		}
		p.skipSpace()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil, false
		}
		p.i++
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		p.entries = append(p.entries, entry{k, v})
		p.skipSpace()
		if p.i >= len(p.b) {
			return nil, false
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			m := make(map[string]any, len(p.entries)-base)
			for _, e := range p.entries[base:] {
				m[e.k] = e.v
			}
			return m, true
		default:
			return nil, false
		}
	}
}

// array parses [...] at p.i. Its elements go on p.vals first, so the
// slice is made with its final length.
func (p *jsonParser) array() ([]any, bool) {
	if p.depth++; p.depth > maxJSONDepth {
		return nil, false
	}
	p.i++ // '['
	base := len(p.vals)
	defer func() { // pop the elements, dropping their references
		clear(p.vals[base:])
		p.vals = p.vals[:base]
		p.depth--
	}()
	p.skipSpace()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return []any{}, true
	}
	for {
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		p.vals = append(p.vals, v)
		p.skipSpace()
		if p.i >= len(p.b) {
			return nil, false
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return append([]any(nil), p.vals[base:]...), true
		default:
			return nil, false
		}
	}
}

// number parses a JSON number at p.i and keeps its text as json.Number.
func (p *jsonParser) number() (json.Number, bool) {
	end, ok := scanNumber(p.b, p.i)
	if !ok {
		return "", false
	}
	start := p.i
	p.i = end
	return json.Number(p.b[start:end]), true
}

// scanNumber returns the end of the JSON number (RFC 8259 grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?) starting at b[j]. It is
// generic so that ValidNumber checks a string without copying it.
func scanNumber[T string | []byte](b T, j int) (int, bool) {
	if j < len(b) && b[j] == '-' {
		j++
	}
	switch {
	case j < len(b) && b[j] == '0':
		j++
	case j < len(b) && b[j] >= '1' && b[j] <= '9':
		j = skipDigits(b, j)
	default:
		return 0, false
	}
	if j < len(b) && b[j] == '.' {
		if j+1 >= len(b) || !isDigit(b[j+1]) {
			return 0, false
		}
		j = skipDigits(b, j+1)
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if j >= len(b) || !isDigit(b[j]) {
			return 0, false
		}
		j = skipDigits(b, j)
	}
	return j, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// skipDigits returns the index after the run of digits starting at j.
func skipDigits[T string | []byte](b T, j int) int {
	for j < len(b) && isDigit(b[j]) {
		j++
	}
	return j
}

// ValidNumber reports whether s is exactly one JSON number, the check
// encoding/json makes on a json.Number before writing it.
func ValidNumber(s string) bool {
	end, ok := scanNumber(s, 0)
	return ok && end == len(s)
}
