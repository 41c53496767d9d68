package supervisor

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hops-dev/hops/sdk"
)

// waitLimit bounds every wait of these tests for something that must
// happen; reaching it fails the test (it is a hang guard, not a timing).
const waitLimit = 30 * time.Second

// backoffGate replaces the supervisor's restart wait: it records each
// wait asked for and holds the restart until the test releases it.
type backoffGate struct {
	mu      sync.Mutex
	waits   []time.Duration
	asked   chan time.Duration
	release chan time.Time
}

func newBackoffGate() *backoffGate {
	return &backoffGate{asked: make(chan time.Duration, 16), release: make(chan time.Time)}
}

func (g *backoffGate) after(d time.Duration) <-chan time.Time {
	g.mu.Lock()
	g.waits = append(g.waits, d)
	g.mu.Unlock()
	g.asked <- d
	return g.release
}

// next waits until the supervisor asks for a restart wait and returns it.
func (g *backoffGate) next(t *testing.T) time.Duration {
	t.Helper()
	select {
	case d := <-g.asked:
		return d
	case <-time.After(waitLimit):
		t.Fatal("the supervisor never waited to restart the family")
		return 0
	}
}

// open lets the waiting restart go.
func (g *backoffGate) open(t *testing.T) {
	t.Helper()
	select {
	case g.release <- time.Now():
	case <-time.After(waitLimit):
		t.Fatal("no restart was waiting")
	}
}

// exits records the OnExit calls.
type exits struct {
	mu      sync.Mutex
	reasons []string
}

func (e *exits) record(_, reason string) {
	e.mu.Lock()
	e.reasons = append(e.reasons, reason)
	e.mu.Unlock()
}

func (e *exits) all() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.reasons...)
}

// start runs a supervisor with spec and stops it when the test ends.
func start(t *testing.T, opts Options, spec Spec) *Supervisor {
	t.Helper()
	s := New(opts)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		s.Shutdown(ctx)
	})
	if err := s.Start(context.Background(), []Spec{spec}); err != nil {
		t.Fatalf("start: %v", err)
	}
	return s
}

// call sends an operation to the helper family and returns the status and
// the pid in the answer (0 when there is none), or the error.
func call(s *Supervisor, op string, body map[string]any) (status, pid int, err error) {
	if body == nil {
		body = map[string]any{}
	}
	body["operation"] = op
	raw, _ := json.Marshal(body)
	reply, err := s.Handle(context.Background(), helperName, &sdk.Request{Operation: op, Body: raw, ID: "t"})
	if err != nil {
		return 0, 0, err
	}
	defer reply.Body.Close()
	data, err := io.ReadAll(reply.Body)
	if err != nil {
		return 0, 0, err
	}
	var got struct {
		PID int `json:"pid"`
	}
	_ = json.Unmarshal(data, &got)
	return reply.Status, got.PID, nil
}

// mustPID calls "pid" and fails the test unless it answers 200.
func mustPID(t *testing.T, s *Supervisor) int {
	t.Helper()
	status, pid, err := call(s, "pid", nil)
	if err != nil || status != http.StatusOK || pid == 0 {
		t.Fatalf("pid: status %d pid %d err %v", status, pid, err)
	}
	return pid
}

// isRestarting reports that err is the 503 of a family that is down.
func isRestarting(err error) bool {
	e, ok := sdk.AsError(err)
	return ok && e.Status == http.StatusServiceUnavailable && e.Message == RestartingMessage(helperName)
}

