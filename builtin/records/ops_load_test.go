package records

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/hops-dev/hops/sdk"
	"github.com/hops-dev/hops/sdk/sdktest"
)

// runLoad starts a load as the super user and waits for its job.
func (e *env) runLoad(body map[string]any) sdktest.Job {
	e.t.Helper()
	return e.runLoadAs(sdktest.SuperUser, body)
}

// runLoadAs starts a load as c and waits for its job.
func (e *env) runLoadAs(c sdk.Caller, body map[string]any) sdktest.Job {
	e.t.Helper()
	r := e.h.Do(e.t, c, body)
	var started jobStarted
	r.JSON(e.t, &started)
	if r.Status != 200 || started.JobID == "" || started.Message != "Starting job with id "+started.JobID {
		e.t.Fatalf("%v: answer %d %s", body["operation"], r.Status, r.Body)
	}
	job, err := e.h.Host.WaitJob(started.JobID, jobWait)
	if err != nil {
		e.t.Fatal(err)
	}
	return job
}

func wantJob(t *testing.T, job sdktest.Job, status, msg string) {
	t.Helper()
	if job.Status != status || job.Message != msg {
		t.Errorf("job %s %q, want %s %q", job.Status, job.Message, status, msg)
	}
}

func TestCSVDataLoadActions(t *testing.T) {
	e := newEnv(t, harnessOpts{})
	e.table("db", "t")
	data := "id,name,age,active,meta,tags,price,code\n1,Penny,5,true,\"{\"\"a\"\":1}\",\"[1,2]\",1.50,007\n2,\"Rex, Jr.\",3,false,\"{\"\"b\"\":2}\",[],2.25,abc\n"
	job := e.runLoad(op("csv_data_load", "database", "db", "table", "t", "data", data))
	wantJob(t, job, "COMPLETE", "successfully loaded 2 of 2 records")
	if job.Type != "csv_data_load" || strings.Contains(string(job.Body), "Penny") {
		t.Errorf("job type %q body %s (the data is not kept)", job.Type, job.Body)
	}
	get := []any{"hash_values", []any{1, 2}, "get_attributes", []string{"id", "name", "age", "active", "meta", "tags", "price", "code"}}
	wantJSON(t, e.super(op("search_by_hash", append([]any{"database", "db", "table", "t"}, get...)...)),
		`[{"id":1,"name":"Penny","age":5,"active":true,"meta":"{\"a\":1}","tags":"[1,2]","price":1.5,"code":"007"},`+
			`{"id":2,"name":"Rex, Jr.","age":3,"active":false,"meta":"{\"b\":2}","tags":"[]","price":2.25,"code":"abc"}]`)

	wantJob(t, e.runLoad(op("csv_data_load", "database", "db", "table", "t", "action", "insert", "data", "id,name\n1,dup\n20,new\n")),
		"COMPLETE", "successfully loaded 1 of 2 records")
	wantJob(t, e.runLoad(op("csv_data_load", "database", "db", "table", "t", "action", "update", "data", "id,name\n1,Penny II\n99,ghost\n")),
		"COMPLETE", "successfully loaded 1 of 2 records")
	wantJob(t, e.runLoad(op("csv_data_load", "database", "db", "table", "t", "action", "upsert", "data", "id,name,age\n2,Rex II,4\n30,Thirty,30\n")),
		"COMPLETE", "successfully loaded 2 of 2 records")
	wantJSON(t, e.super(op("search_by_hash", "database", "db", "table", "t", "hash_values", []any{1, 2, 20, 30, 99}, "get_attributes", []string{"id", "name", "age"})),
		`[{"id":1,"name":"Penny II","age":5},{"id":2,"name":"Rex II","age":4},{"id":20,"name":"new","age":null},{"id":30,"name":"Thirty","age":30}]`)
	wantJob(t, e.runLoad(op("csv_data_load", "database", "db", "table", "t", "data", "id,a\n")), "COMPLETE", "No records parsed from csv file.")
}

