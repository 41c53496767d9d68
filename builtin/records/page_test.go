package records

import "testing"

// people are the records of HarperDB's observed search answers below
// (conformance case 73-search), inserted out of key order.
const people = `[{"id": 3, "name": "Cleo", "age": 5, "city": "Oslo", "score": 7.5},
 {"id": 1, "name": "Abe", "age": 9, "city": "Rome", "score": 3},
 {"id": 5, "name": "Eve", "age": 5, "city": "Rome", "score": 9},
 {"id": 2, "name": "Bea", "age": 2, "city": "Oslo", "score": 4},
 {"id": 4, "name": "Dan", "age": 7, "city": "Lima", "score": 6},
 {"id": 6, "name": "Fay", "age": 9, "city": "Oslo", "score": 1}]`

// withPeople returns an env holding db.people filled with people.
func withPeople(t *testing.T) *env {
	t.Helper()
	e := newEnv(t, harnessOpts{})
	e.table("db", "people")
	e.insert("db", "people", people)
	return e
}

// onPeople builds a search request on db.people answering ids only.
func onPeople(name string, kv ...any) map[string]any {
	return op(name, append([]any{"database", "db", "table", "people", "get_attributes", []string{"id"}}, kv...)...)
}

// leaf is one search_by_conditions condition.
func leaf(attr, typ string, v any) map[string]any {
	return map[string]any{"search_attribute": attr, "search_type": typ, "search_value": v}
}

// group is a nested search_by_conditions group.
func group(operator string, conds ...any) map[string]any {
	return map[string]any{"operator": operator, "conditions": conds}
}

