package store

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// The stored records are JSON written by encoding/json, read back millions
// of times by Scan and searches. encoding/json's reflection-based decoder
// spends ~6 µs on a 10-field record; this parser builds the same
// map[string]any (numbers as json.Number) several times faster. It accepts
// only what it is sure of and reports failure on anything unusual (a lone
// surrogate escape, invalid UTF-8, deep nesting), and decodeValue then falls
// back to encoding/json, so both always agree. A fuzz test checks that.

// maxJSONDepth bounds nesting like encoding/json does (it stops at 10000),
// so a hostile record cannot overflow the stack.
const maxJSONDepth = 10000

// jsonParser walks one JSON text.
type jsonParser struct {
	b     []byte
	i     int
	depth int
}

// fastDecodeObject decodes a JSON object, or returns ok=false.
func fastDecodeObject(b []byte) (rec map[string]any, ok bool) {
	p := jsonParser{b: b}
	p.skipSpace()
	if p.i >= len(b) || b[p.i] != '{' {
		return nil, false
	}
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

// str parses a string at p.i (which is '"').
func (p *jsonParser) str() (string, bool) {
	start := p.i + 1
	ascii := true
	for j := start; j < len(p.b); j++ {
		switch c := p.b[j]; {
		case c == '"':
			p.i = j + 1
			if !ascii && !utf8.Valid(p.b[start:j]) {
				return "", false
			}
			return string(p.b[start:j]), true
		case c == '\\':
			return p.escapedStr(start)
		case c < ' ':
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", false
}

// escapedStr parses a string holding escapes, from its first byte.
func (p *jsonParser) escapedStr(start int) (string, bool) {
	out := make([]byte, 0, 2*(len(p.b)-start))
	for j := start; j < len(p.b); {
		c := p.b[j]
		switch {
		case c == '"':
			p.i = j + 1
			if !utf8.Valid(out) {
				return "", false
			}
			return string(out), true
		case c < ' ':
			return "", false
		case c != '\\':
			out = append(out, c)
			j++
			continue
		}
		if j+1 >= len(p.b) {
			return "", false
		}
		switch e := p.b[j+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, n, ok := p.unicodeEscape(j)
			if !ok {
				return "", false
			}
			out = utf8.AppendRune(out, r)
			j += n
			continue
		default:
			return "", false
		}
		j += 2
	}
	return "", false
}

// unicodeEscape decodes \uXXXX (or a surrogate pair \uXXXX\uXXXX) at j and
// returns the rune and the bytes consumed. A lone surrogate is left to
// encoding/json.
func (p *jsonParser) unicodeEscape(j int) (rune, int, bool) {
	r, ok := p.hex4(j)
	if !ok {
		return 0, 0, false
	}
	if !utf16.IsSurrogate(r) {
		return r, 6, true
	}
	if j+12 > len(p.b) || p.b[j+6] != '\\' || p.b[j+7] != 'u' {
		return 0, 0, false
	}
	r2, ok := p.hex4(j + 6)
	if !ok {
		return 0, 0, false
	}
	if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
		return dec, 12, true
	}
	return 0, 0, false
}

// hex4 reads the four hex digits of \uXXXX starting at j (the backslash).
func (p *jsonParser) hex4(j int) (rune, bool) {
	if j+6 > len(p.b) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(p.b[j+2:j+6]), 16, 16)
	return rune(v), err == nil
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
