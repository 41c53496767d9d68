package jobs

import (
	"encoding/json"
	"errors"
	"time"
)

// Status is a job's state.
type Status string

// Job states. HarperDB also has CREATED, but the record is written
// IN_PROGRESS before the client hears of it, so a client never sees it.
const (
	StatusInProgress Status = "IN_PROGRESS"
	StatusComplete   Status = "COMPLETE"
	StatusError      Status = "ERROR"
)

// Job is a job record as get_job answers it.
type Job struct {
	// ID is the job's UUID (v4).
	ID string `json:"id"`
	// Type is the operation that started the job, e.g. "export_local".
	Type string `json:"type"`
	// Status is IN_PROGRESS, COMPLETE or ERROR.
	Status Status `json:"status"`
	// Message is the outcome text (or the latest progress message).
	Message string `json:"message,omitempty"`
	// User is the username of the caller who started the job.
	User string `json:"user"`
	// CreatedDatetime is when the record was written, epoch ms.
	CreatedDatetime int64 `json:"created_datetime"`
	// StartDatetime is when the job started, epoch ms.
	StartDatetime int64 `json:"start_datetime"`
	// EndDatetime is when the job ended, epoch ms; 0 while it runs.
	EndDatetime int64 `json:"end_datetime,omitempty"`
	// JobBody is the request that started the job, secrets removed by the
	// family before JobStart.
	JobBody json.RawMessage `json:"job_body,omitempty"`
	// Result is the job's result object, when it ended with one.
	Result json.RawMessage `json:"result,omitempty"`
	// Progress is the latest progress object the family reported.
	Progress json.RawMessage `json:"progress,omitempty"`
	// Owner is the family that runs the job. It is stored but never shown
	// to clients.
	Owner string `json:"-"`
}

// record is the stored form of a Job: the client view plus the owner.
type record struct {
	Job
	StoredOwner string `json:"owner"`
}

// Messages written into job records.
const (
	// msgCompleted is the message of a job that ended with a result
	// object, as HarperDB words it; %s is the job id.
	msgCompleted = "Successfully completed job: %s"
	// msgFailedNoReason is the message of a failed job whose family gave
	// none, so an ERROR record always says something.
	msgFailedNoReason = "Job failed without an error message"
	// msgOwnerDied is the message of a job whose family process exited;
	// %s are the family name and the reason the supervisor gives.
	msgOwnerDied = "Job failed: the '%s' family process exited while the job was running"
	// msgInterrupted is the message of a job left running by a previous
	// run of the host.
	msgInterrupted = "hops restarted while the job was running"
)

// Errors returned by the Store; they are wrapped, test with errors.Is.
var (
	// ErrNotFound: no job has the id.
	ErrNotFound = errors.New("job not found")
	// ErrFinished: the job already ended; it cannot progress or end again.
	ErrFinished = errors.New("job already finished")
	// ErrBadInput: an argument is missing or is not valid JSON.
	ErrBadInput = errors.New("invalid job input")
)

// isoLayout is how *_converted datetimes are written, as HarperDB does
// (JavaScript's Date.toISOString: UTC, milliseconds, Z).
const isoLayout = "2006-01-02T15:04:05.000Z"

// isoMillis formats epoch ms as isoLayout.
func isoMillis(ms int64) string { return time.UnixMilli(ms).UTC().Format(isoLayout) }
