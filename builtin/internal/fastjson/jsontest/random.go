package jsontest

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
)

// randomAlphabet is the bytes RandomString draws from: the ones escaping
// can get wrong (quotes, backslashes, control characters, an invalid
// byte, the pieces of U+2028/2029, HTML characters) and plain letters.
const randomAlphabet = "ab\"\\\n\b\f\x01\x1f\xff\xe2\x80\xa8\xa9é<&"

// maxRandomStringLen bounds RandomString: long enough for every pair and
// triple of alphabet bytes to turn up, short enough to read in a failure.
const maxRandomStringLen = 12

// The fixed kinds RandomValue draws before the caller's leaves: nil, bool,
// string, json.Number and float64.
const (
	kindNil = iota
	kindBool
	kindString
	kindNumber
	kindFloat
	fixedKinds
)

// containerKinds are the object and array kinds RandomValue adds while
// depth remains.
const containerKinds = 2

// nilContainerOdds is one in how many objects and arrays are nil.
const nilContainerOdds = 8

// maxObjectLen and maxArrayLen bound the objects' members and the arrays'
// elements: enough for ordering and separators, small enough that a value
// nested four deep stays readable in a failure.
const (
	maxObjectLen = 5
	maxArrayLen  = 4
)

// RandomString is a short string of the bytes escaping can get wrong,
// invalid UTF-8 included.
func RandomString(rng *rand.Rand) string {
	b := make([]byte, rng.IntN(maxRandomStringLen))
	for j := range b {
		b[j] = randomAlphabet[rng.IntN(len(randomAlphabet))]
	}
	return string(b)
}

// RandomValue builds a value of what decoded records hold (nil, bool,
// string, json.Number, float64, map[string]any, []any), nesting objects
// and arrays up to depth levels, nil maps and slices included. Each leaf
// is one more kind, as likely as each of those, for the Go numbers the
// caller's encoder also knows (int, int64, ...); a leaf may itself choose
// among several types.
func RandomValue(rng *rand.Rand, depth int, leaves ...func(*rand.Rand) any) any {
	kinds := fixedKinds + len(leaves)
	if depth > 0 {
		kinds += containerKinds
	}
	switch k := rng.IntN(kinds); {
	case k == kindNil:
		return nil
	case k == kindBool:
		return rng.IntN(2) == 0
	case k == kindString:
		s := TrickyStrings[rng.IntN(len(TrickyStrings))]
		if rng.IntN(2) == 0 {
			return s + TrickyStrings[rng.IntN(len(TrickyStrings))]
		}
		return s + RandomString(rng)
	case k == kindNumber:
		if rng.IntN(2) == 0 {
			return TrickyNumbers[rng.IntN(len(TrickyNumbers))]
		}
		return json.Number(strconv.FormatInt(rng.Int64()>>rng.IntN(64), 10))
	case k == kindFloat:
		if rng.IntN(2) == 0 {
			return TrickyFloats[rng.IntN(len(TrickyFloats))]
		}
		f := math.Float64frombits(rng.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return 0.5 // encoding/json refuses these; any finite float will do
		}
		return f
	case k < fixedKinds+len(leaves):
		return leaves[k-fixedKinds](rng)
	case k == fixedKinds+len(leaves):
		if rng.IntN(nilContainerOdds) == 0 {
			return map[string]any(nil)
		}
		m := map[string]any{}
		for n := rng.IntN(maxObjectLen); n > 0; n-- {
			m[TrickyStrings[rng.IntN(len(TrickyStrings))]] = RandomValue(rng, depth-1, leaves...)
		}
		return m
	default:
		if rng.IntN(nilContainerOdds) == 0 {
			return []any(nil)
		}
		s := make([]any, rng.IntN(maxArrayLen))
		for i := range s {
			s[i] = RandomValue(rng, depth-1, leaves...)
		}
		return s
	}
}

// NestedArrays returns n arrays, one inside the other, around leaf.
func NestedArrays(n int, leaf any) any {
	v := leaf
	for ; n > 0; n-- {
		v = []any{v}
	}
	return v
}