// TestSearchByValuePages checks search_by_value's order, limit, offset and
// reverse against HarperDB 4.7.29's answers. For example HarperDB answers
//
//	{"operation":"search_by_value","search_attribute":"city","search_value":"Oslo",
//	 "offset":1,"limit":1,"reverse":true,"get_attributes":["id"]}
//
// with [{"id":3}]: the Oslo records in key order (2, 3, 6), reversed, then
// cut.
func TestSearchByValuePages(t *testing.T) {
	e := withPeople(t)
	oslo := []any{"search_attribute", "city", "search_value", "Oslo"}
	every := []any{"search_attribute", "id", "search_value", "*"}
	cases := []struct {
		name string
		kv   []any
		want string
	}{
		{"equal values in key order", oslo, `[{"id":2},{"id":3},{"id":6}]`},
		{"reverse", append(oslo, "reverse", true), `[{"id":6},{"id":3},{"id":2}]`},
		{"limit", append(oslo, "limit", 2), `[{"id":2},{"id":3}]`},
		{"offset", append(oslo, "offset", 1), `[{"id":3},{"id":6}]`},
		{"offset, limit and reverse", append(oslo, "offset", 1, "limit", 1, "reverse", true), `[{"id":3}]`},
		{"offset past the end", append(oslo, "offset", 5), `[]`},
		{"* on the key in key order", every, `[{"id":1},{"id":2},{"id":3},{"id":4},{"id":5},{"id":6}]`},
		{"* on the key, reverse with limit", append(every, "reverse", true, "limit", 3), `[{"id":6},{"id":5},{"id":4}]`},
		{"* on the key, offset and limit", append(every, "offset", 2, "limit", 2), `[{"id":3},{"id":4}]`},
		{"a number is not a quoted number", []any{"search_attribute", "age", "search_value", "5"}, `[]`},
		// Not observed: hops' answers by the index HarperDB reads, the
		// attribute's value then the key.
		{"wildcard in the attribute's order", []any{"search_attribute", "name", "search_value", "*e*"}, `[{"id":1},{"id":2},{"id":3},{"id":5}]`},
		// "*" alone is a search without conditions whatever the attribute:
		// every record in key order. Observed on HarperDB 4.7.29:
		// {"search_attribute":"city","search_value":"*","limit":2,"reverse":true}
		// answers [{"id":7},{"id":6}] over ids 1..7, records without a
		// city (or with null) included.
		{"* on an attribute is every record in key order", []any{"search_attribute", "age", "search_value", "*"},
			`[{"id":1},{"id":2},{"id":3},{"id":4},{"id":5},{"id":6}]`},
		{"* on an attribute, reverse", []any{"search_attribute", "age", "search_value", "*", "reverse", true, "limit", 3},
			`[{"id":6},{"id":5},{"id":4}]`},
		{"sort", append(every, "sort", map[string]any{"attribute": "score", "descending": true}, "limit", 2), `[{"id":5},{"id":3}]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantJSON(t, e.super(onPeople("search_by_value", c.kv...)), c.want) })
	}
}

// TestSearchByConditionsPages checks sort, offset, limit and operator
// against HarperDB 4.7.29's answers, for example
//
//	{"operation":"search_by_conditions","conditions":[{"search_attribute":"age",
//	 "search_type":"greater_than","search_value":0}],"get_attributes":["id","age","name"],
//	 "sort":{"attribute":"age","next":{"attribute":"name","descending":true}}}
//
// answers [{"id":2,"age":2,"name":"Bea"},{"id":5,"age":5,"name":"Eve"},
// {"id":3,"age":5,"name":"Cleo"},{"id":4,"age":7,"name":"Dan"},
// {"id":6,"age":9,"name":"Fay"},{"id":1,"age":9,"name":"Abe"}].
func TestSearchByConditionsPages(t *testing.T) {
	e := withPeople(t)
	agePos := []any{leaf("age", "greater_than", 0)}
	cases := []struct {
		name string
		kv   []any
		want string
	}{
		{"sort on two levels", []any{"conditions", agePos, "get_attributes", []string{"id", "age", "name"},
			"sort", map[string]any{"attribute": "age", "next": map[string]any{"attribute": "name", "descending": true}}},
			`[{"id":2,"age":2,"name":"Bea"},{"id":5,"age":5,"name":"Eve"},{"id":3,"age":5,"name":"Cleo"},` +
				`{"id":4,"age":7,"name":"Dan"},{"id":6,"age":9,"name":"Fay"},{"id":1,"age":9,"name":"Abe"}]`},
		{"sort descending then ascending, offset and limit", []any{"conditions", agePos,
			"sort", map[string]any{"attribute": "age", "descending": true, "next": map[string]any{"attribute": "name"}}, "offset", 1, "limit", 3},
			`[{"id":6},{"id":4},{"id":3}]`},
		{"sort on three levels", []any{"conditions", agePos, "sort", map[string]any{"attribute": "city",
			"next": map[string]any{"attribute": "age", "descending": true, "next": map[string]any{"attribute": "id"}}}},
			`[{"id":4},{"id":6},{"id":3},{"id":2},{"id":1},{"id":5}]`},
		{"limit without offset", []any{"conditions", []any{leaf("score", "greater_than_equal", 4)},
			"sort", map[string]any{"attribute": "score"}, "limit", 2}, `[{"id":2},{"id":4}]`},
		{"operator is case-blind", []any{"conditions", []any{leaf("city", "equals", "Lima"), leaf("age", "less_than", 4)}, "operator", "OR"},
			`[{"id":4},{"id":2}]`},
		{"and is the default", []any{"conditions", []any{leaf("city", "equals", "Oslo"), leaf("age", "greater_than", 4)}},
			`[{"id":3},{"id":6}]`},
		{"nested groups", []any{"operator", "or", "conditions", []any{
			group("and", leaf("city", "equals", "Oslo"), leaf("age", "greater_than", 4)),
			group("and", leaf("city", "equals", "Rome"), leaf("age", "less_than", 6))}},
			`[{"id":3},{"id":6},{"id":5}]`},
		{"nested three deep", []any{"conditions", []any{leaf("age", "greater_than", 1),
			group("or", leaf("name", "starts_with", "A"), group("and", leaf("city", "equals", "Oslo"), leaf("score", "greater_than", 5)))}},
			`[{"id":3},{"id":1}]`},
		// The comparators HarperDB documents; the answers HarperDB gave
		// hold these records, here in the order of the condition's index.
		{"equals", []any{"conditions", []any{leaf("name", "equals", "Dan")}}, `[{"id":4}]`},
		{"contains", []any{"conditions", []any{leaf("name", "contains", "e")}}, `[{"id":1},{"id":2},{"id":3},{"id":5}]`},
		{"starts_with", []any{"conditions", []any{leaf("name", "starts_with", "E")}}, `[{"id":5}]`},
		{"ends_with", []any{"conditions", []any{leaf("name", "ends_with", "e")}}, `[{"id":1},{"id":5}]`},
		{"greater_than", []any{"conditions", []any{leaf("age", "greater_than", 7)}}, `[{"id":1},{"id":6}]`},
		{"greater_than_equal", []any{"conditions", []any{leaf("age", "greater_than_equal", 7)}}, `[{"id":4},{"id":1},{"id":6}]`},
		{"less_than", []any{"conditions", []any{leaf("age", "less_than", 5)}}, `[{"id":2}]`},
		{"less_than_equal", []any{"conditions", []any{leaf("age", "less_than_equal", 5)}}, `[{"id":2},{"id":3},{"id":5}]`},
		{"between is inclusive", []any{"conditions", []any{leaf("score", "between", []any{3, 7.5})}}, `[{"id":1},{"id":2},{"id":4},{"id":3}]`},
		{"greater_than on strings", []any{"conditions", []any{leaf("name", "greater_than", "Dan")}}, `[{"id":5},{"id":6}]`},
		{"not_equal", []any{"conditions", []any{leaf("city", "not_equal", "Oslo")}}, `[{"id":4},{"id":1},{"id":5}]`},
		{"reverse", []any{"conditions", []any{leaf("age", "greater_than_equal", 7)}, "reverse", true}, `[{"id":6},{"id":1},{"id":4}]`},
		{"offset and limit in the index's order", []any{"conditions", agePos, "offset", 1, "limit", 3}, `[{"id":3},{"id":5},{"id":4}]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantJSON(t, e.super(onPeople("search_by_conditions", c.kv...)), c.want) })
	}
}

