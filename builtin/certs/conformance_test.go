package certs

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestConformanceCase replays testdata/30-certs.json, a copy of the
// project's conformance case (shared/conformance/cases/30-certs.json), step
// by step against the family over gRPC, with the runner's matching rules.
// Refresh the copy when the case changes.
func TestConformanceCase(t *testing.T) {
	raw, err := os.ReadFile("testdata/30-certs.json")
	if err != nil {
		t.Fatal(err)
	}
	raw = []byte(strings.ReplaceAll(string(raw), "${run}", "t1"))
	var cs struct {
		Steps []struct {
			Name   string         `json:"name"`
			Op     map[string]any `json:"op"`
			Expect struct {
				Status        int    `json:"status"`
				Body          any    `json:"body"`
				ErrorContains string `json:"error_contains"`
			} `json:"expect"`
		} `json:"steps"`
	}
	if err := json.Unmarshal(raw, &cs); err != nil {
		t.Fatal(err)
	}
	if len(cs.Steps) == 0 {
		t.Fatal("the case has no steps")
	}
	h := serve(t, "")
	for i, st := range cs.Steps {
		r := h.Super(t, st.Op)
		if r.Status != st.Expect.Status {
			t.Fatalf("step %d %q: status %d, want %d: %s", i, st.Name, r.Status, st.Expect.Status, r.Body)
		}
		if want := st.Expect.ErrorContains; want != "" && !strings.Contains(strings.ToLower(r.Error()), strings.ToLower(want)) {
			t.Fatalf("step %d %q: error %q does not contain %q", i, st.Name, r.Error(), want)
		}
		if st.Expect.Body != nil {
			var got any
			r.JSON(t, &got)
			if err := match(st.Expect.Body, got, "body"); err != nil {
				t.Fatalf("step %d %q: %v", i, st.Name, err)
			}
		}
	}
}

// match applies the conformance runner's rules: objects match as subsets
// ("<absent>" wants a key missing), arrays element by element or, after
// "<contains>", each item somewhere; strings are placeholders, "~regexp"
// or equal.
func match(want, got any, at string) error {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want an object, got %v", at, got)
		}
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			gv, present := g[k]
			if w[k] == "<absent>" {
				if present {
					return fmt.Errorf("%s.%s: want absent, got %v", at, k, gv)
				}
				continue
			}
			if !present {
				return fmt.Errorf("%s.%s: missing", at, k)
			}
			if err := match(w[k], gv, at+"."+k); err != nil {
				return err
			}
		}
		return nil
	case []any:
		g, ok := got.([]any)
		if !ok {
			return fmt.Errorf("%s: want an array, got %v", at, got)
		}
		if len(w) > 0 && w[0] == "<contains>" {
			for i, x := range w[1:] {
				if !containsMatch(x, g, at) {
					return fmt.Errorf("%s: no element matches wanted item %d (%v)", at, i+1, x)
				}
			}
			return nil
		}
		if len(w) != len(g) {
			return fmt.Errorf("%s: array length %d, want %d", at, len(g), len(w))
		}
		for i := range w {
			if err := match(w[i], g[i], fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
		return nil
	case string:
		return matchString(w, got, at)
	default:
		if fmt.Sprint(w) != fmt.Sprint(got) {
			return fmt.Errorf("%s: got %v, want %v", at, got, w)
		}
		return nil
	}
}

func containsMatch(want any, got []any, at string) bool {
	for _, gv := range got {
		if match(want, gv, at) == nil {
			return true
		}
	}
	return false
}

func matchString(w string, got any, at string) error {
	s, isString := got.(string)
	ok := false
	switch w {
	case "<any>":
		ok = true
	case "<string>":
		ok = isString
	case "<nonempty>":
		ok = isString && s != ""
	case "<array>":
		_, ok = got.([]any)
	case "<object>":
		_, ok = got.(map[string]any)
	default:
		if strings.HasPrefix(w, "~") {
			ok = isString && regexp.MustCompile(w[1:]).MatchString(s)
		} else {
			ok = isString && s == w
		}
	}
	if !ok {
		return fmt.Errorf("%s: want %s, got %v", at, w, got)
	}
	return nil
}
