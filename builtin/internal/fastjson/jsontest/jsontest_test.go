package jsontest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

func TestStdJSON(t *testing.T) {
	for v, want := range map[any]string{"<&\u2028\n": `"<&\u2028\n"`, 1e21: "1e+21", json.Number("1.50"): "1.50"} {
		if got := StdJSON(t, v); got != want {
			t.Errorf("StdJSON(%#v) = %s, want %s", v, got, want)
		}
	}
}

func TestStdDecode(t *testing.T) {
	m, err := StdDecode([]byte(`{"n":1.50,"a":[true]}`))
	if err != nil || m["n"] != json.Number("1.50") || fmt.Sprint(m["a"]) != "[true]" {
		t.Errorf("got %#v, %v", m, err)
	}
	for _, bad := range []string{`{"a":1}x`, `{"a":1} {}`, `[1]`, `{`} {
		if m, err := StdDecode([]byte(bad)); err == nil {
			t.Errorf("StdDecode(%q) = %#v, want an error", bad, m)
		}
	}
	if m, err := StdDecode([]byte(`null`)); err != nil || m != nil {
		t.Errorf("null: %#v, %v", m, err)
	}
}

// TestRandomValueCoversEveryKind pins that the random values hold every
// kind, the caller's leaves included, at every depth the callers use.
func TestRandomValueCoversEveryKind(t *testing.T) {
	type marker struct{}
	rng := rand.New(rand.NewPCG(1, 2))
	seen := map[string]bool{}
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		key := fmt.Sprintf("%T", v)
		switch x := v.(type) {
		case map[string]any:
			key += fmt.Sprint(x == nil)
			for _, e := range x {
				walk(e, depth+1)
			}
		case []any:
			key += fmt.Sprint(x == nil)
			for _, e := range x {
				walk(e, depth+1)
			}
		case string:
			key += fmt.Sprint(utf8.ValidString(x))
		}
		if depth > 0 {
			seen["nested"] = true
		}
		seen[key] = true
	}
	for range 2000 {
		walk(RandomValue(rng, 3, func(*rand.Rand) any { return marker{} }), 0)
	}
	for _, want := range []string{"<nil>", "bool", "stringtrue", "stringfalse", "json.Number", "float64",
		"jsontest.marker", "map[string]interface {}true", "map[string]interface {}false", "[]interface {}true",
		"[]interface {}false", "nested"} {
		if !seen[want] {
			t.Errorf("no %s in 2000 random values; saw %v", want, seen)
		}
	}
	for range 200 {
		switch v := RandomValue(rng, 0).(type) {
		case map[string]any, []any:
			t.Fatalf("depth 0 gave a container %#v", v)
		}
	}
}

func TestNestedArrays(t *testing.T) {
	if got := StdJSON(t, NestedArrays(3, "x")); got != `[[["x"]]]` {
		t.Errorf("got %s", got)
	}
}

func TestStringify(t *testing.T) {
	for s, want := range map[string]string{"a\"\\\n\x01": `"a\"\\\n\u0001"`, "\u2028<": "\"\u2028<\"", "\xff": "\"\ufffd\""} {
		if got := Stringify(s); got != want {
			t.Errorf("Stringify(%q) = %s, want %s", s, got, want)
		}
	}
}

func TestLoaderRecordAndTwist(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	twisted := 0
	for i := range 400 {
		text := LoaderRecord(i)
		var rec map[string]any
		if err := json.Unmarshal(text, &rec); err != nil || len(rec) != 11 || rec["id"] != float64(i) {
			t.Fatalf("LoaderRecord(%d) = %s: %v", i, text, err)
		}
		got := Twist(rng, text)
		if string(got) == string(text) {
			continue
		}
		twisted++
		var again map[string]any
		if err := json.Unmarshal(got, &again); err != nil {
			t.Fatalf("Twist made %s invalid: %v", got, err)
		}
	}
	if twisted < 50 || twisted > 150 {
		t.Errorf("Twist rewrote %d of 400 texts, want about a quarter", twisted)
	}
}
