package sqlq

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestCompareStringsUTF16(t *testing.T) {
	// U+FF5E (one UTF-16 unit 0xFF5E) sorts after U+1F600 (high surrogate
	// 0xD83D) in JavaScript, though its UTF-8 bytes sort first.
	if compareStrings("\U0001F600", "\uFF5E") >= 0 {
		t.Fatal("astral character should sort before U+FF5E")
	}
	if strings.Compare("\U0001F600", "\uFF5E") <= 0 {
		t.Fatal("byte order premise changed")
	}
	cases := []struct {
		a, b string
		want int
	}{
		{"a", "b", -1}, {"b", "a", 1}, {"a", "a", 0}, {"a", "ab", -1}, {"", "a", -1},
		{"Alpha", "__createdtime__", -1}, {"_x", "beta", 1 - 2}, {"é", "z", 1},
		{"x\U0001F600", "x\uFF5E", -1},
	}
	for _, c := range cases {
		if got := compareStrings(c.a, c.b); got != c.want {
			t.Errorf("compareStrings(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestOrderValuesKinds(t *testing.T) {
	vals := []any{"b", json.Number("10"), map[string]any{"a": 1.0}, nil, true, 2.0, "a", false, int64(3), []any{1.0}}
	slices.SortStableFunc(vals, orderValues)
	var parts []string
	for _, v := range vals {
		parts = append(parts, jsonText(v))
	}
	want := `null false true 2 3 10 "a" "b" [1] {"a":1}`
	if got := strings.Join(parts, " "); got != want {
		t.Fatalf("order = %s, want %s", got, want)
	}
}

func TestValueKeys(t *testing.T) {
	same := [][]any{
		{1.0, json.Number("1"), json.Number("1.0"), int(1), int64(1), uint32(1), float32(1)},
		{0.0, json.Number("-0")},
		{"1"},
		{true},
		{nil},
	}
	seen := map[string]int{}
	for i, group := range same {
		k := string(appendKey(nil, group[0]))
		for _, v := range group[1:] {
			if got := string(appendKey(nil, v)); got != k {
				t.Errorf("key(%#v) = %q, want %q like %#v", v, got, k, group[0])
			}
		}
		if j, dup := seen[k]; dup {
			t.Errorf("groups %d and %d share key %q", i, j, k)
		}
		seen[k] = i
	}
	// Two strings whose concatenations collide must not share a key list.
	a := appendKey(appendKey(nil, "a;"), "b")
	b := appendKey(appendKey(nil, "a"), ";b")
	if string(a) == string(b) {
		t.Fatal("key encoding is ambiguous")
	}
}

func TestCompareValues(t *testing.T) {
	// HarperDB compares a quoted number with a number, "true"/"false" with
	// a boolean; other strings never compare with either.
	if n, ok := compareValues(1.0, " 1 "); !ok || n != 0 {
		t.Fatal("1 and '1' must be equal")
	}
	if n, ok := compareValues("false", false); !ok || n != 0 {
		t.Fatal("'false' and false must be equal")
	}
	if _, ok := compareValues(1.0, "x1"); ok {
		t.Fatal("number and non-numeric string must not compare")
	}
	if _, ok := compareValues(true, "yes"); ok {
		t.Fatal("boolean and other string must not compare")
	}
	if _, ok := compareValues(nil, nil); ok {
		t.Fatal("NULL must not compare")
	}
	if n, ok := compareValues(json.Number("2"), 10.0); !ok || n >= 0 {
		t.Fatal("json.Number vs float64")
	}
	if !equalValues([]any{"a"}, []any{"a"}) || equalValues(map[string]any{"a": 1.0}, []any{"a"}) {
		t.Fatal("objects compare by JSON text")
	}
}
