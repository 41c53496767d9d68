package config

import (
	"errors"
	"strings"
	"testing"
)

func TestSpliceKeepsBytes(t *testing.T) {
	cases := []struct {
		name, src string
		path      string
		value     any
		want      string
	}{
		{"scalar keeps comment spacing", "a: 1   # one\nb: 2\n", "a", int64(2), "a: 2   # one\nb: 2\n"},
		{"empty value", "a:\nb: 1\n", "a", int64(5), "a: 5\nb: 1\n"},
		{"empty value with comment", "a: # later\nb: 1\n", "a", "x", "a: x # later\nb: 1\n"},
		{"quoted value", "a: \"x # y\" # c\n", "a", "z", "a: z # c\n"},
		{"apostrophe in plain text", "a: it's # c\n", "a", "x", "a: x # c\n"},
		{"quoted key", "'a': 1\n", "a", int64(2), "'a': 2\n"},
		{"unicode before the value", "é:\n  b: 1\n", "é.b", int64(2), "é:\n  b: 2\n"},
		{"block replaced by scalar", "a:\n  b: 1\n  c: 2\n# about d\nd: 3\n", "a", int64(7), "a: 7\n# about d\nd: 3\n"},
		{"scalar replaced by block", "a: 1 # c\nb: 2\n", "a", []any{"x", "w"}, "a: # c\n  - x\n  - w\nb: 2\n"},
		{"scalar parent becomes a map", "threads: 3\nz: 1\n", "threads.count", int64(2), "threads:\n  count: 2\nz: 1\n"},
		{"flow parent is rewritten as a block", "a: {b: 1}\nz: 1\n", "a.c", int64(2), "a:\n  b: 1\n  c: 2\nz: 1\n"},
		{"insert keeps the section's indent", "a:\n    b: 1\n\n# c\nc: 2\n", "a.d", int64(5), "a:\n    b: 1\n    d: 5\n\n# c\nc: 2\n"},
		{"insert deep path", "a:\n  b: 1\n", "a.x.z", true, "a:\n  b: 1\n  x:\n    z: true\n"},
		{"insert at end without newline", "a: 1", "b", int64(2), "a: 1\nb: 2\n"},
		{"comments-only document", "# hi\n", "a.b", int64(1), "# hi\na:\n  b: 1\n"},
		{"empty document", "", "a", "x", "a: x\n"},
		{"CRLF", "a: 1\r\nb:\r\n  c: 2\r\n", "b.d", int64(3), "a: 1\r\nb:\r\n  c: 2\r\n  d: 3\r\n"},
		{"string needing quotes", "a: x\n", "a", "yes", "a: \"yes\"\n"},
		{"multi-line string", "a: x # c\nb: 1\n", "a", "l1\nl2", "a: |- # c\n  l1\n  l2\nb: 1\n"},
		{"null", "a: 5\n", "a", nil, "a: null\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := editYAML([]byte(tc.src), []edit{{path: strings.Split(tc.path, "."), value: tc.value}})
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got:\n%q\nwant:\n%q", got, tc.want)
			}
		})
	}
}

// A literal block whose last line starts with '#' defeats the line-based
// splice (the line looks like a comment, so a new key lands inside the
// block); the node-tree fallback must still give the right document and keep
// the comments.
func TestEditFallsBackToNodeTree(t *testing.T) {
	src := "# head\na:\n  s: |\n    x\n    # y\nb: 1 # keep\n"
	e := edit{path: []string{"a", "t"}, value: int64(1)}
	want, err := intended([]byte(src), []edit{e})
	if err != nil {
		t.Fatal(err)
	}
	if spliced, err := splice([]byte(src), e); err == nil && readsAs(spliced, want) {
		t.Fatal("this layout no longer defeats the splice; the test does not reach the fallback")
	}
	out, err := editYAML([]byte(src), []edit{e})
	if err != nil {
		t.Fatal(err)
	}
	if !readsAs(out, want) {
		t.Errorf("fallback result reads wrong:\n%s", out)
	}
	for _, c := range []string{"# head", "# keep"} {
		if !strings.Contains(string(out), c) {
			t.Errorf("comment %q lost:\n%s", c, out)
		}
	}
}

// Editing an anchored node would also change its aliases; neither strategy
// can do that faithfully, so the edit is refused.
func TestEditRefusesToChangeAliases(t *testing.T) {
	src := "a: &x\n  b: 1\nc: *x\n"
	_, err := editYAML([]byte(src), []edit{{path: []string{"a", "b"}, value: int64(2)}})
	if !errors.Is(err, errEditMismatch) {
		t.Errorf("error = %v, want errEditMismatch", err)
	}
}

func TestEditRefusesNonMapping(t *testing.T) {
	_, err := editYAML([]byte("- a\n- b\n"), []edit{{path: []string{"a"}, value: "z"}})
	if !errors.Is(err, errNotMapping) {
		t.Errorf("error = %v, want errNotMapping", err)
	}
}
