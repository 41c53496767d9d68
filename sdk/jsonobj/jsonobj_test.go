package jsonobj

import (
	"bytes"
	"encoding/json"
	"testing"
)

// members collects what Members yields, keys decoded, the last duplicate
// kept: what decoding into a map gives.
func members(obj []byte) map[string]string {
	m := map[string]string{}
	for k, v := range Members(obj) {
		m[Key(k)] = string(v)
	}
	return m
}

func TestMembers(t *testing.T) {
	obj := []byte(` { "a" : 1 , "b":"x\"}" ,"c":{"d":[1,"]",{}]},"e":null,"a":true,` +
		`"f\u0067":[ ],"Ä":-1.5e3, "h": "\u00e9" } `)
	got := members(obj)
	want := map[string]string{"a": "true", "b": `"x\"}"`, "c": `{"d":[1,"]",{}]}`, "e": "null",
		"fg": "[ ]", "Ä": "-1.5e3", "h": `"\u00e9"`}
	if len(got) != len(want) {
		t.Fatalf("members = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("member %q = %q, want %q", k, got[k], v)
		}
	}
	var order []string
	for k := range Members(obj) {
		order = append(order, Key(k))
	}
	if len(order) != 8 || order[0] != "a" || order[4] != "a" || order[7] != "h" {
		t.Errorf("order = %v", order)
	}
	for k := range Members(obj) {
		if !KeyIs(k, "a") {
			t.Errorf("the first key is %s, not a", k)
		}
		break // stopping early must not panic
	}
}

func TestKeyIsExact(t *testing.T) {
	for raw, want := range map[string]bool{`"operation"`: true, `"Operation"`: false,
		`"OPERATION"`: false, `"oper\u0061tion"`: true, `"operation "`: false} {
		if got := KeyIs([]byte(raw), "operation"); got != want {
			t.Errorf("KeyIs(%s) = %v, want %v", raw, got, want)
		}
	}
}

// FuzzMembers checks Members against encoding/json decoding the object
// into a map of raw values, and that text that is not a valid object
// never makes it panic.
func FuzzMembers(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1}`, `{"a":{"b":"}"},"a":[1,"\"",2]}`, `{"\u00e9":"\x80"}`,
		` { "a" : null , "b" : true } `, `{"a":1`, `[1]`, `{"a" 1}`, `{"a":"x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, obj []byte) {
		got := members(obj) // must not panic, whatever obj is
		var want map[string]json.RawMessage
		if !json.Valid(obj) || json.Unmarshal(obj, &want) != nil || want == nil {
			return
		}
		if len(got) != len(want) {
			t.Fatalf("Members(%q) = %v, want %v", obj, got, want)
		}
		for k, v := range want {
			if g, ok := got[k]; !ok || !bytes.Equal(bytes.TrimSpace([]byte(g)), v) {
				t.Fatalf("Members(%q)[%q] = %q, want %q", obj, k, g, v)
			}
		}
	})
}
