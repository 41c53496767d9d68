package records

import (
	"encoding/json"
	"testing"
)

func TestWrites(t *testing.T) {
	e := newEnv(t, harnessOpts{})
	e.table("db", "dogs")
	wantJSON(t, e.super(op("insert", "database", "db", "table", "dogs", "records", json.RawMessage(dogs))),
		`{"message":"inserted 4 of 4 records","inserted_hashes":[1,2,3,"str-id"],"skipped_hashes":[]}`)
	wantJSON(t, e.super(op("insert", "schema", "db", "table", "dogs", "records", []any{map[string]any{"id": 1, "name": "dup"}})),
		`{"message":"inserted 0 of 1 records","inserted_hashes":[],"skipped_hashes":[1]}`)

	e.clock.set(startMs + 1000)
	wantJSON(t, e.super(op("update", "database", "db", "table", "dogs", "records", json.RawMessage(`[{"id": 2, "age": 4}]`))),
		`{"message":"updated 1 of 1 records","update_hashes":[2],"skipped_hashes":[]}`)
	wantJSON(t, e.super(op("update", "database", "db", "table", "dogs", "records", json.RawMessage(`[{"id": 99, "name": "x"}]`))),
		`{"message":"updated 0 of 1 records","update_hashes":[],"skipped_hashes":[99]}`)
	// update keeps the other attributes and __createdtime__, moves __updatedtime__.
	wantJSON(t, e.super(op("search_by_hash", "database", "db", "table", "dogs", "hash_values", []any{2},
		"get_attributes", []string{"name", "age", "__createdtime__", "__updatedtime__"})),
		`[{"name":"Harper, Jr.","age":4,"__createdtime__":1700000000000,"__updatedtime__":1700000001000}]`)

	wantJSON(t, e.super(op("upsert", "database", "db", "table", "dogs", "records",
		json.RawMessage(`[{"id": 3, "name": "Alby II"}, {"id": 5, "name": "Rex"}, {"id": 6, "name": "Fido"}]`))),
		`{"message":"upserted 3 of 3 records","upserted_hashes":[3,5,6]}`)
	wantJSON(t, e.super(op("search_by_hash", "database", "db", "table", "dogs", "hash_values", []any{3},
		"get_attributes", []string{"id", "name", "weight"})),
		`[{"id":3,"name":"Alby II","weight":12.5}]`)

	wantJSON(t, e.super(op("delete", "database", "db", "table", "dogs", "hash_values", []any{5, 6})),
		`{"message":"2 of 2 records successfully deleted","deleted_hashes":[5,6],"skipped_hashes":[]}`)
	wantJSON(t, e.super(op("delete", "database", "db", "table", "dogs", "ids", []any{"str-id", 77})),
		// HarperDB 4.7.29 counts a key no record has as deleted:
		// {"hash_values":[1,999]} answers "2 of 2 records successfully
		// deleted", deleted_hashes [1,999], skipped_hashes [].
		`{"message":"2 of 2 records successfully deleted","deleted_hashes":["str-id",77],"skipped_hashes":[]}`)
	wantJSON(t, e.super(op("search_by_hash", "database", "db", "table", "dogs", "hash_values", []any{5, 6, "str-id"},
		"get_attributes", []string{"id"})), `[]`)
}

func TestInsertGeneratesKeysAndTimestamps(t *testing.T) {
	e := newEnv(t, harnessOpts{})
	e.table("db", "t")
	var res struct {
		Inserted []any `json:"inserted_hashes"`
	}
	e.ok(op("insert", "database", "db", "table", "t", "records", json.RawMessage(`[{"v": 1.50}]`))).JSON(t, &res)
	if len(res.Inserted) != 1 {
		t.Fatalf("inserted = %v", res.Inserted)
	}
	id, ok := res.Inserted[0].(string)
	if !ok || len(id) != 36 {
		t.Fatalf("generated key = %v, want a UUID string", res.Inserted[0])
	}
	r := e.ok(op("search_by_hash", "database", "db", "table", "t", "hash_values", []any{id}, "get_attributes", []string{"*"}))
	// Numbers come back as written (1.50, not 1.5) and both times are set.
	want := `[{"id":"` + id + `","__createdtime__":1700000000000,"__updatedtime__":1700000000000,"v":1.50}]`
	if string(r.Body) != want+"\n" {
		t.Errorf("got  %s\nwant %s", r.Body, want)
	}
}

