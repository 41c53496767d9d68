// Package jsonobj reads the top-level members of a JSON object without
// decoding it: each member's key and the raw text of its value, as
// sub-slices of the input. It is how the host finds a request's
// "operation" and how Request.Fields splits a body, on every request; the
// standard library would decode the whole object through reflection and
// copy every value, and the third-party decoders (fastjson, gjson, sonic)
// would add a dependency for what is one loop over a text that
// encoding/json's json.Valid has already checked.
//
// Keys compare as JavaScript compares them (exactly: "Operation" is not
// "operation"); of duplicate keys, callers that keep the last one agree
// with JSON.parse and with encoding/json's map decoding.
package jsonobj

import (
	"encoding/json"
	"iter"
	"unicode/utf8"
)

// Members yields the members of obj, a JSON object that json.Valid
// accepts (leading and trailing white space allowed), in order: each key
// as written (quotes and escapes included; see Key and KeyIs) and the
// raw text of its value. Given text that is not a valid object, it yields
// nothing useful and may stop early, but never panics.
func Members(obj []byte) iter.Seq2[[]byte, []byte] {
	return func(yield func(key, value []byte) bool) {
		i := skipSpace(obj, 0)
		if i >= len(obj) || obj[i] != '{' {
			return
		}
		i++
		for {
			i = skipSpace(obj, i)
			if i < len(obj) && obj[i] == ',' {
				i = skipSpace(obj, i+1)
			}
			if i >= len(obj) || obj[i] != '"' {
				return // '}' or not an object
			}
			kend := skipString(obj, i)
			key := obj[i:kend]
			i = skipSpace(obj, kend)
			if i >= len(obj) || obj[i] != ':' {
				return
			}
			i = skipSpace(obj, i+1)
			if i >= len(obj) {
				return
			}
			vend := skipValue(obj, i)
			if !yield(key, obj[i:vend]) {
				return
			}
			i = vend
		}
	}
}

// Key decodes a key as Members yields it.
func Key(raw []byte) string {
	if PlainASCII(raw) && len(raw) >= 2 {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

// KeyIs reports whether a key as Members yields it spells name.
func KeyIs(raw []byte, name string) bool {
	if PlainASCII(raw) && len(raw) >= 2 {
		return string(raw[1:len(raw)-1]) == name
	}
	return Key(raw) == name
}

// PlainASCII reports whether the JSON text q holds only ASCII and no
// escape: for a string, its text between the quotes is then its value
// (encoding/json would replace bytes that are not UTF-8 with U+FFFD).
func PlainASCII(q []byte) bool {
	for _, c := range q {
		if c == '\\' || c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just past the string that starts at i.
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// skipValue returns the index just past the value that starts at i.
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = skipString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	default: // a number, true, false or null
		for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' && b[i] != '\t' && b[i] != '\n' && b[i] != '\r' {
			i++
		}
		return i
	}
}
