package records

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/hops-dev/hops/builtin/records/store"
	"github.com/hops-dev/hops/sdk"
)

// Bulk loads (csv_data_load, csv_file_load, csv_url_load, import_from_s3)
// run as jobs, as in HarperDB: the request is checked (HarperDB's
// validators, loadcheck.go), then the caller's table rights (HarperDB
// asks insert and update on the table for every load, whatever the
// action), then the table must exist (400 with HarperDB's text); the job
// starts and the answer goes back at once. The job fetches a remote
// source into a temporary file, then reads its source twice: a first pass
// parses every row (a malformed row ends the job ERROR naming its line,
// with nothing written, as HarperDB's first pass checks a file whole) and
// checks the caller's attribute rights on the columns; the second writes
// the rows in batches of loadBatch through writeRecords, the one write
// path of insert, update and upsert, reporting progress. It ends COMPLETE
// with HarperDB's "successfully loaded N of M records" (N written, M
// rows read).

// loadBatch is how many rows one write transaction of a load holds:
// enough to amortise a commit's fsync, few enough that a batch's records,
// the store's copies and bbolt's dirty pages (with the garbage collector's
// headroom) keep the family's heap growth well under 64 MiB whatever the
// file's size (scripts/bench/csvload.sh measures it).
const loadBatch = 5_000

// loadProgressUnit is what a load's progress counts.
const loadProgressUnit = "records"

// csvDataLoad: csv_data_load {database?, table, action?, data}.
func (f *Family) csvDataLoad(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	lr, err := readLoad(opCSVDataLoad, req.Body)
	if err != nil {
		return nil, err
	}
	return f.startLoad(ctx, req, lr)
}

// csvFileLoad: csv_file_load {database?, table, action?, file_path}; super
// users only (a file the server can read is a super user's to load).
func (f *Family) csvFileLoad(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	lr, err := readLoad(opCSVFileLoad, req.Body)
	if err != nil {
		return nil, err
	}
	return f.startLoad(ctx, req, lr)
}

// csvURLLoad: csv_url_load {database?, table, action?, csv_url,
// passthrough_headers?}.
func (f *Family) csvURLLoad(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	lr, err := readURLLoad(req.Body)
	if err != nil {
		return nil, err
	}
	return f.startLoad(ctx, req, lr)
}

// importFromS3: import_from_s3 {database?, table, action?, s3{
// aws_access_key_id, aws_secret_access_key, bucket, key, region,
// endpoint?, force_path_style?}}.
func (f *Family) importFromS3(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	lr, err := readLoad(opImportFromS3, req.Body)
	if err != nil {
		return nil, err
	}
	return f.startLoad(ctx, req, lr)
}

// writeAction is the store write and the rights of a load's action.
func writeAction(action string) (writeFunc, []right) {
	switch action {
	case actionUpdate:
		return (*store.Store).Update, []right{rightUpdate}
	case actionUpsert:
		return (*store.Store).Upsert, []right{rightInsert, rightUpdate}
	}
	return (*store.Store).Insert, []right{rightInsert}
}

// startLoad checks who may load where, then starts the job.
func (f *Family) startLoad(ctx context.Context, req *sdk.Request, lr loadRequest) (*sdk.Response, error) {
	st, err := f.store()
	if err != nil {
		return nil, err
	}
	if isSystem(lr.t.db) {
		return nil, systemReadOnly()
	}
	if err := permsOf(req.Caller).checkTable(lr.t, rightInsert, rightUpdate); err != nil {
		return nil, err
	}
	if _, err := st.PrimaryKey(lr.t.db, lr.t.table); err != nil {
		if store.StatusOf(err) == http.StatusNotFound {
			return nil, sdk.BadRequest("%s", err.Error())
		}
		return nil, err
	}
	if err := f.checkSource(ctx, req.Caller, lr); err != nil {
		return nil, err
	}
	if req.Host == nil {
		return nil, sdk.Errorf(http.StatusServiceUnavailable, MsgNoHost)
	}
	jctx, done, ok := f.jobs.Admit()
	if !ok {
		return nil, sdk.Errorf(http.StatusServiceUnavailable, MsgShuttingDown)
	}
	id, err := req.Host.JobStart(context.Background(), req.Caller, lr.op, jobRecordBody(lr.op, req.Body))
	if err != nil {
		done()
		return nil, fmt.Errorf("start %s job: %w", lr.op, err)
	}
	fn, need := writeAction(lr.action)
	job := &loadJob{f: f, st: st, host: req.Host, caller: req.Caller, id: id, req: lr, fn: fn, need: need}
	go func() {
		defer done()
		job.run(jctx)
	}()
	return sdk.OK(jobStarted{Message: fmt.Sprintf(MsgStartingJob, id), JobID: id}), nil
}

// checkSource checks, before a job exists, that the source can be read:
// csv_file_load's file (HarperDB's access check and words), csv_url_load's
// host and import_from_s3's endpoint against who may name them
// (loadguard.go).
func (f *Family) checkSource(ctx context.Context, caller sdk.Caller, lr loadRequest) error {
	switch lr.op {
	case opCSVFileLoad:
		fi, err := os.Stat(lr.path)
		switch {
		case errors.Is(err, os.ErrNotExist):
			return sdk.BadRequest(MsgNoSuchFile, lr.path)
		case errors.Is(err, os.ErrPermission):
			return sdk.BadRequest(MsgFilePermission, lr.path)
		case err != nil:
			return sdk.BadRequest(MsgFileUnreadable, lr.path)
		case fi.IsDir():
			return sdk.BadRequest(MsgFileIsDir, lr.path)
		}
	case opCSVURLLoad:
		return f.checkURL(ctx, caller, lr.url)
	case opImportFromS3:
		if !caller.SuperUser && !f.loadAllowed.Allows(lr.s3.endpoint) {
			return sdk.Errorf(http.StatusForbidden, MsgS3EndpointNotAllowed)
		}
	}
	return nil
}

