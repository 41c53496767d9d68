package supervisor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/hops-dev/hops/host/registry"
	"github.com/hops-dev/hops/sdk"
)

// Backoff and health-check defaults.
const (
	// DefaultBackoffMin is the wait before the first restart of a family
	// that exited: short, so a single crash costs well under a second of
	// 503s.
	DefaultBackoffMin = 50 * time.Millisecond
	// DefaultBackoffMax caps the doubling wait of a family that keeps
	// crashing, so a crash loop does not burn the machine.
	DefaultBackoffMax = 10 * time.Second
	// stableAfter is how long a process must run before its crash counts
	// as a fresh one again (backoff resets to the minimum).
	stableAfter = 30 * time.Second
	// DefaultPingInterval is how often each family is pinged.
	DefaultPingInterval = 2 * time.Second
	// pingFailuresBeforeKill is how many pings in a row may fail before a
	// hung process is killed and restarted.
	pingFailuresBeforeKill = 3
	// DefaultStartWait bounds how long a request waits for a family whose
	// first start is under way (WaitStarted, and a call to a family still
	// starting) before it is answered 503: longer than a start takes
	// even on a loaded machine, short enough that no client hangs.
	DefaultStartWait = 30 * time.Second
)

// Spec says how to run one family.
type Spec struct {
	// Name is the family's name; it must match what the family describes.
	Name string
	// Path is the executable; Args its arguments.
	Path string
	Args []string
	// Env is the whole environment of the process (NAME=value); nothing
	// else of the host's environment is passed.
	Env []string
	// SHA256 is the hex SHA-256 the executable must have, checked before
	// every start; empty skips the check (builtins run the hops binary).
	SHA256 string
	// Section is the family's config section, as JSON.
	Section json.RawMessage
	// TimerSlack, when above zero, is the timer slack the process starts
	// with (Linux's PR_SET_TIMERSLACK, which every thread of the process
	// inherits): how much later than asked the kernel may end its sleeps
	// and timed waits. Zero leaves the kernel's default (50 µs). See
	// setTimerSlack for why a family wants more.
	TimerSlack time.Duration
}

// Options configure a Supervisor. Zero values take the defaults named.
type Options struct {
	// RootPath and LogLevel are handed to every family in Configure.
	RootPath string
	LogLevel string
	// Logger is the host's logger; each family logs under its name.
	Logger hclog.Logger
	// Registry receives each family's operations at its first start.
	Registry *registry.Registry
	// Host builds the Host service a family calls back into.
	Host func(family string) sdk.Host
	// OnExit is called when a family's process exits unexpectedly, with a
	// reason, e.g. so the job store can fail that family's running jobs.
	OnExit func(family, reason string)
	// BackoffMin is the wait before restarting a family whose process
	// exited (DefaultBackoffMin); it doubles while restarts fail or the
	// process keeps exiting within stableAfter, up to BackoffMax
	// (DefaultBackoffMax; raised to BackoffMin when below it). The config
	// keys supervisor.restartBackoffMin and restartBackoffMax set them.
	BackoffMin, BackoffMax time.Duration
	// PingInterval is the health-check period, and how long one ping may
	// take (DefaultPingInterval); after pingFailuresBeforeKill failed
	// pings in a row the process is killed and restarted. The config key
	// supervisor.pingInterval sets it.
	PingInterval time.Duration
}

// Supervisor runs every configured family.
type Supervisor struct {
	opts     Options
	log      hclog.Logger
	mu       sync.RWMutex
	families map[string]*family
	stopping chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup
	// started is closed when Start has returned: every family's first
	// start has ended, serving or failed.
	started     chan struct{}
	startedOnce sync.Once
	startEnded  atomic.Bool // set as started is closed
	// registered is closed (and replaced) each time a family registers
	// its operations, waking WaitStarted.
	regMu      sync.Mutex
	registered chan struct{}
	// startWait bounds a request's wait for a family that is starting
	// (DefaultStartWait; tests shorten it).
	startWait time.Duration
	// shutdownGrace is how long a stopping process gets before it is
	// killed (defaultShutdownGrace; tests shorten it).
	shutdownGrace time.Duration
	// after waits out a restart backoff (time.After; tests record the
	// waits and hold a family down).
	after func(time.Duration) <-chan time.Time
}

// New returns a supervisor; Start runs the families.
func New(opts Options) *Supervisor {
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	if opts.BackoffMin <= 0 {
		opts.BackoffMin = DefaultBackoffMin
	}
	if opts.BackoffMax <= 0 {
		opts.BackoffMax = DefaultBackoffMax
	}
	opts.BackoffMax = max(opts.BackoffMax, opts.BackoffMin)
	if opts.PingInterval <= 0 {
		opts.PingInterval = DefaultPingInterval
	}
	if opts.Registry == nil {
		opts.Registry = registry.New(opts.Logger)
	}
	if opts.Host == nil {
		opts.Host = func(string) sdk.Host { return nil }
	}
	return &Supervisor{
		opts:     opts,
		log:      opts.Logger.Named("supervisor"),
		families: map[string]*family{},
		stopping: make(chan struct{}),
		started:  make(chan struct{}),

		registered: make(chan struct{}),

		startWait:     DefaultStartWait,
		shutdownGrace: defaultShutdownGrace,
		after:         time.After,
	}
}