func TestWriteErrors(t *testing.T) {
	e := newEnv(t, harnessOpts{})
	e.table("db", "dogs")
	cases := []struct {
		name   string
		body   map[string]any
		status int
		want   string
	}{
		{"insert without records", op("insert", "database", "db", "table", "dogs"), 400, "'records' is required"},
		{"insert records not an array", op("insert", "database", "db", "table", "dogs", "records", map[string]any{"id": 1}), 400, "'records' must be an array"},
		// HarperDB 4.7.29: {"records":[5]} is 400 "'records[0]' must be of type object".
		{"insert records of numbers", op("insert", "database", "db", "table", "dogs", "records", []any{1}), 400, "'records[0]' must be of type object"},
		{"insert a null record", op("insert", "database", "db", "table", "dogs", "records", []any{map[string]any{"id": 8}, nil}), 400, "'records[1]' must be of type object"},
		{"insert without table", op("insert", "database", "db", "records", []any{}), 400, "'table' is required"},
		// HarperDB 4.7.29: {"operation":"insert","database":"db","table":"nope",
		// "records":[{"id":1}]} answers 400 {"error":"Table 'db.nope' does not exist"}
		// (delete and the searches answer 404).
		{"insert into an unknown table", op("insert", "database", "db", "table", "nope", "records", []any{map[string]any{"id": 1}}), 400, "Table 'db.nope' does not exist"},
		{"insert into an unknown database", op("insert", "database", "nodb", "table", "nope", "records", []any{}), 400, "database 'nodb' does not exist"},
		{"update of an unknown table", op("update", "database", "db", "table", "nope", "records", []any{map[string]any{"id": 1}}), 400, "Table 'db.nope' does not exist"},
		{"upsert into an unknown database", op("upsert", "database", "nodb", "table", "t", "records", []any{map[string]any{"id": 1}}), 400, "database 'nodb' does not exist"},
		{"a number as the table names its text", op("insert", "database", "db", "table", 5, "records", []any{map[string]any{"id": 1}}), 400, "Table 'db.5' does not exist"},
		{"a number as the database names its text", op("update", "database", 1.50, "table", "t", "records", []any{map[string]any{"id": 1}}), 400, "database '1.5' does not exist"},
		{"a table of another type", op("insert", "database", "db", "table", true, "records", []any{map[string]any{"id": 1}}), 400, "'table' must be a string"},
		{"insert a bad key", op("insert", "database", "db", "table", "dogs", "records", []any{map[string]any{"id": true}}), 400,
			"Invalid hash value: 'true' is not a valid hash attribute value, check log for more info"},
		{"update without the key", op("update", "database", "db", "table", "dogs", "records", []any{map[string]any{"name": "nokey"}}), 400,
			"a valid hash attribute must be provided with update record, check log for more info"},
		{"upsert without records", op("upsert", "database", "db", "table", "dogs"), 400, "'records' is required"},
		{"delete without hash_values", op("delete", "database", "db", "table", "dogs"), 400, "'hash_values' is required"},
		{"delete hash_values not an array", op("delete", "database", "db", "table", "dogs", "hash_values", 1), 400, "'hash_values' must be an array"},
		{"delete from an unknown table", op("delete", "database", "db", "table", "nope", "hash_values", []any{1}), 404, "Table 'db.nope' does not exist"},
		{"insert with nothing", op("insert"), 400, "'table' is required. 'records' is required"},
		{"update with nothing", op("update"), 400, "'table' is required. 'records' is required"},
		{"delete with nothing", op("delete"), 400, "'table' is required. 'hash_values' is required"},
		{"insert null records", op("insert", "database", "db", "table", "dogs", "records", nil), 400, "'records' must be an array"},
		{"delete null ids", op("delete", "database", "db", "table", "dogs", "ids", nil), 400, "'ids' must be an array"},
		{"insert cased Records", op("insert", "database", "db", "table", "dogs", "Records", []any{map[string]any{"id": 9}}), 400, "'records' is required"},
		{"delete cased keys", op("delete", "Database", "db", "Table", "dogs", "Hash_Values", []any{1}), 400, "'table' is required. 'hash_values' is required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantError(t, e.super(c.body), c.status, c.want)
		})
	}
}

