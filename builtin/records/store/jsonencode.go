package store

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/hops-dev/hops/builtin/internal/fastjson"
)

// appendJSON appends v as JSON. It writes the kinds a decoded request holds
// (maps, slices, strings, json.Number, float64, integers, booleans, null)
// directly, without encoding/json's reflection and its sorting of map
// keys, which cost about half of an insert; key order does not matter in
// storage. Anything else goes through encoding/json. Strings are escaped as
// encoding/json does with HTML escaping off.
func appendJSON(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case string:
		return appendJSONString(b, x), nil
	case json.Number:
		return appendJSONNumber(b, x)
	case float64:
		return appendJSONFloat(b, x)
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case map[string]any:
		return appendJSONObject(b, x)
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendJSON(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	}
	enc, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, enc...), nil
}

// appendJSONObject appends a map as a JSON object, in map order.
func appendJSONObject(b []byte, m map[string]any) ([]byte, error) {
	b = append(b, '{')
	first := true
	for k, e := range m {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendJSONString(b, k)
		b = append(b, ':')
		var err error
		if b, err = appendJSON(b, e); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// appendJSONNumber appends a json.Number after checking it is a JSON
// number; like encoding/json, an empty one is written as 0.
func appendJSONNumber(b []byte, n json.Number) ([]byte, error) {
	if n == "" {
		return append(b, '0'), nil
	}
	if !fastjson.ValidNumber(string(n)) {
		return nil, fmt.Errorf("json: invalid number literal %q", string(n))
	}
	return append(b, n...), nil
}

// Float formatting thresholds of encoding/json (and JavaScript): outside
// [1e-6, 1e21) a number is written with an exponent.
const (
	minPlainFloat = 1e-6
	maxPlainFloat = 1e21
)

// appendJSONFloat writes a float64 exactly as encoding/json does.
func appendJSONFloat(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("json: unsupported value: %v", f)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < minPlainFloat || abs >= maxPlainFloat) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' { // e-09 -> e-9, as encoding/json
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

// hexDigits spells \u escapes.
const hexDigits = "0123456789abcdef"

// appendJSONString appends s quoted: '"', '\\' and control characters
// escaped, invalid UTF-8 replaced by U+FFFD, U+2028 and U+2029 escaped
// (JavaScript would end a line there).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= ' ' && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
