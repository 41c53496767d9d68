package sysops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/hops-dev/hops/host/config"
	"github.com/hops-dev/hops/host/jobs"
	"github.com/hops-dev/hops/host/registry"
	"github.com/hops-dev/hops/host/router"
	"github.com/hops-dev/hops/host/supervisor"
	"github.com/hops-dev/hops/sdk"
)

// Messages of the system operations, as HarperDB words them.
const (
	MsgConfigSet  = "Configuration successfully set. You must restart HarperDB for new config settings to take effect."
	MsgRestarting = "Restarting HarperDB. This may take up to 60 seconds."
	// MsgRestartRefused starts the answer to a restart the configuration
	// on disk would not survive (edited by hand since the start).
	MsgRestartRefused = "Not restarting: the configuration would not start"
	msgRestartSvc     = "Restarting %s"
)

// restartDelay lets the restart operation's answer reach the client before
// the server starts draining. A restart asked by another node (the
// internal caller: a replicated restart's node request) begins at once:
// its answer leaves through the clustering family, which serves until
// the drain has ended, and the roll waits on every node's restart.
const restartDelay = 50 * time.Millisecond

// Services restart_service accepts.
const (
	ServiceHTTPWorkers      = "http_workers"
	ServiceClusteringConfig = "clustering_config"
	ServiceClustering       = "clustering"
)

// serviceAliases are the other names HarperDB 4.7 takes for the same
// restarts, each beside the hops name it runs: its worker threads (http,
// harperdb, custom functions) are hops' HTTP servers and families, its
// hub and leaf servers the one NATS server. The answer names the service
// as given; the work, and the request a replicated restart sends each
// other node, use the hops name.
var serviceAliases = [][2]string{
	{"http", ServiceHTTPWorkers}, {"harperdb", ServiceHTTPWorkers},
	{"custom_functions", ServiceHTTPWorkers}, {"custom functions", ServiceHTTPWorkers},
	{"clustering config", ServiceClusteringConfig},
	{"clustering hub", ServiceClustering}, {"clustering leaf", ServiceClustering},
}

// services are the names restart_service accepts, hops' first, then the
// aliases.
var services = func() []string {
	out := []string{ServiceHTTPWorkers, ServiceClusteringConfig, ServiceClustering}
	for _, a := range serviceAliases {
		out = append(out, a[0])
	}
	return out
}()

// serviceOf is the hops name of a service name restart_service accepts.
func serviceOf(given string) string {
	for _, a := range serviceAliases {
		if a[0] == given {
			return a[1]
		}
	}
	return given
}

// jobOwner is the owner of jobs the host runs itself.
const jobOwner = registry.HostFamily

// Config is the part of the instance's configuration the operations read
// and change (*config.Config).
type Config interface {
	// EffectiveJSON is the get_configuration answer: the merged
	// configuration, secrets removed, with "restartPending": true when
	// PendingRestart, as JSON.
	EffectiveJSON() ([]byte, error)
	// PendingRestart reports a file change not yet applied.
	PendingRestart() bool
	// Set writes flat keys to the file; a *config.SetError names a bad key.
	Set(flat map[string]any) error
	// Reload re-reads every layer.
	Reload() error
	// Get returns the value at a dotted path, or nil.
	Get(path string) any
	// Duration returns the duration at a dotted path, or 0.
	Duration(path string) time.Duration
}

// Jobs records restart_service and replicated restarts as jobs
// (*jobs.Store).
type Jobs interface {
	Start(owner, jobType, user string, body []byte) (string, error)
	Progress(id, message string, progress []byte) error
	Finish(id string, success bool, message string, result []byte) error
	// Running lists the running jobs of owner.
	Running(owner string) ([]jobs.Job, error)
	// Get returns the job with the id; ok is false when there is none.
	Get(id string) (job *jobs.Job, ok bool, err error)
}

// ResumableOwner owns the replicated restart jobs, which the job store
// leaves running across a restart of the host so that Resume goes on
// with them.
const ResumableOwner = jobs.ResumableOwner

