package main

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
)

// Integration tests of the records family and its jobs against the real
// binary (issue 5): every operation over HTTP, delete_records_before as a
// job, table rights of a non-super role, what a restart keeps, and a
// search too large for one gRPC message.

const (
	// recJobWait bounds how long a delete_records_before job may take on a
	// handful of records; the reference needed up to 8 s.
	recJobWait = 30 * time.Second
	// recPollEvery is how often a test polls for a job's end.
	recPollEvery = 20 * time.Millisecond
	// recBigRows and recBigBatches: 50 000 records in 5 insert requests,
	// the figure; the answer (~7 MB) is larger than gRPC's 4 MiB
	// message limit, so only a streamed answer comes back whole.
	recBigRows    = 50_000
	recBigBatches = 5
	// recForbidden is HarperDB's 403 message for table and operation rights.
	recForbidden = "This operation is not authorized due to role restrictions and/or invalid database items"
)

// recExpect fails unless r has the status and, when msg is not empty, the
// message (200) or error (otherwise) msg.
func recExpect(t *testing.T, what string, r response, status int, msg string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d: %s", what, r.Status, status, r.Raw)
	}
	if msg == "" {
		return
	}
	got := r.Error()
	if status == 200 {
		var m struct {
			Message string `json:"message"`
		}
		r.JSON(t, &m)
		got = m.Message
	}
	if got != msg {
		t.Fatalf("%s: %q, want %q (%s)", what, got, msg, r.Raw)
	}
}

// recRows decodes an array of records.
func recRows(t *testing.T, what string, r response) []map[string]any {
	t.Helper()
	if r.Status != 200 {
		t.Fatalf("%s: status %d: %s", what, r.Status, r.Raw)
	}
	var rows []map[string]any
	r.JSON(t, &rows)
	return rows
}

// recIDs returns the rows' "id" values as text, in order.
func recIDs(rows []map[string]any) string {
	ids := make([]string, len(rows))
	for i, row := range rows {
		ids[i] = fmt.Sprint(row["id"])
	}
	return strings.Join(ids, ",")
}

// recSortedIDs is recIDs sorted, for answers in no promised order.
func recSortedIDs(rows []map[string]any) string {
	ids := strings.Split(recIDs(rows), ",")
	sort.Strings(ids)
	return strings.Join(ids, ",")
}

