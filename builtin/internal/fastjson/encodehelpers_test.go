package fastjson

import (
	"math/rand/v2"

	"github.com/hops-dev/hops/builtin/internal/fastjson/jsontest"
)

// The shared JSON test inputs and references live in jsontest; these
// short names are what this package's tests call them.
var (
	trickyStrings = jsontest.TrickyStrings
	trickyFloats  = jsontest.TrickyFloats
	trickyNumbers = jsontest.TrickyNumbers
	stdJSON       = jsontest.StdJSON
	stdDecode     = jsontest.StdDecode
	randomString  = jsontest.RandomString
	nestedArrays  = jsontest.NestedArrays
)

// randomValue builds a value of what decoded records hold, plus what SQL
// answers add (int and int64) and a uint8, which the Encoder hands to
// encoding/json.
func randomValue(rng *rand.Rand, depth int) any {
	return jsontest.RandomValue(rng, depth,
		func(rng *rand.Rand) any { return []any{rng.IntN(2000) - 1000, uint8(rng.Uint32())}[rng.IntN(2)] },
		func(rng *rand.Rand) any { return int64(rng.Uint64()) })
}
