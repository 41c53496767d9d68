package records

import (
	"bytes"
	"encoding/json"
	"regexp"
	"testing"
	"time"
)

// reviewReads is every read operation of the family, in the forms that
// take different paths through the store: whole records, some
// attributes (fastjson slots), raw copies, paged and sorted scans, key
// fetches, SQL scans, joins and aggregates, exports and descriptions.
func reviewReads() []map[string]any {
	tbl := func(name string, kv ...any) map[string]any {
		return op(name, append([]any{"database", "db", "table", "dogs"}, kv...)...)
	}
	keys := []any{1, 2, 3, 9, 10, 11, 12, "str-id", "absent"}
	conds := []any{map[string]any{"search_attribute": "age", "search_type": "greater_than_equal", "search_value": 0}}
	return []map[string]any{
		tbl("search_by_hash", "hash_values", keys, "get_attributes", []string{"*"}),
		tbl("search_by_hash", "hash_values", keys, "get_attributes", []string{"name", "age", "__updatedtime__"}),
		tbl("search_by_hash", "hash_values", keys, "get_attributes", []string{"id"}),
		tbl("search_by_id", "ids", keys, "get_attributes", []string{"*"}),
		tbl("search_by_value", "search_attribute", "id", "search_value", "*", "get_attributes", []string{"*"}),
		tbl("search_by_value", "search_attribute", "id", "search_value", 1, "get_attributes", []string{"*"}),
		tbl("search_by_value", "search_attribute", "name", "search_value", "*e*", "get_attributes", []string{"name", "id"}),
		tbl("search_by_value", "search_attribute", "id", "search_value", "*", "get_attributes", []string{"*"}, "limit", 2, "offset", 1),
		tbl("search_by_value", "search_attribute", "id", "search_value", "*", "get_attributes", []string{"*"}, "reverse", true),
		tbl("search_by_conditions", "conditions", conds, "get_attributes", []string{"*"}),
		tbl("search_by_conditions", "operator", "or", "conditions", append(conds,
			map[string]any{"search_attribute": "name", "search_type": "starts_with", "search_value": "P"}),
			"get_attributes", []string{"id", "name", "color"}, "sort", map[string]any{"attribute": "name", "descending": true}),
		op("sql", "sql", "SELECT * FROM db.dogs"),
		op("sql", "sql", "SELECT * FROM db.dogs ORDER BY __updatedtime__ DESC, id"),
		op("sql", "sql", "SELECT id, name, age FROM db.dogs WHERE age > 2 ORDER BY name"),
		op("sql", "sql", "SELECT * FROM db.dogs WHERE id = 1"),
		op("sql", "sql", "SELECT count(*) AS n, max(age) AS a FROM db.dogs"),
		op("sql", "sql", "SELECT a.id, b.name FROM db.dogs a INNER JOIN db.dogs b ON a.id = b.id ORDER BY a.id"),
		op(opExportSearch, "format", "csv", "search_operation", op("sql", "sql", "SELECT * FROM db.dogs")),
		op(opExportSearch, "format", "json", "search_operation", tbl("search_by_hash", "hash_values", keys, "get_attributes", []string{"*"})),
		op(opTableChecksum, "database", "db", "table", "dogs"),
		tbl("describe_table"),
		op("describe_database", "database", "db"),
		op("describe_all"),
	}
}

// fileSizes matches the sizes a description reports of the files: a
// record carrying its key version is longer, so they differ by format.
var fileSizes = regexp.MustCompile(`"(table_size|db_size)":[0-9]+`)

// sameReads fails t where a read answers differently on got than on want.
// Answers are compared byte for byte, file sizes masked (fileSizes).
func sameReads(t *testing.T, stage string, want, got *env, reads []map[string]any) {
	t.Helper()
	for _, r := range reads {
		w, g := want.super(r), got.super(r)
		if w.Status != 200 {
			t.Errorf("%s: %v: %d %s", stage, r, w.Status, w.Body)
		}
		if testing.Verbose() {
			t.Logf("%s: %v: %s", stage, r["operation"], g.Body)
		}
		wb := fileSizes.ReplaceAll(w.Body, []byte(`"$1":0`))
		gb := fileSizes.ReplaceAll(g.Body, []byte(`"$1":0`))
		if w.Status != g.Status || !bytes.Equal(wb, gb) {
			t.Errorf("%s: %v answers differently:\n%d %s\nwant\n%d %s", stage, r, g.Status, g.Body, w.Status, w.Body)
		}
	}
}

// runEach sends body to every env at clock ms and fails t unless they
// all answer alike.
func runEach(t *testing.T, ms int64, body map[string]any, envs ...*env) {
	t.Helper()
	var first []byte
	for i, e := range envs {
		e.clock.set(ms)
		r := e.ok(body)
		if i == 0 {
			first = r.Body
		} else if !bytes.Equal(first, r.Body) {
			t.Errorf("%v answers differently:\n%s\nwant\n%s", body, r.Body, first)
		}
	}
}

