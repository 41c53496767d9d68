package fastjson

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

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

// maxEscapedPrealloc caps the buffer first allocated for a string holding
// escapes: the decoded string is never longer than the rest of the input,
// but sizing every escaped string by the whole rest of a large object
// would make a megabyte record with many such strings allocate quadratically;
// longer strings grow the buffer by append instead.
const maxEscapedPrealloc = 256

// escapedStr parses a string holding escapes, from its first byte.
func (p *jsonParser) escapedStr(start int) (string, bool) {
	out := make([]byte, 0, min(len(p.b)-start, maxEscapedPrealloc))
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
