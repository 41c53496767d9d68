package sdk

import (
	"context"
	"errors"
	"io"
)

// Host is the host as a family sees it: every family, builtin or
// third-party, reaches the host only through it ([Request].Host,
// [Config].Host). The host implements the same interface to serve the
// families' calls; there, a caller carries only the Token the family
// passed (the host resolves it and trusts nothing else the family says),
// and the job bodies, progress and results arrive as json.RawMessage.
type Host interface {
	// Dispatch runs another operation as caller and streams back its
	// answer. body is the whole JSON request, including "operation". The
	// host applies the same access checks as for an HTTP request; an
	// operation's failure is a Reply with its status (see [Reply.Err]).
	Dispatch(ctx context.Context, caller Caller, body []byte) (*Reply, error)
	// JobStart creates a job record of type jobType for caller, owned by
	// this family, and returns its id. body (any JSON-encodable value) is
	// stored in the job record: remove secrets from it first.
	JobStart(ctx context.Context, caller Caller, jobType string, body any) (string, error)
	// JobProgress records progress (any JSON-encodable value) and a
	// message on a running job.
	JobProgress(ctx context.Context, id string, message string, progress any) error
	// JobFinish ends a job.
	JobFinish(ctx context.Context, id string, result JobResult) error
}

// JobResult is how a job ends.
type JobResult struct {
	// Success ends the job COMPLETE; otherwise ERROR.
	Success bool
	// Message is the job's message (the error text when it failed).
	Message string
	// Result is an optional JSON-encodable result object.
	Result any
}

// ErrNoHost is returned by a family's host calls when the host did not
// offer the Host service (a family run without a host, in some tests).
var ErrNoHost = errors.New("sdk: no host client")

// Reply is an answer read back: what [Host.Dispatch] returns. Body
// streams the answer as it arrives.
type Reply struct {
	// Status is the HTTP status the operation chose.
	Status int
	// ContentType is the body's content type.
	ContentType string
	// Body reads the body; close it when done (closing early cancels the
	// stream).
	Body io.ReadCloser
}

// Err returns nil for a 2xx reply; otherwise it reads the body and returns
// the *Error it carries, extra fields included, so a relayed 403 or 503
// keeps its shape.
func (r *Reply) Err() error {
	if r.Status >= 200 && r.Status < 300 {
		return nil
	}
	defer r.Body.Close()
	return decodeErrorBody(r.Status, r.Body)
}