// waitState waits until the helper family is in state.
func waitState(t *testing.T, s *Supervisor, state string) ProcInfo {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		info := s.Processes()[0]
		if info.State == state {
			return info
		}
		if time.Now().After(deadline) {
			t.Fatalf("family is %q (%s), want %q", info.State, info.Reason, state)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// gone reports whether no process has pid.
func gone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

// TestRestartWithBackoffAnd503WhileDown: a family that crashes after N
// calls is restarted after the configured backoff, which doubles on a
// quick second crash up to the ceiling; while it is down its operations
// answer 503 with the restarting message.
func TestRestartWithBackoffAnd503WhileDown(t *testing.T) {
	gate := newBackoffGate()
	var ex exits
	s := New(Options{BackoffMin: 700 * time.Millisecond, BackoffMax: time.Second, OnExit: ex.record})
	s.after = gate.after
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	if err := s.Start(context.Background(), []Spec{helperSpec(envCrashAfter + "=3")}); err != nil {
		t.Fatal(err)
	}

	first := mustPID(t, s)
	mustPID(t, s)
	// The third call crashes the process under the request.
	if _, _, err := call(s, "pid", nil); !isRestarting(err) {
		t.Fatalf("a request whose family died must answer the restarting 503, got %v", err)
	}
	if d := gate.next(t); d != 700*time.Millisecond {
		t.Fatalf("first restart waits %s, want the configured minimum 700ms", d)
	}
	// Down, and held down by the gate: every call is a 503.
	if info := s.Processes()[0]; info.State != stateRestarting || info.PID != 0 {
		t.Fatalf("while down: %+v", info)
	}
	for range 3 {
		if _, _, err := call(s, "pid", nil); !isRestarting(err) {
			t.Fatalf("a call while the family is down must answer the restarting 503, got %v", err)
		}
	}
	gate.open(t)
	waitState(t, s, stateServing)
	second := mustPID(t, s)
	if second == first || !gone(first) {
		t.Fatalf("restart: pid %d -> %d (old one gone: %v)", first, second, gone(first))
	}

	// A quick second crash doubles the wait, capped at the maximum.
	mustPID(t, s)
	if _, _, err := call(s, "pid", nil); !isRestarting(err) {
		t.Fatalf("second crash: %v", err)
	}
	if d := gate.next(t); d != time.Second {
		t.Fatalf("second restart waits %s, want 1s (700ms doubled, capped at the maximum)", d)
	}
	gate.open(t)
	waitState(t, s, stateServing)
	if info := s.Processes()[0]; info.Restarts != 2 {
		t.Errorf("restarts = %d, want 2", info.Restarts)
	}
	if r := ex.all(); len(r) != 2 || r[0] != "process exited" {
		t.Errorf("OnExit reasons = %q", r)
	}
}

// TestConfiguredBackoffIsHonoured: with the real clock, a family is not
// back before BackoffMin has passed since its exit was seen.
func TestConfiguredBackoffIsHonoured(t *testing.T) {
	const minWait = 1500 * time.Millisecond
	s := start(t, Options{BackoffMin: minWait, BackoffMax: 2 * minWait}, helperSpec(envCrashAfter+"=2"))
	mustPID(t, s)
	sent := time.Now() // the exit is seen after this
	if _, _, err := call(s, "pid", nil); !isRestarting(err) {
		t.Fatalf("crash: %v", err)
	}
	waitState(t, s, stateRestarting)
	waitState(t, s, stateServing)
	if back := time.Since(sent); back < minWait {
		t.Fatalf("family back after %s, before the configured minimum backoff %s", back, minWait)
	}
}

// TestDescribeChangeKeepsFamilyDown: a process that describes other
// operations after a restart is stopped, and the family stays down (503)
// with the reason.
func TestDescribeChangeKeepsFamilyDown(t *testing.T) {
	gate := newBackoffGate()
	s := New(Options{})
	s.after = gate.after
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	if err := s.Start(context.Background(), []Spec{helperSpec(envStateDir+"="+t.TempDir(), envCrashAfter+"=2")}); err != nil {
		t.Fatal(err)
	}
	mustPID(t, s)
	if _, _, err := call(s, "pid", nil); !isRestarting(err) {
		t.Fatalf("crash: %v", err)
	}
	gate.next(t)
	gate.open(t)
	info := waitState(t, s, stateFailed)
	if !strings.Contains(info.Reason, errDifferentOperations.Error()) || !strings.Contains(info.Reason, "added_on_restart") {
		t.Fatalf("reason = %q", info.Reason)
	}
	var se *sdk.Error
	if _, _, err := call(s, "pid", nil); !errors.As(err, &se) || se.Status != 503 || !strings.Contains(se.Message, errDifferentOperations.Error()) {
		t.Fatalf("a family kept down must answer 503 naming why, got %v", err)
	}
	select {
	case d := <-gate.asked:
		t.Fatalf("a family that changed its operations must not be restarted again (asked to wait %s)", d)
	case <-time.After(300 * time.Millisecond):
	}
}

// TestRollWithRequestsInFlight: requests sent before a roll finish on the
// old process with their answers; requests after it go to the new one;
// the old process is gone when Roll returns. The new process is slow to
// start, and the old one keeps serving meanwhile.
func TestRollWithRequestsInFlight(t *testing.T) {
	s := start(t, Options{}, helperSpec(envStartDelay+"=700ms"))
	old := mustPID(t, s)
	f := s.families[helperName]

	const inFlight = 4
	type result struct {
		status, pid int
		err         error
	}
	results := make(chan result, inFlight)
	for range inFlight {
		go func() {
			status, pid, err := call(s, "hold", map[string]any{"ms": 1500})
			results <- result{status, pid, err}
		}()
	}
	// Roll once all of them are with the old process.
	deadline := time.Now().Add(waitLimit)
	for inflightOf(f) < inFlight {
		if time.Now().After(deadline) {
			t.Fatal("requests never reached the family")
		}
		time.Sleep(5 * time.Millisecond)
	}
	rolled := make(chan error, 1)
	go func() { rolled <- s.Roll(context.Background(), helperName) }()
	// While the new process starts, the old one answers.
	if pid := mustPID(t, s); pid != old {
		t.Logf("a call during the roll went to %d (the roll had already switched)", pid)
	}
	if err := <-rolled; err != nil {
		t.Fatalf("roll: %v", err)
	}
	for range inFlight {
		r := <-results
		if r.err != nil || r.status != http.StatusOK || r.pid != old {
			t.Fatalf("an in-flight request of the rolled process: status %d pid %d err %v (old pid %d)", r.status, r.pid, r.err, old)
		}
	}
	if pid := mustPID(t, s); pid == old {
		t.Fatalf("after the roll, requests still go to the old process %d", old)
	}
	if !gone(old) {
		t.Fatalf("the old process %d is still running after the roll", old)
	}
	if info := s.Processes()[0]; info.State != stateServing || info.Restarts != 1 {
		t.Fatalf("after the roll: %+v", info)
	}
}

// TestShutdownKillsAfterTheGrace: a family whose Shutdown never returns
// is killed once the grace has passed, and Supervisor.Shutdown returns.
func TestShutdownKillsAfterTheGrace(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "shutdown-called")
	s := New(Options{})
	s.shutdownGrace = 300 * time.Millisecond
	if err := s.Start(context.Background(), []Spec{helperSpec(envHangShutdown + "=" + marker)}); err != nil {
		t.Fatal(err)
	}
	pid := mustPID(t, s)
	stopped := make(chan struct{})
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		s.Shutdown(ctx)
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-time.After(waitLimit):
		t.Fatal("Shutdown did not return: the hung family was never killed")
	}
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("the family's Shutdown was never called: %v", err)
	}
	if !gone(pid) {
		t.Fatalf("process %d still runs after Shutdown", pid)
	}
	if info := s.Processes()[0]; info.State != stateFailed || info.Reason != "host stopping" {
		t.Fatalf("after shutdown: %+v", info)
	}
}

