package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
)

// conditions decodes a search_by_conditions body (UseNumber, as the family will).
func conditions(t *testing.T, js string) Conditions {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(js)))
	dec.UseNumber()
	var q Conditions
	if err := dec.Decode(&q); err != nil {
		t.Fatalf("decoding %s: %v", js, err)
	}
	return q
}

// search runs SearchByConditions on dev.dogs and returns the ids.
func search(t *testing.T, s *Store, table string, q Conditions) string {
	t.Helper()
	return ids(t, collect(t, func(fn func(map[string]any) error) error {
		return s.SearchByConditions(context.Background(), "dev", table, q, fn)
	}))
}

func TestSearchTypes(t *testing.T) {
	s, _ := dogsTable(t)
	cases := []struct{ cond, want string }{
		{`{"search_attribute":"age","search_type":"greater_than_equal","search_value":5}`, `[1,"str-id"]`},
		{`{"search_attribute":"age","search_type":"greater_than","search_value":5}`, `["str-id"]`},
		{`{"search_attribute":"age","search_type":"less_than","search_value":5}`, `[2]`},
		{`{"search_attribute":"age","search_type":"less_than_equal","search_value":5}`, `[2,1]`},
		{`{"search_attribute":"age","search_type":"between","search_value":[3,5]}`, `[2,1]`},
		{`{"search_attribute":"name","search_type":"between","search_value":["B","Q"]}`, `[2,1]`},
		{`{"search_attribute":"age","search_type":"equals","search_value":3}`, `[2]`},
		{`{"search_attribute":"age","search_type":"equals","search_value":null}`, `[3]`},
		// Read through the index, as HarperDB 4.7.29 reads a first
		// condition: records without the attribute (or null) are not in it
		// (observed: city not_equal "Oslo" over Oslo, Rome, oslo, Lima,
		// null and a record without city answers Lima, Rome, oslo).
		{`{"search_attribute":"breed","search_type":"not_equal","search_value":"Lab"}`, `[1]`},
		{`{"search_attribute":"name","search_type":"contains","search_value":"r"}`, `[2,"str-id"]`},
		{`{"search_attribute":"name","search_type":"starts_with","search_value":"Al"}`, `[3]`},
		{`{"search_attribute":"name","search_type":"ends_with","search_value":"Jr."}`, `[2]`},
		{`{"search_attribute":"name","search_type":"greater_than","search_value":"Pz"}`, `["str-id"]`},
		{`{"search_attribute":"weight","search_type":">=","search_value":12.5}`, `[3]`},
		{`{"search_attribute":"age","search_type":"eq","search_value":7}`, `["str-id"]`},
	}
	for _, c := range cases {
		q := conditions(t, `{"conditions":[`+c.cond+`]}`)
		if got := search(t, s, "dogs", q); got != c.want {
			t.Errorf("%s = %s, want %s", c.cond, got, c.want)
		}
	}
}

func TestSearchGroups(t *testing.T) {
	s, _ := dogsTable(t)
	cases := []struct{ body, want string }{
		{`{"operator":"and","conditions":[{"search_attribute":"age","search_type":"greater_than","search_value":2},{"search_attribute":"good","search_type":"equals","search_value":true}]}`, `[1]`},
		{`{"operator":"or","conditions":[{"search_attribute":"age","search_type":"equals","search_value":3},{"search_attribute":"weight","search_type":"equals","search_value":12.5}]}`, `[2,3]`},
		{`{"operator":"and","conditions":[
			{"search_attribute":"name","search_type":"contains","search_value":"e"},
			{"operator":"or","conditions":[
				{"search_attribute":"breed","search_type":"equals","search_value":"Lab"},
				{"operator":"and","conditions":[{"search_attribute":"age","search_type":"equals","search_value":5},{"search_attribute":"good","search_type":"equals","search_value":true}]}
			]}]}`, `[2,1]`},
		{`{"operator":"OR","conditions":[{"operator":"and","conditions":[]},{"search_attribute":"age","search_type":"equals","search_value":3}]}`, `[1,2,3,"str-id"]`},
		{`{"conditions":[]}`, `[1,2,3,"str-id"]`},
	}
	for _, c := range cases {
		if got := search(t, s, "dogs", conditions(t, c.body)); got != c.want {
			t.Errorf("%s\n = %s, want %s", c.body, got, c.want)
		}
	}
}

