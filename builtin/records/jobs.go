package records

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// errShuttingDown refuses a job that would start during Shutdown.
var errShuttingDown = errors.New("records family is shutting down")

// jobRunner runs the family's background jobs under one context that
// Shutdown cancels, and lets Shutdown wait for them. A job's context is
// the runner's, never the request's: the request ends as soon as the job
// has started.
type jobRunner struct {
	mu     sync.Mutex
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed bool
}

func newJobRunner() *jobRunner {
	ctx, cancel := context.WithCancel(context.Background())
	return &jobRunner{ctx: ctx, cancel: cancel}
}

// admit reserves a slot for a job about to start, so that stop waits for
// it; it fails once stop has begun. Call the returned run exactly once,
// or release to give the slot back.
func (r *jobRunner) admit() (run func(fn func(ctx context.Context)), release func(), err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, nil, errShuttingDown
	}
	r.wg.Add(1)
	var once sync.Once
	release = func() { once.Do(r.wg.Done) }
	run = func(fn func(ctx context.Context)) {
		go func() {
			defer release()
			fn(r.ctx)
		}()
	}
	return run, release, nil
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
		return fmt.Errorf("records jobs still running at the shutdown deadline: %w", ctx.Err())
	}
}
