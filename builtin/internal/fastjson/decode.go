package fastjson

import (
	"bytes"
	"encoding/json"
)

// maxJSONDepth bounds nesting like encoding/json does (it stops at 10000),
// so a hostile record cannot overflow the stack.
const maxJSONDepth = 10000

// jsonParser walks one JSON text.
type jsonParser struct {
	b     []byte
	i     int
	depth int
}

// DecodeObject decodes b, which must be one JSON object (with optional
// surrounding whitespace), into the map encoding/json with UseNumber
// would build. ok=false means "not sure": decode b with encoding/json
// instead (see the package doc). The map and its strings do not alias b.
func DecodeObject(b []byte) (rec map[string]any, ok bool) {
	p := jsonParser{b: b}
	p.skipSpace()
	if p.i >= len(b) || b[p.i] != '{' {
		return nil, false
	}
	// Every key is followed by `":`: counting them sizes the map once
	// (an overestimate when nested objects or strings hold the pair).
	v, ok := p.object(bytes.Count(b, []byte(`":`)))
	if !ok {
		return nil, false
	}
	p.skipSpace()
	return v, p.i == len(b)
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
		return p.object(0)
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

// object parses {...} at p.i; hint sizes the map.
func (p *jsonParser) object(hint int) (map[string]any, bool) {
	if p.depth++; p.depth > maxJSONDepth {
		return nil, false
	}
	defer func() { p.depth-- }()
	p.i++ // '{'
	m := make(map[string]any, hint)
	p.skipSpace()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return m, true
	}
	for {
		p.skipSpace()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return nil, false
		}
		k, ok := p.str()
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
		m[k] = v
		p.skipSpace()
		if p.i >= len(p.b) {
			return nil, false
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return m, true
		default:
			return nil, false
		}
	}
}

// array parses [...] at p.i.
func (p *jsonParser) array() ([]any, bool) {
	if p.depth++; p.depth > maxJSONDepth {
		return nil, false
	}
	defer func() { p.depth-- }()
	p.i++ // '['
	a := []any{}
	p.skipSpace()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return a, true
	}
	for {
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		a = append(a, v)
		p.skipSpace()
		if p.i >= len(p.b) {
			return nil, false
		}
		switch p.b[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return a, true
		default:
			return nil, false
		}
	}
}

// number parses a JSON number at p.i and keeps its text as json.Number.
func (p *jsonParser) number() (json.Number, bool) {
	start, j := p.i, p.i
	if j < len(p.b) && p.b[j] == '-' {
		j++
	}
	switch {
	case j < len(p.b) && p.b[j] == '0':
		j++
	case j < len(p.b) && p.b[j] >= '1' && p.b[j] <= '9':
		j = skipDigits(p.b, j)
	default:
		return "", false
	}
	if j < len(p.b) && p.b[j] == '.' {
		if j+1 >= len(p.b) || !isDigit(p.b[j+1]) {
			return "", false
		}
		j = skipDigits(p.b, j+1)
	}
	if j < len(p.b) && (p.b[j] == 'e' || p.b[j] == 'E') {
		j++
		if j < len(p.b) && (p.b[j] == '+' || p.b[j] == '-') {
			j++
		}
		if j >= len(p.b) || !isDigit(p.b[j]) {
			return "", false
		}
		j = skipDigits(p.b, j)
	}
	p.i = j
	return json.Number(p.b[start:j]), true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// skipDigits returns the index after the run of digits starting at j.
func skipDigits(b []byte, j int) int {
	for j < len(b) && isDigit(b[j]) {
		j++
	}
	return j
}

// ValidNumber reports whether s is exactly one JSON number, the check
// encoding/json makes on a json.Number before writing it.
func ValidNumber(s string) bool {
	p := jsonParser{b: []byte(s)}
	_, ok := p.number()
	return ok && p.i == len(s)
}