// bulkTable creates dev.bulk with n records {id, n: 2*id, grp: id%3, label}.
func bulkTable(t *testing.T, n int) *Store {
	t.Helper()
	s, _, _ := newStore(t, Options{})
	mustTable(t, s, "dev", "bulk")
	recs := make([]map[string]any, n)
	for i := range recs {
		id := i + 1
		recs[i] = map[string]any{"id": id, "n": 2 * id, "grp": id % 3, "label": fmt.Sprintf("row %d", id)}
	}
	if _, err := s.Insert("dev", "bulk", recs); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSearchLimitOffsetSort(t *testing.T) {
	s := bulkTable(t, 300)
	cases := []struct{ body, want string }{
		{`{"conditions":[{"search_attribute":"n","search_type":"greater_than","search_value":590}]}`, `[296,297,298,299,300]`},
		{`{"conditions":[{"search_attribute":"grp","search_type":"equals","search_value":0}],"limit":3,"offset":2}`, `[9,12,15]`},
		{`{"conditions":[],"sort":{"attribute":"n","descending":true},"limit":2,"offset":1}`, `[299,298]`},
		{`{"conditions":[{"search_attribute":"n","search_type":"less_than","search_value":13}],"sort":{"attribute":"grp","next":{"attribute":"n","descending":true}}}`, `[6,3,4,1,5,2]`},
		{`{"conditions":[{"search_attribute":"n","search_type":"less_than","search_value":9}],"sort":{"attribute":"label"}}`, `[1,2,3,4]`},
		{`{"conditions":[],"offset":400}`, `[]`},
		{`{"conditions":[],"sort":{"attribute":"n"},"offset":400}`, `[]`},
	}
	for _, c := range cases {
		if got := search(t, s, "bulk", conditions(t, c.body)); got != c.want {
			t.Errorf("%s\n = %s, want %s", c.body, got, c.want)
		}
	}
}

// TestSortedLimitBeyondBuffer checks the bounded sort buffer against a full
// sort when there are more matches than the buffer keeps.
func TestSortedLimitBeyondBuffer(t *testing.T) {
	const n = 3 * sortSlack
	s := bulkTable(t, n)
	// Sort by label: "row 1" < "row 10" < "row 100" ... a different order from the keys.
	all := make([]map[string]any, n)
	for i := range all {
		all[i] = map[string]any{"id": i + 1, "label": fmt.Sprintf("row %d", i+1), "grp": (i + 1) % 3}
	}
	slices.SortStableFunc(all, func(a, b map[string]any) int {
		if c := -compareAny(a["grp"], b["grp"]); c != 0 {
			return c
		}
		return compareAny(a["label"], b["label"])
	})
	const offset, limit = 700, 9
	want := ids(t, all[offset:offset+limit])
	q := conditions(t, fmt.Sprintf(`{"conditions":[],"sort":{"attribute":"grp","descending":true,"next":{"attribute":"label"}},"offset":%d,"limit":%d}`, offset, limit))
	if got := search(t, s, "bulk", q); got != want {
		t.Fatalf("bounded sort\n got %s\nwant %s", got, want)
	}
}

func TestSortOrderAcrossKinds(t *testing.T) {
	s, _, _ := newStore(t, Options{})
	mustTable(t, s, "dev", "mixed")
	in := `[{"id":1,"v":"b"},{"id":2,"v":10},{"id":3},{"id":4,"v":true},{"id":5,"v":[1]},{"id":6,"v":-1},{"id":7,"v":"a"},{"id":8,"v":false},{"id":9,"v":null}]`
	if _, err := s.Insert("dev", "mixed", records(t, in)); err != nil {
		t.Fatal(err)
	}
	q := conditions(t, `{"conditions":[],"sort":{"attribute":"v"}}`)
	if got := search(t, s, "mixed", q); got != `[3,9,8,4,6,2,7,1,5]` {
		t.Fatalf("ascending = %s", got)
	}
	q.Sort.Descending = true
	if got := search(t, s, "mixed", q); got != `[5,1,7,2,6,4,8,3,9]` {
		t.Fatalf("descending = %s", got)
	}
}

func TestConditionsValidate(t *testing.T) {
	cases := []struct{ body, msg string }{
		{`{}`, "'conditions' is required"},
		{`{"conditions":[{"search_attribute":"age","search_type":"conf_bogus","search_value":5}]}`, `Unknown query comparator "conf_bogus"`},
		{`{"conditions":[{"search_type":"equals","search_value":5}]}`, "'search_attribute' is required"},
		{`{"conditions":[{"search_attribute":"age","search_value":5}]}`, "'search_type' is required"},
		{`{"operator":"xor","conditions":[]}`, "'operator' must be one of [and, or]"},
		{`{"conditions":[{"operator":"nand","conditions":[]}]}`, "'operator' must be one of [and, or]"},
		{`{"conditions":[{"search_attribute":"age","search_type":"between","search_value":5}]}`, "'search_value' must be an array of two values when 'search_type' is 'between'"},
		{`{"conditions":[{"search_attribute":"age","search_type":"between","search_value":[1,2,3]}]}`, "'search_value' must be an array of two values when 'search_type' is 'between'"},
		{`{"conditions":[{"search_attribute":"age","search_type":"between","search_value":[1,{}]}]}`, "'search_value' must be an array of two values when 'search_type' is 'between'"},
		{`{"conditions":[{"search_attribute":"age","search_type":"greater_than","search_value":[1]}]}`, "'search_value' must be a string or a number when 'search_type' is 'greater_than'"},
		{`{"conditions":[{"search_attribute":"age","search_type":"contains","search_value":{}}]}`, "'search_value' must be a string or a number when 'search_type' is 'contains'"},
		{`{"conditions":[{"operator":"or","conditions":[{"search_attribute":"a","search_type":"bogus2"}]}]}`, `Unknown query comparator "bogus2"`},
		{`{"conditions":[],"limit":-1}`, "'limit' must be greater than or equal to 0"},
		{`{"conditions":[],"offset":-1}`, "'offset' must be greater than or equal to 0"},
		// HarperDB 4.7.29: 400 {"error":"Sort requires an attribute"}.
		{`{"conditions":[],"sort":{"descending":true}}`, "Sort requires an attribute"},
		{`{"conditions":[],"sort":{"attribute":"a","next":{}}}`, "Sort requires an attribute"},
	}
	s, _ := dogsTable(t)
	for _, c := range cases {
		q := conditions(t, c.body)
		wantError(t, q.Validate(), 400, c.msg)
		err := s.SearchByConditions(context.Background(), "dev", "dogs", q, func(map[string]any) error { return nil })
		wantError(t, err, 400, c.msg)
	}
	ok := conditions(t, `{"operator":"and","conditions":[{"search_attribute":"age","search_type":"between","search_value":[1,5]}],"limit":1,"sort":{"attribute":"age"},"get_attributes":["id"],"table":"dogs"}`)
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid conditions: %v", err)
	}
	err := s.SearchByConditions(context.Background(), "dev", "nope", ok, func(map[string]any) error { return nil })
	wantError(t, err, 404, "Table 'dev.nope' does not exist")
}