// Families runs the family processes (*supervisor.Supervisor).
type Families interface {
	// Names lists the families, sorted.
	Names() []string
	// Roll replaces a family's process, the new one serving first.
	Roll(ctx context.Context, name string) error
	// Processes describes every family's process.
	Processes() []supervisor.ProcInfo
}

// Instance is what only the running instance itself can do.
type Instance interface {
	// CheckRestart returns an error saying why the configuration on disk
	// would not start, or nil.
	CheckRestart() error
	// Restart makes the instance drain and re-execute itself in place;
	// it returns at once.
	Restart()
	// RollHTTP starts HTTP servers built from the current config on the
	// listening sockets and stops the old ones accepting; it returns
	// once the new ones serve, and the old ones drain in the background
	// (answering on their open connections for a grace, then finishing
	// their requests in flight).
	RollHTTP(ctx context.Context) error
}

// Options wire the operations to the instance. Every interface is
// required.
type Options struct {
	Config   Config
	Jobs     Jobs
	Families Families
	Instance Instance
	// Metrics returns the request figures host_information shows
	// (default: none).
	Metrics func() any
	// Dispatch runs an operation as the host's internal super user (the
	// router's Do). Required.
	Dispatch func(ctx context.Context, body []byte) (*sdk.Reply, error)
	// Serving reports whether the operations API serves (node_status;
	// default: always).
	Serving func() bool
	// Version is the hops version host_information reports.
	Version string
	// Started is when the instance started.
	Started time.Time
	// Logger is the host's logger (default: discard).
	Logger hclog.Logger
	// LogFile is the host's log file, which read_log reads ("": read_log
	// answers no entries).
	LogFile string
}

// Ops serves the system operations.
type Ops struct {
	opts Options
	log  hclog.Logger

	// ending holds, for each restart_service job this process runs, a
	// channel closed when the job ends (node_wait_job waits on it).
	endingMu sync.Mutex
	ending   map[string]chan struct{}
}

// New returns the operations over opts.
func New(opts Options) *Ops {
	if opts.Logger == nil {
		opts.Logger = hclog.NewNullLogger()
	}
	if opts.Metrics == nil {
		opts.Metrics = func() any { return nil }
	}
	if opts.Serving == nil {
		opts.Serving = func() bool { return true }
	}
	return &Ops{opts: opts, log: opts.Logger.Named("sysops"), ending: map[string]chan struct{}{}}
}

// Operations lists the system operations for the registry; each is
// super_user only.
func (o *Ops) Operations() []registry.Local {
	super := func(name, restricted, summary string, h sdk.Handler) registry.Local {
		return registry.Local{Op: sdk.Operation{Name: name, Access: sdk.AccessSuperUser, RestrictedName: restricted, Summary: summary, Handler: h}}
	}
	return []registry.Local{
		super("get_configuration", "getConfiguration", "the effective configuration, secrets removed", o.getConfiguration),
		super("set_configuration", "setConfiguration", "set flat config keys in the config file", o.setConfiguration),
		super("restart", "restart", "restart the whole instance in place, dropping no connection", o.restart),
		super("restart_service", "restartService", "reload the HTTP servers and roll the family processes, or apply the clustering config; replicated: one node after another", o.restartService),
		super("host_information", "hostInformation", "the host's processes, metrics and peers (for system_information)", o.hostInformation),
		{Op: sdk.Operation{Name: opNodeStatus, Access: sdk.AccessInternal, Summary: "whether this node's operations API serves, and since when (replicated restarts)", Handler: o.nodeStatusOp}},
		{Op: sdk.Operation{Name: opNodeWaitJob, Access: sdk.AccessInternal, Summary: "wait until a restart_service job of this node ends (replicated restarts)", Handler: o.nodeWaitJobOp}},
		super("read_log", "readLog", "entries of hops' log file, filtered and streamed", o.readLog),
	}
}

func (o *Ops) getConfiguration(context.Context, *sdk.Request) (*sdk.Response, error) {
	body, err := o.opts.Config.EffectiveJSON()
	if err != nil {
		return nil, err
	}
	return router.JSON(body), nil
}