func TestCSVLoadErrorsWriteNothing(t *testing.T) {
	e := newEnv(t, harnessOpts{})
	e.table("db", "t")
	// A malformed row at the end: the first pass finds it, nothing is written.
	var b strings.Builder
	b.WriteString("id,name\n")
	for i := 1; i <= 25_000; i++ {
		b.WriteString(jsNumber(float64(i)) + ",n\n")
	}
	b.WriteString("25001,\"broken\n")
	wantJob(t, e.runLoad(op("csv_data_load", "database", "db", "table", "t", "data", b.String())),
		"ERROR", "malformed CSV at line 25002: a quoted field is not closed")
	wantJSON(t, e.super(op("search_by_hash", "database", "db", "table", "t", "hash_values", []any{1}, "get_attributes", []string{"id"})), `[]`)
	wantJob(t, e.runLoad(op("csv_data_load", "database", "db", "table", "t", "data", "id,,name\n40,a,b\n")),
		"ERROR", "Invalid attribute name: ''")
	wantJob(t, e.runLoad(op("csv_data_load", "database", "db", "table", "t", "data", "id,a/b\n40,a\n")),
		"ERROR", "Invalid column name 'a/b', cancelling load operation")
}

func TestLoadValidationAsHarperDB(t *testing.T) {
	e := newEnv(t, harnessOpts{})
	e.table("db", "t")
	cases := []struct {
		body map[string]any
		msg  string
	}{
		{op("csv_file_load"), "Table can't be blank,File path  is required"},
		{op("csv_data_load"), "Table can't be blank,Data  is required"},
		{op("csv_data_load", "table", "t"), "Data  is required"},
		{op("csv_url_load"), "'table' is required. 'csv_url' is required"},
		{op("csv_url_load", "table", "t", "csv_url", "notaurl"), "'csv_url' must be a valid url"},
		{op("csv_url_load", "table", "", "csv_url", "http://example.com/x.csv"), "'table' is not allowed to be empty"},
		{op("csv_url_load", "table", "t", "csv_url", 5), "'csv_url' must be a string"},
		{op("csv_url_load", "table", "t", "csv_url", "http://example.com/x.csv", "passthrough_headers", 5), "'passthrough_headers' must be of type object"},
		{op("csv_url_load", "table", "t", "csv_url", "http://example.com/x.csv", "action", "merge"), "'action' must be one of [insert, update, upsert]"},
		{op("csv_url_load", "database", "db", "table", "t", "csv_url", "ftp://example.com/x.csv"), MsgURLScheme},
		{op("import_from_s3"), "Table can't be blank,S3 can't be blank,S3 aws access key id can't be blank,S3 aws secret access key can't be blank,S3 bucket can't be blank,S3 key can't be blank,S3 region can't be blank"},
		{op("import_from_s3", "table", "t", "s3", map[string]any{}), "S3 aws access key id can't be blank,S3 aws secret access key can't be blank,S3 bucket can't be blank,S3 key can't be blank,S3 region can't be blank"},
		{op("import_from_s3", "table", "t", "s3", map[string]any{"aws_access_key_id": "a", "aws_secret_access_key": "b", "bucket": "c", "key": "d.txt", "region": "r"}),
			"S3 key must include one of the following valid file extensions - '.csv', '.json'"},
		{op("csv_data_load", "table", "t", "data", "id\n1\n", "action", "merge"), "Action is required and must be either insert, update, or upsert"},
		{op("csv_data_load", "table", "a/b", "data", "x"), "Table names cannot include backticks or forward slashes"},
		{op("csv_data_load", "database", "", "table", "t", "data", "x"), "Database is too short (minimum is 1 characters)"},
		{op("csv_data_load", "table", strings.Repeat("a", 260), "data", "x"), "Table cannot exceed 250 characters"},
		{op("csv_file_load", "table", "", "file_path", ""), "Table is too short (minimum is 1 characters)"},
		{op("csv_data_load", "database", "db", "table", "nope", "data", "id\n1\n"), "Table 'db.nope' does not exist"},
		{op("csv_data_load", "database", "nodb", "table", "t", "data", "id\n1\n"), "database 'nodb' does not exist"},
		{op("csv_file_load", "database", "db", "table", "t", "file_path", "/nonexistent/x.csv"), "No such file or directory /nonexistent/x.csv"},
		{op("csv_data_load", "table", "t", "data", 5), "Data must be a string"},
	}
	for _, c := range cases {
		wantError(t, e.super(c.body), 400, c.msg)
	}
	if _, ok := e.h.Host.Job(firstJobID); ok {
		t.Error("a refused load started a job")
	}
}