// recWaitJob polls get_job as user:pass until the job leaves IN_PROGRESS
// (or CREATED) and returns it.
func recWaitJob(t *testing.T, in *instance, user, pass, id string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(recJobWait)
	for {
		r := in.post(t, user, pass, map[string]any{"operation": "get_job", "id": id})
		var jobs []map[string]any
		r.JSON(t, &jobs)
		if r.Status != 200 || len(jobs) != 1 {
			t.Fatalf("get_job %s: %d %s", id, r.Status, r.Raw)
		}
		if s := jobs[0]["status"]; s == "COMPLETE" || s == "ERROR" {
			return jobs[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s still running after %s: %s", id, recJobWait, r.Raw)
		}
		time.Sleep(recPollEvery)
	}
}

// recStartJob sends a job operation and returns the job id from its answer.
func recStartJob(t *testing.T, in *instance, body map[string]any) string {
	t.Helper()
	r := in.admin(t, body)
	var started struct {
		Message string `json:"message"`
		JobID   string `json:"job_id"`
	}
	r.JSON(t, &started)
	if r.Status != 200 || len(started.JobID) != 36 || started.Message != "Starting job with id "+started.JobID {
		t.Fatalf("%v: %d %s", body["operation"], r.Status, r.Raw)
	}
	return started.JobID
}

// recForbiddenBody is the 403 body of a refused table right.
type recForbiddenBody struct {
	Error              string   `json:"error"`
	UnauthorizedAccess []any    `json:"unauthorized_access"`
	InvalidSchemaItems []string `json:"invalid_schema_items"`
}

// recRefused decodes a 403 in HarperDB's shape, failing on anything else.
func recRefused(t *testing.T, what string, r response) recForbiddenBody {
	t.Helper()
	var b recForbiddenBody
	if r.Status != 403 {
		t.Fatalf("%s: status %d, want 403: %s", what, r.Status, r.Raw)
	}
	r.JSON(t, &b)
	if b.Error != recForbidden || b.UnauthorizedAccess == nil || b.InvalidSchemaItems == nil {
		t.Fatalf("%s: not HarperDB's 403 shape: %s", what, r.Raw)
	}
	return b
}

func TestRecOperationsOverHTTP(t *testing.T) {
	in := startHops(t, "", "")
	a := func(body map[string]any) response { t.Helper(); return in.admin(t, body) }
	dogs := func(op string, more map[string]any) map[string]any {
		body := map[string]any{"operation": op, "database": "zoo", "table": "dogs"}
		for k, v := range more {
			body[k] = v
		}
		return body
	}

	// Databases and tables, under both names of each operation.
	recExpect(t, "create_database", a(map[string]any{"operation": "create_database", "database": "zoo"}), 200, "database 'zoo' successfully created")
	recExpect(t, "create_database again", a(map[string]any{"operation": "create_database", "database": "zoo"}), 400, "database 'zoo' already exists")
	recExpect(t, "create_schema", a(map[string]any{"operation": "create_schema", "schema": "old"}), 200, "database 'old' successfully created")
	recExpect(t, "create_table", a(dogs("create_table", map[string]any{"primary_key": "id"})), 200, "table 'zoo.dogs' successfully created.")
	recExpect(t, "create_table again", a(dogs("create_table", map[string]any{"primary_key": "id"})), 400, "Table 'dogs' already exists in 'zoo'")
	recExpect(t, "create_table hash_attribute", a(map[string]any{"operation": "create_table", "schema": "old", "table": "t", "hash_attribute": "k"}), 200, "table 'old.t' successfully created.")
	if r := a(map[string]any{"operation": "create_table", "database": "zoo", "table": "x"}); r.Status != 400 || !strings.Contains(r.Error(), "primary_key") {
		t.Fatalf("create_table without primary_key: %d %s", r.Status, r.Raw)
	}
	var oldDB map[string]map[string]any
	r := a(map[string]any{"operation": "describe_schema", "schema": "old"})
	r.JSON(t, &oldDB)
	if r.Status != 200 || oldDB["t"]["hash_attribute"] != "k" || len(oldDB) != 1 {
		t.Fatalf("describe_schema: %d %s", r.Status, r.Raw)
	}
	recExpect(t, "drop_table", a(map[string]any{"operation": "drop_table", "schema": "old", "table": "t"}), 200, "successfully deleted table 'old.t'")
	recExpect(t, "drop_table again", a(map[string]any{"operation": "drop_table", "schema": "old", "table": "t"}), 404, "Table 'old.t' does not exist")
	recExpect(t, "drop_schema", a(map[string]any{"operation": "drop_schema", "schema": "old"}), 200, "successfully deleted 'old'")
	recExpect(t, "drop_schema again", a(map[string]any{"operation": "drop_schema", "schema": "old"}), 404, "database 'old' does not exist")

	// Writes.
	r = a(dogs("insert", map[string]any{"records": []map[string]any{
		{"id": 1, "name": "Penny", "age": 5, "grp": "a"}, {"id": 2, "name": "Harper", "age": 3, "grp": "b"},
		{"id": 3, "name": "Alby", "age": 9, "grp": "a"}, {"id": 4, "name": "Pip", "age": 1, "grp": "a"},
	}}))
	recExpect(t, "insert", r, 200, "inserted 4 of 4 records")
	if !strings.Contains(string(r.Raw), `"inserted_hashes":[1,2,3,4]`) {
		t.Fatalf("insert hashes: %s", r.Raw)
	}
	recExpect(t, "insert existing", a(dogs("insert", map[string]any{"records": []map[string]any{{"id": 1}}})), 200, "inserted 0 of 1 records")
	recExpect(t, "update", a(dogs("update", map[string]any{"records": []map[string]any{{"id": 2, "age": 4}, {"id": 99, "age": 1}}})), 200, "updated 1 of 2 records")
	recExpect(t, "upsert", a(dogs("upsert", map[string]any{"records": []map[string]any{{"id": 3, "name": "Alby II"}, {"id": 5, "name": "Rex", "age": 2, "grp": "b"}}})), 200, "upserted 2 of 2 records")
	// HarperDB counts the unknown key 77 as deleted too.
	recExpect(t, "delete", a(dogs("delete", map[string]any{"hash_values": []any{4, 77}})), 200, "2 of 2 records successfully deleted")

	// Searches.
	rows := recRows(t, "search_by_hash", a(dogs("search_by_hash", map[string]any{"hash_values": []any{3, 2, 4}, "get_attributes": []string{"id", "name", "age"}})))
	if recIDs(rows) != "3,2" || rows[0]["name"] != "Alby II" || rows[0]["age"] != 9.0 || rows[1]["age"] != 4.0 {
		t.Fatalf("search_by_hash after update/upsert/delete: %v", rows)
	}
	rows = recRows(t, "search_by_id", a(dogs("search_by_id", map[string]any{"ids": []any{5}, "get_attributes": []string{"*"}})))
	if len(rows) != 1 || rows[0]["name"] != "Rex" || rows[0]["__createdtime__"] == nil {
		t.Fatalf("search_by_id: %v", rows)
	}
	rows = recRows(t, "search_by_value", a(dogs("search_by_value", map[string]any{"search_attribute": "name", "search_value": "P*", "get_attributes": []string{"id"}})))
	if recIDs(rows) != "1" {
		t.Fatalf("search_by_value P*: %v", rows)
	}
	rows = recRows(t, "search_by_conditions", a(dogs("search_by_conditions", map[string]any{"operator": "and", "get_attributes": []string{"id"},
		"conditions": []map[string]any{{"search_attribute": "age", "search_type": "greater_than_equal", "search_value": 4}, {"search_attribute": "grp", "search_type": "equals", "search_value": "a"}}})))
	if recSortedIDs(rows) != "1,3" {
		t.Fatalf("search_by_conditions: %v", rows)
	}

	// SQL: key lookups, aggregates, order and limit, and writes.
	sql := func(q string) response { t.Helper(); return a(map[string]any{"operation": "sql", "sql": q}) }
	if rows = recRows(t, "sql by key", sql("SELECT id, name FROM zoo.dogs WHERE id = 1")); recIDs(rows) != "1" || rows[0]["name"] != "Penny" {
		t.Fatalf("sql by key: %v", rows)
	}
	if rows = recRows(t, "sql count", sql("SELECT COUNT(*) AS n FROM zoo.dogs")); len(rows) != 1 || rows[0]["n"] != 4.0 {
		t.Fatalf("sql count: %v", rows)
	}
	rows = recRows(t, "sql group by", sql("SELECT grp, COUNT(*) AS c FROM zoo.dogs GROUP BY grp ORDER BY grp"))
	if fmt.Sprint(rows) != "[map[c:2 grp:a] map[c:2 grp:b]]" {
		t.Fatalf("sql group by: %v", rows)
	}
	if rows = recRows(t, "sql order/limit", sql("SELECT id FROM zoo.dogs ORDER BY age DESC LIMIT 2 OFFSET 1")); recIDs(rows) != "1,2" {
		t.Fatalf("sql order by age desc limit 2 offset 1: %v", rows)
	}
	recExpect(t, "sql insert", sql("INSERT INTO zoo.dogs (id, name, age) VALUES (10, 'Sql', 6)"), 200, "inserted 1 of 1 records")
	recExpect(t, "sql update", sql("UPDATE zoo.dogs SET age = 7 WHERE id = 10"), 200, "updated 1 of 1 records")
	if rows = recRows(t, "sql after update", sql("SELECT age FROM zoo.dogs WHERE id = 10")); len(rows) != 1 || rows[0]["age"] != 7.0 {
		t.Fatalf("sql update not applied: %v", rows)
	}
	recExpect(t, "sql delete", sql("DELETE FROM zoo.dogs WHERE id = 10"), 200, "1 of 1 record successfully deleted") // HarperDB 4.7.29: singular
	if rows = recRows(t, "sql after delete", sql("SELECT id FROM zoo.dogs WHERE id = 10")); len(rows) != 0 {
		t.Fatalf("sql delete not applied: %v", rows)
	}

	// Descriptions.
	var table map[string]any
	r = a(dogs("describe_table", nil))
	r.JSON(t, &table)
	if r.Status != 200 || table["record_count"] != 4.0 || table["hash_attribute"] != "id" || table["schema"] != "zoo" {
		t.Fatalf("describe_table: %d %s", r.Status, r.Raw)
	}
	var all map[string]map[string]map[string]any
	r = a(map[string]any{"operation": "describe_all"})
	r.JSON(t, &all)
	if r.Status != 200 || all["zoo"]["dogs"]["record_count"] != 4.0 || all["old"] != nil {
		t.Fatalf("describe_all: %d %s", r.Status, r.Raw)
	}
	var db map[string]map[string]any
	r = a(map[string]any{"operation": "describe_database", "database": "zoo"})
	r.JSON(t, &db)
	if r.Status != 200 || len(db) != 1 || db["dogs"]["name"] != "dogs" {
		t.Fatalf("describe_database: %d %s", r.Status, r.Raw)
	}

	// Errors.
	for _, c := range []struct {
		name   string
		body   map[string]any
		status int
		want   string // exact error, or a substring when it starts with "~"
	}{
		{"insert without records", dogs("insert", nil), 400, "~records"},
		{"insert unknown table", map[string]any{"operation": "insert", "database": "zoo", "table": "nope", "records": []map[string]any{{"id": 1}}}, 400, "Table 'zoo.nope' does not exist"}, // HarperDB 4.7.29: 400
		{"update without key", dogs("update", map[string]any{"records": []map[string]any{{"name": "x"}}}), 400, "~hash attribute"},
		{"delete without hash_values", dogs("delete", nil), 400, "~hash_values"},
		{"search_by_hash without hash_values", dogs("search_by_hash", map[string]any{"get_attributes": []string{"id"}}), 400, "~hash_values"},
		{"search_by_value without attribute", dogs("search_by_value", map[string]any{"search_value": "x", "get_attributes": []string{"id"}}), 400, "~attribute"},
		{"search_by_conditions without conditions", dogs("search_by_conditions", map[string]any{"get_attributes": []string{"id"}}), 400, "~conditions"},
		{"search_by_conditions bad type", dogs("search_by_conditions", map[string]any{"get_attributes": []string{"id"}, "conditions": []map[string]any{{"search_attribute": "age", "search_type": "rec_bogus", "search_value": 1}}}), 400, "~rec_bogus"},
		{"sql syntax", map[string]any{"operation": "sql", "sql": "SELEC * FROM zoo.dogs"}, 400, "~Invalid SQL at:"},
		{"sql missing", map[string]any{"operation": "sql"}, 400, "~sql"},
		{"sql unknown table", map[string]any{"operation": "sql", "sql": "SELECT * FROM zoo.nope"}, 404, "Table 'zoo.nope' does not exist"},
		{"describe_table unknown db", map[string]any{"operation": "describe_table", "database": "nodb", "table": "dogs"}, 404, "database 'nodb' does not exist"},
		{"drop_database missing", map[string]any{"operation": "drop_database"}, 400, "~database"},
	} {
		r := a(c.body)
		ok := r.Status == c.status
		if strings.HasPrefix(c.want, "~") {
			ok = ok && strings.Contains(r.Error(), c.want[1:])
		} else {
			ok = ok && r.Error() == c.want
		}
		if !ok {
			t.Errorf("%s: %d %s; want %d %q", c.name, r.Status, r.Raw, c.status, c.want)
		}
	}

	recExpect(t, "drop_database", a(map[string]any{"operation": "drop_database", "database": "zoo"}), 200, "successfully deleted 'zoo'")
	recExpect(t, "dropped database is gone", a(dogs("describe_table", nil)), 404, "database 'zoo' does not exist")
}

// TestRecJobsRightsAndRestart runs delete_records_before as a job, reads
// it back with get_job and search_jobs_by_start_date, checks a non-super
// role's table rights, then restarts hops: tables, records, the finished
// job and the role's rights are all still there.
func TestRecJobsRightsAndRestart(t *testing.T) {
	in := startHops(t, "", "")
	a := func(body map[string]any) response { t.Helper(); return in.admin(t, body) }
	old := func(op string, more map[string]any) map[string]any {
		body := map[string]any{"operation": op, "database": "jobs", "table": "old"}
		for k, v := range more {
			body[k] = v
		}
		return body
	}
	recExpect(t, "create_table", a(old("create_table", map[string]any{"primary_key": "id"})), 200, "")
	recExpect(t, "create_table cats", a(map[string]any{"operation": "create_table", "database": "jobs", "table": "cats", "primary_key": "id"}), 200, "")
	recExpect(t, "insert before", a(old("insert", map[string]any{"records": []map[string]any{{"id": 1}, {"id": 2}, {"id": 3}}})), 200, "inserted 3 of 3 records")

	// The cutoff is the newest creation time of the first batch plus 1 ms;
	// the second batch is inserted once the clock has passed it.
	var newest float64
	for _, row := range recRows(t, "created times", a(old("search_by_value", map[string]any{"search_attribute": "id", "search_value": "*", "get_attributes": []string{"__createdtime__"}}))) {
		newest = max(newest, row["__createdtime__"].(float64))
	}
	cutoff := time.UnixMilli(int64(newest) + 1)
	for time.Now().Before(cutoff.Add(time.Millisecond)) {
		time.Sleep(time.Millisecond)
	}
	recExpect(t, "insert after", a(old("insert", map[string]any{"records": []map[string]any{{"id": 4}, {"id": 5}}})), 200, "inserted 2 of 2 records")

	for _, c := range []struct {
		name        string
		more        map[string]any
		status      int
		wantMessage string
	}{
		{"without date", nil, 400, "'date' is required"},
		{"bad date", map[string]any{"date": "yesterday"}, 400, "'date' must be in ISO 8601 date format"},
		{"unknown table", map[string]any{"table": "nope", "date": "2020-01-01"}, 404, "Table 'jobs.nope' does not exist"},
	} {
		recExpect(t, "delete_records_before "+c.name, a(old("delete_records_before", c.more)), c.status, c.wantMessage)
	}
	before := time.Now()
	id := recStartJob(t, in, old("delete_records_before", map[string]any{"date": cutoff.UTC().Format("2006-01-02T15:04:05.000Z")}))
	job := recWaitJob(t, in, adminUser, adminPass, id)
	if job["status"] != "COMPLETE" || job["message"] != "3 of 3 records successfully deleted" || job["type"] != "delete_records_before" || job["user"] != adminUser {
		t.Fatalf("finished job: %v", job)
	}
	left := recRows(t, "after the job", a(old("search_by_value", map[string]any{"search_attribute": "id", "search_value": "*", "get_attributes": []string{"id"}})))
	if recSortedIDs(left) != "4,5" {
		t.Fatalf("records left after delete_records_before: %v", left)
	}
	from := before.Add(-time.Second).UTC().Format(time.RFC3339)
	var found []map[string]any
	r := a(map[string]any{"operation": "search_jobs_by_start_date", "from_date": from, "to_date": "2099-12-31"})
	r.JSON(t, &found)
	if r.Status != 200 || len(found) != 1 || found[0]["id"] != id || found[0]["status"] != "COMPLETE" {
		t.Fatalf("search_jobs_by_start_date: %d %s", r.Status, r.Raw)
	}
	if r := a(map[string]any{"operation": "search_jobs_by_start_date", "from_date": "2000-01-01", "to_date": "2000-01-02"}); r.Status != 200 || strings.TrimSpace(string(r.Raw)) != "[]" {
		t.Fatalf("search_jobs_by_start_date without match: %d %s", r.Status, r.Raw)
	}
	recExpect(t, "search_jobs bad from", a(map[string]any{"operation": "search_jobs_by_start_date", "from_date": "nope", "to_date": "2099-12-31"}), 400, "Invalid 'from' date, must be in ISO-8601 format (YYYY-MM-DD).")
	recExpect(t, "get_job without id", a(map[string]any{"operation": "get_job"}), 400, "'id' is required")
	if r := a(map[string]any{"operation": "get_job", "id": "00000000-0000-4000-8000-000000000000"}); r.Status != 200 || strings.TrimSpace(string(r.Raw)) != "null" {
		t.Fatalf("get_job of an unknown id: %d %s", r.Status, r.Raw)
	}

	// A role with read, insert and update on jobs.old only.
	recExpect(t, "add_role", a(map[string]any{"operation": "add_role", "role": "rec_rw", "permission": map[string]any{
		"super_user": false, "jobs": map[string]any{"tables": map[string]any{"old": map[string]any{
			"read": true, "insert": true, "update": true, "delete": false, "attribute_permissions": []any{}}}}}}), 200, "")
	recExpect(t, "add_user", a(map[string]any{"operation": "add_user", "role": "rec_rw", "username": "rec_user", "password": "Rec#Pass1", "active": true}), 200, "rec_user successfully added")
	recCheckRights(t, in, 6)

	in.restart()

	if rows := recRows(t, "records after restart", a(old("search_by_hash", map[string]any{"hash_values": []any{4, 5, 6}, "get_attributes": []string{"id"}}))); recIDs(rows) != "4,5,6" {
		t.Fatalf("records after restart: %v", rows)
	}
	var db map[string]map[string]any
	r = a(map[string]any{"operation": "describe_database", "database": "jobs"})
	r.JSON(t, &db)
	if r.Status != 200 || db["old"]["hash_attribute"] != "id" || db["cats"]["hash_attribute"] != "id" {
		t.Fatalf("tables after restart: %d %s", r.Status, r.Raw)
	}
	if again := recWaitJob(t, in, adminUser, adminPass, id); fmt.Sprint(again) != fmt.Sprint(job) {
		t.Fatalf("the job changed across the restart:\nbefore %v\nafter  %v", job, again)
	}
	recCheckRights(t, in, 7)
}

// recCheckRights checks rec_user's rights on jobs.old (read, insert and
// update but not delete) and that jobs.cats is hidden from it; newID is a
// key not yet used.
func recCheckRights(t *testing.T, in *instance, newID int) {
	t.Helper()
	u := func(body map[string]any) response { t.Helper(); return in.post(t, "rec_user", "Rec#Pass1", body) }
	recExpect(t, "user insert", u(map[string]any{"operation": "insert", "database": "jobs", "table": "old", "records": []map[string]any{{"id": newID}}}), 200, "inserted 1 of 1 records")
	recExpect(t, "user update", u(map[string]any{"operation": "update", "database": "jobs", "table": "old", "records": []map[string]any{{"id": newID, "editor": "rec_user"}}}), 200, "updated 1 of 1 records")
	rows := recRows(t, "user read", u(map[string]any{"operation": "sql", "sql": fmt.Sprintf("SELECT id, editor FROM jobs.old WHERE id = %d", newID)}))
	if len(rows) != 1 || rows[0]["editor"] != "rec_user" {
		t.Fatalf("user read back: %v", rows)
	}
	b := recRefused(t, "user delete", u(map[string]any{"operation": "delete", "database": "jobs", "table": "old", "hash_values": []any{newID}}))
	if len(b.UnauthorizedAccess) != 1 || len(b.InvalidSchemaItems) != 0 ||
		fmt.Sprint(b.UnauthorizedAccess[0]) != "map[required_attribute_permissions:[] required_table_permissions:[delete] schema:jobs table:old]" {
		t.Fatalf("user delete refusal: %+v", b)
	}
	recRefused(t, "user sql delete", u(map[string]any{"operation": "sql", "sql": fmt.Sprintf("DELETE FROM jobs.old WHERE id = %d", newID)}))
	for name, body := range map[string]map[string]any{
		"search cats": {"operation": "search_by_hash", "database": "jobs", "table": "cats", "hash_values": []any{1}, "get_attributes": []string{"*"}},
		"sql on cats": {"operation": "sql", "sql": "SELECT * FROM jobs.cats"},
	} {
		b := recRefused(t, name, u(body))
		if len(b.UnauthorizedAccess) != 0 || strings.Join(b.InvalidSchemaItems, "|") != "Table 'jobs.cats' does not exist" {
			t.Fatalf("%s: cats must look like it does not exist: %+v", name, b)
		}
	}
	var all map[string]map[string]any
	r := u(map[string]any{"operation": "describe_all"})
	r.JSON(t, &all)
	if r.Status != 200 || len(all) != 1 || len(all["jobs"]) != 1 || all["jobs"]["old"] == nil {
		t.Fatalf("describe_all as the user must show jobs.old only: %d %s", r.Status, r.Raw)
	}
	b = recRefused(t, "user delete_records_before", u(map[string]any{"operation": "delete_records_before", "database": "jobs", "table": "old", "date": "2001-01-01"}))
	if fmt.Sprint(b.UnauthorizedAccess) != "[Operation 'deleteFilesBefore' is restricted to 'super_user' roles]" || len(b.InvalidSchemaItems) != 0 {
		t.Fatalf("user delete_records_before refusal: %+v", b)
	}
}

// TestRecLargeSearchComplete inserts recBigRows records in recBigBatches
// requests and reads them all back with search_by_value "*" over HTTP.
func TestRecLargeSearchComplete(t *testing.T) {
	in := startHops(t, "", "")
	recExpect(t, "create_table", in.admin(t, map[string]any{"operation": "create_table", "database": "big", "table": "rows", "primary_key": "id"}), 200, "")
	per := recBigRows / recBigBatches
	pad := strings.Repeat("x", 64)
	for b := 0; b < recBigBatches; b++ {
		batch := make([]map[string]any, per)
		for i := range batch {
			id := b*per + i
			batch[i] = map[string]any{"id": id, "label": fmt.Sprintf("row %d", id), "pad": pad}
		}
		recExpect(t, "insert batch", in.admin(t, map[string]any{"operation": "insert", "database": "big", "table": "rows", "records": batch}), 200, fmt.Sprintf("inserted %d of %d records", per, per))
	}
	started := time.Now()
	r := in.admin(t, map[string]any{"operation": "search_by_value", "database": "big", "table": "rows", "search_attribute": "id", "search_value": "*", "get_attributes": []string{"id", "label", "pad"}})
	t.Logf("search_by_value * answered %d bytes in %s", len(r.Raw), time.Since(started))
	if r.Status != 200 {
		t.Fatalf("big search: %d %.300s", r.Status, r.Raw)
	}
	var rows []struct {
		ID    int    `json:"id"`
		Label string `json:"label"`
		Pad   string `json:"pad"`
	}
	r.JSON(t, &rows)
	seen := make([]bool, recBigRows)
	for _, row := range rows {
		if row.ID < 0 || row.ID >= recBigRows || seen[row.ID] || row.Label != fmt.Sprintf("row %d", row.ID) || row.Pad != pad {
			t.Fatalf("unexpected or repeated row %+v", row)
		}
		seen[row.ID] = true
	}
	if len(rows) != recBigRows {
		t.Fatalf("got %d rows, want %d", len(rows), recBigRows)
	}
}
