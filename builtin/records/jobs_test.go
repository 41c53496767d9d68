package records

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hops-dev/hops/sdk/sdktest"
)

// jobWait bounds how long a test waits for a job to end.
const jobWait = 20 * time.Second

// firstJobID is the id the FakeHost gives its first job: seeing it proves
// no job was created before.
const firstJobID = "00000000-0000-4000-8000-000000000001"

// startJob sends delete_records_before and returns the job id.
func (e *env) startJob(body map[string]any) string {
	e.t.Helper()
	r := e.ok(body)
	var started jobStarted
	r.JSON(e.t, &started)
	if started.JobID == "" || started.Message != "Starting job with id "+started.JobID {
		e.t.Fatalf("answer %s", r.Body)
	}
	return started.JobID
}

func TestDeleteRecordsBefore(t *testing.T) {
	e := newEnv(t, harnessOpts{section: map[string]any{"noSync": true, "deleteBatch": 2}})
	e.f.progressEvery = 0 // report every batch
	e.table("db", "old")
	e.insert("db", "old", `[{"id": 1, "v": "a"}, {"id": 2, "v": "b"}, {"id": 3, "v": "c"}]`)
	cutoff := time.UnixMilli(startMs + 1000).UTC()
	e.clock.set(startMs + 1000) // created exactly at the cutoff: kept
	e.insert("db", "old", `[{"id": 4, "v": "d"}]`)
	e.clock.set(startMs + 2000)
	e.ok(op("update", "database", "db", "table", "old", "records", json.RawMessage(`[{"id": 1, "v": "a2"}]`)))

	id := e.startJob(op("delete_records_before", "database", "db", "table", "old", "date", cutoff.Format(time.RFC3339Nano)))
	if id != firstJobID {
		t.Errorf("job id %s, want the FakeHost's first", id)
	}
	job, err := e.h.Host.WaitJob(id, jobWait)
	if err != nil {
		t.Fatal(err)
	}
	if job.Status != "COMPLETE" || job.Message != "3 of 3 records successfully deleted" || len(job.Result) != 0 {
		t.Errorf("job = %+v", job)
	}
	if job.Type != "delete_records_before" || job.CallerToken != sdktest.SuperUser.Token {
		t.Errorf("job type %q token %q", job.Type, job.CallerToken)
	}
	var body map[string]any
	if err := json.Unmarshal(job.Body, &body); err != nil || body["table"] != "old" {
		t.Errorf("job body %s", job.Body)
	}
	// Batches of 2 over 3 records: two progress reports, the last at 3 of 3.
	if len(job.Progress) != 2 || string(job.Progress[0]) != `{"done":2,"total":3,"unit":"records"}` ||
		string(job.Progress[1]) != `{"done":3,"total":3,"unit":"records"}` {
		t.Errorf("progress %q", job.Progress)
	}
	// Updated after the cutoff does not save record 1: created before it.
	wantJSON(t, e.super(op("search_by_value", "database", "db", "table", "old", "search_attribute", "id", "search_value", "*",
		"get_attributes", []string{"id", "v"})), `[{"id":4,"v":"d"}]`)

	// Nothing to delete; one record (singular); schema alias; a date-only cutoff.
	id = e.startJob(op("delete_records_before", "schema", "db", "table", "old", "date", "2001-01-01"))
	if job, _ := e.h.Host.WaitJob(id, jobWait); job.Status != "COMPLETE" || job.Message != "No records found to delete" {
		t.Errorf("nothing to delete: %+v", job)
	}
	id = e.startJob(op("delete_records_before", "database", "db", "table", "old", "date", "2099-01-01"))
	if job, _ := e.h.Host.WaitJob(id, jobWait); job.Status != "COMPLETE" || job.Message != "1 of 1 record successfully deleted" {
		t.Errorf("one record: %+v", job)
	}
}

