package exporter

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hops-dev/hops/builtin/internal/fastjson"
	"github.com/hops-dev/hops/builtin/internal/fastjson/jsontest"
)

// randomValue builds a value of what decoded records hold, plus the Go
// numbers appendJSON knows: int, int64, int32, uint64 and uint32 (one
// kind), and float32.
func randomValue(rng *rand.Rand, depth int) any {
	return jsontest.RandomValue(rng, depth,
		func(rng *rand.Rand) any {
			return []any{rng.IntN(2000) - 1000, int64(rng.Uint64()), int32(rng.Uint32()), rng.Uint64(), rng.Uint32()}[rng.IntN(5)]
		},
		func(rng *rand.Rand) any { return float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(50)-25))) })
}

func TestAppendStringIsJSONStringify(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	cases := append([]string(nil), jsontest.TrickyStrings...)
	for i := 0; i < 3000; i++ {
		cases = append(cases, jsontest.RandomString(rng))
	}
	for _, s := range cases {
		if got, want := string(appendString(nil, s)), jsontest.Stringify(s); got != want {
			t.Fatalf("appendString(%q) = %s, want %s", s, got, want)
		}
	}
}

func TestNestedValuesMatchEncodingJSON(t *testing.T) {
	var cases []any
	for _, s := range jsontest.TrickyStrings {
		cases = append(cases, map[string]any{s: s}, []any{s})
	}
	for _, f := range jsontest.TrickyFloats {
		cases = append(cases, []any{f, -f}, map[string]any{"f": f})
	}
	for _, n := range jsontest.TrickyNumbers {
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
		want := jsontest.StdJSON(t, x)
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

func TestNestedValuesDeepCyclicOrRefused(t *testing.T) {
	v := newValueEncoder()
	// Past fastjson.MaxDirectDepth encoding/json writes the rest, the same text.
	for _, n := range []int{fastjson.MaxDirectDepth - 1, fastjson.MaxDirectDepth, fastjson.MaxDirectDepth + 1, 3 * fastjson.MaxDirectDepth} {
		x := jsontest.NestedArrays(n, map[string]any{"x": "<\u2028\xff>"})
		if got, err := v.appendJSON(nil, x); err != nil || string(got) != jsontest.StdJSON(t, x) {
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