func (o *Ops) setConfiguration(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	var flat map[string]any
	if err := json.Unmarshal(req.Body, &flat); err != nil || flat == nil {
		return nil, sdk.BadRequest("request body must be a JSON object")
	}
	delete(flat, "operation")
	if err := o.opts.Config.Set(flat); err != nil {
		var se *config.SetError
		if errors.As(err, &se) {
			return nil, sdk.BadRequest("%s", se.Error())
		}
		return nil, fmt.Errorf("set configuration: %w", err)
	}
	o.log.Info("configuration changed; a restart applies it", "user", req.Caller.Username, "keys", len(flat))
	return sdk.Message(MsgConfigSet), nil
}

func (o *Ops) restart(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	f := sdk.ReadFields(req.Body)
	replicated, _ := f.Bool("replicated")
	if err := f.Err(); err != nil {
		return nil, err
	}
	o.log.Info("restart requested", "user", req.Caller.Username, "replicated", replicated)
	if err := o.opts.Instance.CheckRestart(); err != nil {
		o.log.Error("restart refused: the configuration would not start", "error", err)
		return nil, sdk.Errorf(http.StatusBadRequest, "%s: %v", MsgRestartRefused, err)
	}
	if replicated {
		return o.restartReplicated(ctx, req)
	}
	if req.Caller.Internal {
		o.opts.Instance.Restart()
	} else {
		time.AfterFunc(restartDelay, o.opts.Instance.Restart)
	}
	return sdk.Message(MsgRestarting), nil
}

func (o *Ops) restartService(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	f := sdk.ReadFields(req.Body)
	given := f.String("service", sdk.Required, sdk.OneOf(services...))
	replicated, _ := f.Bool("replicated")
	if err := f.Err(); err != nil {
		return nil, err
	}
	service := serviceOf(given)
	var plan *rollState
	if replicated {
		// The plan is made before this node restarts anything: its own
		// routes are down for a moment while its clustering restarts.
		st := o.rollPlan(ctx, service)
		plan = &st
	}
	id, err := o.opts.Jobs.Start(jobOwner, "restart_service", req.Caller.Username, req.Body)
	if err != nil {
		return nil, fmt.Errorf("start job: %w", err)
	}
	ended := o.track(id)
	go func() {
		defer ended()
		o.runRestartService(id, service, plan)
	}()
	return sdk.OK(map[string]string{"message": fmt.Sprintf(msgRestartSvc, given), "job_id": id}), nil
}

// runRestartService does the work of restart_service as a job; with a
// plan (replicated), this node's restart is the plan's first line and the
// others follow, one at a time.
func (o *Ops) runRestartService(id, service string, plan *rollState) {
	ctx := context.Background()
	result := map[string]any{}
	var err error
	if plan != nil {
		plan.Replicated[0].Start = stamp(time.Now())
		o.progress(id, plan)
	}
	switch service {
	case ServiceHTTPWorkers:
		var timings map[string]string
		timings, err = o.rollAll(ctx)
		result["rolled"] = timings
	default:
		err = o.opts.Config.Reload()
		result["peers"] = len(o.peers())
		if err == nil {
			result["clustering"], err = o.reloadClustering(ctx, service == ServiceClustering)
		}
	}
	if plan != nil {
		self := &plan.Replicated[0]
		self.End, self.Outcome, self.Message = stamp(time.Now()), outcomeComplete, fmt.Sprintf(msgRestartSvc, service)
		if err != nil {
			self.Outcome, self.Message = outcomeError, err.Error()
			o.progress(id, plan)
		} else {
			o.finishRoll(id, plan, o.rollOthers(ctx, id, plan), result)
			return
		}
	}
	if err != nil {
		o.log.Error("restart_service failed", "service", service, "error", err)
		_ = o.opts.Jobs.Finish(id, false, err.Error(), nil)
		return
	}
	data, _ := json.Marshal(result)
	if ferr := o.opts.Jobs.Finish(id, true, "", data); ferr != nil {
		o.log.Error("restart_service: finish job", "error", ferr)
	}
}