func TestLoadPermissions(t *testing.T) {
	e := withDogs(t)
	// reader may read, insert and update db.dogs: it may load into it.
	wantJob(t, e.runLoadAs(reader, onDogs("csv_data_load", "data", "id,name\n50,Loaded\n")), "COMPLETE", "successfully loaded 1 of 1 records")
	// A role without update may not load, whatever the action (HarperDB
	// asks insert and update of every load).
	inserter := caller("inserter", `{"super_user": false, "db": {"tables": {
		"dogs": {"read": true, "insert": true, "update": false, "delete": false, "attribute_permissions": []}}}}`)
	want403(t, e.h.Do(t, inserter, onDogs("csv_data_load", "data", "id\n51\n")), forbiddenTable("dogs", "update"))
	// Attribute permissions: a column the role cannot insert ends the job
	// ERROR before anything is written.
	limited := caller("limited", `{"super_user": false, "db": {"tables": {
		"dogs": {"read": true, "insert": true, "update": true, "delete": false, "attribute_permissions": [
			{"attribute_name": "name", "read": true, "insert": true, "update": true},
			{"attribute_name": "age", "read": true, "insert": false, "update": false}]}}}}`)
	job := e.runLoadAs(limited, onDogs("csv_data_load", "data", "id,name,age\n60,A,1\n"))
	wantJob(t, job, "ERROR", sdk.UnauthorizedMessage)
	wantJSON(t, e.super(onDogs("search_by_hash", "hash_values", []any{60}, "get_attributes", []string{"id"})), `[]`)
	wantJob(t, e.runLoadAs(limited, onDogs("csv_data_load", "data", "id,name\n61,B\n")), "COMPLETE", "successfully loaded 1 of 1 records")
	// The system database is never loaded into.
	r := e.super(op("csv_data_load", "database", "system", "table", "hdb_user", "data", "username\nx\n"))
	if r.Status != 403 && r.Status != 400 {
		t.Errorf("load into system: %d %s", r.Status, r.Body)
	}
}

func TestCSVFileLoad(t *testing.T) {
	e := newEnv(t, harnessOpts{})
	e.table("db", "f")
	path := t.TempDir() + "/bulk.csv"
	if err := os.WriteFile(path, []byte("id,name,qty,ok,meta\n1,Apple,3,true,\"{\"\"a\"\":[1]}\"\n2,\"Pear, green\",10,false,[]\n3,Plum,0.5,TRUE,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.f.progressEvery = 0
	job := e.runLoad(op("csv_file_load", "database", "db", "table", "f", "file_path", path))
	wantJob(t, job, "COMPLETE", "successfully loaded 3 of 3 records")
	if n := len(job.Progress); n == 0 || string(job.Progress[n-1]) != `{"done":3,"total":3,"unit":"records"}` {
		t.Errorf("progress %q", job.Progress)
	}
	wantJSON(t, e.super(op("search_by_hash", "database", "db", "table", "f", "hash_values", []any{1, 2, 3}, "get_attributes", []string{"id", "name", "qty", "ok", "meta"})),
		`[{"id":1,"name":"Apple","qty":3,"ok":true,"meta":{"a":[1]}},{"id":2,"name":"Pear, green","qty":10,"ok":false,"meta":[]},{"id":3,"name":"Plum","qty":0.5,"ok":true,"meta":""}]`)
	// Header only: nothing to load, as HarperDB says it for a file.
	empty := t.TempDir() + "/empty.csv"
	if err := os.WriteFile(empty, []byte("id,a\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	wantJob(t, e.runLoad(op("csv_file_load", "database", "db", "table", "f", "file_path", empty)), "COMPLETE", "successfully loaded 0 of 0 records")
	dir := t.TempDir()
	wantError(t, e.super(op("csv_file_load", "database", "db", "table", "f", "file_path", dir)), 400, fmt.Sprintf(MsgFileIsDir, dir))
}
