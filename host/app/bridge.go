package app

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/hops-dev/hops/host/jobs"
	"github.com/hops-dev/hops/sdk"
	"github.com/hops-dev/hops/sdk/plugin"
)

// bridge is the Host service one family calls back into: Dispatch enters
// the router with the caller's identity, as an HTTP request does; jobs
// are recorded in the host's job store, owned by the family.
type bridge struct {
	family string
	in     *instance
}

// Dispatch implements sdk.Host. The caller is resolved from its token
// alone. Operation failures come back in-band as a Reply with their
// status, never as transport errors. A builtin family (the hops binary
// itself) may pass an empty caller to run as the host's internal super
// user, for work no user asked for (the clustering family reading the
// configuration and the certificates at start, the replication
// transport); such a Dispatch alone may call the internal operations
// (sdk.AccessInternal: internalCaller is marked Internal). A third-party
// plugin's empty caller is refused like any bad token.
//
// A builtin family's body is the hops binary's own JSON: its operation is
// read without validating the whole body (router.DoTrusted), which for
// the clustering family's replicated batches of several MiB was most of
// the relay's cost; the operation that reads it still validates what it
// uses. A third-party plugin's body is read as a client's (router.Do).
func (b *bridge) Dispatch(ctx context.Context, from sdk.Caller, body []byte) (*sdk.Reply, error) {
	caller, err := b.caller(from.Token)
	if err != nil {
		return errorReply(err), nil
	}
	do := b.in.router.Do
	if b.builtin() {
		do = b.in.router.DoTrusted
	}
	reply, err := do(ctx, caller, body)
	if err != nil {
		return errorReply(err), nil
	}
	return reply, nil
}

// caller resolves a caller token; see Dispatch for the empty one.
func (b *bridge) caller(token string) (sdk.Caller, error) {
	if token == "" && b.builtin() {
		return internalCaller, nil
	}
	return b.in.auth.CallerFromToken(token)
}

// builtin reports whether the family is one of the hops binary's own.
func (b *bridge) builtin() bool { return slices.Contains(b.in.opts.BuiltinFamilies, b.family) }

// JobStart implements sdk.Host.
func (b *bridge) JobStart(_ context.Context, from sdk.Caller, jobType string, v any) (string, error) {
	caller, err := b.in.auth.CallerFromToken(from.Token)
	if err != nil {
		return "", fmt.Errorf("job start for %s: %w", b.family, err)
	}
	body, err := plugin.JobJSON(v)
	if err != nil {
		return "", fmt.Errorf("job start for %s: %w", b.family, err)
	}
	return b.in.jobs.Start(b.family, jobType, caller.Username, body)
}

// JobProgress implements sdk.Host.
func (b *bridge) JobProgress(_ context.Context, id, message string, v any) error {
	if err := b.owns(id); err != nil {
		return err
	}
	progress, err := plugin.JobJSON(v)
	if err != nil {
		return fmt.Errorf("job %s: %w", id, err)
	}
	return b.in.jobs.Progress(id, message, progress)
}

// JobFinish implements sdk.Host.
func (b *bridge) JobFinish(_ context.Context, id string, res sdk.JobResult) error {
	if err := b.owns(id); err != nil {
		return err
	}
	result, err := plugin.JobJSON(res.Result)
	if err != nil {
		return fmt.Errorf("job %s: %w", id, err)
	}
	return b.in.jobs.Finish(id, res.Success, res.Message, result)
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

var _ sdk.Host = (*bridge)(nil)