// jobEach runs a job on every env at clock ms and fails t unless each
// completes with the same message and result.
func jobEach(t *testing.T, ms int64, body map[string]any, envs ...*env) {
	t.Helper()
	var want string
	for i, e := range envs {
		e.clock.set(ms)
		job := e.runLoad(body)
		got := job.Status + " " + job.Message + " " + string(job.Result)
		if job.Status != "COMPLETE" {
			t.Fatalf("%v: job %s", body["operation"], got)
		}
		if i == 0 {
			want = got
		} else if got != want {
			t.Errorf("%v: job %s, want %s", body["operation"], got, want)
		}
	}
}

// TestReviewReadsSameOnEveryRecordFormat runs the same writes on a
// family without replication (format 1 records), one whose writes are
// logged (format 2: the key version in the record), one that applies the
// logged writes (format 2 written by the applier) and checks that every
// read answers byte for byte alike. The writer then writes with
// replication off (format 2 records rewritten as format 1, versions
// moved to the bucket) and on again, and the answers still match.
func TestReviewReadsSameOnEveryRecordFormat(t *testing.T) {
	plain := newEnv(t, harnessOpts{})
	writer := newEnv(t, harnessOpts{})
	follower := newEnv(t, harnessOpts{})
	writer.ok(op(opReplEnable, "node", "a", "databases", "*"))
	follower.ok(op(opReplEnable, "node", "b", "databases", "*"))
	both := []*env{plain, writer}
	ms := int64(startMs)
	step := func(body map[string]any) {
		t.Helper()
		ms += 1000
		runEach(t, ms, body, both...)
	}
	job := func(body map[string]any) {
		t.Helper()
		ms += 1000
		jobEach(t, ms, body, both...)
	}
	tbl := func(name string, kv ...any) map[string]any {
		return op(name, append([]any{"database", "db", "table", "dogs"}, kv...)...)
	}
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }

	// Replicated writes of every kind.
	step(tbl("create_table", "primary_key", "id"))
	step(tbl("insert", "records", raw(dogs)))
	step(tbl("update", "records", raw(`[{"id":1,"age":6,"owner":{"z":1,"a":2}},{"id":"str-id","name":"Str2"}]`)))
	step(tbl("upsert", "records", raw(`[{"id":9,"name":"Nine","weight":1.50},{"id":3,"age":4}]`)))
	step(tbl("create_attribute", "attribute", "color"))
	step(op("sql", "sql", "UPDATE db.dogs SET color = 'red' WHERE id = 3"))
	step(op("sql", "sql", "INSERT INTO db.dogs (id, name, age) VALUES (10, 'Ten', 10)"))
	job(tbl(opCSVDataLoad, "action", "upsert", "data", "id,name,age,tmp\n11,Eleven,11,x\n1,Penny2,5,y\n12,Twelve,1,z\n"))
	step(tbl("drop_attribute", "attribute", "tmp"))
	step(tbl("delete", "hash_values", []any{2}))
	step(op("sql", "sql", "DELETE FROM db.dogs WHERE id = 12"))

	sameReads(t, "replicated writes", plain, writer, reviewReads())
	entries := writer.outboxEntries(0)
	if applied, _ := follower.applyTo("a", entries); applied == 0 {
		t.Fatalf("follower applied none of %d entries", len(entries))
	}
	// The follower's records and searches; its descriptions hold its own
	// times and sizes.
	sameReads(t, "applied writes", plain, follower, reviewReads()[:len(reviewReads())-3])

	// delete_records_before (local, unlogged): records created by the
	// insert go, their versions move to the bucket.
	job(tbl("delete_records_before", "date", time.UnixMilli(startMs+2500).UTC().Format(time.RFC3339Nano)))
	sameReads(t, "delete_records_before", plain, writer, reviewReads())
	step(tbl("insert", "records", raw(dogs)))

	// Replication off: format 2 records are merged, rewritten, dropped
	// and deleted as format 1 writes.
	writer.ok(op(opReplDisable))
	step(tbl("update", "records", raw(`[{"id":9,"age":2},{"id":10,"name":"Ten2"}]`)))
	step(tbl("upsert", "records", raw(`[{"id":11,"color":"blue"},{"id":13,"name":"New"}]`)))
	step(op("sql", "sql", "UPDATE db.dogs SET age = 3 WHERE id = 3"))
	job(tbl(opCSVDataLoad, "action", "update", "data", "id,breed\n1,Husky\n"))
	step(tbl("drop_attribute", "attribute", "weight"))
	step(tbl("delete", "hash_values", []any{"str-id"}))
	sameReads(t, "replication off", plain, writer, reviewReads())

	// On again: format 1 and format 2 records side by side.
	writer.ok(op(opReplEnable, "node", "a", "databases", "*"))
	step(tbl("update", "records", raw(`[{"id":13,"age":1},{"id":1,"good":false}]`)))
	step(tbl("insert", "records", raw(`[{"id":14,"name":"Fourteen","age":14}]`)))
	step(tbl("drop_attribute", "attribute", "good"))
	sameReads(t, "replication on again", plain, writer, reviewReads())
}
