package supervisor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"google.golang.org/grpc/status"

	"github.com/hops-dev/hops/sdk"
)

// Family states, as Processes reports them.
const (
	stateStarting   = "starting"
	stateServing    = "serving"
	stateRestarting = "restarting"
	stateFailed     = "failed"
)

// errDifferentOperations stops restarts: a family must describe the same
// operations after a restart as at its first start.
var errDifferentOperations = errors.New("describes different operations than at its first start")

// family is one configured family and its current process.
type family struct {
	s    *Supervisor
	spec Spec
	log  hclog.Logger

	rollMu sync.Mutex // one roll or restart at a time

	mu       sync.RWMutex
	cur      *process
	state    string
	reason   string
	restarts int
	opNames  []string
	backoff  time.Duration
	// firstDone is closed when the first start has ended (serving or
	// failed), just after firstEnded is set (which the request path
	// reads: an atomic load, where a closed channel's receive locks);
	// calls that arrive before wait for it.
	firstDone  chan struct{}
	firstEnded atomic.Bool
}

func newFamily(s *Supervisor, spec Spec) *family {
	return &family{s: s, spec: spec, log: s.opts.Logger.Named(spec.Name), state: stateStarting,
		firstDone: make(chan struct{})}
}

// firstStart starts the family and registers its operations. A family
// that described its operations but refused its configuration is
// registered too and left down: its operations answer 503 naming the
// reason (NotStartedMessage), not "Operation not found".
func (f *family) firstStart(ctx context.Context) error {
	defer func() {
		f.firstEnded.Store(true)
		close(f.firstDone)
	}()
	p, err := f.launch(ctx)
	var ce *configureError
	if errors.As(err, &ce) {
		f.register(ce.ops)
	}
	if err != nil {
		f.setFailed(err.Error())
		return err
	}
	f.register(p.desc.Operations)
	f.mu.Lock()
	f.cur, f.state = p, stateServing
	f.mu.Unlock()
	f.log.Info("family serving", "pid", p.pid, "version", p.desc.Version, "operations", len(p.desc.Operations))
	f.s.wg.Add(1)
	go f.monitor(p)
	return nil
}

// register adds the family's operations to the registry and remembers
// their names (a restart must describe the same).
func (f *family) register(ops []sdk.Operation) {
	names := make([]string, 0, len(ops))
	for _, op := range ops {
		names = append(names, op.Name)
	}
	sort.Strings(names)
	if refused := f.s.opts.Registry.AddFamily(f.spec.Name, ops); len(refused) > 0 {
		f.log.Error("operations refused: another family registered them first", "operations", refused)
	}
	f.mu.Lock()
	f.opNames = names
	f.mu.Unlock()
	f.s.familyRegistered()
}

// configureError is a family that started and described its operations
// but refused its configuration.
type configureError struct {
	ops []sdk.Operation
	err error
}

func (e *configureError) Error() string { return e.err.Error() }
func (e *configureError) Unwrap() error { return e.err }

// launch starts a process, checks what it describes and configures it.
func (f *family) launch(ctx context.Context) (*process, error) {
	p, err := startProcess(ctx, f.spec, f.s.opts.Host(f.spec.Name), f.log)
	if err != nil {
		return nil, err
	}
	if p.desc.Name != f.spec.Name {
		p.kill()
		return nil, fmt.Errorf("plugin configured as %q describes itself as %q", f.spec.Name, p.desc.Name)
	}
	f.mu.RLock()
	want := f.opNames
	f.mu.RUnlock()
	if want != nil {
		got := make([]string, 0, len(p.desc.Operations))
		for _, op := range p.desc.Operations {
			got = append(got, op.Name)
		}
		sort.Strings(got)
		if !slices.Equal(got, want) {
			p.kill()
			return nil, fmt.Errorf("family %s %w (had %v, now %v)", f.spec.Name, errDifferentOperations, want, got)
		}
	}
	err = p.fc.Configure(ctx, sdk.Config{Section: f.spec.Section, RootPath: f.s.opts.RootPath, LogLevel: f.s.opts.LogLevel})
	if err != nil {
		p.kill()
		return nil, &configureError{ops: p.desc.Operations,
			err: fmt.Errorf("family %s refused its configuration: %s", f.spec.Name, familyMessage(err))}
	}
	return p, nil
}

