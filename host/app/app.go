package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/tidwall/buntdb"

	"github.com/hops-dev/hops/host/auth"
	"github.com/hops-dev/hops/host/config"
	"github.com/hops-dev/hops/host/jobs"
	"github.com/hops-dev/hops/host/logging"
	"github.com/hops-dev/hops/host/metrics"
	"github.com/hops-dev/hops/host/registry"
	"github.com/hops-dev/hops/host/router"
	"github.com/hops-dev/hops/host/server"
	"github.com/hops-dev/hops/host/supervisor"
	"github.com/hops-dev/hops/host/sysops"
	"github.com/hops-dev/hops/host/tlscerts"
	"github.com/hops-dev/hops/sdk"
)

// Environment variables read at first start for the super user, as
// HarperDB names them.
const (
	EnvAdminUsername = "HDB_ADMIN_USERNAME"
	EnvAdminPassword = "HDB_ADMIN_PASSWORD"
	// EnvAdminPasswordFile names a file holding that password (hops'
	// own, in the style of Docker secrets).
	EnvAdminPasswordFile = "HDB_ADMIN_PASSWORD_FILE"
)

// Shutdown timing.
const (
	// drainTimeout bounds how long in-flight requests may run after a stop
	// signal before connections are closed.
	drainTimeout = 30 * time.Second
	// familiesStopTimeout bounds the families' own shutdown after that.
	familiesStopTimeout = 15 * time.Second
	// generatedPasswordBytes is the entropy of a generated super-user
	// password (24 bytes: 32 base64 characters).
	generatedPasswordBytes = 24
)

// Options are what `hops run` passes in from its flags.
type Options struct {
	// Config selects the config layers (root path, flag overrides).
	Config config.Options
	// Loaded, when set, is the configuration already loaded from Config
	// (hops run loads it to find the root it locks), used instead of
	// loading it again.
	Loaded *config.Config
	// AdminUsername and AdminPassword create the super user at first
	// start; empty falls back to AdminPasswordFile, then
	// HDB_ADMIN_USERNAME/HDB_ADMIN_PASSWORD_FILE/HDB_ADMIN_PASSWORD, then
	// "admin" and a generated password printed once.
	AdminUsername, AdminPassword string
	// AdminPasswordFile is a file holding the first password (its
	// trailing newline ignored): it keeps the password out of the command
	// line, which every local user can read.
	AdminPasswordFile string
	// Executable is the hops binary builtin families are started from
	// (default os.Executable()).
	Executable string
	// BuiltinFamilies lists the builtin families to run.
	BuiltinFamilies []string
	// Version is the hops version reported to families and in logs.
	Version string
	// Stdout receives the few lines meant for the operator (the address,
	// a generated password).
	Stdout io.Writer
	// Ready, when set, is called once every endpoint serves and every
	// family's first start has ended (the service manager's readiness
	// notification). The endpoints answer before: a request for a family
	// that is still starting waits for it.
	Ready func()
	// Stopping, when set, is called as a stop (restart false) or an
	// in-place restart (restart true) begins, before the drain.
	Stopping func(restart bool)
}

// Restart is returned by Run when the instance must restart in place: the
// caller re-executes the binary (same PID) with Env, whose EnvListeners
// hands over the listening sockets.
type Restart struct {
	// Env is the environment for the new image.
	Env []string
}

// instance is one running hops: what the host-local operations act on.
type instance struct {
	opts    Options
	cfg     *config.Config
	log     hclog.Logger
	auth    *auth.Service
	jobs    *jobs.Store
	reg     *registry.Registry
	router  *router.Router
	sup     *supervisor.Supervisor
	metrics *metrics.Recorder
	started time.Time

	mu        sync.Mutex
	srv       *server.Server
	listeners map[string]net.Listener // address -> listener of the current server
	tlsMu     sync.Mutex              // guards tls (not mu: building it dispatches, which takes mu)
	tls       *tlscerts.Source        // built when HTTPS is first served

	// serving is set once the API listens and every family's first start
	// has ended (node_status's serving, GET /ready).
	serving atomic.Bool
	// familyNames are the configured families, set before they start.
	familyNames []string

	restartCh chan struct{} // closed by the restart operation
	restartMu sync.Once

	// drains counts the old servers of HTTP rolls still draining;
	// closing drainCut ends their grace (a stop or restart).
	drains       sync.WaitGroup
	drainCut     chan struct{}
	drainCutOnce sync.Once
}

