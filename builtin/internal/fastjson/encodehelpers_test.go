package fastjson

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// stdJSON is what encoding/json writes for v with HTML escaping off.
func stdJSON(t testing.TB, v any) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatalf("encoding/json refuses %#v: %v", v, err)
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

// trickyStrings hold what string escaping can get wrong: quotes,
// backslashes, every kind of control character, HTML characters (left
// alone), U+2028/2029 (escaped), invalid UTF-8 (U+FFFD) and a literal
// U+FFFD (kept).
var trickyStrings = []string{"", "a", `"`, `\`, `\u2028`, "\b\f\n\r\t\x00\x1f\x7f", "<b>&amp;</b>", "\u2028x\u2029",
	"\xff", "\xc3", "\xed\xa0\x80", "\ufffd", "é✓𝄞", "key with spaces", "Z", "_", "aa", "a\x00"}

// trickyFloats hold the float64 forms encoding/json writes differently:
// exponent bounds, negative zero, integers beyond 2^53, extremes.
var trickyFloats = []float64{0, math.Copysign(0, -1), 1, -1.5, 0.1, 1e20, 1e21, 123456789e13, 1e-6, 1e-7,
	9.999999e-7, -1e-7, 1e100, 1e-100, 12345678901234567890, 1 << 53, 1<<53 + 2, math.MaxFloat64,
	math.SmallestNonzeroFloat64, -math.MaxFloat64}

// trickyNumbers are valid json.Number texts, kept digit for digit ("" is
// encoding/json's 0).
var trickyNumbers = []json.Number{"", "0", "-0", "1.50", "1e400", "-12.5E+3", "123456789012345678901234567890"}

// randomString is a short string of bytes escaping can get wrong.
func randomString(rng *rand.Rand) string {
	const alphabet = "ab\"\\\n\b\f\x01\x1f\xff\xe2\x80\xa8\xa9é<&"
	b := make([]byte, rng.IntN(12))
	for j := range b {
		b[j] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

// randomValue builds a value of what decoded records hold (and what SQL
// answers add: float64, int, int64; and a uint8, which encoding/json
// writes), nesting objects and arrays up to depth levels, nil maps and
// slices included.
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
		return trickyStrings[rng.IntN(len(trickyStrings))] + randomString(rng)
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
		return []any{rng.IntN(2000) - 1000, uint8(rng.Uint32())}[rng.IntN(2)]
	case 6:
		return int64(rng.Uint64())
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

// nestedArrays returns n arrays, one inside the other, around leaf.
func nestedArrays(n int, leaf any) any {
	v := leaf
	for ; n > 0; n-- {
		v = []any{v}
	}
	return v
}
