package app

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/hops-dev/hops/host/jobs"
	"github.com/hops-dev/hops/sdk"
)

// bridge is the Host service one family calls back into: Dispatch runs
// through the same registry and access checks as HTTP; jobs are recorded
// in the host's job store, owned by the family.
type bridge struct {
	family string
	in     *instance
}

// Dispatch implements sdk.HostService. Operation failures come back
// in-band as a Reply with their status, never as transport errors.
func (b *bridge) Dispatch(ctx context.Context, token, requestID string, body []byte) (*sdk.Reply, error) {
	caller, err := b.in.auth.CallerFromToken(token)
	if err != nil {
		return errorReply(err), nil
	}
	reply, err := b.in.currentServer().Dispatch(ctx, caller, requestID, body)
	if err != nil {
		return errorReply(err), nil
	}
	return reply, nil
}

// JobStart implements sdk.HostService.
func (b *bridge) JobStart(_ context.Context, token, jobType string, body []byte) (string, error) {
	caller, err := b.in.auth.CallerFromToken(token)
	if err != nil {
		return "", fmt.Errorf("job start for %s: %w", b.family, err)
	}
	return b.in.jobs.Start(b.family, jobType, caller.Username, body)
}

// JobProgress implements sdk.HostService.
func (b *bridge) JobProgress(_ context.Context, id, message string, progress []byte) error {
	if err := b.owns(id); err != nil {
		return err
	}
	return b.in.jobs.Progress(id, message, progress)
}

// JobFinish implements sdk.HostService.
func (b *bridge) JobFinish(_ context.Context, id string, success bool, message string, result []byte) error {
	if err := b.owns(id); err != nil {
		return err
	}
	return b.in.jobs.Finish(id, success, message, result)
}

// owns refuses reports on a job another family started.
func (b *bridge) owns(id string) error {
	j, ok, err := b.in.jobs.Get(id)
	if err != nil {
		return fmt.Errorf("job %s: %w", id, err)
	}
	if !ok {
		return fmt.Errorf("job %s: %w", id, jobs.ErrNotFound)
	}
	if j.Owner != b.family {
		return fmt.Errorf("job %s belongs to family %q, not %q", id, j.Owner, b.family)
	}
	return nil
}

// errorReply turns an error into an in-band reply.
func errorReply(err error) *sdk.Reply {
	e, ok := sdk.AsError(err)
	if !ok {
		e = &sdk.Error{Status: 500, Message: err.Error()}
	}
	var buf bytes.Buffer
	_ = jsonEncode(&buf, e.Body())
	return &sdk.Reply{Status: e.Status, ContentType: sdk.ContentTypeJSON, Body: io.NopCloser(&buf)}
}

var _ sdk.HostService = (*bridge)(nil)
