package export

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// errShuttingDown refuses a job that would start during Shutdown.
var errShuttingDown = errors.New(MsgShuttingDown)

// jobRunner runs the family's export jobs under one context that Shutdown
// cancels, and lets Shutdown wait for them. A job's context is the
// runner's, never the request's: the request ends as soon as the job has
// started.
type jobRunner struct {
	mu     sync.Mutex
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed bool
}

// newJobRunner returns a runner whose context lives until stop.
func newJobRunner() *jobRunner {
	ctx, cancel := context.WithCancel(context.Background())
	return &jobRunner{ctx: ctx, cancel: cancel}
}

// admit reserves a slot for an export about to start, so that stop waits
// for it; it fails once stop has begun. The returned context is a child
// of the runner's (cancel it when the export is refused after all); call
// release exactly when the export is done or refused.
func (r *jobRunner) admit() (ctx context.Context, cancel context.CancelFunc, release func(), err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, nil, nil, errShuttingDown
	}
	r.wg.Add(1)
	var once sync.Once
	ctx, cancel = context.WithCancel(r.ctx)
	return ctx, cancel, func() { once.Do(r.wg.Done) }, nil
}

// stop cancels every job and waits for them to return, or for ctx to end.
func (r *jobRunner) stop(ctx context.Context) error {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.cancel()
	done := make(chan struct{})
	go func() {
		r.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("export jobs still running at the shutdown deadline: %w", ctx.Err())
	}
}