// TestSearchPageErrors checks the refusals, with HarperDB 4.7.29's words
// where it was observed: "operator":"nand" answers 400 "'operator' must
// be one of [and, or]", "limit":0 400 "'limit' must be greater than or
// equal to 1", a condition on an unknown attribute 400 "unknown attribute
// 'height'" and a sort on one 404 "height is not a defined attribute".
func TestSearchPageErrors(t *testing.T) {
	e := withPeople(t)
	agePos := []any{leaf("age", "greater_than", 0)}
	cases := []struct {
		name   string
		body   map[string]any
		status int
		want   string
	}{
		{"unknown operator", onPeople("search_by_conditions", "conditions", agePos, "operator", "nand"), 400, "'operator' must be one of [and, or]"},
		{"limit 0", onPeople("search_by_conditions", "conditions", agePos, "limit", 0), 400, "'limit' must be greater than or equal to 1"},
		{"condition on an unknown attribute", onPeople("search_by_conditions", "conditions", []any{leaf("height", "equals", 1)}), 400, "unknown attribute 'height'"},
		{"nested condition on an unknown attribute", onPeople("search_by_conditions", "conditions", []any{group("or", leaf("age", "equals", 1), leaf("height", "equals", 1))}),
			400, "unknown attribute 'height'"},
		{"sort on an unknown attribute", onPeople("search_by_conditions", "conditions", agePos, "sort", map[string]any{"attribute": "height"}), 404, "height is not a defined attribute"},
		{"next sort on an unknown attribute", onPeople("search_by_conditions", "conditions", agePos,
			"sort", map[string]any{"attribute": "age", "next": map[string]any{"attribute": "height"}}), 404, "height is not a defined attribute"},
		{"negative offset", onPeople("search_by_conditions", "conditions", agePos, "offset", -1), 400, "'offset' must be greater than or equal to 0"},
		{"limit not a number", onPeople("search_by_conditions", "conditions", agePos, "limit", "x"), 400, "'limit' must be a number"},
		{"limit not whole", onPeople("search_by_conditions", "conditions", agePos, "limit", 1.5), 400, "'limit' must be an integer"},
		{"sort not an object", onPeople("search_by_value", "search_attribute", "id", "search_value", "*", "sort", "age"), 400, "'sort' must be of type object"},
		{"value limit 0", onPeople("search_by_value", "search_attribute", "id", "search_value", "*", "limit", 0), 400, "'limit' must be greater than or equal to 1"},
		// HarperDB 4.7.29: 500 {"error":"unknown attribute 'height'"}.
		{"value on an unknown attribute", onPeople("search_by_value", "search_attribute", "height", "search_value", 1), 400, "unknown attribute 'height'"},
		{"value sort on an unknown attribute", onPeople("search_by_value", "search_attribute", "id", "search_value", "*", "sort", map[string]any{"attribute": "height"}),
			404, "height is not a defined attribute"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantError(t, e.super(c.body), c.status, c.want) })
	}
}