func TestDeleteRecordsBeforeValidatesBeforeTheJob(t *testing.T) {
	e := newEnv(t, harnessOpts{})
	e.table("db", "old")
	dr := func(kv ...any) map[string]any { return op("delete_records_before", kv...) }
	cases := []struct {
		name   string
		body   map[string]any
		status int
		want   string
	}{
		{"no date", dr("database", "db", "table", "old"), 400, "'date' is required"},
		{"bad date", dr("database", "db", "table", "old", "date", "yesterday"), 400, MsgDateFormat},
		{"impossible date", dr("database", "db", "table", "old", "date", "2021-02-30"), 400, MsgDateFormat},
		{"number date", dr("database", "db", "table", "old", "date", 1700000000000), 400, MsgDateInvalid},
		{"no table", dr("database", "db", "date", "2020-01-01"), 400, "'table' is required"},
		{"no database is the default one", dr("table", "old", "date", "2020-01-01"), 404, "database 'data' does not exist"},
		{"nothing", dr(), 400, "'table' is required. 'date' is required"},
		{"null date", dr("database", "db", "table", "old", "date", nil), 400, MsgDateInvalid},
		{"cased keys are not the fields", dr("Database", "db", "TABLE", "old", "Date", "2020-01-01"), 400, "'table' is required. 'date' is required"},
		{"unknown table", dr("database", "db", "table", "nope", "date", "2020-01-01"), 404, "Table 'db.nope' does not exist"},
		{"unknown database", dr("schema", "nodb", "table", "old", "date", "2020-01-01"), 404, "database 'nodb' does not exist"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantError(t, e.super(c.body), c.status, c.want) })
	}
	if _, ok := e.h.Host.Job(firstJobID); ok {
		t.Fatal("a refused request created a job")
	}
	id := e.startJob(dr("database", "db", "table", "old", "date", "2020-01-01T00:00:00Z"))
	if id != firstJobID {
		t.Errorf("first accepted request made job %s, want %s", id, firstJobID)
	}
}

// blockingHost is a FakeHost whose first JobProgress call signals and then
// waits for release, so a test can hold a job in the middle of its work.
type blockingHost struct {
	*sdktest.FakeHost
	progressed chan struct{}
	release    chan struct{}
	calls      int
}

func (b *blockingHost) JobProgress(ctx context.Context, id, message string, progress any) error {
	b.calls++
	if b.calls == 1 {
		close(b.progressed)
		<-b.release
	}
	return b.FakeHost.JobProgress(ctx, id, message, progress)
}

func TestShutdownStopsRunningJobs(t *testing.T) {
	root := t.TempDir()
	host := &blockingHost{FakeHost: sdktest.NewFakeHost(), progressed: make(chan struct{}), release: make(chan struct{})}
	e := newEnv(t, harnessOpts{rootPath: root, host: host, section: map[string]any{"noSync": true, "deleteBatch": 1}})
	e.f.progressEvery = 0
	e.table("db", "t")
	var recs []string
	const n = 50
	for i := 0; i < n; i++ {
		recs = append(recs, fmt.Sprintf(`{"id":%d}`, i))
	}
	e.insert("db", "t", "["+strings.Join(recs, ",")+"]")
	id := e.startJob(op("delete_records_before", "database", "db", "table", "t", "date", "2099-01-01"))

	<-host.progressed // the job deleted its first batch and is reporting
	shut := make(chan error, 1)
	go func() { shut <- e.shutdown() }()
	<-e.f.jobs.Stopping() // Shutdown has cancelled the jobs' context
	close(host.release)
	if err := <-shut; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	job, err := host.WaitJob(id, jobWait)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf(MsgJobStopped, 1, n); job.Status != "ERROR" || job.Message != want {
		t.Errorf("job = %s %q, want ERROR %q", job.Status, job.Message, want)
	}
	// The store was closed cleanly: a new family on the same root sees the
	// records the job did not reach.
	e2 := newEnv(t, harnessOpts{rootPath: root})
	wantJSON(t, e2.super(sqlOp("SELECT COUNT(*) AS n FROM db.t")), fmt.Sprintf(`[{"n":%d}]`, n-1))
}

func TestJobAnswerShape(t *testing.T) {
	e := newEnv(t, harnessOpts{})
	e.table("db", "t")
	r := e.ok(op("delete_records_before", "database", "db", "table", "t", "date", "2001-01-01"))
	// Keys in HarperDB's order: message, then job_id.
	if !regexp.MustCompile(`^\{"message":"Starting job with id [0-9a-f-]{36}","job_id":"[0-9a-f-]{36}"\}\n$`).Match(r.Body) {
		t.Errorf("answer %s", r.Body)
	}
	var started jobStarted
	r.JSON(t, &started)
	if _, err := e.h.Host.WaitJob(started.JobID, jobWait); err != nil {
		t.Fatal(err)
	}
}

