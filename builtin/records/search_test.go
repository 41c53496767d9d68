package records

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/hops-dev/hops/builtin/internal/fastjson"
)

// onDogs builds a search request on db.dogs.
func onDogs(name string, kv ...any) map[string]any {
	return op(name, append([]any{"database", "db", "table", "dogs"}, kv...)...)
}

func TestSearchByHash(t *testing.T) {
	e := withDogs(t)
	cases := []struct {
		name string
		body map[string]any
		want string
	}{
		{"one attribute", onDogs("search_by_hash", "hash_values", []any{1}, "get_attributes", []string{"name"}), `[{"name":"Penny"}]`},
		{"requested order, unknown keys skipped", onDogs("search_by_hash", "hash_values", []any{2, 1, 999}, "get_attributes", []string{"id", "name"}),
			`[{"id":2,"name":"Harper, Jr."},{"id":1,"name":"Penny"}]`},
		{"string key", onDogs("search_by_hash", "hash_values", []any{"str-id"}, "get_attributes", []string{"id", "age"}), `[{"id":"str-id","age":7}]`},
		{"number is not a string", onDogs("search_by_hash", "hash_values", []any{"1"}, "get_attributes", []string{"id"}), `[]`},
		{"search_by_id with ids", onDogs("search_by_id", "ids", []any{3}, "get_attributes", []string{"id", "weight"}), `[{"id":3,"weight":12.5}]`},
		{"search_by_id with hash_values", onDogs("search_by_id", "hash_values", []any{3}, "get_attributes", []string{"id"}), `[{"id":3}]`},
		{"missing attribute is null", onDogs("search_by_hash", "hash_values", []any{2}, "get_attributes", []string{"id", "weight", "weight"}),
			`[{"id":2,"weight":null}]`},
		{"schema alias", op("search_by_hash", "schema", "db", "table", "dogs", "hash_values", []any{1}, "get_attributes", []string{"id"}), `[{"id":1}]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantJSON(t, e.super(c.body), c.want) })
	}
}

func TestGetAttributesStar(t *testing.T) {
	e := withDogs(t)
	r := e.super(onDogs("search_by_value", "search_attribute", "name", "search_value", "Penny", "get_attributes", []string{"*"}))
	// Primary key first, then every table attribute sorted, null-filled.
	want := `[{"id":1,"__createdtime__":1700000000000,"__updatedtime__":1700000000000,"age":5,"breed":"Mutt",` +
		`"good":true,"name":"Penny","owner":{"first":"Kyle","last":"B"},"tags":["a","b"],"weight":null}]` + "\n"
	if string(r.Body) != want {
		t.Errorf("got  %s\nwant %s", r.Body, want)
	}
}

func TestSearchByValue(t *testing.T) {
	e := withDogs(t)
	cases := []struct {
		name string
		body map[string]any
		want string
	}{
		{"trailing wildcard", onDogs("search_by_value", "search_attribute", "name", "search_value", "P*", "get_attributes", []string{"id", "name"}),
			`[{"id":1,"name":"Penny"}]`},
		{"exact", onDogs("search_by_value", "search_attribute", "breed", "search_value", "Lab", "get_attributes", []string{"id", "breed"}),
			`[{"id":2,"breed":"Lab"}]`},
		{"number", onDogs("search_by_value", "search_attribute", "age", "search_value", 5, "get_attributes", []string{"id"}), `[{"id":1}]`},
		{"every key", onDogs("search_by_value", "search_attribute", "id", "search_value", "*", "get_attributes", []string{"id"}),
			`[{"id":1},{"id":2},{"id":3},{"id":"str-id"}]`},
		{"no match", onDogs("search_by_value", "search_attribute", "name", "search_value", "Zed", "get_attributes", []string{"id"}), `[]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantJSON(t, e.super(c.body), c.want) })
	}
}