// monitor pings p and reacts when it exits or hangs.
func (f *family) monitor(p *process) {
	defer f.s.wg.Done()
	t := time.NewTicker(f.s.opts.PingInterval)
	defer t.Stop()
	failures := 0
	reason := ""
loop:
	for {
		select {
		case <-p.exited:
			reason = "process exited"
			break loop
		case <-t.C:
			// A ping that has not answered by the next tick has failed.
			if err := p.ping(f.s.opts.PingInterval); err != nil {
				if f.s.isStopping() || !f.isCurrent(p) {
					// Being shut down on purpose (host stopping, rolled
					// away): its exit ends the loop; nothing to report.
					continue
				}
				failures++
				f.log.Warn("ping failed", "pid", p.pid, "failures", failures, "error", err)
				if failures >= pingFailuresBeforeKill {
					reason = "process stopped answering pings"
					p.killHung()
					break loop
				}
				continue
			}
			failures = 0
		}
	}
	f.mu.Lock()
	if f.cur != p {
		// Rolled away or stopped on purpose.
		f.mu.Unlock()
		return
	}
	f.cur, f.state = nil, stateRestarting
	ran := time.Since(p.started)
	f.mu.Unlock()
	if f.s.isStopping() {
		return
	}
	f.log.Error("family process is gone; restarting", "pid", p.pid, "reason", reason, "ran", ran.Round(time.Millisecond))
	if f.s.opts.OnExit != nil {
		f.s.opts.OnExit(f.spec.Name, reason)
	}
	f.restartLoop(ran)
}

// restartLoop restarts the family with backoff until it serves again, the
// host stops, or it describes different operations.
func (f *family) restartLoop(ran time.Duration) {
	f.mu.Lock()
	if ran >= stableAfter || f.backoff == 0 {
		f.backoff = f.s.opts.BackoffMin
	}
	f.mu.Unlock()
	for {
		f.mu.RLock()
		wait := f.backoff
		f.mu.RUnlock()
		select {
		case <-f.s.after(wait):
		case <-f.s.stopping:
			return
		}
		f.rollMu.Lock()
		p, err := f.launch(context.Background())
		if err == nil {
			f.mu.Lock()
			f.cur, f.state, f.reason = p, stateServing, ""
			f.restarts++
			f.backoff = min(f.backoff*2, f.s.opts.BackoffMax)
			f.mu.Unlock()
			f.rollMu.Unlock()
			f.log.Info("family restarted", "pid", p.pid)
			f.s.wg.Add(1)
			go f.monitor(p)
			return
		}
		f.rollMu.Unlock()
		if errors.Is(err, errDifferentOperations) {
			f.setFailed(err.Error())
			f.log.Error("family stays down", "reason", err)
			return
		}
		f.mu.Lock()
		f.backoff = min(f.backoff*2, f.s.opts.BackoffMax)
		f.mu.Unlock()
		f.log.Error("restart failed; backing off", "error", err, "backoff", wait)
	}
}

// roll starts a new process, switches requests to it, then stops the old
// one after its in-flight requests end.
func (f *family) roll(ctx context.Context) error {
	f.rollMu.Lock()
	defer f.rollMu.Unlock()
	began := time.Now()
	p, err := f.launch(ctx)
	if err != nil {
		return err
	}
	launched := time.Now()
	f.mu.Lock()
	old := f.cur
	f.cur, f.state, f.reason = p, stateServing, ""
	f.restarts++
	f.mu.Unlock()
	f.s.wg.Add(1)
	go f.monitor(p)
	if old != nil {
		old.stop(f.log, f.s.shutdownGrace)
	}
	f.log.Info("family rolled", "old_pid", pidOf(old), "new_pid", p.pid,
		"launch", launched.Sub(began), "old_stopped", time.Since(launched))
	return nil
}

// isCurrent reports whether p is the process requests go to.
func (f *family) isCurrent(p *process) bool {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.cur == p
}

func pidOf(p *process) int {
	if p == nil {
		return 0
	}
	return p.pid
}

// stop shuts the current process down for good.
func (f *family) stop() {
	f.rollMu.Lock()
	defer f.rollMu.Unlock()
	f.mu.Lock()
	p := f.cur
	f.cur, f.state = nil, stateFailed
	f.reason = "host stopping"
	f.mu.Unlock()
	if p != nil {
		p.stop(f.log, f.s.shutdownGrace)
	}
}