// TestHungProcessRestartedAfterMissedPings: a process that stops
// answering (SIGSTOP) is killed after pingFailuresBeforeKill pings at the
// configured interval and restarted.
func TestHungProcessRestartedAfterMissedPings(t *testing.T) {
	gate := newBackoffGate()
	var ex exits
	s := New(Options{PingInterval: 100 * time.Millisecond, OnExit: ex.record})
	s.after = gate.after
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	if err := s.Start(context.Background(), []Spec{helperSpec()}); err != nil {
		t.Fatal(err)
	}
	pid := mustPID(t, s)
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	gate.next(t)
	if r := ex.all(); len(r) != 1 || r[0] != "process stopped answering pings" {
		t.Fatalf("OnExit reasons = %q", r)
	}
	if !gone(pid) {
		t.Fatalf("the hung process %d was not killed", pid)
	}
	gate.open(t)
	waitState(t, s, stateServing)
	if next := mustPID(t, s); next == pid {
		t.Fatal("still the hung process")
	}
}

// TestSlowStartServes: Start waits for a family that is slow to start.
func TestSlowStartServes(t *testing.T) {
	s := start(t, Options{}, helperSpec(envStartDelay+"=1s"))
	if info := s.Processes()[0]; info.State != stateServing {
		t.Fatalf("after Start: %+v", info)
	}
	mustPID(t, s)
}

// inflightOf counts the requests in flight to f's current process.
func inflightOf(f *family) int {
	f.mu.RLock()
	p := f.cur
	f.mu.RUnlock()
	if p == nil {
		return 0
	}
	return p.inflight.count()
}

