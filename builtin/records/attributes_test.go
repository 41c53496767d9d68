package records

import "testing"

// TestCreateAndDropAttribute follows HarperDB 4.7.29's answers (case
// 75-misc):
//
//	{"operation":"create_attribute","database":"d","table":"things","attribute":"color"}
//	-> 200 {"message":"attribute 'd.things.color' successfully created."}
//	again -> 400 {"error":"attribute 'color' already exists in d.things"}
//	{"operation":"drop_attribute","database":"d","table":"things","attribute":"tmp"}
//	-> 200 {"message":"successfully deleted attribute 'tmp'"}
//
// describe_table lists a created attribute, records read it as null, and a
// dropped attribute leaves describe_table and every record.
func TestCreateAndDropAttribute(t *testing.T) {
	e := newEnv(t, harnessOpts{})
	e.table("d", "things")
	e.insert("d", "things", `[{"id": 1, "name": "a", "tmp": "x"}, {"id": 2, "name": "b", "tmp": "y"}, {"id": 3, "name": "c"}]`)
	target := []any{"database", "d", "table", "things"}
	attrOp := func(name, attr string) map[string]any {
		return op(name, append(target, "attribute", attr)...)
	}
	describe := func() string {
		var info struct {
			Attributes []struct{ Attribute string } `json:"attributes"`
		}
		e.ok(op("describe_table", target...)).JSON(t, &info)
		var names string
		for _, a := range info.Attributes {
			names += a.Attribute + " "
		}
		return names
	}

	wantJSON(t, e.super(attrOp("create_attribute", "color")), `{"message":"attribute 'd.things.color' successfully created."}`)
	if got := describe(); got != "__createdtime__ __updatedtime__ color id name tmp " {
		t.Errorf("describe after create: %s", got)
	}
	wantError(t, e.super(attrOp("create_attribute", "color")), 400, "attribute 'color' already exists in d.things")
	wantError(t, e.super(attrOp("create_attribute", "tmp")), 400, "attribute 'tmp' already exists in d.things")
	wantJSON(t, e.super(op("search_by_hash", append(target, "hash_values", []any{1}, "get_attributes", []string{"id", "color"})...)),
		`[{"id":1,"color":null}]`)

	before := e.ok(op("search_by_hash", append(target, "hash_values", []any{1}, "get_attributes", []string{"__updatedtime__"})...))
	e.clock.set(startMs + 5000)
	wantJSON(t, e.super(attrOp("drop_attribute", "tmp")), `{"message":"successfully deleted attribute 'tmp'"}`)
	wantJSON(t, e.super(attrOp("drop_attribute", "color")), `{"message":"successfully deleted attribute 'color'"}`)
	if got := describe(); got != "__createdtime__ __updatedtime__ id name " {
		t.Errorf("describe after drop: %s", got)
	}
	wantJSON(t, e.super(op("search_by_hash", append(target, "hash_values", []any{1, 2, 3}, "get_attributes", []string{"*"})...)),
		`[{"id":1,"__createdtime__":1700000000000,"__updatedtime__":1700000000000,"name":"a"},`+
			`{"id":2,"__createdtime__":1700000000000,"__updatedtime__":1700000000000,"name":"b"},`+
			`{"id":3,"__createdtime__":1700000000000,"__updatedtime__":1700000000000,"name":"c"}]`)
	// Dropping leaves the records' update time alone.
	wantJSON(t, e.super(op("search_by_hash", append(target, "hash_values", []any{1}, "get_attributes", []string{"__updatedtime__"})...)),
		string(before.Body))
	// The table's size follows the records that lost the attribute.
	var info struct {
		TableSize int64 `json:"table_size"`
	}
	e.ok(op("describe_table", target...)).JSON(t, &info)
	e2 := newEnv(t, harnessOpts{})
	e2.table("d", "things")
	e2.insert("d", "things", `[{"id": 1, "name": "a"}, {"id": 2, "name": "b"}, {"id": 3, "name": "c"}]`)
	var info2 struct {
		TableSize int64 `json:"table_size"`
	}
	e2.ok(op("describe_table", target...)).JSON(t, &info2)
	if info.TableSize != info2.TableSize {
		t.Errorf("table_size after drop %d, same records inserted fresh %d", info.TableSize, info2.TableSize)
	}
	// A dropped attribute can be created again.
	wantJSON(t, e.super(attrOp("create_attribute", "tmp")), `{"message":"attribute 'd.things.tmp' successfully created."}`)
}