// Run boots an instance and serves until ctx is cancelled (then it shuts
// down gracefully: stop accepting, drain requests, stop families, close
// stores) or the restart operation asks for a restart (then it drains the
// same way and returns a *Restart for the caller to exec).
func Run(ctx context.Context, opts Options) (*Restart, error) {
	if opts.Stdout == nil {
		opts.Stdout = os.Stdout
	}
	restrictUmask() // before anything is created: see modes.go
	setHostGC()
	inh, err := takeInherited()
	if err != nil {
		return nil, err
	}
	defer inh.closeRest()
	cfg := opts.Loaded
	if cfg == nil {
		if cfg, err = config.New(opts.Config); err != nil {
			return nil, fmt.Errorf("load config: %w", err)
		}
	}
	if err := cfg.CheckStart(); err != nil {
		return nil, fmt.Errorf("config %s: %w", cfg.FilePath(), err)
	}
	if _, err := cfg.EnsureFile(); err != nil {
		return nil, fmt.Errorf("write config file: %w", err)
	}
	root := cfg.RootPath()
	hostLog, err := logging.FromConfig(cfg)
	if err != nil {
		return nil, err
	}
	defer hostLog.Close()
	var log hclog.Logger = hostLog
	log.Info("starting hops", "version", opts.Version, "root_path", root, "config", cfg.FilePath(), "pid", os.Getpid())
	logConfigWarnings(log, cfg)
	logDir := cfg.String("logging.root")
	if logDir == "" {
		logDir = filepath.Join(root, "log")
	}
	secureModes(root, cfg.FilePath(), logDir, log)

	db, err := openSystemDB(root)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	in := &instance{opts: opts, cfg: cfg, log: log, started: time.Now(),
		listeners: map[string]net.Listener{}, restartCh: make(chan struct{}), drainCut: make(chan struct{})}
	in.metrics = in.newMetrics()
	inh.closeUnused(in.endpoints())
	if in.auth, err = auth.Open(db, auth.Options{
		RootPath:              root,
		CacheTTL:              cfg.Duration("authentication.cacheTTL"),
		OperationTokenTimeout: cfg.Duration("authentication.operationTokenTimeout"),
		RefreshTokenTimeout:   cfg.Duration("authentication.refreshTokenTimeout"),
		Logger:                log,
		AuthorizeLocal:        cfg.Bool("authentication.authorizeLocal"),
		HashFunction:          cfg.String("authentication.hashFunction"),
		AuditFailed:           cfg.Bool("logging.auditAuthEvents.logFailed"),
		AuditSuccessful:       cfg.Bool("logging.auditAuthEvents.logSuccessful"),
		Schema:                recordsSchema{in},
	}); err != nil {
		return nil, fmt.Errorf("open users: %w", err)
	}
	if err := ensureSuperUser(in.auth, opts, opts.Stdout); err != nil {
		return nil, err
	}
	// The first password is not handed on to the families or to the
	// image a restart executes.
	_ = os.Unsetenv(EnvAdminPassword)
	if in.jobs, err = jobs.Open(db, log.Named("jobs")); err != nil {
		return nil, fmt.Errorf("open jobs: %w", err)
	}
	if n, err := in.jobs.FailInterrupted(); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	} else if n > 0 {
		log.Warn("jobs interrupted by the last stop marked ERROR", "count", n)
	}

	in.reg = registry.New(log)
	in.sup = supervisor.New(supervisor.Options{
		RootPath: root,
		LogLevel: cfg.String("logging.level"),
		Logger:   logging.ForPlugins(log),
		Registry: in.reg,
		Host:     func(family string) sdk.Host { return &bridge{family: family, in: in} },
		OnExit:   in.familyExited,
		// Zero (unset) takes the supervisor's defaults.
		BackoffMin:   cfg.Duration("supervisor.restartBackoffMin"),
		BackoffMax:   cfg.Duration("supervisor.restartBackoffMax"),
		PingInterval: cfg.Duration("supervisor.pingInterval"),
	})
	in.router = router.New(router.Options{Registry: in.reg, Forwarder: in.sup, Logger: log, WaitStarted: in.sup.WaitStarted})
	sys := sysops.New(sysops.Options{
		Config:   sysConfig{Config: cfg, in: in},
		Jobs:     in.jobs,
		Families: in.sup,
		Instance: sysInstance{in},
		Dispatch: func(ctx context.Context, body []byte) (*sdk.Reply, error) {
			return in.router.Do(ctx, internalCaller, body)
		},
		Metrics: func() any { return in.metrics.Snapshot() },
		Serving: in.serving.Load,
		Version: opts.Version,
		Started: in.started,
		Logger:  log,
		LogFile: filepath.Join(logDir, logging.FileName),
	})
	for _, ops := range [][]registry.Local{in.auth.Operations(), in.auth.ReplOperations(), in.jobs.Operations(), sys.Operations()} {
		if err := in.reg.AddLocal(ops); err != nil {
			return nil, err
		}
	}
	in.srv = in.newServer()
	specs, err := familySpecs(cfg, opts)
	if err != nil {
		return nil, err
	}
	for _, sp := range specs {
		in.familyNames = append(in.familyNames, sp.Name)
	}
	// The API serves while the families start: a request is read and
	// authenticated at once (the first one's password hash runs beside
	// the families' starts), and one for a family waits for it
	// (supervisor.Supervisor.Start). Ready, node_status's serving and
	// GET /ready wait for every family's first start.
	started := make(chan error, 1)
	go func() { started <- in.sup.Start(ctx, specs) }()
	lns, err := in.serveAll(in.srv, inh.listen)
	if err != nil {
		<-started
		stopFamilies(in.sup)
		return nil, err
	}
	in.mu.Lock()
	in.listeners = lns
	in.mu.Unlock()
	if err := <-started; err != nil {
		log.Error("some families did not start; the others serve", "error", err)
	}
	in.serving.Store(true)
	log.Info("ready", "boot", time.Since(in.started).Round(time.Millisecond))
	// A replicated restart that restarted this node first goes on.
	sys.Resume(ctx)
	if opts.Ready != nil {
		opts.Ready()
	}

	var restart bool
	select {
	case <-ctx.Done():
		log.Info("stopping: draining requests")
	case <-in.restartCh:
		restart = true
		log.Info("restarting: draining requests")
	}
	if opts.Stopping != nil {
		opts.Stopping(restart)
	}
	var plan *Restart
	if restart {
		if plan, err = in.handOver(); err != nil {
			log.Error("cannot hand the sockets over; restarting without them", "error", err)
			plan = &Restart{Env: os.Environ()}
		}
	}
	drainCtx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	if err := in.currentServer().Shutdown(drainCtx); err != nil {
		log.Warn("drain did not finish", "error", err)
	}
	in.endDrains(drainCtx)
	stopFamilies(in.sup)
	log.Info("stopped", "restart", restart)
	return plan, nil
}

