package sdktest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/hops-dev/hops/sdk"
	"github.com/hops-dev/hops/sdk/plugin"
)

// FakeHost is an in-memory sdk.Host, on the host's side of the wire: a
// function field for Dispatch and a job table that records what a family
// reports. As on the real host, a caller arrives with only its Token.
type FakeHost struct {
	// DispatchFunc answers Dispatch; the Harness sets it to dispatch back
	// into the family under test.
	DispatchFunc func(ctx context.Context, caller sdk.Caller, body []byte) (*sdk.Reply, error)

	mu      sync.Mutex
	jobs    map[string]*Job
	callers map[string]sdk.Caller
	seq     int
	changed chan struct{}
}

// Job is a job as the FakeHost recorded it.
type Job struct {
	ID, Type, CallerToken string
	Body                  json.RawMessage
	Status                string // IN_PROGRESS, COMPLETE or ERROR
	Message               string
	Progress              []json.RawMessage
	Result                json.RawMessage
}

// NewFakeHost returns an empty FakeHost.
func NewFakeHost() *FakeHost {
	return &FakeHost{jobs: map[string]*Job{}, callers: map[string]sdk.Caller{}, changed: make(chan struct{})}
}

// SetCaller makes token name caller in dispatched requests.
func (f *FakeHost) SetCaller(token string, c sdk.Caller) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.callers[token] = c
}

// Caller returns the caller registered for token.
func (f *FakeHost) Caller(token string) (sdk.Caller, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.callers[token]
	return c, ok
}

// Dispatch implements sdk.Host.
func (f *FakeHost) Dispatch(ctx context.Context, caller sdk.Caller, body []byte) (*sdk.Reply, error) {
	if f.DispatchFunc == nil {
		return nil, fmt.Errorf("fake host: no DispatchFunc")
	}
	return f.DispatchFunc(ctx, caller, body)
}

// JobStart implements sdk.Host.
func (f *FakeHost) JobStart(_ context.Context, caller sdk.Caller, jobType string, v any) (string, error) {
	body, err := plugin.JobJSON(v)
	if err != nil {
		return "", err
	}
	token := caller.Token
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	id := fmt.Sprintf("00000000-0000-4000-8000-%012d", f.seq)
	f.jobs[id] = &Job{ID: id, Type: jobType, CallerToken: token, Body: body, Status: "IN_PROGRESS"}
	f.notifyLocked()
	return id, nil
}

// JobProgress implements sdk.Host.
func (f *FakeHost) JobProgress(_ context.Context, id, message string, v any) error {
	progress, err := plugin.JobJSON(v)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	j, ok := f.jobs[id]
	if !ok {
		return fmt.Errorf("fake host: no job %s", id)
	}
	j.Message = message
	j.Progress = append(j.Progress, progress)
	f.notifyLocked()
	return nil
}

// JobFinish implements sdk.Host.
func (f *FakeHost) JobFinish(_ context.Context, id string, res sdk.JobResult) error {
	result, err := plugin.JobJSON(res.Result)
	if err != nil {
		return err
	}
	success, message := res.Success, res.Message
	f.mu.Lock()
	defer f.mu.Unlock()
	j, ok := f.jobs[id]
	if !ok {
		return fmt.Errorf("fake host: no job %s", id)
	}
	j.Status = "ERROR"
	if success {
		j.Status = "COMPLETE"
	}
	j.Message, j.Result = message, result
	f.notifyLocked()
	return nil
}

func (f *FakeHost) notifyLocked() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// Job returns a copy of the job with id.
func (f *FakeHost) Job(id string) (Job, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	j, ok := f.jobs[id]
	if !ok {
		return Job{}, false
	}
	return *j, true
}

// WaitJob waits until job id has ended (COMPLETE or ERROR) or timeout
// passes, and returns it.
func (f *FakeHost) WaitJob(id string, timeout time.Duration) (Job, error) {
	deadline := time.After(timeout)
	for {
		f.mu.Lock()
		j, ok := f.jobs[id]
		ch := f.changed
		var cp Job
		if ok {
			cp = *j
		}
		f.mu.Unlock()
		if ok && cp.Status != "IN_PROGRESS" {
			return cp, nil
		}
		select {
		case <-ch:
		case <-deadline:
			return cp, fmt.Errorf("job %s still %q after %s", id, cp.Status, timeout)
		}
	}
}

var _ sdk.Host = (*FakeHost)(nil)
