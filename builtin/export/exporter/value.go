package exporter

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// valueEncoder turns one record value into JSON text. Output matches
// JavaScript's JSON.stringify (what HarperDB writes): no HTML escaping,
// numbers in ECMAScript form, NaN and ±Inf as null. What a JSON-decoded
// record holds is appended directly with no allocation: scalars, and
// objects and arrays, which are written byte for byte as encoding/json
// writes them (they went through it before; the output must not change):
// keys sorted bytewise, strings escaped as appendGoString does. Anything
// else goes through one reused json.Encoder.
type valueEncoder struct {
	nested  bytes.Buffer
	enc     *json.Encoder
	scratch []byte
	members []member // the keys of the objects being written, reused
}

// member is one key and value of an object being written.
type member struct {
	key string
	val any
}

// maxDirectDepth is how many levels of nested objects and arrays
// valueEncoder writes itself. Records nest a few levels at most; a deeper
// value goes to encoding/json, which notices a cycle (a map holding
// itself) instead of recursing until the stack overflows.
const maxDirectDepth = 64

// maxRetainedMembers caps the member scratch kept between values, as
// maxRetainedScratch caps the byte scratch: one object with a huge number
// of keys must not pin its scratch for the whole export.
const maxRetainedMembers = 1 << 12

// newValueEncoder returns a valueEncoder with its reusable buffers.
func newValueEncoder() *valueEncoder {
	v := &valueEncoder{}
	v.enc = json.NewEncoder(&v.nested)
	v.enc.SetEscapeHTML(false)
	return v
}

// appendJSON appends the JSON text of x to dst.
func (v *valueEncoder) appendJSON(dst []byte, x any) ([]byte, error) {
	switch t := x.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return appendString(dst, t), nil
	case bool:
		return strconv.AppendBool(dst, t), nil
	case float64:
		return appendFloat(dst, t, 64), nil
	case float32:
		return appendFloat(dst, float64(t), 32), nil
	case int:
		return strconv.AppendInt(dst, int64(t), 10), nil
	case int64:
		return strconv.AppendInt(dst, t, 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(t), 10), nil
	case uint64:
		return strconv.AppendUint(dst, t, 10), nil
	case uint32:
		return strconv.AppendUint(dst, uint64(t), 10), nil
	}
	// json.Number (what a json.Decoder with UseNumber yields: the export
	// family decodes dispatched search results so), objects, arrays and
	// anything else, as encoding/json writes them.
	dst, err := v.appendNested(dst, x, 0)
	if cap(v.members) > maxRetainedMembers {
		v.members = nil
	}
	return dst, err
}

// appendNested appends x as encoding/json (HTML escaping off) writes it,
// x being depth levels deep in objects and arrays.
func (v *valueEncoder) appendNested(dst []byte, x any, depth int) ([]byte, error) {
	switch t := x.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return appendGoString(dst, t), nil
	case bool:
		return strconv.AppendBool(dst, t), nil
	case json.Number:
		// The number's own text, kept digit for digit. An invalid one
		// goes through encoding/json below, which refuses it.
		if t == "" {
			return append(dst, '0'), nil // encoding/json's zero Number
		}
		if validNumber(string(t)) {
			return append(dst, t...), nil
		}
	case float64:
		if !math.IsNaN(t) && !math.IsInf(t, 0) { // encoding/json refuses those
			return appendFloat(dst, t, 64), nil
		}
	case int:
		return strconv.AppendInt(dst, int64(t), 10), nil
	case int64:
		return strconv.AppendInt(dst, t, 10), nil
	case map[string]any:
		if depth < maxDirectDepth {
			return v.appendObject(dst, t, depth)
		}
	case []any:
		if depth < maxDirectDepth {
			return v.appendArray(dst, t, depth)
		}
	}
	return v.appendEncoded(dst, x)
}

// appendObject appends m with its keys sorted bytewise, as encoding/json
// does.
func (v *valueEncoder) appendObject(dst []byte, m map[string]any, depth int) ([]byte, error) {
	if m == nil {
		return append(dst, "null"...), nil
	}
	start := len(v.members)
	for k, val := range m {
		v.members = append(v.members, member{k, val})
	}
	// Deeper objects append past these members (or to a new array), so
	// ms stays intact while they are written.
	ms := v.members[start:]
	slices.SortFunc(ms, func(a, b member) int { return cmp.Compare(a.key, b.key) })
	dst = append(dst, '{')
	var err error
	for i, kv := range ms {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendGoString(dst, kv.key)
		dst = append(dst, ':')
		if dst, err = v.appendNested(dst, kv.val, depth+1); err != nil {
			break
		}
	}
	clear(ms) // drop the references to the record's values
	v.members = v.members[:start]
	if err != nil {
		return dst, err
	}
	return append(dst, '}'), nil
}