// logConfigWarnings logs, at WARN, each key the configuration's layers
// give that hops does not act on.
func logConfigWarnings(log hclog.Logger, cfg *config.Config) {
	for _, w := range cfg.Warnings() {
		log.Warn("configuration key ignored", "key", w.Key, "source", w.Source, "reason", w.Reason)
	}
}

// reloadConfig re-reads the configuration (restart_service) and logs its
// warnings as a start does.
func (in *instance) reloadConfig() error {
	if err := in.cfg.Reload(); err != nil {
		return err
	}
	logConfigWarnings(in.log, in.cfg)
	return nil
}

// newServer builds an HTTP server from the current config.
func (in *instance) newServer() *server.Server {
	return server.New(in.serverOptions())
}

// serverOptions reads the server's settings from the current config.
func (in *instance) serverOptions() server.Options {
	o := server.Options{
		Logger:            in.log,
		Router:            in.router,
		Auth:              in.auth,
		MaxBodyBytes:      int64(in.cfg.Int("operationsApi.network.maxRequestBodySize")),
		ReadHeaderTimeout: in.cfg.Duration("operationsApi.network.headersTimeout"),
		IdleTimeout:       in.cfg.Duration("operationsApi.network.keepAliveTimeout"),
		BodyTimeout:       in.cfg.Duration("operationsApi.network.timeout"),
		MaxConnections:    in.cfg.Int("operationsApi.network.maxConnections"),
		WithAuthorization: auth.WithAuthorization,
		WithClientAddr:    auth.WithClientAddr,
		Ready:             in.notServing,
		OpenAPI:           in.openAPI,
		AccessLog:         in.cfg.Bool("logging.accessLog"),
	}
	if in.metrics != nil {
		o.Metrics = in.metrics
	}
	return o
}

func (in *instance) currentServer() *server.Server {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.srv
}

// familyExited fails the running jobs of a family whose process died.
func (in *instance) familyExited(family, reason string) {
	if n, err := in.jobs.FailOwner(family, reason); err != nil {
		in.log.Error("could not fail the jobs of a dead family", "family", family, "error", err)
	} else if n > 0 {
		in.log.Warn("jobs of a dead family marked ERROR", "family", family, "count", n)
	}
}

// handOver dups every listening socket without close-on-exec and returns
// the environment that passes them to the next image.
func (in *instance) handOver() (*Restart, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	var parts []string
	for addr, ln := range in.listeners {
		fd, err := inheritable(ln)
		if err != nil {
			return nil, err
		}
		parts = append(parts, strconv.Itoa(fd)+"="+addr)
	}
	env := os.Environ()
	if len(parts) > 0 {
		env = append(env, EnvListeners+"="+strings.Join(parts, ","))
	}
	return &Restart{Env: env}, nil
}

