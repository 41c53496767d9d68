package sqlq

import (
	"encoding/json"
	"testing"
)

func TestLikePattern(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true},
		{"", "a", false},
		{"%", "", true},
		{"%", "anything", true},
		{"P%", "Penny", true},
		{"P%", "pepper", true}, // case-insensitive
		{"p%", "Alby", false},
		{"%y", "Penny", true},
		{"%en%", "PENNY", true},
		{"_", "a", true},
		{"_", "", false},
		{"_", "ab", false},
		{"__", "é!", true}, // characters, not bytes
		{"_lby", "Alby", true},
		{"a%b%c", "aXXbYYc", true},
		{"a%b%c", "aXXcYYb", false},
		{"%a%a%a%b", "aaaaaaaaaaaaaaaaaaaaab", true},
		{"%a%a%a%b", "aaaaaaaaaaaaaaaaaaaaaa", false},
		{"a%%%", "a", true},
		{`50\%`, "50%", true},
		{`50\%`, "500", false},
		{`a\_c`, "a_c", true},
		{`a\_c`, "abc", false},
		{`ends\`, `ends\`, true}, // a trailing escape is itself
		{"ÉCOLE", "école", true},
		{"straße", "STRASSE", false}, // one character never matches two
	}
	for _, c := range cases {
		if got := compileLike(c.pattern, defaultLikeEscape).match(c.s); got != c.want {
			t.Errorf("%q LIKE %q = %v, want %v", c.s, c.pattern, got, c.want)
		}
	}
	if !compileLike("10!%", '!').match("10%") || compileLike("10!%", '!').match("100") {
		t.Error("custom escape")
	}
}

func TestLikeInSQL(t *testing.T) {
	src := &fakeSource{tables: map[string]*fakeTable{"db.t": {pk: "id", recs: []map[string]any{
		{"id": 1.0, "s": "50%"},
		{"id": 2.0, "s": "500"},
		{"id": 3.0, "s": json.Number("505")},
		{"id": 4.0, "s": 5.5},
		{"id": 5.0, "s": true},
		{"id": 6.0, "s": []any{"5"}},
		{"id": 7.0, "p": "5%"},
	}}}}
	cases := []struct{ where, ids string }{
		{"s LIKE '50%'", "1 2 3"},
		{`s LIKE '50\\%'`, "1"}, // the parser turns \\ into \, which escapes %
		{"s LIKE '50!%' ESCAPE '!'", "1"},
		{"s LIKE '5.5'", "4"},      // numbers match as written
		{"s LIKE 'TRUE'", "5"},     // booleans as true/false
		{"s NOT LIKE '5%'", "5 6"}, // an array never matches, so NOT LIKE holds
		{"'600' LIKE p", ""},       // pattern from a column: NULL for most rows
		{"'5000' LIKE p", "7"},
	}
	for _, c := range cases {
		rows := query(t, src, "SELECT id FROM db.t WHERE "+c.where)
		if got := column(rows, "id"); got != c.ids {
			t.Errorf("WHERE %s: ids = [%s], want [%s]", c.where, got, c.ids)
		}
	}
}
