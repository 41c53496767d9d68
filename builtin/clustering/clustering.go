package clustering

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/hops-dev/hops/sdk"
)

// Version is the family's version.
const Version = "1.0.0"

// Timing of the background start.
const (
	// retryInterval spaces the attempts to start the NATS server while what
	// it needs is not there yet (the certs family still starting, the store
	// lock held by a process that is stopping). Short: at a node's start
	// the families start together, and the certs family is often a few
	// ms behind this one; each attempt is two small host calls.
	retryInterval = 100 * time.Millisecond
	// bootMaxWait caps the boot loop's wait between tries while a setting
	// is refused (the wait doubles from retryInterval): a setting that
	// fails fast (a cluster port taken) is tried about once a second, not
	// ten times.
	bootMaxWait = time.Second
	// hostCallTimeout bounds one call into the host.
	hostCallTimeout = 30 * time.Second
	// maxHostAnswer bounds an answer read from the host (a certificate
	// list or the configuration).
	maxHostAnswer = 8 << 20
)

// Messages users see.
const (
	// MsgNotReady answers a request before Configure or after Shutdown.
	MsgNotReady = "The clustering family is not ready"
)

// Family is the clustering family. Create it with New; the host configures
// it before the first request.
type Family struct {
	root string
	dir  string // <root>/clustering
	log  hclog.Logger
	host sdk.Host

	// edits serialises the operations that edit replication.routes (a
	// semaphore of one: lockEdits bounds the wait).
	edits chan struct{}
	// applyMu serialises applying settings (start, reload, stop).
	applyMu sync.Mutex
	// mu guards the fields below; never held across a host call.
	mu      sync.Mutex
	node    *node
	rpc     *rpc // node requests over node's server (noderpc.go)
	set     settings
	lastErr error
	lock    *os.File
	booting bool // a boot loop runs
	// pending are the reloads (0) and restarts (1) waiting for applyMu.
	pending [2]*pendingApply
	// subs are add_node's subscriptions (subscriptions.go).
	subs subsState

	ctx    context.Context // cancelled by Shutdown
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New returns an unconfigured family.
func New() (*Family, error) {
	return &Family{log: hclog.NewNullLogger(), edits: make(chan struct{}, 1)}, nil
}

// Info implements sdk.Family.
func (f *Family) Info() sdk.Info { return sdk.Info{Name: "clustering", Version: Version} }

// Operations implements sdk.Family: the whole operation table.
func (f *Family) Operations() []sdk.Operation {
	super := func(name, restricted, summary string, h sdk.Handler) sdk.Operation {
		return sdk.Operation{Name: name, Access: sdk.AccessSuperUser, RestrictedName: restricted, Summary: summary, Handler: h}
	}
	return []sdk.Operation{
		super("cluster_status", "clusterStatus", "this node's cluster connections, from what NATS reports", f.clusterStatus),
		super("add_node", "addNode", "add a node's cluster port to replication.routes and connect to it", f.addNode),
		super("set_node", "setNode", "alias of add_node", f.addNode),
		super("update_node", "updateNode", "change (or add) a node's route", f.updateNode),
		super("remove_node", "removeNode", "remove a node's route and disconnect from it", f.removeNode),
		super("configure_cluster", "configureCluster", "replace every route with the given connections", f.configureCluster),
		super("cluster_set_routes", "clusterSetRoutes", "add routes to replication.routes", f.clusterSetRoutes),
		super("cluster_get_routes", "clusterGetRoutes", "replication.routes as the config file has them", f.clusterGetRoutes),
		super("cluster_delete_routes", "clusterDeleteRoutes", "remove routes from replication.routes", f.clusterDeleteRoutes),
		super(OpReload, "clusterReload", "apply the configuration's replication settings (restart_service clustering_config)", f.clusterReload),
		{Name: OpClusterRequest, Access: sdk.AccessInternal, Summary: "send a request to another node over NATS (replicated restarts)", Handler: f.clusterRequest},
		{Name: OpClusterNodes, Access: sdk.AccessInternal, Summary: "this node and the nodes NATS routes to", Handler: f.clusterNodes},
	}
}

// Configure implements sdk.Configurer. It returns at once; the NATS server
// starts in the background when the configuration asks for clustering, as
// soon as what it needs is there (the configuration and, for TLS, the
// certs family's node certificate).
func (f *Family) Configure(_ context.Context, cfg sdk.Config) error {
	if cfg.RootPath == "" {
		return errors.New("clustering: the host gave no root path")
	}
	if cfg.Host == nil {
		return errors.New("clustering: the host gave no host client")
	}
	if cfg.Logger != nil {
		f.log = cfg.Logger.Named("clustering")
	}
	f.root, f.dir, f.host = cfg.RootPath, filepath.Join(cfg.RootPath, "clustering"), cfg.Host
	f.ctx, f.cancel = context.WithCancel(context.Background())
	f.startBoot()
	return nil
}

// startBoot runs the boot loop in the background unless one runs.
func (f *Family) startBoot() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.booting || f.ctx.Err() != nil {
		return
	}
	f.booting = true
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		f.boot(f.ctx)
		f.mu.Lock()
		f.booting = false
		f.mu.Unlock()
	}()
}