// A throttled job still ends with a progress report of its final count.
func TestDeleteRecordsBeforeLastProgressIsTheCount(t *testing.T) {
	e := newEnv(t, harnessOpts{section: map[string]any{"noSync": true, "deleteBatch": 2}})
	e.f.progressEvery = time.Hour // only the first batch's report passes the throttle
	e.table("db", "t")
	e.insert("db", "t", `[{"id": 1}, {"id": 2}, {"id": 3}, {"id": 4}, {"id": 5}]`)
	id := e.startJob(op("delete_records_before", "database", "db", "table", "t", "date", "2099-01-01"))
	job, err := e.h.Host.WaitJob(id, jobWait)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`{"done":2,"total":5,"unit":"records"}`, `{"done":5,"total":5,"unit":"records"}`}
	if job.Status != "COMPLETE" || len(job.Progress) != len(want) {
		t.Fatalf("job %+v, progress %q", job, job.Progress)
	}
	for i, w := range want {
		if string(job.Progress[i]) != w {
			t.Errorf("progress[%d] = %s, want %s", i, job.Progress[i], w)
		}
	}
}

// TestDeleteFilesBefore: HarperDB's older name runs the same job under its
// own type. HarperDB 4.7.29 answers
//
//	{"operation":"delete_files_before","database":"d","table":"things","date":"2001-01-01"}
//	-> 200 {"message":"Starting job with id <uuid>","job_id":"<uuid>"}
//
// and the job ends COMPLETE, type "delete_files_before", message "No
// records found to delete"; its date is checked as delete_records_before's
// ('date' is required, 'date' must be in ISO 8601 date format).
func TestDeleteFilesBefore(t *testing.T) {
	e := newEnv(t, harnessOpts{})
	e.table("d", "things")
	e.insert("d", "things", `[{"id": 1}, {"id": 2}]`)
	id := e.startJob(op("delete_files_before", "database", "d", "table", "things", "date", "2001-01-01"))
	job, err := e.h.Host.WaitJob(id, jobWait)
	if err != nil {
		t.Fatal(err)
	}
	if job.Status != "COMPLETE" || job.Type != "delete_files_before" || job.Message != "No records found to delete" {
		t.Errorf("job = %+v", job)
	}
	id = e.startJob(op("delete_files_before", "database", "d", "table", "things", "date", "2099-01-01"))
	if job, _ := e.h.Host.WaitJob(id, jobWait); job.Status != "COMPLETE" || job.Message != "2 of 2 records successfully deleted" {
		t.Errorf("job = %+v", job)
	}
	wantError(t, e.super(op("delete_files_before", "database", "d", "table", "things", "date", "notadate")), 400, "'date' must be in ISO 8601 date format")
	wantError(t, e.super(op("delete_files_before", "database", "d", "table", "things")), 400, "'date' is required")
	wantError(t, e.super(op("delete_files_before", "database", "d", "table", "nope", "date", "2001-01-01")), 404, "Table 'd.nope' does not exist")
}

// TestDeleteRecordsBeforeDefaultsToData: without a database the table is
// data's, as HarperDB 4.7.29 answers (case 75-misc: the job deletes "3 of 3
// records successfully deleted" from data.<table>).
func TestDeleteRecordsBeforeDefaultsToData(t *testing.T) {
	e := newEnv(t, harnessOpts{})
	e.ok(op("create_table", "table", "t", "primary_key", "id"))
	e.ok(op("insert", "table", "t", "records", []any{map[string]any{"id": 1}, map[string]any{"id": 2}, map[string]any{"id": 3}}))
	id := e.startJob(op("delete_records_before", "table", "t", "date", "2099-01-01"))
	if job, _ := e.h.Host.WaitJob(id, jobWait); job.Status != "COMPLETE" || job.Message != "3 of 3 records successfully deleted" {
		t.Errorf("job = %+v", job)
	}
	wantJSON(t, e.super(op("search_by_value", "database", "data", "table", "t", "search_attribute", "id", "search_value", "*",
		"get_attributes", []string{"id"})), `[]`)
}
