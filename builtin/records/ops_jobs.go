package records

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/hops-dev/hops/builtin/records/store"
	"github.com/hops-dev/hops/sdk"
)

// reportTimeout bounds each call that reports a job's progress or end to
// the host: a host that does not answer in that long is gone, and the job
// must not hang on it (the host marks a dead family's jobs itself).
const reportTimeout = 10 * time.Second

// The job types of delete_records_before and of its older name
// delete_files_before: a job's type is the operation's name.
const (
	jobDeleteBefore      = "delete_records_before"
	jobDeleteFilesBefore = "delete_files_before"
)

// jobStarted is the immediate answer of a job operation, keys in
// HarperDB's order.
type jobStarted struct {
	Message string `json:"message"`
	JobID   string `json:"job_id"`
}

// progressUnit is what delete_records_before's progress counts.
const progressUnit = "records"

// deleteRecordsBefore: delete_records_before (or delete_files_before, its
// older name) {date, database | schema, table}; database defaults to
// "data". Everything is checked before a job exists (fields, then the
// table); then the job starts and the answer goes back at once.
func (f *Family) deleteRecordsBefore(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	st, fields, err := f.begin(req)
	if err != nil {
		return nil, err
	}
	t := readTarget(fields)
	before := readDate(fields)
	if err := fields.Err(); err != nil {
		return nil, err
	}
	db, table := t.db, t.table
	if isSystem(db) {
		return nil, systemReadOnly()
	}
	if _, err := st.PrimaryKey(db, table); err != nil {
		return nil, err
	}
	if req.Host == nil {
		return nil, sdk.Errorf(http.StatusServiceUnavailable, MsgNoHost)
	}
	ctx, done, ok := f.jobs.Admit()
	if !ok {
		return nil, sdk.Errorf(http.StatusServiceUnavailable, MsgShuttingDown)
	}
	// The request's context only bounds the JobStart call itself.
	jobType := jobDeleteBefore
	if req.Operation == jobDeleteFilesBefore {
		jobType = jobDeleteFilesBefore
	}
	id, err := req.Host.JobStart(context.Background(), req.Caller, jobType, json.RawMessage(req.Body))
	if err != nil {
		done()
		return nil, fmt.Errorf("start %s job: %w", jobType, err)
	}
	job := &deleteJob{f: f, st: st, host: req.Host, id: id, db: db, table: table, before: before}
	go func() {
		defer done()
		job.run(ctx)
	}()
	return sdk.OK(jobStarted{Message: fmt.Sprintf(MsgStartingJob, id), JobID: id}), nil
}

// readDate reads delete_records_before's date: an ISO 8601 string.
func readDate(fields *sdk.Fields) time.Time {
	raw, ok := fields.Raw(fieldDate, sdk.Required)
	if !ok {
		return time.Time{}
	}
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		fields.Fail(MsgDateInvalid)
		return time.Time{}
	}
	t, ok := parseISODate(s)
	if !ok {
		fields.Fail(MsgDateFormat)
	}
	return t
}

// deleteJob is one running delete_records_before.
type deleteJob struct {
	f         *Family
	st        *store.Store
	host      sdk.Host
	id        string
	db, table string
	before    time.Time
	lastSent  time.Time
	reported  int // the count of the latest progress report
}

// run deletes, reports progress at most every progressEvery, and ends the
// job: COMPLETE with HarperDB's message, or ERROR with the error.
func (j *deleteJob) run(ctx context.Context) {
	deleted, total, err := j.st.DeleteBefore(ctx, j.db, j.table, j.before, j.progress)
	if deleted != j.reported {
		j.report(deleted, total) // the last progress is the final count
	}
	var result sdk.JobResult
	switch {
	case err == nil:
		result = sdk.JobResult{Success: true, Message: store.DeleteBeforeMessage(deleted, total)}
	case errors.Is(err, context.Canceled):
		result = sdk.JobResult{Message: fmt.Sprintf(MsgJobStopped, deleted, total)}
	default:
		result = sdk.JobResult{Message: err.Error()}
	}
	rctx, cancel := context.WithTimeout(context.Background(), reportTimeout)
	defer cancel()
	if err := j.host.JobFinish(rctx, j.id, result); err != nil {
		j.f.log.Error("reporting the end of a job failed", "job_id", j.id, "error", err)
	}
}

// progress is DeleteBefore's progress callback, called between batches; it
// reports at most every progressEvery.
func (j *deleteJob) progress(deleted, total int) {
	now := time.Now()
	if now.Sub(j.lastSent) < j.f.progressEvery {
		return
	}
	j.lastSent = now
	j.report(deleted, total)
}

// report sends one progress report: records deleted of the total found
// before the date.
func (j *deleteJob) report(deleted, total int) {
	rctx, cancel := context.WithTimeout(context.Background(), reportTimeout)
	defer cancel()
	j.reported = deleted
	p := sdk.Progress{Done: int64(deleted), Total: int64(total), Unit: progressUnit}
	if err := j.host.JobProgress(rctx, j.id, fmt.Sprintf(MsgJobProgress, deleted), p); err != nil {
		j.f.log.Warn("reporting job progress failed", "job_id", j.id, "error", err)
	}
}
