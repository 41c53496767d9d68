package jsontest

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
)

// TrickyValues are what JSON writers get wrong, as top-level values and
// inside an object and an array: each tricky string, float and number.
func TrickyValues() []any {
	var out []any
	for _, s := range TrickyStrings {
		out = append(out, s, map[string]any{s: s}, []any{s})
	}
	for _, f := range TrickyFloats {
		out = append(out, f, []any{f, -f})
	}
	for _, n := range TrickyNumbers {
		out = append(out, n, map[string]any{"n": n})
	}
	return out
}

// Stringify is JavaScript's JSON.stringify of s, written plainly as a
// reference for the escaping writers: ranging over a string yields U+FFFD
// for each invalid byte, as they write it, and U+2028/2029 stay raw.
func Stringify(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	short := map[rune]string{'"': `\"`, '\\': `\\`, '\b': `\b`, '\f': `\f`, '\n': `\n`, '\r': `\r`, '\t': `\t`}
	for _, r := range s {
		switch {
		case short[r] != "":
			b.WriteString(short[r])
		case r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// LoaderRecord is the JSON text of record i shaped like
// scripts/bench/loader's rows, for benchmarks: eleven attributes of every
// JSON kind (strings, integers, decimals, a boolean, an array, a nested
// object, a date string), about 300 bytes, compact, nested keys sorted.
func LoaderRecord(i int) []byte {
	return fmt.Appendf(nil, `{"id":%d,"name":"user %d","email":"user%d@example.com","age":%d,"score":%d.%03d,`+
		`"balance":%d.%02d,"active":%t,"category":"retail","tags":["red","vip","eu"],`+
		`"address":{"city":"Denver","street":"%d Main St","zip":"%05d"},"created":"2021-03-04T05:06:07.%03dZ"}`,
		i, i, i, 18+i%70, i%1000, i%997, i*37%100000, i%100, i%2 == 0, 1+i%9999, i*7919%100000, i%1000)
}

// Twist returns the compact object text, one time in four rewritten in a
// way a writer that copies record text must notice and decode instead: a
// space after the first colon, the key "id" written with an escape, or a
// repeated "id" member in front (the object should have an "id").
func Twist(rng *rand.Rand, text []byte) []byte {
	switch rng.IntN(12) {
	case 0:
		return bytes.Replace(text, []byte(`:`), []byte(`: `), 1)
	case 1:
		return bytes.Replace(text, []byte(`"id"`), []byte(`"\u0069d"`), 1)
	case 2:
		if len(text) > 2 {
			return append([]byte(`{"id":-1,`), text[1:]...)
		}
	}
	return text
}
