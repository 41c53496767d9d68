package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/hops-dev/hops/builtin/export/exporter"
	"github.com/hops-dev/hops/sdk"
)

// reportTimeout bounds each call that starts a job or reports its progress
// or end to the host: a host that does not answer in that long is gone,
// and the job must not hang on it (the host marks a dead family's jobs
// itself).
const reportTimeout = 10 * time.Second

// jobStarted is the immediate answer of both operations, keys in
// HarperDB's order.
type jobStarted struct {
	Message string `json:"message"`
	JobID   string `json:"job_id"`
}

// progressUnit is what an export's progress counts (sdk.Progress.Unit).
const progressUnit = "rows"

// exportFunc is an export's body: it copies body (the export file's
// bytes) to its destination and returns the job's result object.
type exportFunc func(ctx context.Context, body io.Reader) (any, error)

// launch runs an export as a job. In order: it dispatches the search as
// the caller and answers any error of it at once (no job); it creates the
// job record with jobBody (secrets removed by the caller); then it hands
// the open search to a goroutine and answers "Starting job". The search's
// stream lives under the family's job context, never the request's, which
// ends as soon as this returns; until the job exists, the request's end
// also ends the search.
func (f *Family) launch(reqCtx context.Context, req *sdk.Request, jobType string, jobBody any,
	format string, search exporter.SearchOperation, export exportFunc) (*sdk.Response, error) {
	if req.Host == nil {
		return nil, sdk.Errorf(http.StatusServiceUnavailable, MsgNoHost)
	}
	jctx, done, ok := f.jobs.Admit()
	if !ok {
		return nil, sdk.Errorf(http.StatusServiceUnavailable, MsgShuttingDown)
	}
	// cancel also ends the search when the request ends before the job
	// exists (the AfterFunc below).
	ctx, cancel := context.WithCancel(jctx)
	started := false
	defer func() {
		if !started {
			cancel()
			done()
		}
	}()
	stop := context.AfterFunc(reqCtx, cancel)
	s, err := startSearch(ctx, req.Host, req.Caller, format, search)
	if err != nil {
		stop()
		return nil, err
	}
	defer func() {
		if !started {
			s.close()
		}
	}()
	if !stop() {
		return nil, fmt.Errorf("%s request ended before its job started: %w", jobType, reqCtx.Err())
	}
	sctx, scancel := context.WithTimeout(context.WithoutCancel(reqCtx), reportTimeout)
	defer scancel()
	id, err := req.Host.JobStart(sctx, req.Caller, jobType, jobBody)
	if err != nil {
		return nil, fmt.Errorf("start %s job: %w", jobType, err)
	}
	started = true
	j := &job{f: f, host: req.Host, id: id, jobType: jobType, search: s, export: export,
		counter: newRowCounter(format), lastReport: time.Now()}
	go func() {
		defer done()
		defer cancel()
		j.run(ctx)
	}()
	return sdk.OK(jobStarted{Message: fmt.Sprintf(MsgStartingJob, id), JobID: id}), nil
}

// job is one running export.
type job struct {
	f          *Family
	host       sdk.Host
	id         string
	jobType    string
	search     *openSearch
	export     exportFunc
	counter    *rowCounter
	lastReport time.Time
	// reported is the row count of the last progress report.
	reported int64
}

// run exports and ends the job: COMPLETE with the export's result, or
// ERROR with the failure's message (MsgJobStopped when Shutdown stopped
// it). The exporter leaves no file or object behind a failure.
func (j *job) run(ctx context.Context) {
	defer j.search.close()
	result, err := j.export(ctx, &countingBody{r: j.search.body, j: j, ctx: ctx})
	if err == nil && j.counter.rows != j.reported {
		j.send(ctx) // the last progress is the final count
	}
	res := sdk.JobResult{Success: true, Result: result}
	if err != nil {
		msg := err.Error()
		if ctx.Err() != nil {
			msg = MsgJobStopped
		}
		res = sdk.JobResult{Message: msg}
		args := []any{"job_id", j.id, "type", j.jobType, "rows", j.counter.rows, "error", msg}
		var s3err *exporter.S3Error
		if errors.As(err, &s3err) {
			args = append(args, "detail", s3err.Detail())
		}
		j.f.log.Warn("export failed", args...)
	}
	rctx, cancel := context.WithTimeout(context.Background(), reportTimeout)
	defer cancel()
	if err := j.host.JobFinish(rctx, j.id, res); err != nil {
		j.f.log.Error("reporting the end of an export failed", "job_id", j.id, "error", err)
	}
}

// countingBody is the search's answer as the job reads it: every byte
// goes through the job's rowCounter (progress is reported from there),
// and the end of the answer is an error unless the counter saw a whole
// file end (errTruncated).
type countingBody struct {
	r   io.Reader
	j   *job
	ctx context.Context
}

// Read implements io.Reader.
func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	_, _ = b.j.counter.Write(p[:n])
	b.j.report(b.ctx)
	if errors.Is(err, io.EOF) && !b.j.counter.complete() {
		return n, errTruncated
	}
	return n, err
}

// report sends the rows written so far, at most once per progressEvery.
// A failed report is logged, never fatal: the export itself is fine.
func (j *job) report(ctx context.Context) {
	now := time.Now()
	if now.Sub(j.lastReport) < j.f.progressEvery || j.counter.rows == j.reported {
		return
	}
	j.lastReport = now
	j.send(ctx)
}

// send reports the rows written so far, against the search's total when
// it is known.
func (j *job) send(ctx context.Context) {
	j.reported = j.counter.rows
	rctx, cancel := context.WithTimeout(ctx, reportTimeout)
	defer cancel()
	p := sdk.Progress{Done: j.counter.rows, Total: j.search.total, Unit: progressUnit}
	if p.Total > 0 && p.Done > p.Total {
		p.Total = p.Done // rows inserted while the export ran
	}
	if err := j.host.JobProgress(rctx, j.id, "", p); err != nil {
		j.f.log.Warn("reporting export progress failed", "job_id", j.id, "error", err)
	}
}
