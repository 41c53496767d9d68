package fastjson

import (
	"math/rand/v2"

	"github.com/hops-dev/hops/builtin/internal/fastjson/jsontest"
)

// The shared JSON test inputs and references are in jsontest.

// randomValue builds a value of what decoded records hold, plus what SQL
// answers add (int and int64) and a uint8, which the Encoder hands to
// encoding/json.
func randomValue(rng *rand.Rand, depth int) any {
	return jsontest.RandomValue(rng, depth,
		func(rng *rand.Rand) any { return []any{rng.IntN(2000) - 1000, uint8(rng.Uint32())}[rng.IntN(2)] },
		func(rng *rand.Rand) any { return int64(rng.Uint64()) })
}
