package store

import (
	"context"
	"testing"
)

// observedRecords are the records HarperDB 4.7.29 was asked about in
// TestConditionsAsHarperDB (ids 1..7; age is missing from 4, null in 3
// and the string "30" in 6).
const observedRecords = `[
 {"id":1,"name":"Alice","age":30,"city":"Oslo","tags":["a","b"],"nested":{"x":1,"y":"z"},"score":"10"},
 {"id":2,"name":"Bob","age":25,"city":"Rome","score":9},
 {"id":3,"name":"carol","age":null,"city":"oslo","score":"9.5"},
 {"id":4,"name":"Dave","city":"Lima"},
 {"id":5,"name":"eve abc def","age":41,"city":null,"score":100},
 {"id":6,"name":"Zed","age":"30","city":"Oslo","active":true},
 {"id":7,"name":"","age":0,"active":false}]`

// TestConditionsAsHarperDB holds search_by_conditions answers observed on
// HarperDB 4.7.29 over observedRecords (the answer's order is the store's,
// by the first condition's value; the set is HarperDB's). A first
// condition is read through the attribute's index: no record without the
// attribute, arrays by element, ranges below a value and not_equal from
// true up (no null, no false); a later one filters, a missing attribute
// being null. Kinds order as HarperDB's keys: null < false < true <
// numbers < strings.
func TestConditionsAsHarperDB(t *testing.T) {
	s, _, _ := newStore(t, Options{})
	mustTable(t, s, "dev", "obs")
	if _, err := s.Insert("dev", "obs", records(t, observedRecords)); err != nil {
		t.Fatal(err)
	}
	const any0 = `{"search_attribute":"id","search_type":"greater_than","search_value":0}`
	cases := []struct{ name, conds, want string }{
		{"equals null is an explicit null only", `{"search_attribute":"age","search_type":"equals","search_value":null}`, `[3]`},
		{"equals is exact: 30 is not \"30\"", `{"search_attribute":"age","search_type":"equals","search_value":"30"}`, `[6]`},
		{"equals finds an array element", `{"search_attribute":"tags","search_type":"equals","search_value":"a"}`, `[1]`},
		{"contains finds an array element", `{"search_attribute":"tags","search_type":"contains","search_value":"a"}`, `[1]`},
		{"contains reads a number as text", `{"search_attribute":"age","search_type":"contains","search_value":"3"}`, `[1,6]`},
		{"greater_than: strings are above numbers", `{"search_attribute":"age","search_type":"greater_than","search_value":25}`, `[1,5,6]`},
		{"greater_than_equal 0", `{"search_attribute":"age","search_type":"greater_than_equal","search_value":0}`, `[7,2,1,5,6]`},
		{"less_than a string: every number too", `{"search_attribute":"age","search_type":"less_than","search_value":"31"}`, `[7,2,1,5,6]`},
		{"less_than from true up", `{"search_attribute":"active","search_type":"less_than","search_value":30}`, `[6]`},
		{"greater_than false", `{"search_attribute":"active","search_type":"greater_than","search_value":false}`, `[6]`},
		{"greater_than null: every value", `{"search_attribute":"city","search_type":"greater_than","search_value":null}`, `[4,1,6,2,3]`},
		{"not_equal skips null and missing", `{"search_attribute":"age","search_type":"not_equal","search_value":30}`, `[7,2,5,6]`},
		{"not_equal a string", `{"search_attribute":"city","search_type":"not_equal","search_value":"Oslo"}`, `[4,2,3]`},
		{"second: equals null", any0 + `,{"search_attribute":"age","search_type":"equals","search_value":null}`, `[3]`},
		{"second: less_than takes missing and null", any0 + `,{"search_attribute":"age","search_type":"less_than","search_value":30}`, `[2,3,4,7]`},
		{"second: not_equal takes missing and null", any0 + `,{"search_attribute":"age","search_type":"not_equal","search_value":30}`, `[2,3,4,5,6,7]`},
		{"second: greater_than", any0 + `,{"search_attribute":"age","search_type":"greater_than","search_value":25}`, `[1,5,6]`},
		{"second: contains a number's text", any0 + `,{"search_attribute":"age","search_type":"contains","search_value":"3"}`, `[1,6]`},
		{"second: equals an array element", any0 + `,{"search_attribute":"tags","search_type":"equals","search_value":"a"}`, `[1]`},
		{"between reversed is empty", `{"search_attribute":"age","search_type":"between","search_value":[30,0]}`, `[]`},
		{"alias >", `{"search_attribute":"age","search_type":">","search_value":25}`, `[1,5,6]`},
		{"alias greaterThan", `{"search_attribute":"age","search_type":"greaterThan","search_value":30}`, `[5,6]`},
		{"alias sw", `{"search_attribute":"name","search_type":"sw","search_value":"A"}`, `[1]`},
	}
	for _, c := range cases {
		q := conditions(t, `{"conditions":[`+c.conds+`]}`)
		if got := search(t, s, "obs", q); got != c.want {
			t.Errorf("%s: %s = %s, want %s", c.name, c.conds, got, c.want)
		}
	}
	// search_by_value is one indexed condition: "*3*" is contains "3".
	got := ids(t, collect(t, func(fn func(map[string]any) error) error {
		return s.SearchByValue(context.Background(), "dev", "obs", "age", "*3*", Page{}, fn)
	}))
	if got != `[1,6]` {
		t.Errorf(`search_by_value age "*3*" = %s, want [1,6]`, got)
	}
	// HarperDB matches comparators exactly: "EQUALS" is unknown.
	err := s.SearchByConditions(context.Background(), "dev", "obs",
		conditions(t, `{"conditions":[{"search_attribute":"age","search_type":"EQUALS","search_value":30}]}`),
		func(map[string]any) error { return nil })
	wantError(t, err, 400, `Unknown query comparator "EQUALS"`)
}