// TestAttributeErrors: HarperDB 4.7.29 answers create_attribute without an
// attribute 400 "Attribute name is required", drop_attribute with nothing
// 400 "'table' is required. 'attribute' is required" and drop_attribute of
// __createdtime__ 400 "cannot drop internal timestamp attribute:
// __createdtime__". The others are hops' answers.
func TestAttributeErrors(t *testing.T) {
	e := newEnv(t, harnessOpts{})
	e.table("d", "things")
	e.insert("d", "things", `[{"id": 1, "name": "a"}]`)
	cases := []struct {
		name   string
		body   map[string]any
		status int
		want   string
	}{
		{"create without an attribute", op("create_attribute", "database", "d", "table", "things"), 400, "Attribute name is required"},
		{"create with nothing", op("create_attribute"), 400, "'table' is required. Attribute name is required"},
		{"drop with nothing", op("drop_attribute"), 400, "'table' is required. 'attribute' is required"},
		{"drop __createdtime__", op("drop_attribute", "database", "d", "table", "things", "attribute", "__createdtime__"), 400,
			"cannot drop internal timestamp attribute: __createdtime__"},
		{"drop __updatedtime__", op("drop_attribute", "database", "d", "table", "things", "attribute", "__updatedtime__"), 400,
			"cannot drop internal timestamp attribute: __updatedtime__"},
		{"drop the primary key", op("drop_attribute", "database", "d", "table", "things", "attribute", "id"), 400, "You cannot drop a hash attribute"},
		{"create on an unknown table", op("create_attribute", "database", "d", "table", "nope", "attribute", "x"), 404, "Table 'd.nope' does not exist"},
		{"drop on an unknown database", op("drop_attribute", "database", "nodb", "table", "t", "attribute", "x"), 404, "database 'nodb' does not exist"},
		{"create a name with a slash", op("create_attribute", "database", "d", "table", "things", "attribute", "a/b"), 400,
			"Attribute names cannot include backticks or forward slashes"},
		{"attribute not a string", op("create_attribute", "database", "d", "table", "things", "attribute", 5), 400, "'attribute' must be a string"},
		{"system is read-only", op("drop_attribute", "database", "system", "table", "hdb_user", "attribute", "x"), 403, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.super(c.body)
			if c.want == "" {
				if r.Status != c.status {
					t.Errorf("got %d %s, want %d", r.Status, r.Body, c.status)
				}
				return
			}
			wantError(t, r, c.status, c.want)
		})
	}
	// create_attribute needs insert on the table.
	readOnly := caller("ro", `{"super_user": false, "d": {"tables": {
		"things": {"read": true, "insert": false, "update": false, "delete": false, "attribute_permissions": []}}}}`)
	if r := e.h.Do(t, readOnly, op("create_attribute", "database", "d", "table", "things", "attribute", "x")); r.Status != 403 {
		t.Errorf("create_attribute without insert: %d %s", r.Status, r.Body)
	}
	inserter := caller("ins", `{"super_user": false, "d": {"tables": {
		"things": {"read": true, "insert": true, "update": false, "delete": false, "attribute_permissions": []}}}}`)
	if r := e.h.Do(t, inserter, op("create_attribute", "database", "d", "table", "things", "attribute", "x")); r.Status != 200 {
		t.Errorf("create_attribute with insert: %d %s", r.Status, r.Body)
	}
}