// A family that refuses its configuration at start is left down, and its
// operations answer 503 naming the reason, not "Operation not found".
func TestRefusedConfigurationAnswers503WithTheReason(t *testing.T) {
	spec := helperSpec()
	spec.Section = json.RawMessage(`{"refuse": "'families.helper.size' must be a number"}`)
	s := New(Options{})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		s.Shutdown(ctx)
	})
	if err := s.Start(context.Background(), []Spec{spec}); err == nil {
		t.Fatal("Start succeeded with a refused configuration")
	}
	if entry, ok := s.opts.Registry.Lookup("pid"); !ok || entry.Family != helperName {
		t.Fatalf("operation not registered: %+v %v", entry, ok)
	}
	_, _, err := call(s, "pid", nil)
	var se *sdk.Error
	if !errors.As(err, &se) || se.Status != 503 ||
		se.Message != "Operation family 'helper' is not running: family helper refused its configuration: 'families.helper.size' must be a number" {
		t.Fatalf("call after a refused configuration: %v", err)
	}
	if pi := waitState(t, s, stateFailed); pi.PID != 0 {
		t.Fatalf("a failed family has a process: %+v", pi)
	}
}

// waitTakenUp waits until the supervisor lists the helper family in state.
func waitTakenUp(t *testing.T, s *Supervisor, state string) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		if ps := s.Processes(); len(ps) == 1 && ps[0].State == state {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("family never %q: %+v", state, s.Processes())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestCallDuringFirstStartWaits: the host serves while families start; a
// call to a family whose first start is under way waits for it and is
// answered by the started process, and WaitStarted returns once Start has.
func TestCallDuringFirstStartWaits(t *testing.T) {
	s := New(Options{})
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	done := make(chan error, 1)
	go func() { done <- s.Start(context.Background(), []Spec{helperSpec(envStartDelay + "=500ms")}) }()
	waitTakenUp(t, s, stateStarting)
	pid := mustPID(t, s)
	if info := s.Processes()[0]; info.State != stateServing || info.PID != pid {
		t.Fatalf("answered by pid %d; family %+v", pid, info)
	}
	if err := s.WaitStarted(context.Background(), func() bool { return false }); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestCallDuringFirstStartIsBounded: a call to a family that is still
// starting after the start wait bound is a 503 naming it, WaitStarted's a
// 503 too, and a caller that gives up stops waiting: nothing hangs.
func TestCallDuringFirstStartIsBounded(t *testing.T) {
	s := New(Options{})
	s.startWait = 50 * time.Millisecond
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	done := make(chan error, 1)
	go func() { done <- s.Start(context.Background(), []Spec{helperSpec(envStartDelay + "=2s")}) }()
	waitTakenUp(t, s, stateStarting)
	_, _, err := call(s, "pid", nil)
	if e, ok := sdk.AsError(err); !ok || e.Status != http.StatusServiceUnavailable || e.Message != FamilyStartingMessage(helperName) {
		t.Fatalf("call past the bound: %v", err)
	}
	err = s.WaitStarted(context.Background(), func() bool { return false })
	if e, ok := sdk.AsError(err); !ok || e.Status != http.StatusServiceUnavailable || e.Message != StartingMessage {
		t.Fatalf("WaitStarted past the bound: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.startWait = waitLimit
	if err := s.WaitStarted(ctx, func() bool { return false }); !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitStarted of a caller that gave up: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mustPID(t, s)
}

// TestWaitStartedEndsAtRegistration: a wait for a name ends as soon as the
// family that has it registers, while another family is still starting.
func TestWaitStartedEndsAtRegistration(t *testing.T) {
	s := New(Options{})
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	fast := helperSpec(envName + "=fast")
	fast.Name = "fast"
	slow := helperSpec(envName+"=slow", envStartDelay+"=3s")
	slow.Name = "slow"
	done := make(chan error, 1)
	go func() { done <- s.Start(context.Background(), []Spec{fast, slow}) }()
	found := func() bool {
		e, ok := s.opts.Registry.Lookup("pid")
		return ok && e.Family == "fast"
	}
	if err := s.WaitStarted(context.Background(), found); err != nil || !found() {
		t.Fatalf("WaitStarted = %v, found %v", err, found())
	}
	for _, p := range s.Processes() {
		if p.Name == "slow" && p.State != stateStarting {
			t.Fatalf("the slow family is %q already: the wait did not end at the fast one's registration", p.State)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