// Start starts every spec's family concurrently and waits for each first
// start. A family that fails to start is logged and left down; the
// others serve. If it described its operations before it failed (it
// refused its configuration), they answer 503 naming the reason;
// otherwise they are unknown. The error lists those
// that failed.
//
// Requests may arrive while Start runs (the host serves HTTP from the
// beginning): a call to a family that is starting waits for its first
// start to end (Handle), and a name no family has registered yet waits
// for Start to return (WaitStarted), each for at most DefaultStartWait.
func (s *Supervisor) Start(ctx context.Context, specs []Spec) error {
	defer s.startedOnce.Do(func() {
		s.startEnded.Store(true)
		close(s.started)
	})
	s.log.Info("starting families", "families", len(specs), "restart_backoff_min", s.opts.BackoffMin,
		"restart_backoff_max", s.opts.BackoffMax, "ping_interval", s.opts.PingInterval)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, spec := range specs {
		f := newFamily(s, spec)
		s.mu.Lock()
		if _, dup := s.families[spec.Name]; dup {
			s.mu.Unlock()
			errs = append(errs, fmt.Errorf("family %s configured twice", spec.Name))
			continue
		}
		s.families[spec.Name] = f
		s.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f.firstStart(ctx); err != nil {
				f.log.Error("family did not start", "error", err)
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// StartingMessage is the error of a request that waited the whole bound
// for the families' first starts.
const StartingMessage = "Operation families are still starting"

// WaitStarted returns nil as soon as found reports true, which it asks
// again each time a starting family registers its operations, or once
// Start has returned (every family's first start has ended, so every
// family that described its operations has registered them); else a 503
// *sdk.Error with StartingMessage after the start wait bound, or ctx's
// error. After Start it returns at once. The router calls it for an
// operation name no one has registered, which may be a family's that is
// still starting; found looks the name up again.
func (s *Supervisor) WaitStarted(ctx context.Context, found func() bool) error {
	var t *time.Timer
	for {
		if s.startEnded.Load() || found() {
			return nil
		}
		// Take the channel before looking again: a registration after
		// the look closes it.
		s.regMu.Lock()
		registered := s.registered
		s.regMu.Unlock()
		if s.startEnded.Load() || found() {
			return nil
		}
		if t == nil {
			t = time.NewTimer(s.startWait)
			defer t.Stop()
		}
		select {
		case <-registered:
		case <-s.started:
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			return &sdk.Error{Status: http.StatusServiceUnavailable, Message: StartingMessage}
		}
	}
}

// familyRegistered wakes the WaitStarted calls: a family has registered
// its operations.
func (s *Supervisor) familyRegistered() {
	s.regMu.Lock()
	close(s.registered)
	s.registered = make(chan struct{})
	s.regMu.Unlock()
}

// NotStartedMessage is the error of a call to a family that could not
// start (its reason, e.g. a configuration it refused) and is left down.
func NotStartedMessage(family, reason string) string {
	return fmt.Sprintf("Operation family '%s' is not running: %s", family, reason)
}

// RestartingMessage is the error of a call to a family that is down.
func RestartingMessage(family string) string {
	return fmt.Sprintf("Operation family '%s' is restarting", family)
}

// Handle forwards a request to a family's current process. While the
// family is down it answers a 503 *sdk.Error; a transport failure (the
// process died mid-request) is a 503 too.
func (s *Supervisor) Handle(ctx context.Context, name string, req *sdk.Request) (*sdk.Reply, error) {
	s.mu.RLock()
	f := s.families[name]
	s.mu.RUnlock()
	if f == nil {
		return nil, sdk.Errorf(http.StatusServiceUnavailable, "Operation family '%s' is not running", name)
	}
	return f.handle(ctx, req)
}

// Roll replaces a family's process with a new one, which serves before the
// old one stops; the old one finishes its in-flight requests first.
func (s *Supervisor) Roll(ctx context.Context, name string) error {
	s.mu.RLock()
	f := s.families[name]
	s.mu.RUnlock()
	if f == nil {
		return fmt.Errorf("no family %s", name)
	}
	return f.roll(ctx)
}

// Names returns the families' names, sorted.
func (s *Supervisor) Names() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]string, 0, len(s.families))
	for n := range s.families {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ProcInfo describes one family's process for system_information.
type ProcInfo struct {
	// Name is the family's name.
	Name string `json:"name"`
	// PID is the current process id (0 while down).
	PID int `json:"pid"`
	// Restarts counts restarts after crashes and rolls.
	Restarts int `json:"restarts"`
	// StartedAt is when the current process started.
	StartedAt time.Time `json:"started_at"`
	// State is "serving", "restarting" or "failed".
	State string `json:"state"`
	// Reason says why a failed family is down.
	Reason string `json:"reason,omitempty"`
}

// Processes describes every family's process.
func (s *Supervisor) Processes() []ProcInfo {
	s.mu.RLock()
	fams := make([]*family, 0, len(s.families))
	for _, f := range s.families {
		fams = append(fams, f)
	}
	s.mu.RUnlock()
	out := make([]ProcInfo, 0, len(fams))
	for _, f := range fams {
		out = append(out, f.info())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Shutdown stops restarting, asks every family to shut down and kills the
// processes; it returns when all are gone.
func (s *Supervisor) Shutdown(ctx context.Context) {
	s.stopOnce.Do(func() { close(s.stopping) })
	s.mu.RLock()
	fams := make([]*family, 0, len(s.families))
	for _, f := range s.families {
		fams = append(fams, f)
	}
	s.mu.RUnlock()
	var wg sync.WaitGroup
	for _, f := range fams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.stop()
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		s.log.Warn("families did not stop before the deadline")
	}
}

func (s *Supervisor) isStopping() bool {
	select {
	case <-s.stopping:
		return true
	default:
		return false
	}
}
