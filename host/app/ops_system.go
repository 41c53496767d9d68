package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"slices"
	"time"

	"github.com/hops-dev/hops/host/config"
	"github.com/hops-dev/hops/host/registry"
	"github.com/hops-dev/hops/sdk"
)

// Messages of the host's system operations, as HarperDB words them.
const (
	MsgConfigSet  = "Configuration successfully set. You must restart HarperDB for new config settings to take effect."
	MsgRestarting = "Restarting HarperDB. This may take up to 60 seconds."
	// MsgRestartRefused starts the answer to a restart the configuration
	// on disk would not survive (edited by hand since the start).
	MsgRestartRefused = "Not restarting: the configuration would not start"
	msgRestartSvc     = "Restarting %s"
)

// restartDelay lets the restart operation's answer reach the client before
// the server starts draining.
const restartDelay = 50 * time.Millisecond

// Services restart_service accepts.
const (
	serviceHTTPWorkers      = "http_workers"
	serviceClusteringConfig = "clustering_config"
	serviceClustering       = "clustering"
)

// hostFamilyJobs is the owner of jobs the host runs itself.
const hostFamilyJobs = registry.HostFamily

// systemOperations are the host-local operations that act on the instance
// itself: its configuration file, its sockets and processes.
func (in *instance) systemOperations() []registry.Local {
	super := func(name, restricted, summary string, h sdk.Handler) registry.Local {
		return registry.Local{Op: sdk.Operation{Name: name, Access: sdk.AccessSuperUser, RestrictedName: restricted, Summary: summary, Handler: h}}
	}
	return []registry.Local{
		super("get_configuration", "getConfiguration", "the effective configuration, secrets removed", in.getConfiguration),
		super("set_configuration", "setConfiguration", "set flat config keys in the config file", in.setConfiguration),
		super("restart", "restart", "restart the whole instance in place, dropping no connection", in.restart),
		super("restart_service", "restartService", "reload the HTTP servers and roll the family processes, or reload the peer list", in.restartService),
		super("host_information", "hostInformation", "the host's processes, metrics and peers (for system_information)", in.hostInformation),
	}
}

func (in *instance) getConfiguration(context.Context, *sdk.Request) (*sdk.Response, error) {
	eff := in.cfg.Effective()
	if in.cfg.PendingRestart() {
		eff["restartPending"] = true
	}
	return sdk.OK(eff), nil
}

func (in *instance) setConfiguration(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	var flat map[string]any
	if err := json.Unmarshal(req.Body, &flat); err != nil {
		return nil, sdk.BadRequest("request body must be a JSON object")
	}
	delete(flat, "operation")
	if err := in.cfg.Set(flat); err != nil {
		var se *config.SetError
		if errors.As(err, &se) {
			return nil, sdk.BadRequest("%s", se.Error())
		}
		return nil, fmt.Errorf("set configuration: %w", err)
	}
	in.log.Info("configuration changed; a restart applies it", "user", req.Caller.Username, "keys", len(flat))
	return sdk.Message(MsgConfigSet), nil
}

func (in *instance) restart(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	in.log.Info("restart requested", "user", req.Caller.Username)
	if _, err := config.CheckOptions(in.opts.Config); err != nil {
		in.log.Error("restart refused: the configuration would not start", "error", err)
		return nil, sdk.Errorf(http.StatusBadRequest, "%s: %v", MsgRestartRefused, err)
	}
	time.AfterFunc(restartDelay, in.requestRestart)
	return sdk.Message(MsgRestarting), nil
}

func (in *instance) restartService(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	f := sdk.ReadFields(req.Body)
	service := f.String("service", sdk.Required, sdk.OneOf(serviceHTTPWorkers, serviceClusteringConfig, serviceClustering))
	replicated, _ := f.Bool("replicated")
	if err := f.Err(); err != nil {
		return nil, err
	}
	id, err := in.jobs.Start(hostFamilyJobs, "restart_service", req.Caller.Username, req.Body)
	if err != nil {
		return nil, fmt.Errorf("start job: %w", err)
	}
	authz := authorizationOf(ctx)
	go in.runRestartService(id, service, replicated, authz)
	return sdk.OK(map[string]string{"message": fmt.Sprintf(msgRestartSvc, service), "job_id": id}), nil
}

// runRestartService does the work of restart_service as a job.
func (in *instance) runRestartService(id, service string, replicated bool, authz string) {
	ctx := context.Background()
	result := map[string]any{}
	var err error
	switch service {
	case serviceHTTPWorkers:
		var timings map[string]string
		timings, err = in.rollAll(ctx)
		result["rolled"] = timings
	default:
		err = in.reloadConfig()
		result["peers"] = len(in.peers())
		if err == nil {
			result["clustering"], err = in.reloadClustering(ctx, service == serviceClustering)
		}
	}
	if err == nil && replicated {
		result["replicated"] = in.replicate(ctx, service, authz)
	}
	if err != nil {
		in.log.Error("restart_service failed", "service", service, "error", err)
		_ = in.jobs.Finish(id, false, err.Error(), nil)
		return
	}
	data, _ := json.Marshal(result)
	if ferr := in.jobs.Finish(id, true, "", data); ferr != nil {
		in.log.Error("restart_service: finish job", "error", ferr)
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
	Replication    []peerInfo       `json:"replication"`
}

type pluginInfo struct {
	Name      string `json:"name"`
	PID       int    `json:"pid"`
	Restarts  int    `json:"restarts"`
	StartedAt string `json:"started_at,omitempty"`
	State     string `json:"state"`
	Reason    string `json:"reason,omitempty"`
}

func (in *instance) hostInformation(context.Context, *sdk.Request) (*sdk.Response, error) {
	info := hostInfo{
		HostPID: os.Getpid(), HopsVersion: in.opts.Version, StartedAt: in.started,
		RestartPending: in.cfg.PendingRestart(),
		Metrics:        in.metrics.Snapshot(),
		Threads:        []map[string]any{{"name": "hops", "pid": os.Getpid(), "goroutines": runtime.NumGoroutine()}},
		Replication:    in.peers(),
	}
	for _, p := range in.sup.Processes() {
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
func (in *instance) reloadClustering(ctx context.Context, restart bool) (string, error) {
	if !slices.Contains(in.sup.Names(), clusteringFamily) {
		return "not running", nil
	}
	body, _ := json.Marshal(map[string]any{"operation": clusteringReload, "restart": restart})
	reply, err := in.currentServer().Dispatch(ctx, internalCaller, "", body)
	if err != nil {
		return "", fmt.Errorf("clustering: %w", err)
	}
	if err := reply.Err(); err != nil {
		return "", fmt.Errorf("clustering: %w", err)
	}
	reply.Body.Close()
	return "applied", nil
}