func TestSearchByConditions(t *testing.T) {
	e := withDogs(t)
	cond := func(attr, typ string, v any) map[string]any {
		return map[string]any{"search_attribute": attr, "search_type": typ, "search_value": v}
	}
	cases := []struct {
		name string
		body map[string]any
		want string
	}{
		{"and", onDogs("search_by_conditions", "operator", "and", "get_attributes", []string{"id", "name", "age"},
			"conditions", []any{cond("age", "greater_than_equal", 5)}),
			`[{"id":1,"name":"Penny","age":5},{"id":"str-id","name":"Str","age":7}]`},
		{"or", onDogs("search_by_conditions", "operator", "or", "get_attributes", []string{"id"},
			"conditions", []any{cond("breed", "equals", "Lab"), cond("name", "starts_with", "A")}), `[{"id":2},{"id":3}]`},
		{"nested group", onDogs("search_by_conditions", "get_attributes", []string{"id"}, "conditions", []any{
			cond("age", "gt", 2),
			map[string]any{"operator": "or", "conditions": []any{cond("good", "equals", false), cond("id", "equals", "str-id")}},
		}), `[{"id":2},{"id":"str-id"}]`},
		{"sort, offset and limit", onDogs("search_by_conditions", "get_attributes", []string{"id"}, "conditions", []any{cond("id", "ge", nil)},
			"sort", map[string]any{"attribute": "age", "descending": true}, "offset", 1, "limit", 2), `[{"id":1},{"id":2}]`},
		{"limit without sort", onDogs("search_by_conditions", "get_attributes", []string{"id"}, "conditions", []any{cond("id", "ge", nil)}, "limit", 1), `[{"id":1}]`},
		// In age order (the index HarperDB reads), not key order.
		{"between", onDogs("search_by_conditions", "get_attributes", []string{"id"}, "conditions", []any{cond("age", "between", []any{3, 5})}),
			`[{"id":2},{"id":1}]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantJSON(t, e.super(c.body), c.want) })
	}
}

func TestSearchErrors(t *testing.T) {
	e := withDogs(t)
	attrs := []string{"id"}
	age5 := map[string]any{"search_attribute": "age", "search_type": "equals", "search_value": 5}
	cases := []struct {
		name   string
		body   map[string]any
		status int
		want   string
	}{
		{"hash without hash_values", onDogs("search_by_hash", "get_attributes", attrs), 400, "'hash_values' is required"},
		{"id without ids", onDogs("search_by_id", "get_attributes", attrs), 400, "'ids' is required"},
		{"hash_values not an array", onDogs("search_by_hash", "hash_values", "1", "get_attributes", attrs), 400, "'hash_values' must be an array"},
		{"hash without get_attributes", onDogs("search_by_hash", "hash_values", []any{1}), 400, "'get_attributes' is required"},
		{"get_attributes not an array", onDogs("search_by_hash", "hash_values", []any{1}, "get_attributes", "id"), 400, "'get_attributes' must be an array"},
		{"get_attributes of numbers", onDogs("search_by_hash", "hash_values", []any{1}, "get_attributes", []any{1}), 400, "'get_attributes' must be an array of strings"},
		{"hash on an unknown table", op("search_by_hash", "database", "db", "table", "nope", "hash_values", []any{1}, "get_attributes", attrs), 404,
			"Table 'db.nope' does not exist"},
		// HarperDB 4.7.29 names them as its own attribute and value (500
		// {"error":"'attribute' is required"}, {"error":"'value' is required"}).
		{"value without search_attribute", onDogs("search_by_value", "search_value", "P*", "get_attributes", attrs), 400, "'attribute' is required"},
		{"value without search_value", onDogs("search_by_value", "search_attribute", "name", "get_attributes", attrs), 400, "'value' is required"},
		{"search_attribute not a string", onDogs("search_by_value", "search_attribute", 3, "search_value", 1, "get_attributes", attrs), 400,
			"'attribute' must be a string"},
		{"conditions missing", onDogs("search_by_conditions", "get_attributes", attrs), 400, "'conditions' is required"},
		{"conditions not an array", onDogs("search_by_conditions", "get_attributes", attrs, "conditions", map[string]any{}), 400, "'conditions' must be an array"},
		{"unknown search_type", onDogs("search_by_conditions", "get_attributes", attrs, "conditions",
			[]any{map[string]any{"search_attribute": "age", "search_type": "bogus", "search_value": 5}}), 400, `Unknown query comparator "bogus"`},
		{"condition without search_attribute", onDogs("search_by_conditions", "get_attributes", attrs, "conditions",
			[]any{map[string]any{"search_type": "equals", "search_value": 5}}), 400, "'search_attribute' is required"},
		{"bad operator", onDogs("search_by_conditions", "get_attributes", attrs, "conditions", []any{age5}, "operator", "xor"), 400,
			"'operator' must be one of [and, or]"},
		{"limit not a number", onDogs("search_by_conditions", "get_attributes", attrs, "conditions", []any{age5}, "limit", "ten"), 400, "'limit' must be a number"},
		{"limit not whole", onDogs("search_by_conditions", "get_attributes", attrs, "conditions", []any{age5}, "limit", 1.5), 400, "'limit' must be an integer"},
		{"negative offset", onDogs("search_by_conditions", "get_attributes", attrs, "conditions", []any{age5}, "offset", -1), 400,
			"'offset' must be greater than or equal to 0"},
		{"sort not an object", onDogs("search_by_conditions", "get_attributes", attrs, "conditions", []any{age5}, "sort", "age"), 400,
			"'sort' must be of type object"},
		{"sort without attribute", onDogs("search_by_conditions", "get_attributes", attrs, "conditions", []any{age5}, "sort", map[string]any{}), 400,
			"Sort requires an attribute"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantError(t, e.super(c.body), c.status, c.want) })
	}
}

func TestConditionsOfTheWrongShape(t *testing.T) {
	e := withDogs(t)
	r := e.super(onDogs("search_by_conditions", "get_attributes", []string{"id"}, "conditions", []any{"age > 1"}))
	wantError(t, r, 400, "'conditions[0]' must be of type object")
	// A string search_value compared with a number attribute matches nothing
	// rather than failing.
	wantJSON(t, e.super(onDogs("search_by_conditions", "get_attributes", []string{"id"}, "conditions",
		json.RawMessage(`[{"search_attribute":"age","search_type":"equals","search_value":"5"}]`))), `[]`)
}

// TestWholeTableAnswersAsAnyOtherSearch: search_by_value "*" on the
// primary key and a bare SELECT * are answered from the records' stored
// text (streamRaw); their answers must be byte for byte those of searches
// that decode every record, over records of every shape.
func TestWholeTableAnswersAsAnyOtherSearch(t *testing.T) {
	e := withDogs(t)
	e.insert("db", "dogs", `[{"id":10,"name":"q\"uote\\ \u0001 \u2028","owner":{"z":1,"a":[1.50,{"y":null,"b":"é"}]}},`+
		`{"id":11,"weight":1e300,"tags":[],"extra":{},"nick":"<b>&</b>"},{"id":12},{"id":-3.5,"name":"neg"}]`)
	all := []string{"*"}
	// id >= null: every record with a key, read and decoded.
	everyID := map[string]any{"search_attribute": "id", "search_type": "greater_than_equal", "search_value": nil}
	pairs := []struct{ raw, decoded map[string]any }{
		{onDogs("search_by_value", "search_attribute", "id", "search_value", "*", "get_attributes", all),
			onDogs("search_by_conditions", "conditions", []any{everyID}, "get_attributes", all)},
		{sqlOp("SELECT * FROM db.dogs"), sqlOp("SELECT * FROM db.dogs WHERE id = id")},
		{onDogs("search_by_value", "search_attribute", "id", "search_value", "*", "get_attributes", []string{"owner", "id", "weight"}),
			onDogs("search_by_conditions", "conditions", []any{everyID}, "get_attributes", []string{"owner", "id", "weight"})},
	}
	for _, p := range pairs {
		before := rawAnswers.Load()
		raw := e.super(p.raw)
		tookRaw := rawAnswers.Load() - before
		decoded := e.super(p.decoded)
		if tookRaw != 1 || rawAnswers.Load()-before != 1 {
			t.Fatalf("%v must be answered from the stored text and %v decoded: %d and %d raw answers",
				p.raw, p.decoded, tookRaw, rawAnswers.Load()-before-tookRaw)
		}
		if raw.Status != 200 || decoded.Status != 200 || len(decodeList(t, raw)) != 8 {
			t.Fatalf("%v: %d %s\n%v: %d %s", p.raw, raw.Status, raw.Body, p.decoded, decoded.Status, decoded.Body)
		}
		if string(raw.Body) != string(decoded.Body) {
			t.Errorf("%v:\n%s\n%v:\n%s", p.raw, raw.Body, p.decoded, decoded.Body)
		}
	}
}

// TestHashAnswersAsAnyOtherSearch: search_by_hash is answered from the
// records' stored text too (store.GetRaw); given every key in key order
// (and one unknown), its answer must be byte for byte that of a search
// that decodes every record.
func TestHashAnswersAsAnyOtherSearch(t *testing.T) {
	e := withDogs(t)
	e.insert("db", "dogs", `[{"id":10,"name":"q\"uote\\ \u0001 \u2028","owner":{"z":1,"a":[1.50,{"y":null,"b":"é"}]}},`+
		`{"id":11,"weight":1e300,"tags":[],"extra":{},"nick":"<b>&</b>"},{"id":12},{"id":-3.5,"name":"neg"}]`)
	every := []any{map[string]any{"search_attribute": "id", "search_type": "greater_than_equal", "search_value": nil}}
	for _, attrs := range [][]string{{"*"}, {"owner", "id", "weight"}} {
		decoded := e.super(onDogs("search_by_conditions", "conditions", every, "get_attributes", attrs))
		var keys []any
		for _, rec := range decodeList(t, e.super(onDogs("search_by_conditions", "conditions", every, "get_attributes", []string{"id"}))) {
			keys = append(keys, rec["id"])
		}
		keys = append(keys, 999)
		before := rawAnswers.Load()
		raw := e.super(onDogs("search_by_hash", "hash_values", keys, "get_attributes", attrs))
		if rawAnswers.Load()-before != 1 {
			t.Fatalf("search_by_hash %v was not answered from the stored text", attrs)
		}
		if raw.Status != 200 || len(decodeList(t, raw)) != 8 || string(raw.Body) != string(decoded.Body) {
			t.Errorf("search_by_hash %v: %d\n%s\nsearch_by_conditions:\n%s", attrs, raw.Status, raw.Body, decoded.Body)
		}
	}
}

// TestFieldsAreReadByExactKeyLastDuplicate: every search reads its fields,
// nested conditions and sort included, by their exact keys, the last of
// duplicates winning, and names every missing field at once.
func TestFieldsAreReadByExactKeyLastDuplicate(t *testing.T) {
	e := withDogs(t)
	raw := func(op, rest string) []byte {
		return []byte(`{"operation":"` + op + `","database":"db","table":"dogs",` + rest + `}`)
	}
	wantJSON(t, e.handle("search_by_hash", raw("search_by_hash",
		`"hash_values":[2],"HASH_VALUES":[1],"get_attributes":["breed"],"get_attributes":["name"]`)), `[{"name":"Harper, Jr."}]`)
	wantJSON(t, e.handle("search_by_conditions", raw("search_by_conditions",
		`"get_attributes":["id"],"conditions":[{"search_attribute":"age","search_type":"equals","Search_Value":3,"search_value":5,"SEARCH_VALUE":3}],`+
			`"sort":{"attribute":"id","Descending":true}`)), `[{"id":1}]`)
	wantJSON(t, e.handle("search_by_conditions", raw("search_by_conditions",
		`"get_attributes":["id"],"conditions":[{"operator":"or","conditions":[{"search_attribute":"id","search_type":"equals","search_value":2},`+
			`{"search_attribute":"name","Search_Attribute":"id","search_type":"equals","search_value":"Alby"}]}]`)), `[{"id":2},{"id":3}]`)
	wantJSON(t, e.handle("sql", []byte(`{"operation":"sql","sql":"SELECT id FROM db.dogs WHERE id = 1","SQL":"DELETE FROM db.dogs"}`)), `[{"id":1}]`)
	wantError(t, e.super(op("search_by_hash")), 400, "'table' is required. 'hash_values' is required. 'get_attributes' is required")
	wantError(t, e.super(onDogs("search_by_value", "search_attribute", nil, "search_value", "x", "get_attributes", nil)), 400,
		"'attribute' must be a string. 'get_attributes' must be an array")
}

// TestSearchesAsHarperDB holds answers observed on HarperDB 4.7.29 for what
// clients send besides the documented shapes: no get_attributes (whole
// records), select in its place, get_attributes naming attributes the
// table lacks, limit and offset as strings, reverse that is not true,
// conditions spelled attribute/comparator/value or without a comparator,
// and the counts of conditions HarperDB refuses. For example
//
//	{"operation":"search_by_value","search_attribute":"id","search_value":1,
//	 "get_attributes":["id","m1","m2","m3"]}
//
// is 500 {"error":"unknown attribute 'm1, m2 and m3'"} there (400 here).
func TestSearchesAsHarperDB(t *testing.T) {
	e := withPeople(t)
	on := func(name string, kv ...any) map[string]any {
		return op(name, append([]any{"database", "db", "table", "people"}, kv...)...)
	}
	// The record as stored: attributes it lacks are not written as null
	// (HarperDB: {"id":2,"name":"Bob","age":25,"city":"Rome","score":9,
	// "__updatedtime__":...,"__createdtime__":...} for a record without
	// the table's other attributes).
	e.insert("db", "people", `[{"id":7,"extra":true}]`)
	abe := `[{"id":1,"__createdtime__":1700000000000,"__updatedtime__":1700000000000,"age":9,"city":"Rome","name":"Abe","score":3}]`
	ok := []struct {
		name string
		body map[string]any
		want string
	}{
		{"search_by_value without get_attributes", on("search_by_value", "search_attribute", "id", "search_value", 1), abe},
		{"search_by_conditions without get_attributes", on("search_by_conditions", "conditions", []any{leaf("id", "equals", 1)}), abe},
		// "*" after a name: each record whole (HarperDB answers
		// ["id","*"] with {"id":1,"a":1,"__updatedtime__":...,"__createdtime__":...}).
		{"* not first is each record whole", on("search_by_value", "search_attribute", "id", "search_value", 1, "get_attributes", []string{"id", "*"}), abe},
		{"get_attributes * fills nulls", on("search_by_value", "search_attribute", "id", "search_value", 1, "get_attributes", []string{"*"}),
			`[{"id":1,"__createdtime__":1700000000000,"__updatedtime__":1700000000000,"age":9,"city":"Rome","extra":null,"name":"Abe","score":3}]`},
		{"select in place of get_attributes", on("search_by_hash", "hash_values", []any{1}, "select", []string{"id", "name"}), `[{"id":1,"name":"Abe"}]`},
		{"attribute and value", on("search_by_value", "attribute", "age", "value", 9, "get_attributes", []string{"id"}), `[{"id":1},{"id":6}]`},
		{"limit as a string", onPeople("search_by_value", "search_attribute", "id", "search_value", "*", "limit", "2"), `[{"id":1},{"id":2}]`},
		{"offset as a string", onPeople("search_by_conditions", "conditions", []any{leaf("id", "greater_than", 0)}, "offset", " 4 "), `[{"id":5},{"id":6},{"id":7}]`},
		{"reverse \"true\" is not true", onPeople("search_by_value", "search_attribute", "id", "search_value", "*", "reverse", "true", "limit", 1), `[{"id":1}]`},
		{"a condition without a comparator is equals", onPeople("search_by_conditions", "conditions", []any{map[string]any{"search_attribute": "city", "search_value": "Lima"}}), `[{"id":4}]`},
		{"attribute/comparator/value", onPeople("search_by_conditions", "conditions", []any{map[string]any{"attribute": "age", "comparator": "lessThan", "value": 5}}), `[{"id":2}]`},
	}
	for _, c := range ok {
		t.Run(c.name, func(t *testing.T) { wantJSON(t, e.super(c.body), c.want) })
	}
	bad := []struct {
		name   string
		body   map[string]any
		status int
		want   string
	}{
		{"unknown get_attributes", on("search_by_value", "search_attribute", "id", "search_value", 1, "get_attributes", []string{"id", "m1", "m2", "m3"}),
			400, "unknown attribute 'm1, m2 and m3'"},
		{"unknown get_attribute and search attribute", on("search_by_value", "search_attribute", "nope", "search_value", "*", "get_attributes", []string{"id", "m1"}),
			400, "unknown attribute 'm1 and nope'"},
		{"search_by_hash of an object key", on("search_by_hash", "hash_values", []any{map[string]any{"a": 1}}, "get_attributes", []string{"id"}),
			400, "'hash_values' must be strings or numbers"},
		{"search_by_hash of an unknown attribute", on("search_by_hash", "hash_values", []any{1}, "get_attributes", []string{"id", "nested.x"}),
			400, "unknown attribute 'nested.x'"},
		{"search_by_conditions get_attributes", onPeople("search_by_conditions", "conditions", []any{leaf("id", "equals", 1)}, "get_attributes", []string{"missing"}),
			400, "unknown attribute 'missing'"},
		{"empty get_attributes", on("search_by_value", "search_attribute", "id", "search_value", 1, "get_attributes", []string{}), 400,
			"'get_attributes' must contain at least 1 items"},
		{"empty get_attributes of search_by_hash", on("search_by_hash", "hash_values", []any{1}, "get_attributes", []string{}), 400,
			"'get_attributes' must contain at least 1 item"},
		{"no conditions", onPeople("search_by_conditions", "conditions", []any{}), 400, "'conditions' must contain at least 1 items"},
		{"or of one", onPeople("search_by_conditions", "operator", "or", "conditions", []any{leaf("id", "equals", 1)}), 400,
			`An "or" operator requires at least two conditions`},
		{"empty and group", onPeople("search_by_conditions", "conditions", []any{map[string]any{"operator": "and", "conditions": []any{}}}), 400, `An "and" operator requires at least one condition`},
		{"condition without a value", onPeople("search_by_conditions", "conditions", []any{map[string]any{"search_attribute": "city", "search_type": "equals"}}),
			400, "Search condition for city must have a value"},
		{"unknown table", onPeople("search_by_conditions", "table", "nope", "conditions", []any{leaf("id", "equals", 1)}), 400, "Table nope not found"},
		{"limit as text that is no number", onPeople("search_by_value", "search_attribute", "id", "search_value", "*", "limit", ""), 400, "'limit' must be a number"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) { wantError(t, e.super(c.body), c.status, c.want) })
	}
}

// TestHashAnswersAlikeInEitherStoredOrder: a record stored with its
// members in map order (as older versions, and older nodes, stored and
// sent them) and the same record stored as the store writes it now
// (primary key first, the rest sorted; copied whole into an answer that
// shows every attribute) answer byte for byte alike: node a writes
// records, node b gets them through replication with each record's
// members reversed, and every get_attributes shape and list of ids
// (unknown, repeated, numbers as strings, reversed) answers the same on
// both, and as a search that decodes every record.
func TestHashAnswersAlikeInEitherStoredOrder(t *testing.T) {
	a := newEnv(t, harnessOpts{})
	a.ok(op(opReplEnable, "node", "a", "databases", "*"))
	a.table("db", "dogs")
	a.insert("db", "dogs", dogs)
	a.insert("db", "dogs", `[{"id":10,"name":"q\"uote\\ \u0001 \u2028","owner":{"z":1,"a":[1.50,{"y":null,"b":"é"}]}},`+
		`{"id":11,"weight":1e300,"tags":[],"extra":{},"nick":"<b>&</b>"},{"id":12},{"id":-3.5,"name":"neg"},`+
		`{"id":13,"age":4,"breed":"Pug","extra":{"k":1},"good":true,"name":"Full","nick":"f","owner":{"first":"A"},"tags":["x"],"weight":2.25}]`)
	b := newEnv(t, harnessOpts{})
	var entries []json.RawMessage
	puts := 0
	for _, e := range a.outboxEntries(0) {
		var head struct{ Op string }
		if err := json.Unmarshal(e, &head); err != nil {
			t.Fatal(err)
		}
		if head.Op == "put" {
			e = reverseRecordMembers(t, e)
			puts++
		}
		entries = append(entries, e)
	}
	if puts != 9 {
		t.Fatalf("%d puts in a's outbox", puts)
	}
	if applied, skipped := b.applyTo("a", entries); skipped != 0 || applied != len(entries) {
		t.Fatalf("applied %d, skipped %d of %d", applied, skipped, len(entries))
	}
	// b holds the records in the old order, a in the new one.
	onB := storedTexts(t, b, []any{json.Number("13")})
	onA := storedTexts(t, a, []any{json.Number("13")})
	if !strings.HasPrefix(onA[0], `{"id":13,"__createdtime__":`) || !strings.HasSuffix(onB[0], `"id":13}`) {
		t.Fatalf("a stores %s\nb stores %s", onA[0], onB[0])
	}

	every := []any{map[string]any{"search_attribute": "id", "search_type": "greater_than_equal", "search_value": nil}}
	inOrder := decodeList(t, a.ok(onDogs("search_by_conditions", "conditions", every, "get_attributes", []string{"id"})))
	var keys []any
	for _, rec := range inOrder {
		keys = append(keys, rec["id"])
	}
	reversed := slices.Clone(keys)
	slices.Reverse(reversed)
	keyLists := map[string][]any{
		"in key order, one unknown": append(slices.Clone(keys), 999),
		"reversed":                  reversed,
		"repeated":                  {13, 1, 13, "str-id", 1, 13},
		"numbers as strings":        {"1", "13", 13, "str-id", 2},
		"none found":                {404, "nope"},
	}
	shapes := [][]string{{"*"}, {"id"}, {"name"}, {"owner", "id", "weight"}, {"name", "breed", "id"},
		{"__updatedtime__", "id", "__createdtime__"}, {"*", "name"},
		{"id", "age", "breed", "extra", "good", "name", "nick", "owner", "tags", "weight", "__createdtime__", "__updatedtime__"}}
	for _, attrs := range shapes {
		for name, ids := range keyLists {
			body := onDogs("search_by_hash", "hash_values", ids, "get_attributes", attrs)
			ra, rb := a.super(body), b.super(body)
			if ra.Status != 200 || string(ra.Body) != string(rb.Body) {
				t.Errorf("%v, %s: a %d\n%s\nb %d\n%s", attrs, name, ra.Status, ra.Body, rb.Status, rb.Body)
			}
		}
		decoded := a.ok(onDogs("search_by_conditions", "conditions", every, "get_attributes", attrs))
		raw := b.ok(onDogs("search_by_id", "ids", keys, "get_attributes", attrs))
		if len(decodeList(t, raw)) != 9 || string(raw.Body) != string(decoded.Body) {
			t.Errorf("%v: search_by_id on b\n%s\nsearch_by_conditions on a\n%s", attrs, raw.Body, decoded.Body)
		}
	}
}

// reverseRecordMembers returns an outbox entry with its record's
// top-level members in reverse order.
func reverseRecordMembers(t *testing.T, entry []byte) []byte {
	t.Helper()
	out := []byte{'{'}
	m := fastjson.NewMembers(entry)
	for m.Next() {
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(out, '"')
		out = append(out, m.Key()...)
		out = append(out, '"', ':')
		if string(m.Key()) != "record" {
			out = append(out, m.Value()...)
			continue
		}
		var texts []string
		r := fastjson.NewMembers(m.Value())
		for r.Next() {
			texts = append(texts, `"`+string(r.Key())+`":`+string(r.Value()))
		}
		if !r.Done() {
			t.Fatalf("record %s", m.Value())
		}
		slices.Reverse(texts)
		out = append(out, "{"+strings.Join(texts, ",")+"}"...)
	}
	if !m.Done() {
		t.Fatalf("entry %s", entry)
	}
	return append(out, '}')
}

// storedTexts is the stored text of each record of keys in db.dogs.
func storedTexts(t *testing.T, e *env, keys []any) []string {
	t.Helper()
	st, err := e.f.store()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	if err := st.GetRaw(context.Background(), "db", "dogs", keys, func(raw []byte) error {
		out = append(out, string(raw))
		return nil
	}); err != nil || len(out) != len(keys) {
		t.Fatalf("GetRaw: %v, %v", out, err)
	}
	return out
}