func TestWriteIsOneTransaction(t *testing.T) {
	e := newEnv(t, harnessOpts{})
	e.table("db", "t")
	// The second record's key is invalid: nothing of the request is written.
	r := e.super(op("insert", "database", "db", "table", "t", "records", json.RawMessage(`[{"id": 1}, {"id": {"x": 1}}]`)))
	if r.Status != 400 {
		t.Fatalf("got %d %s", r.Status, r.Body)
	}
	wantJSON(t, e.super(op("search_by_hash", "database", "db", "table", "t", "hash_values", []any{1}, "get_attributes", []string{"id"})), `[]`)
}

// TestNumberNames: insert and update take a number as the database or
// table name and use its text, as HarperDB does (its delete_records_before
// job names such a table 'corpus_db.5').
func TestNumberNames(t *testing.T) {
	e := newEnv(t, harnessOpts{})
	e.table("7", "5")
	wantJSON(t, e.super(op("insert", "database", 7, "table", 5, "records", []any{map[string]any{"id": 1, "v": "a"}})),
		`{"message":"inserted 1 of 1 records","inserted_hashes":[1],"skipped_hashes":[]}`)
	wantJSON(t, e.super(op("update", "database", 7, "table", 5, "records", []any{map[string]any{"id": 1, "v": "b"}})),
		`{"message":"updated 1 of 1 records","update_hashes":[1],"skipped_hashes":[]}`)
	wantJSON(t, e.super(op("search_by_hash", "database", "7", "table", "5", "hash_values", []any{1}, "get_attributes", []string{"v"})),
		`[{"v":"b"}]`)
	for n, want := range map[float64]string{5: "5", 1.5: "1.5", -0.25: "-0.25", 1e21: "1e+21", 1e-7: "1e-7", 123456789012: "123456789012"} {
		if got := jsNumber(n); got != want {
			t.Errorf("jsNumber(%v) = %q, want %q", n, got, want)
		}
	}
}

// TestDeleteMessageSingular: HarperDB says "record" when one key was asked
// for ("1 of 1 record successfully deleted"), for delete and SQL DELETE.
func TestDeleteMessageSingular(t *testing.T) {
	e := withDogs(t)
	wantJSON(t, e.super(onDogs("delete", "hash_values", []any{1})),
		`{"message":"1 of 1 record successfully deleted","deleted_hashes":[1],"skipped_hashes":[]}`)
	wantJSON(t, e.super(op("sql", "sql", "DELETE FROM db.dogs WHERE id = 2")),
		`{"message":"1 of 1 record successfully deleted","deleted_hashes":[2],"skipped_hashes":[]}`)
	wantJSON(t, e.super(onDogs("delete", "hash_values", []any{3, "str-id"})),
		`{"message":"2 of 2 records successfully deleted","deleted_hashes":[3,"str-id"],"skipped_hashes":[]}`)
}

// TestRepeatedKeysAsHarperDB: HarperDB 4.7.29 applies an update or upsert
// of one key twice in one call in order ({"id":700,"b":5},{"id":700,"a":9}
// answers "updated 2 of 2 records", update_hashes [700,700], and stores
// a 9, b 5), and skips an insert's repeat ("inserted 1 of 2 records",
// skipped_hashes [701]).
func TestRepeatedKeysAsHarperDB(t *testing.T) {
	e := withDogs(t)
	wantJSON(t, e.super(op("update", "database", "db", "table", "dogs", "records", []any{
		map[string]any{"id": 1, "breed": "A"}, map[string]any{"id": 1, "age": 9}})),
		`{"message":"updated 2 of 2 records","update_hashes":[1,1],"skipped_hashes":[]}`)
	wantJSON(t, e.super(op("search_by_hash", "database", "db", "table", "dogs", "hash_values", []any{1}, "get_attributes", []string{"id", "age", "breed"})),
		`[{"id":1,"age":9,"breed":"A"}]`)
	wantJSON(t, e.super(op("insert", "database", "db", "table", "dogs", "records", []any{
		map[string]any{"id": 701, "age": 1}, map[string]any{"id": 701, "age": 2}})),
		`{"message":"inserted 1 of 2 records","inserted_hashes":[701],"skipped_hashes":[701]}`)
}