// appendArray appends s.
func (v *valueEncoder) appendArray(dst []byte, s []any, depth int) ([]byte, error) {
	if s == nil {
		return append(dst, "null"...), nil
	}
	dst = append(dst, '[')
	for i, x := range s {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = v.appendNested(dst, x, depth+1); err != nil {
			return dst, err
		}
	}
	return append(dst, ']'), nil
}

// appendEncoded appends x through encoding/json: the types appendNested
// does not know, NaN and ±Inf and invalid numbers (refused), values
// nested too deep.
func (v *valueEncoder) appendEncoded(dst []byte, x any) ([]byte, error) {
	v.nested.Reset()
	if err := v.enc.Encode(x); err != nil {
		return dst, fmt.Errorf("encode %T value: %w", x, err)
	}
	dst = append(dst, bytes.TrimSuffix(v.nested.Bytes(), []byte("\n"))...)
	if v.nested.Cap() > maxRetainedScratch {
		// One huge nested value must not pin its buffer for the whole export.
		v.nested = bytes.Buffer{}
	}
	return dst, nil
}

// cell is the CSV text of x: strings as they are, null/missing empty,
// numbers and booleans as in JSON, objects and arrays as their JSON text.
func (v *valueEncoder) cell(x any) (string, error) {
	switch t := x.(type) {
	case nil:
		return "", nil
	case string:
		return t, nil
	case bool:
		if t {
			return "true", nil
		}
		return "false", nil
	case json.Number:
		if validNumber(string(t)) {
			return string(t), nil // the text appendJSON writes, not copied
		}
	}
	b, err := v.appendJSON(v.scratch[:0], x)
	v.scratch = b
	if err != nil {
		return "", err
	}
	switch {
	case string(b) == "null":
		return "", nil
	case len(b) > 0 && b[0] == '"':
		// A type that marshals to a JSON string (time.Time, say): its text.
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return "", fmt.Errorf("decode %T text: %w", x, err)
		}
		return s, nil
	}
	return string(b), nil
}

// Float formatting bounds of ECMAScript's Number::toString (and of
// encoding/json): plain decimal notation for 1e-6 <= |f| < 1e21, exponent
// notation outside.
const (
	minPlainFloat = 1e-6
	maxPlainFloat = 1e21
)

// appendFloat appends f as JavaScript prints it; NaN and ±Inf, which JSON
// cannot hold, become null as JSON.stringify makes them.
func appendFloat(dst []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	abs := math.Abs(f)
	fmtByte := byte('f')
	if abs != 0 && (abs < minPlainFloat || abs >= maxPlainFloat) {
		fmtByte = 'e'
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, fmtByte, -1, bits)
	if fmtByte == 'e' {
		// Go writes e-07 where JavaScript writes e-7.
		n := len(dst)
		if n-start >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

// hexDigits spells \u00XX escapes.
const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string the way JSON.stringify writes
// it: quote, backslash and control characters escaped, everything else
// (non-ASCII, <, >, &) raw. Invalid UTF-8 becomes U+FFFD so the output is
// always valid JSON.
func appendString(dst []byte, s string) []byte { return appendQuoted(dst, s, false) }

// appendGoString appends s as encoding/json writes it with HTML escaping
// off: as appendString, except that invalid UTF-8 becomes the escape
// \ufffd and U+2028 and U+2029 are escaped too. Nested values are
// written so, as they were when encoding/json wrote them.
func appendGoString(dst []byte, s string) []byte { return appendQuoted(dst, s, true) }

// appendQuoted is appendString, or appendGoString when goStyle is set.
func appendQuoted(dst []byte, s string, goStyle bool) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			switch {
			case r == utf8.RuneError && size == 1:
				dst = append(dst, s[start:i]...)
				if goStyle {
					dst = append(dst, `\ufffd`...)
				} else {
					dst = append(dst, "\ufffd"...)
				}
			case goStyle && (r == '\u2028' || r == '\u2029'):
				dst = append(dst, s[start:i]...)
				dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			default:
				i += size
				continue
			}
			i += size
			start = i
			continue
		}
		if c >= 0x20 && c != '"' && c != '\\' {
			i++
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// validNumber reports whether s is a JSON number (RFC 8259 grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?), so a json.Number's text
// can be written as it is.
func validNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		i = skipDigits(s, i)
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		j := skipDigits(s, i+1)
		if j == i+1 {
			return false
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := skipDigits(s, i)
		if j == i {
			return false
		}
		i = j
	}
	return i == len(s)
}

// skipDigits returns the index of the first non-digit of s at or after i.
func skipDigits(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}
