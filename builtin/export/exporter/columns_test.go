package exporter

import (
	"slices"
	"sort"
	"testing"
	"unicode/utf16"
)

func TestColumnsPrimaryKeyFirstThenUTF16Sorted(t *testing.T) {
	attrs := []string{"beta", "__updatedtime__", "id", "_x", "Alpha", "__createdtime__", "beta", ""}
	got := Columns("id", attrs)
	want := []string{"id", "Alpha", "__createdtime__", "__updatedtime__", "_x", "beta"}
	if !slices.Equal(got, want) {
		t.Fatalf("Columns = %q, want %q", got, want)
	}
	if !slices.Equal(attrs, []string{"beta", "__updatedtime__", "id", "_x", "Alpha", "__createdtime__", "beta", ""}) {
		t.Errorf("Columns modified its input: %q", attrs)
	}
	// The reference's dogs table.
	dogs := Columns("id", []string{"name", "breed", "age", "good", "notes", "owner", "tags", "weight", "__createdtime__", "__updatedtime__"})
	wantDogs := []string{"id", "__createdtime__", "__updatedtime__", "age", "breed", "good", "name", "notes", "owner", "tags", "weight"}
	if !slices.Equal(dogs, wantDogs) {
		t.Errorf("dogs columns = %q, want %q", dogs, wantDogs)
	}
	if got := Columns("", []string{"b", "a"}); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("no primary key: %q", got)
	}
	if got := Columns("id", nil); !slices.Equal(got, []string{"id"}) {
		t.Errorf("only primary key: %q", got)
	}
}

func TestCompareUTF16MatchesJavaScriptOrder(t *testing.T) {
	// U+FF21 (fullwidth A) is above U+E000; U+1F600 (emoji) is a surrogate
	// pair starting 0xD83D: JavaScript sorts the emoji first, UTF-8 last.
	names := []string{"\uff21", "\U0001F600", "z", "\ue000x", "a\U0001F601", "a\U0001F600", "a", "ä"}
	got := slices.Clone(names)
	slices.SortFunc(got, compareUTF16)
	want := slices.Clone(names)
	sort.Slice(want, func(i, j int) bool { return lessUnits(utf16.Encode([]rune(want[i])), utf16.Encode([]rune(want[j]))) })
	if !slices.Equal(got, want) {
		t.Fatalf("sorted %q, want %q", got, want)
	}
	if compareUTF16("\U0001F600", "\uff21") >= 0 {
		t.Errorf("emoji must sort before U+FF21 in UTF-16 order")
	}
}

// lessUnits orders UTF-16 code unit sequences, the oracle for compareUTF16.
func lessUnits(a, b []uint16) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}