// hostInfo is the answer of host_information: what only the host knows,
// for the system family's system_information.
type hostInfo struct {
	HostPID        int              `json:"host_pid"`
	HopsVersion    string           `json:"hops_version"`
	StartedAt      time.Time        `json:"started_at"`
	RestartPending bool             `json:"restart_pending"`
	Plugins        []pluginInfo     `json:"plugins"`
	Metrics        any              `json:"metrics"`
	Threads        []map[string]any `json:"threads"`
	// Replication is what the clustering family's cluster_status reports
	// as connections while its NATS server runs, else the configured
	// routes.
	Replication []any `json:"replication"`
	// ClusteringEnabled: the clustering family runs a NATS server.
	ClusteringEnabled bool `json:"clustering_enabled"`
}

type pluginInfo struct {
	Name      string `json:"name"`
	PID       int    `json:"pid"`
	Restarts  int    `json:"restarts"`
	StartedAt string `json:"started_at,omitempty"`
	State     string `json:"state"`
	Reason    string `json:"reason,omitempty"`
}

func (o *Ops) hostInformation(ctx context.Context, _ *sdk.Request) (*sdk.Response, error) {
	info := hostInfo{
		HostPID: os.Getpid(), HopsVersion: o.opts.Version, StartedAt: o.opts.Started,
		RestartPending: o.opts.Config.PendingRestart(),
		Metrics:        o.opts.Metrics(),
		Threads:        []map[string]any{{"name": "hops", "pid": os.Getpid(), "goroutines": runtime.NumGoroutine()}},
	}
	if conns, ok := o.clusterConnections(ctx); ok {
		info.Replication, info.ClusteringEnabled = conns, true
	} else {
		info.Replication = []any{}
		for _, p := range o.peers() {
			info.Replication = append(info.Replication, p)
		}
	}
	for _, p := range o.opts.Families.Processes() {
		pi := pluginInfo{Name: p.Name, PID: p.PID, Restarts: p.Restarts, State: p.State, Reason: p.Reason}
		if !p.StartedAt.IsZero() {
			pi.StartedAt = p.StartedAt.UTC().Format(time.RFC3339Nano)
		}
		info.Plugins = append(info.Plugins, pi)
		info.Threads = append(info.Threads, map[string]any{"name": p.Name, "pid": p.PID, "state": p.State})
	}
	return sdk.OK(info), nil
}

// clusteringFamily and clusteringReload name the family that runs the NATS
// server and the operation that makes it apply the configuration again.
const (
	clusteringFamily = "clustering"
	clusteringReload = "cluster_reload"
)

// reloadClustering has the clustering family apply the reloaded
// configuration: routes by a NATS config reload, or (restart) a restart of
// its NATS server. Without that family it does nothing.
func (o *Ops) reloadClustering(ctx context.Context, restart bool) (string, error) {
	if !slices.Contains(o.opts.Families.Names(), clusteringFamily) {
		return "not running", nil
	}
	body, _ := json.Marshal(map[string]any{"operation": clusteringReload, "restart": restart})
	reply, err := o.opts.Dispatch(ctx, body)
	if err != nil {
		return "", fmt.Errorf("clustering: %w", err)
	}
	if err := reply.Err(); err != nil {
		return "", fmt.Errorf("clustering: %w", err)
	}
	reply.Body.Close()
	return "applied", nil
}

// clusterStatusTimeout bounds the cluster_status call host_information
// makes.
const clusterStatusTimeout = 5 * time.Second

// clusterConnections returns cluster_status's connections when the
// clustering family runs a NATS server (ok false otherwise, or when it
// does not answer).
func (o *Ops) clusterConnections(ctx context.Context) ([]any, bool) {
	if !slices.Contains(o.opts.Families.Names(), clusteringFamily) {
		return nil, false
	}
	ctx, cancel := context.WithTimeout(ctx, clusterStatusTimeout)
	defer cancel()
	reply, err := o.opts.Dispatch(ctx, []byte(`{"operation":"cluster_status"}`))
	if err != nil || reply.Err() != nil {
		return nil, false
	}
	defer reply.Body.Close()
	var st struct {
		IsEnabled   bool  `json:"is_enabled"`
		Connections []any `json:"connections"`
	}
	if err := json.NewDecoder(reply.Body).Decode(&st); err != nil || !st.IsEnabled {
		return nil, false
	}
	if st.Connections == nil {
		st.Connections = []any{}
	}
	return st.Connections, true
}
