package sdk

import (
	"context"
	"fmt"
	"sync"
)

// JobGroup runs a family's background jobs (the work behind a job-starting
// operation, which outlives the request) under one context that Stop
// cancels, and lets Stop wait for them: what a family's Shutdown needs.
// A job's context comes from the group, never from the request, which
// ends as soon as the job has started.
//
//	ctx, done, ok := g.Admit()
//	if !ok { return 503 }
//	... on failure before the job starts: done()
//	go func() { defer done(); work(ctx) }()
type JobGroup struct {
	mu     sync.Mutex
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed bool
}

// NewJobGroup returns a group whose context lives until Stop.
func NewJobGroup() *JobGroup {
	ctx, cancel := context.WithCancel(context.Background())
	return &JobGroup{ctx: ctx, cancel: cancel}
}

// Admit reserves a slot for a job about to start, so that Stop waits for
// it. ctx is cancelled by Stop or by done; call done exactly when the job
// has ended or was refused after all (later calls do nothing). ok is
// false once Stop has begun: refuse the job.
func (g *JobGroup) Admit() (ctx context.Context, done func(), ok bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return nil, nil, false
	}
	g.wg.Add(1)
	ctx, cancel := context.WithCancel(g.ctx)
	var once sync.Once
	return ctx, func() { once.Do(func() { cancel(); g.wg.Done() }) }, true
}

// Stopping is closed once Stop has cancelled the jobs.
func (g *JobGroup) Stopping() <-chan struct{} { return g.ctx.Done() }

// Stop refuses new jobs, cancels every running one and waits for them to
// call done, or for ctx to end (then it returns an error wrapping ctx's).
func (g *JobGroup) Stop(ctx context.Context) error {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	g.cancel()
	ended := make(chan struct{})
	go func() {
		g.wg.Wait()
		close(ended)
	}()
	select {
	case <-ended:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("jobs still running at the shutdown deadline: %w", ctx.Err())
	}
}