func (f *family) setFailed(reason string) {
	f.mu.Lock()
	f.state, f.reason = stateFailed, reason
	f.mu.Unlock()
}

func (f *family) info() ProcInfo {
	f.mu.RLock()
	defer f.mu.RUnlock()
	pi := ProcInfo{Name: f.spec.Name, Restarts: f.restarts, State: f.state, Reason: f.reason}
	if f.cur != nil {
		pi.PID, pi.StartedAt = f.cur.pid, f.cur.started
	}
	return pi
}

// handle forwards one request to the current process. During the first
// start it waits for the start to end (at most the start wait bound).
func (f *family) handle(ctx context.Context, req *sdk.Request) (*sdk.Reply, error) {
	if !f.firstEnded.Load() {
		if err := f.waitFirstStart(ctx); err != nil {
			return nil, err
		}
	}
	return f.forward(ctx, req)
}

// forward sends one request to the current process, or answers 503 while
// there is none.
func (f *family) forward(ctx context.Context, req *sdk.Request) (*sdk.Reply, error) {
	// Count the request before releasing the lock: a roll swaps cur under
	// it, so it either sends this request to the new process or finds it
	// counted when it waits for the old one's requests to end.
	f.mu.RLock()
	p, state, reason := f.cur, f.state, f.reason
	if p != nil {
		p.inflight.add()
	}
	f.mu.RUnlock()
	if p == nil && state == stateFailed {
		return nil, &sdk.Error{Status: http.StatusServiceUnavailable, Message: NotStartedMessage(f.spec.Name, reason)}
	}
	if p == nil {
		return nil, &sdk.Error{Status: http.StatusServiceUnavailable, Message: RestartingMessage(f.spec.Name)}
	}
	reply, err := p.fc.Handle(ctx, req)
	if err != nil {
		p.inflight.done()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("forward %s: %w", req.Operation, ctx.Err())
		}
		f.log.Warn("forward failed; family is restarting", "operation", req.Operation, "error", err)
		return nil, &sdk.Error{Status: http.StatusServiceUnavailable, Message: RestartingMessage(f.spec.Name)}
	}
	reply.Body = &doneBody{ReadCloser: reply.Body, done: p.inflight.done}
	return reply, nil
}

// waitFirstStart waits until the first start has ended: nil then, ctx's
// error, or a 503 naming the family after the start wait bound.
func (f *family) waitFirstStart(ctx context.Context) error {
	t := time.NewTimer(f.s.startWait)
	defer t.Stop()
	select {
	case <-f.firstDone:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for family %s to start: %w", f.spec.Name, ctx.Err())
	case <-t.C:
		return &sdk.Error{Status: http.StatusServiceUnavailable, Message: FamilyStartingMessage(f.spec.Name)}
	}
}

// FamilyStartingMessage is the error of a call that waited the whole
// bound for its family's first start.
func FamilyStartingMessage(family string) string {
	return fmt.Sprintf("Operation family '%s' is still starting", family)
}

// doneBody marks a request finished when its reply body is closed.
type doneBody struct {
	io.ReadCloser
	once sync.Once
	done func()
}

// WriteTo passes the body's own WriteTo on (the server copies replies
// with it, without a buffer), or copies through io.Copy's.
func (d *doneBody) WriteTo(w io.Writer) (int64, error) {
	if wt, ok := d.ReadCloser.(io.WriterTo); ok {
		return wt.WriteTo(w)
	}
	return io.Copy(w, struct{ io.Reader }{d.ReadCloser})
}

func (d *doneBody) Close() error {
	err := d.ReadCloser.Close()
	d.once.Do(d.done)
	return err
}

// familyMessage is what a family said when it refused a call: the message
// of its *sdk.Error as the gRPC status carried it, without the transport's
// wrapping ("configure: rpc error: code = Unknown desc = configure <name>: ").
func familyMessage(err error) string {
	msg := status.Convert(errors.Unwrap(err)).Message()
	if msg == "" {
		return err.Error()
	}
	if _, rest, ok := strings.Cut(msg, ": "); ok && strings.HasPrefix(msg, "configure ") {
		return rest
	}
	return msg
}
