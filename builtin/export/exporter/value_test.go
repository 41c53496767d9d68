package exporter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/hops-dev/hops/builtin/internal/fastjson"
)

// viaEncodingJSON is what encoding/json writes for x with HTML escaping
// off: what appendJSON wrote for nested values before writing them
// itself.
func viaEncodingJSON(t testing.TB, x any) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(x); err != nil {
		t.Fatalf("encoding/json refuses %#v: %v", x, err)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// stringifyString is JSON.stringify of s, written plainly as a reference
// for appendString: ranging over a string yields U+FFFD for each invalid
// byte, as appendString writes it.
func stringifyString(s string) string {
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

// trickyStrings hold what string escaping can get wrong: quotes,
// backslashes, every kind of control character, HTML characters (left
// alone), U+2028/2029, invalid UTF-8 and a literal U+FFFD.
var trickyStrings = []string{"", "a", `"`, `\`, `\u2028`, "\b\f\n\r\t\x00\x1f\x7f", "<b>&amp;</b>", "\u2028x\u2029",
	"\xff", "\xc3", "\xed\xa0\x80", "\ufffd", "é✓𝄞", "key with spaces", "Z", "_", "aa", "a\x00"}

// trickyFloats hold the float64 forms JSON writers get wrong: exponent
// bounds, negative zero, integers beyond 2^53, extremes.
var trickyFloats = []float64{0, math.Copysign(0, -1), 1, -1.5, 0.1, 1e20, 1e21, 123456789e13, 1e-6, 1e-7,
	9.999999e-7, -1e-7, 1e100, 1e-100, 12345678901234567890, 1 << 53, 1<<53 + 2, math.MaxFloat64,
	math.SmallestNonzeroFloat64, -math.MaxFloat64}

// trickyNumbers are valid json.Number texts, kept digit for digit ("" is
// encoding/json's 0).
var trickyNumbers = []json.Number{"", "0", "-0", "1.50", "1e400", "-12.5E+3", "123456789012345678901234567890"}

// randomValue builds a value of what decoded records hold, plus the Go
// numbers appendJSON knows, nesting objects and arrays up to depth levels,
// nil maps and slices included.
func randomValue(rng *rand.Rand, depth int) any {
	kinds := 9
	if depth <= 0 {
		kinds = 7
	}
	switch rng.IntN(kinds) {
	case 0:
		return nil
	case 1:
		return rng.IntN(2) == 0
	case 2:
		return trickyStrings[rng.IntN(len(trickyStrings))] + trickyStrings[rng.IntN(len(trickyStrings))]
	case 3:
		if rng.IntN(2) == 0 {
			return trickyNumbers[rng.IntN(len(trickyNumbers))]
		}
		return json.Number(strconv.FormatInt(rng.Int64()>>rng.IntN(64), 10))
	case 4:
		if rng.IntN(2) == 0 {
			return trickyFloats[rng.IntN(len(trickyFloats))]
		}
		f := math.Float64frombits(rng.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return 0.5
		}
		return f
	case 5:
		return []any{rng.IntN(2000) - 1000, int64(rng.Uint64()), int32(rng.Uint32()), rng.Uint64(), rng.Uint32()}[rng.IntN(5)]
	case 6:
		return float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(50)-25)))
	case 7:
		if rng.IntN(8) == 0 {
			return map[string]any(nil)
		}
		m := map[string]any{}
		for n := rng.IntN(5); n > 0; n-- {
			m[trickyStrings[rng.IntN(len(trickyStrings))]] = randomValue(rng, depth-1)
		}
		return m
	default:
		if rng.IntN(8) == 0 {
			return []any(nil)
		}
		s := make([]any, rng.IntN(4))
		for i := range s {
			s[i] = randomValue(rng, depth-1)
		}
		return s
	}
}

func TestAppendStringIsJSONStringify(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	alphabet := []byte("ab\"\\\n\b\f\x01\x1f\xff\xe2\x80\xa8\xa9é<&")
	cases := append([]string(nil), trickyStrings...)
	for i := 0; i < 3000; i++ {
		b := make([]byte, rng.IntN(12))
		for j := range b {
			b[j] = alphabet[rng.IntN(len(alphabet))]
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		if got, want := string(appendString(nil, s)), stringifyString(s); got != want {
			t.Fatalf("appendString(%q) = %s, want %s", s, got, want)
		}
	}
}

func TestNestedValuesMatchEncodingJSON(t *testing.T) {
	var cases []any
	for _, s := range trickyStrings {
		cases = append(cases, map[string]any{s: s}, []any{s})
	}
	for _, f := range trickyFloats {
		cases = append(cases, []any{f, -f}, map[string]any{"f": f})
	}
	for _, n := range trickyNumbers {
		cases = append(cases, n, []any{n})
	}
	cases = append(cases, map[string]any{}, []any{}, map[string]any(nil), []any(nil), []any{float32(1e-7), float32(0.1)},
		map[string]any{"b": map[string]any{"d": []any{}, "c": nil}, "a": []any{[]any{1, int64(2)}}})
	rng := rand.New(rand.NewPCG(9, 10))
	for i := 0; i < 5000; i++ {
		cases = append(cases, []any{randomValue(rng, 4)}, map[string]any{"k": randomValue(rng, 4)})
	}
	v := newValueEncoder()
	for _, x := range cases {
		want := viaEncodingJSON(t, x)
		got, err := v.appendJSON(nil, x)
		if err != nil || string(got) != want {
			t.Fatalf("appendJSON(%#v) = %s, %v\nencoding/json: %s", x, got, err, want)
		}
		// A CSV cell is the JSON text of an object, array or number; null
		// is an empty cell.
		if want == "null" {
			want = ""
		}
		if cell, err := v.cell(x); err != nil || cell != want {
			t.Fatalf("cell(%#v) = %s, %v; want %s", x, cell, err, want)
		}
	}
}

// nestedArrays returns n arrays, one inside the other, around leaf.
func nestedArrays(n int, leaf any) any {
	v := leaf
	for ; n > 0; n-- {
		v = []any{v}
	}
	return v
}

func TestNestedValuesDeepCyclicOrRefused(t *testing.T) {
	v := newValueEncoder()
	// Past fastjson.MaxDirectDepth encoding/json writes the rest, the same text.
	for _, n := range []int{fastjson.MaxDirectDepth - 1, fastjson.MaxDirectDepth, fastjson.MaxDirectDepth + 1, 3 * fastjson.MaxDirectDepth} {
		x := nestedArrays(n, map[string]any{"x": "<\u2028\xff>"})
		if got, err := v.appendJSON(nil, x); err != nil || string(got) != viaEncodingJSON(t, x) {
			t.Errorf("%d levels: %.80s..., %v", n, got, err)
		}
	}
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	// Nested, what encoding/json refuses stays refused (at the top level
	// NaN and ±Inf are null, as JSON.stringify writes them).
	for _, bad := range []any{cyclic, []any{math.NaN()}, map[string]any{"i": math.Inf(1)},
		[]any{json.Number("0x10")}, json.Number("1."), map[string]any{"c": []any{make(chan int)}}} {
		if got, err := v.appendJSON(nil, bad); err == nil {
			t.Errorf("appendJSON(%#v) = %s, want an error", bad, got)
		}
		if got, err := v.cell(bad); err == nil {
			t.Errorf("cell(%#v) = %s, want an error", bad, got)
		}
	}
	// The encoder still works after an error mid-object.
	if got, err := v.appendJSON(nil, map[string]any{"b": 1, "a": []any{"x"}}); err != nil || string(got) != `{"a":["x"],"b":1}` {
		t.Errorf("after errors: %s, %v", got, err)
	}
}

func TestTopLevelValuesAreJSONStringify(t *testing.T) {
	v := newValueEncoder()
	// What this family writes unlike encoding/json, at the top level only.
	for x, want := range map[any]string{
		"a\xff\u2028b":         "\"a\ufffd\u2028b\"",
		math.NaN():             "null",
		math.Inf(-1):           "null",
		float32(math.Inf(1)):   "null",
		float32(1e-7):          "1e-7",
		int32(-5):              "-5",
		uint64(math.MaxUint64): "18446744073709551615",
		uint32(7):              "7",
	} {
		if got, err := v.appendJSON(nil, x); err != nil || string(got) != want {
			t.Errorf("appendJSON(%#v) = %s, %v; want %s", x, got, err, want)
		}
	}
	// Nested, the same values are written as encoding/json writes them.
	if got, err := v.appendJSON(nil, []any{"a\xff\u2028b"}); err != nil || string(got) != `["a\ufffd\u2028b"]` {
		t.Errorf("nested string: %s, %v", got, err)
	}
	_, err := v.appendJSON(nil, []any{make(chan int)})
	if want := "encode chan int value: json: unsupported type: chan int"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}