// requestRestart makes Run return a restart plan.
func (in *instance) requestRestart() {
	in.restartMu.Do(func() { close(in.restartCh) })
}

func stopFamilies(sup *supervisor.Supervisor) {
	ctx, cancel := context.WithTimeout(context.Background(), familiesStopTimeout)
	defer cancel()
	sup.Shutdown(ctx)
}

// familySpecs builds the specs of every builtin and configured plugin.
func familySpecs(cfg *config.Config, opts Options) ([]supervisor.Spec, error) {
	exe := opts.Executable
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("find the hops binary: %w", err)
		}
	}
	section := func(name string) json.RawMessage { return familySection(cfg, name) }
	level := cfg.String("logging.level")
	maxProcs := func(name string) int { return cfg.Int("families." + name + "." + maxProcsKey) }
	specs := builtinSpecs(exe, opts.BuiltinFamilies, section, maxProcs, level)
	plugins, err := cfg.Plugins()
	if err != nil {
		return nil, err
	}
	third, err := pluginSpecs(plugins, section, level)
	if err != nil {
		return nil, err
	}
	return append(specs, third...), nil
}

// openSystemDB opens <root>/database/system.db. Sync policy: Always, so a
// user, role or job change acknowledged to a client survives a crash;
// these writes are rare next to reads, which never touch the disk.
func openSystemDB(root string) (*buntdb.DB, error) {
	dir := filepath.Join(root, "database")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	db, err := buntdb.Open(filepath.Join(dir, "system.db"))
	if err != nil {
		return nil, fmt.Errorf("open system.db: %w", err)
	}
	var c buntdb.Config
	if err := db.ReadConfig(&c); err != nil {
		db.Close()
		return nil, fmt.Errorf("system.db config: %w", err)
	}
	c.SyncPolicy = buntdb.Always
	if err := db.SetConfig(c); err != nil {
		db.Close()
		return nil, fmt.Errorf("system.db config: %w", err)
	}
	return db, nil
}

// ensureSuperUser creates the first super user when there is no user.
func ensureSuperUser(a *auth.Service, opts Options, out io.Writer) error {
	has, err := a.HasUsers()
	if err != nil {
		return fmt.Errorf("read users: %w", err)
	}
	if has {
		return nil
	}
	user := firstNonEmpty(opts.AdminUsername, os.Getenv(EnvAdminUsername), "admin")
	pass := opts.AdminPassword
	if file := firstNonEmpty(opts.AdminPasswordFile, os.Getenv(EnvAdminPasswordFile)); pass == "" && file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("read the super user's password: %w", err)
		}
		pass = strings.TrimRight(string(b), "\r\n")
		if pass == "" {
			return fmt.Errorf("the super user's password file %s is empty", file)
		}
	}
	pass = firstNonEmpty(pass, os.Getenv(EnvAdminPassword))
	generated := pass == ""
	if generated {
		b := make([]byte, generatedPasswordBytes)
		if _, err := rand.Read(b); err != nil {
			return fmt.Errorf("generate a password: %w", err)
		}
		pass = base64.RawURLEncoding.EncodeToString(b)
	}
	if _, err := a.EnsureSuperUser(user, pass); err != nil {
		return fmt.Errorf("create the super user: %w", err)
	}
	if generated {
		fmt.Fprintf(out, "hops: created super user %q with password %s (shown only this once)\n", user, pass)
	} else {
		fmt.Fprintf(out, "hops: created super user %q\n", user)
	}
	return nil
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func jsonEncode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// familySection is the config section handed to a family: families.<name>,
// plus the top-level settings a builtin family needs but which HarperDB
// keeps outside it (the system family's componentsRoot and
// operationsApi.sysInfo).
func familySection(cfg *config.Config, name string) json.RawMessage {
	sec := map[string]any{}
	if b, err := cfg.SectionJSON("families." + name); err == nil && len(b) > 0 {
		_ = json.Unmarshal(b, &sec)
	}
	if sec == nil {
		sec = map[string]any{}
	}
	delete(sec, maxProcsKey)
	if name == "system" {
		if _, ok := sec["componentsRoot"]; !ok {
			if cr := cfg.String("componentsRoot"); cr != "" {
				sec["componentsRoot"] = cr
			}
		}
		sec["sysInfo"] = map[string]bool{
			"disk":    cfg.Bool("operationsApi.sysInfo.disk"),
			"network": cfg.Bool("operationsApi.sysInfo.network"),
		}
	}
	b, err := json.Marshal(sec)
	if err != nil {
		return json.RawMessage("{}")
	}
	return b
}
