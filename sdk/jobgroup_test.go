package sdk

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestJobGroupStopCancelsAndWaits(t *testing.T) {
	g := NewJobGroup()
	ctx, done, ok := g.Admit()
	if !ok {
		t.Fatal("admit refused before Stop")
	}
	finished := make(chan struct{})
	go func() {
		defer done()
		<-ctx.Done() // a job that runs until cancelled
		close(finished)
	}()
	select {
	case <-g.Stopping():
		t.Fatal("Stopping closed before Stop")
	default:
	}
	if err := g.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-g.Stopping()
	select {
	case <-finished:
	default:
		t.Fatal("Stop returned before the job ended")
	}
	if _, _, ok := g.Admit(); ok {
		t.Fatal("admit accepted after Stop")
	}
}

func TestJobGroupDoneCancelsOnlyItsJobAndIsIdempotent(t *testing.T) {
	g := NewJobGroup()
	ctx1, done1, _ := g.Admit()
	ctx2, done2, _ := g.Admit()
	done1()
	done1() // a second call must not release another job's slot
	if ctx1.Err() == nil {
		t.Fatal("done did not cancel its job's context")
	}
	if ctx2.Err() != nil {
		t.Fatal("done cancelled another job")
	}
	stopped := make(chan error, 1)
	go func() { stopped <- g.Stop(context.Background()) }()
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned %v while a job was still running", err)
	case <-time.After(20 * time.Millisecond):
	}
	done2()
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
}

func TestJobGroupStopGivesUpAtTheDeadline(t *testing.T) {
	g := NewJobGroup()
	_, done, _ := g.Admit() // a job that ignores cancellation
	defer done()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := g.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Stop = %v, want the deadline", err)
	}
}