// jobRecordBody is the request as the job record keeps it: csv_data_load's
// data (possibly megabytes) left out, import_from_s3's secret key and
// csv_url_load's header values redacted.
func jobRecordBody(op string, body []byte) json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return nil
	}
	redacted := json.RawMessage(`"[REDACTED]"`)
	switch op {
	case opCSVDataLoad:
		delete(m, fieldData)
	case opCSVURLLoad:
		var h map[string]json.RawMessage
		if json.Unmarshal(m[fieldPassthrough], &h) == nil && h != nil {
			for k := range h {
				h[k] = redacted
			}
			m[fieldPassthrough], _ = json.Marshal(h)
		}
	case opImportFromS3:
		var s3 map[string]json.RawMessage
		if json.Unmarshal(m[fieldS3], &s3) == nil && s3 != nil {
			if _, ok := s3["aws_secret_access_key"]; ok {
				s3["aws_secret_access_key"] = redacted
			}
			m[fieldS3], _ = json.Marshal(s3)
		}
	}
	out, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	return out
}

// loadJob is one running bulk load.
type loadJob struct {
	f        *Family
	st       *store.Store
	host     sdk.Host
	caller   sdk.Caller
	id       string
	req      loadRequest
	fn       writeFunc
	need     []right
	lastSent time.Time
}

// run loads and ends the job: COMPLETE with HarperDB's message, or ERROR
// with the reason.
func (j *loadJob) run(ctx context.Context) {
	msg, err := j.load(ctx)
	result := sdk.JobResult{Success: err == nil, Message: msg}
	if err != nil {
		result.Message = err.Error()
		var se *sdk.Error
		if errors.As(err, &se) {
			result.Message = se.Message
		}
	}
	rctx, cancel := context.WithTimeout(context.Background(), reportTimeout)
	defer cancel()
	if err := j.host.JobFinish(rctx, j.id, result); err != nil {
		j.f.log.Error("reporting the end of a job failed", "job_id", j.id, "error", err)
	}
}

// load runs both passes and returns the job's message.
func (j *loadJob) load(ctx context.Context) (string, error) {
	src, err := j.source(ctx)
	if err != nil {
		return "", err
	}
	defer src.close()
	total, attrs, err := scanSource(ctx, src)
	if err != nil {
		return "", err
	}
	if total == 0 && j.req.op == opCSVDataLoad {
		return MsgNoRecordsParsed, nil
	}
	perms := permsOf(j.caller)
	if rules, err := perms.rulesOn(j.st, j.req.t); err != nil {
		return "", err
	} else if err := rules.check(attrs, j.need...); err != nil {
		return "", err
	}
	written, done, err := j.write(ctx, src, total)
	if errors.Is(err, context.Canceled) {
		return "", fmt.Errorf(MsgLoadStopped, written, total)
	}
	if err != nil {
		return "", err
	}
	j.report(done, total)
	return fmt.Sprintf(MsgLoaded, written, total), nil
}

// write is the second pass: rows to the store in batches.
func (j *loadJob) write(ctx context.Context, src *loadSource, total int) (written, done int, err error) {
	rows, err := src.rows()
	if err != nil {
		return 0, 0, err
	}
	defer rows.close()
	batch := make([]map[string]any, 0, loadBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		res, err := j.f.writeRecords(j.st, j.caller, j.req.t, batch, j.fn, j.need...)
		if err != nil {
			return err
		}
		written += len(res.Inserted) + len(res.Updated) + len(res.Upserted)
		done += len(batch)
		clear(batch)
		batch = batch[:0]
		j.progress(done, total)
		return ctx.Err()
	}
	for {
		rec, err := rows.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return written, done, err
		}
		batch = append(batch, rec)
		if len(batch) == loadBatch {
			if err := flush(); err != nil {
				return written, done, err
			}
		}
	}
	return written, done, flush()
}

// progress reports at most every progressEvery.
func (j *loadJob) progress(done, total int) {
	if now := time.Now(); now.Sub(j.lastSent) >= j.f.progressEvery {
		j.lastSent = now
		j.report(done, total)
	}
}

// report sends one progress report: rows written of the rows read.
func (j *loadJob) report(done, total int) {
	rctx, cancel := context.WithTimeout(context.Background(), reportTimeout)
	defer cancel()
	p := sdk.Progress{Done: int64(done), Total: int64(total), Unit: loadProgressUnit}
	if err := j.host.JobProgress(rctx, j.id, fmt.Sprintf(MsgLoadProgress, done, total), p); err != nil {
		j.f.log.Warn("reporting job progress failed", "job_id", j.id, "error", err)
	}
}

// source opens what the job reads: the request's data, the file, or a
// temporary copy of the URL's body or the S3 object.
func (j *loadJob) source(ctx context.Context) (*loadSource, error) {
	switch j.req.op {
	case opCSVDataLoad:
		data := j.req.data
		return &loadSource{open: func() (io.ReadCloser, error) {
			return io.NopCloser(strings.NewReader(data)), nil
		}}, nil
	case opCSVFileLoad:
		return fileSource(j.req.path, false, true), nil
	case opCSVURLLoad:
		return j.f.fetchURL(ctx, j.caller, j.req)
	case opImportFromS3:
		return j.f.fetchS3(ctx, j.req)
	}
	return nil, fmt.Errorf("unknown load %q", j.req.op)
}

// Interface guard: the sources' rows all read the same way.
var _ rowReader = (*csvRows)(nil)