// boot reads the configuration and starts clustering when it is asked
// for, retrying while the host, the certs family or the store lock is not
// ready, until it runs, the config does not ask for it, or Shutdown.
func (f *Family) boot(ctx context.Context) {
	var last string
	wait := retryInterval
	for {
		err := f.reload(ctx, false)
		if err == nil {
			return
		}
		f.mu.Lock()
		f.lastErr = err
		f.mu.Unlock()
		if msg := err.Error(); msg != last {
			f.log.Warn("clustering not started yet; retrying", "error", err)
			last = msg
		}
		// A refused setting (a cluster port taken) fails at once: wait
		// longer each time, up to bootMaxWait; anything else soon.
		if se := (*settingsError)(nil); errors.As(err, &se) {
			wait = min(2*wait, bootMaxWait)
		} else {
			wait = retryInterval
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// pendingApply is a reload waiting for applyMu that later requests of the
// same kind join: it reads the configuration after they were made, so its
// outcome is theirs.
type pendingApply struct {
	done chan struct{}
	err  error
}

// reload reads the replication settings from the host and applies them.
// restart forces a new NATS server even when a config reload would do.
// Requests made while one of the same kind waits to start are answered by
// that one: a burst of restart_service jobs makes one or two restarts,
// not one each, and other edits do not queue behind them.
func (f *Family) reload(ctx context.Context, restart bool) error {
	kind := 0
	if restart {
		kind = 1
	}
	f.mu.Lock()
	if p := f.pending[kind]; p != nil {
		f.mu.Unlock()
		select {
		case <-p.done:
			return p.err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	p := &pendingApply{done: make(chan struct{})}
	f.pending[kind] = p
	f.mu.Unlock()
	f.applyMu.Lock()
	f.mu.Lock()
	f.pending[kind] = nil // later requests may follow changes made from now on
	f.mu.Unlock()
	p.err = f.reloadLocked(ctx, restart)
	f.applyMu.Unlock()
	close(p.done)
	return p.err
}

// reloadLocked is reload with applyMu held.
func (f *Family) reloadLocked(ctx context.Context, restart bool) error {
	set, err := f.readSettings(ctx)
	if err != nil {
		return err
	}
	return f.apply(ctx, set, restart)
}

// apply makes the running server match set: stop it when clustering is
// off, reload its routes when only they changed, else (re)start it.
// applyMu is held.
func (f *Family) apply(ctx context.Context, set settings, restart bool) error {
	f.mu.Lock()
	cur := f.node
	f.mu.Unlock()
	if !set.enabled() {
		if cur != nil {
			f.stopNode()
			f.log.Info("clustering stopped: no replication port or route is configured")
			f.disableSources(ctx)
		} else if f.sourcesMarked() {
			// Clustering ran here before and its config went while the
			// node was down: the outboxes would grow with nothing to
			// drain them. At a start the sources may not serve yet.
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				for i := 0; i < disableTries && !f.disableSources(f.ctx) && sleep(f.ctx, retryWait); i++ {
				}
			}()
		}
		f.setState(nil, set, nil)
		return nil
	}
	var tr *trust
	if set.Secure {
		var err error
		if tr, err = f.loadTrust(ctx, set); err != nil {
			return fmt.Errorf("route TLS: %w", err)
		}
	}
	if cur != nil && !restart && cur.set.sameListener(set) {
		if cur.trust != nil && tr != nil {
			cur.trust.update(tr)
		}
		if err := cur.reloadRoutes(set); err != nil {
			return err
		}
		f.mu.Lock()
		prev := f.set
		f.mu.Unlock()
		if cur.repl != nil && !reflect.DeepEqual(prev.replDatabases(), set.replDatabases()) {
			cur.repl.setDatabases(set.replDatabases())
		}
		f.setState(cur, set, nil)
		f.log.Info("routes applied", "routes", set.Routes)
		return nil
	}
	if cur != nil {
		f.stopNode()
	}
	if err := f.takeLock(); err != nil {
		return err
	}
	if err := portFree(set); err != nil {
		return &settingsError{err}
	}
	n, err := startNode(set, tr, f.dir, f.log.Named("nats"))
	if err != nil {
		return err
	}
	// Node requests first: a replicated restart waits for this node to
	// answer them, and the replicator's start (its connection, its
	// loops' first calls to the sources) would only delay them.
	r, err := f.startRPC(n)
	if err != nil {
		n.stop()
		return err
	}
	if err := f.answerSubs(r.nc, set.NodeName); err != nil {
		r.close()
		n.stop()
		return fmt.Errorf("subscriptions: %w", err)
	}
	n.repl, err = startReplicator(replOptions{Self: set.NodeName, URL: n.info.URL, Token: n.info.Token,
		StartTime: f.readStartTime(), Databases: set.replDatabases(), Dispatch: f.internal, Log: f.log.Named("repl"),
		Filter: f.applyFilter})
	if err != nil {
		r.close()
		n.stop()
		return err
	}
	f.markSources()
	f.setState(n, set, nil)
	f.mu.Lock()
	f.rpc = r
	f.mu.Unlock()
	if set.Secure {
		f.log.Info("clustering started", "node_name", set.NodeName, "cluster_port", set.Port, "tls", true,
			"trusted_authorities", tr.authorities, "routes", set.Routes)
	} else {
		f.log.Warn("clustering started on a PLAIN cluster port (replication.port): routes are neither encrypted nor authenticated; use replication.securePort outside development",
			"node_name", set.NodeName, "cluster_port", set.Port, "routes", set.Routes)
	}
	return nil
}

func (f *Family) setState(n *node, set settings, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.node, f.set, f.lastErr = n, set, err
}

// stopNode stops the running server (applyMu is held).
func (f *Family) stopNode() {
	f.mu.Lock()
	n, r := f.node, f.rpc
	f.node, f.rpc = nil, nil
	f.mu.Unlock()
	r.close()
	if n != nil {
		n.stop()
	}
}

// takeLock takes the store lock once for the process's lifetime.
func (f *Family) takeLock() error {
	if f.lock != nil {
		return nil
	}
	if err := os.MkdirAll(f.dir, dirMode); err != nil {
		return fmt.Errorf("create %s: %w", f.dir, err)
	}
	l, err := lockStore(filepath.Join(f.dir, "lock"))
	if err != nil {
		return err
	}
	f.lock = l
	return nil
}

// readSettings asks the host for the effective configuration.
func (f *Family) readSettings(ctx context.Context) (settings, error) {
	raw, err := f.internal(ctx, []byte(`{"operation":"get_configuration"}`))
	if err != nil {
		return settings{}, fmt.Errorf("read the configuration: %w", err)
	}
	set, err := parseSettings(raw, hostname)
	if err != nil {
		return set, &settingsError{err}
	}
	return set, nil
}

// settingsError is a replication setting the family refuses: the
// configuration's fault, not the node's.
type settingsError struct{ err error }

func (e *settingsError) Error() string { return e.err.Error() }
func (e *settingsError) Unwrap() error { return e.err }

// loadTrust asks the certs family for the certificates.
func (f *Family) loadTrust(ctx context.Context, set settings) (*trust, error) {
	raw, err := f.internal(ctx, []byte(`{"operation":"list_certificates"}`))
	if err != nil {
		return nil, fmt.Errorf("list the certificates: %w", err)
	}
	return loadTrust(raw, f.root, set.CertHostname)
}

// internal runs an operation in the host as the host's internal super
// user (an empty caller: the host grants it to builtin families only).
func (f *Family) internal(ctx context.Context, body []byte) ([]byte, error) {
	return f.dispatch(ctx, sdk.Caller{}, body)
}

// dispatch runs an operation in the host as caller and returns the answer
// body, or the operation's error.
func (f *Family) dispatch(ctx context.Context, caller sdk.Caller, body []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, hostCallTimeout)
	defer cancel()
	reply, err := f.host.Dispatch(ctx, caller, body)
	if err != nil {
		return nil, err
	}
	if err := reply.Err(); err != nil {
		return nil, err
	}
	defer reply.Body.Close()
	return io.ReadAll(io.LimitReader(reply.Body, maxHostAnswer))
}

// Shutdown implements sdk.Shutdowner: it stops the background start and
// the NATS server (routes close; the peers keep running) and releases the
// store lock.
func (f *Family) Shutdown(ctx context.Context) error {
	if f.cancel == nil {
		return nil
	}
	f.cancel()
	done := make(chan struct{})
	go func() {
		f.wg.Wait()
		f.applyMu.Lock()
		f.stopNode()
		if f.lock != nil {
			_ = f.lock.Close()
			f.lock = nil
		}
		f.applyMu.Unlock()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("clustering shutdown: %w", ctx.Err())
	}
}

var (
	_ sdk.Family     = (*Family)(nil)
	_ sdk.Configurer = (*Family)(nil)
	_ sdk.Shutdowner = (*Family)(nil)
)
