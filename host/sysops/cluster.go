package sysops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/hops-dev/hops/host/jobs"
	"github.com/hops-dev/hops/sdk"
)

// Replicated restarts roll across the cluster one node at a time: this
// node first, then every other node NATS routes to, in name order. Each
// node is asked over the cluster (the clustering family's node requests,
// core NATS request/reply, run there as the internal caller), and the
// next begins only when the previous one has finished its restart and
// answers again. A node that is not back within the roll timeout stops
// the roll: the job ends ERROR naming it.

// Operations of the clustering family the roll uses (internal ones).
const (
	opClusterRequest = "cluster_request"
	opClusterNodes   = "cluster_nodes"
	// opNodeStatus is the host's own internal operation the status verb
	// runs on each node.
	opNodeStatus = "node_status"
	// opNodeWaitJob is the host's own internal operation the wait_job
	// verb runs on each node.
	opNodeWaitJob = "node_wait_job"
)

// Roll timing.
const (
	// DefaultRollTimeout bounds one node's restart in a roll when
	// replication.restartTimeout is not set.
	DefaultRollTimeout = 2 * time.Minute
	// rollPoll spaces the questions to a restarting node (a small NATS
	// request each, answered by its host): short, so a node's line ends
	// within a few ms of its restart.
	rollPoll = 25 * time.Millisecond
	// nodeRequestTimeout bounds one request to a node.
	nodeRequestTimeout = 3 * time.Second
	// statusTimeout bounds one status question: the node's host answers
	// it from memory, and a question sent while the node stops (taken by
	// its old server, never answered) must not hold the roll for
	// nodeRequestTimeout: the next one goes to the new process.
	statusTimeout = 500 * time.Millisecond
	// waitJobFor bounds one wait_job request: the node answers when its
	// restart_service job ends, or after this long (then the roll asks
	// again, or reads the job). Under the clustering family's bound on a
	// host call (30 s).
	waitJobFor = 10 * time.Second
	// maxWaitJob bounds node_wait_job's timeout_ms.
	maxWaitJob = 20 * time.Second
	// rollKey is the configuration key of the roll timeout.
	rollKey = "replication.restartTimeout"
)

// Outcomes of a node in a roll.
const (
	outcomeComplete = "COMPLETE"
	outcomeError    = "ERROR"
)

// Messages of the roll.
const (
	msgNodeNotBack   = "Node '%s' did not come back within %s: %s"
	msgNodeFailed    = "Node '%s' failed to restart: %s"
	msgRollInterrupt = "Replicated restart interrupted while node '%s' restarted"
	msgRestarted     = "Restarted"
)

// RollNode is one node's line in a replicated restart's result (and its
// progress while it runs): the node, when its restart began and ended
// (RFC 3339, ms), its outcome (COMPLETE or ERROR, empty while it runs)
// and the message its restart ended with.
type RollNode struct {
	Node    string `json:"node"`
	Message string `json:"message,omitempty"`
	Start   string `json:"start,omitempty"`
	End     string `json:"end,omitempty"`
	Outcome string `json:"outcome,omitempty"`
	// JobID is the node's own restart_service job.
	JobID string `json:"job_id,omitempty"`
}

// rollState is a roll's plan and progress, kept as the job's progress so
// a whole-instance roll survives this node's own restart.
type rollState struct {
	// Service is restart_service's service; empty for restart.
	Service string `json:"service,omitempty"`
	// Self is this node's name.
	Self string `json:"self"`
	// Replicated lists every node in roll order, this node first.
	Replicated []RollNode `json:"replicated"`
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

// rollTimeout is replication.restartTimeout, or DefaultRollTimeout.
func (o *Ops) rollTimeout() time.Duration {
	if d := o.opts.Config.Duration(rollKey); d > 0 {
		return d
	}
	return DefaultRollTimeout
}

// dispatchJSON runs an operation through the router as the internal
// caller and decodes its 2xx answer into v.
func (o *Ops) dispatchJSON(ctx context.Context, body any, v any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	reply, err := o.opts.Dispatch(ctx, raw)
	if err != nil {
		return err
	}
	if err := reply.Err(); err != nil {
		return err
	}
	defer reply.Body.Close()
	return json.NewDecoder(reply.Body).Decode(v)
}

// rollPlan is this node and the nodes its clustering family routes to:
// just this node when clustering does not run.
func (o *Ops) rollPlan(ctx context.Context, service string) rollState {
	var nodes struct {
		NodeName string   `json:"node_name"`
		Nodes    []string `json:"nodes"`
	}
	st := rollState{Service: service}
	err := o.dispatchJSON(ctx, map[string]any{"operation": opClusterNodes}, &nodes)
	if err != nil || nodes.NodeName == "" {
		st.Self, _ = o.opts.Config.Get("replication.hostname").(string)
		if st.Self == "" {
			st.Self, _ = os.Hostname()
		}
		o.log.Warn("replicated restart: no cluster to roll (clustering is not running); restarting this node only", "error", err)
		st.Replicated = []RollNode{{Node: st.Self}}
		return st
	}
	st.Self = nodes.NodeName
	st.Replicated = []RollNode{{Node: st.Self}}
	slices.Sort(nodes.Nodes)
	for _, n := range nodes.Nodes {
		if n != st.Self {
			st.Replicated = append(st.Replicated, RollNode{Node: n})
		}
	}
	return st
}

// nodeAnswer is the clustering family's cluster_request answer.
type nodeAnswer struct {
	Status int             `json:"status"`
	Body   json.RawMessage `json:"body"`
}

// errRemote is a node's own refusal (an error answer from the node's
// operation, not a transport failure): the roll does not retry it.
type errRemote struct{ msg string }

func (e *errRemote) Error() string { return e.msg }

// ask sends verb with body to node and decodes the 2xx answer into v. A
// node that does not answer is a plain error (retried by the callers); a
// node's error answer is an *errRemote.
func (o *Ops) ask(ctx context.Context, node, verb string, body map[string]any, v any) error {
	timeout := nodeRequestTimeout
	switch verb {
	case "status":
		timeout = statusTimeout
	case "wait_job":
		timeout = waitJobFor + nodeRequestTimeout
	}
	var ans nodeAnswer
	err := o.dispatchJSON(ctx, map[string]any{"operation": opClusterRequest, "node": node, "verb": verb,
		"body": body, "timeout_ms": timeout.Milliseconds()}, &ans)
	if err != nil {
		return err
	}
	if ans.Status < 200 || ans.Status > 299 {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(ans.Body, &e)
		if e.Error == "" {
			e.Error = string(ans.Body)
		}
		if ans.Status == http.StatusServiceUnavailable {
			return errors.New(e.Error) // the node's host is not ready: retry
		}
		return &errRemote{msg: e.Error}
	}
	if v == nil {
		return nil
	}
	return json.Unmarshal(ans.Body, v)
}

// askUntil repeats ask until it succeeds, the node refuses, or the
// deadline passes.
func (o *Ops) askUntil(ctx context.Context, deadline time.Time, node, verb string, body map[string]any, v any) error {
	for {
		err := o.ask(ctx, node, verb, body, v)
		var rem *errRemote
		if err == nil || errors.As(err, &rem) {
			return err
		}
		if perr := pollPause(ctx, deadline, err); perr != nil {
			return perr
		}
	}
}

// pollPause waits rollPoll before a roll asks again. err (not nil) is the
// last ask's error: pollPause returns it when the deadline has passed or
// ctx has ended before the wait, ctx's error when ctx ends during it, and
// nil when the caller may ask again.
func pollPause(ctx context.Context, deadline time.Time, err error) error {
	if time.Now().After(deadline) || ctx.Err() != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(rollPoll):
		return nil
	}
}

// askRestart asks node to restart (a whole-instance restart) until it
// answers, the node refuses, or the deadline passes; before is the
// node's status from before the first ask. An ask whose answer was lost
// (a timeout, the node's clustering family stopping as it answered) is
// asked again only while the node still runs the process of before: once
// it answers from a new one, the lost ask restarted it, and asking again
// would restart it twice (the second time while the roll goes on with
// the next node). A process asked again while it drains restarts once.
func (o *Ops) askRestart(ctx context.Context, deadline time.Time, node string, before nodeStatus, v any) error {
	for {
		err := o.ask(ctx, node, "restart", nil, v)
		var rem *errRemote
		if err == nil || errors.As(err, &rem) {
			return err
		}
		for {
			if perr := pollPause(ctx, deadline, err); perr != nil {
				return perr
			}
			var st nodeStatus
			if serr := o.ask(ctx, node, "status", nil, &st); serr != nil {
				continue // down or not reachable yet: ask its status again
			}
			if st.PID != before.PID || st.StartedAt != before.StartedAt {
				return nil // restarted by the ask whose answer was lost
			}
			break // still the process of before: ask it again
		}
	}
}

// nodeStatus is node_status's answer.
type nodeStatus struct {
	PID       int    `json:"pid"`
	StartedAt string `json:"started_at"`
	Serving   bool   `json:"serving"`
}

// nodeStatusOp: node_status (internal) says whether this node's host runs
// and its operations API serves, and since when: the status verb of a
// node request, which a roll polls.
func (o *Ops) nodeStatusOp(context.Context, *sdk.Request) (*sdk.Response, error) {
	return sdk.OK(nodeStatus{PID: os.Getpid(), StartedAt: o.opts.Started.UTC().Format(time.RFC3339Nano), Serving: o.opts.Serving()}), nil
}

// track registers a restart_service job this process runs; the returned
// func, called when the job has ended, wakes node_wait_job's waiters.
func (o *Ops) track(id string) (ended func()) {
	ch := make(chan struct{})
	o.endingMu.Lock()
	o.ending[id] = ch
	o.endingMu.Unlock()
	return func() {
		o.endingMu.Lock()
		delete(o.ending, id)
		o.endingMu.Unlock()
		close(ch)
	}
}

// waitJobAnswer is node_wait_job's answer: whether the job has ended
// (false: the wait timed out while it runs) and, once it has, its status
// and message as get_job gives them and whether the node's operations
// API serves, so the roll needs no other request to end the node's line.
type waitJobAnswer struct {
	Ended   bool   `json:"ended"`
	Status  string `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
	Serving bool   `json:"serving,omitempty"`
}

// nodeWaitJobOp: node_wait_job (internal) {id, timeout_ms} answers once
// restart_service job id of this process has ended, or when timeout_ms
// (at most maxWaitJob) has passed while it runs, so a roll learns that a
// node's restart ended when it ends instead of asking for the job again
// and again. A job this process does not run (ended, or not a
// restart_service job) answers ended at once: get_job says what it is.
func (o *Ops) nodeWaitJobOp(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	f := sdk.ReadFields(req.Body)
	id := f.String("id", sdk.Required)
	ms, _ := f.Int("timeout_ms")
	if err := f.Err(); err != nil {
		return nil, err
	}
	wait := min(time.Duration(ms)*time.Millisecond, maxWaitJob)
	o.endingMu.Lock()
	ch := o.ending[id]
	o.endingMu.Unlock()
	if ch != nil {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-ch:
		case <-t.C:
			return sdk.OK(waitJobAnswer{}), nil
		case <-ctx.Done():
			return sdk.OK(waitJobAnswer{}), nil
		}
	}
	ans := waitJobAnswer{Ended: true, Serving: o.opts.Serving()}
	if j, ok, err := o.opts.Jobs.Get(id); err == nil && ok && j.Status != jobs.StatusInProgress {
		ans.Status, ans.Message = string(j.Status), j.Message
	}
	return sdk.OK(ans), nil
}

// awaitJob waits, until deadline, for node to say that its restart_service
// job id has ended (wait_job), and returns its answer: with the job's
// status and the node serving, the roll needs nothing more. A node that
// cannot wait (one whose hops has no wait_job: it answers 400) or does
// not answer returns an empty answer, and the roll reads the job every
// rollPoll.
func (o *Ops) awaitJob(ctx context.Context, deadline time.Time, node, id string) waitJobAnswer {
	// A node that stops answering (hung) ends the wait at the deadline,
	// not at the request's own timeout.
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	for {
		left := time.Until(deadline)
		if left <= 0 || ctx.Err() != nil {
			return waitJobAnswer{}
		}
		var ans waitJobAnswer
		err := o.ask(ctx, node, "wait_job", map[string]any{"id": id, "timeout_ms": min(left, waitJobFor).Milliseconds()}, &ans)
		if err != nil {
			return waitJobAnswer{}
		}
		if ans.Ended {
			return ans
		}
	}
}

// waitServing polls node's status until check accepts it.
func (o *Ops) waitServing(ctx context.Context, deadline time.Time, node string, check func(nodeStatus) bool) error {
	for {
		var st nodeStatus
		err := o.ask(ctx, node, "status", nil, &st)
		if err == nil && check(st) {
			return nil
		}
		if err == nil {
			err = errors.New("its operations API is not serving yet")
		}
		if perr := pollPause(ctx, deadline, err); perr != nil {
			return perr
		}
	}
}

// restartNode restarts one other node and waits until it serves again:
// restart_service (its job COMPLETE, then its operations API serving) or
// restart (a new process serving).
func (o *Ops) restartNode(ctx context.Context, st rollState, e *RollNode, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	// The job's message, as users read it.
	notBack := func(err error) error { return &errRemote{msg: fmt.Sprintf(msgNodeNotBack, e.Node, timeout, err)} }
	failed := func(err error) error { return &errRemote{msg: fmt.Sprintf(msgNodeFailed, e.Node, err)} }
	if st.Service == "" {
		var before nodeStatus
		if err := o.askUntil(ctx, deadline, e.Node, "status", nil, &before); err != nil {
			return notBack(err)
		}
		var ans struct {
			Message string `json:"message"`
		}
		if err := o.askRestart(ctx, deadline, e.Node, before, &ans); err != nil {
			var rem *errRemote
			if errors.As(err, &rem) {
				return failed(err)
			}
			return notBack(err)
		}
		e.Message = ans.Message
		if err := o.waitServing(ctx, deadline, e.Node, func(s nodeStatus) bool {
			return s.Serving && (s.StartedAt != before.StartedAt || s.PID != before.PID)
		}); err != nil {
			return notBack(err)
		}
		e.End = stamp(time.Now())
		return nil
	}
	var started struct {
		Message string `json:"message"`
		JobID   string `json:"job_id"`
	}
	if err := o.askUntil(ctx, deadline, e.Node, "restart_service", map[string]any{"service": st.Service}, &started); err != nil {
		var rem *errRemote
		if errors.As(err, &rem) {
			return failed(err)
		}
		return notBack(err)
	}
	e.JobID = started.JobID
	switch w := o.awaitJob(ctx, deadline, e.Node, started.JobID); {
	case w.Status == outcomeComplete && w.Serving:
		e.Message, e.End = w.Message, stamp(time.Now())
		return nil
	case w.Status == outcomeError:
		return failed(errors.New(w.Message))
	}
	for {
		var jobs []struct {
			Status  string `json:"status"`
			Message string `json:"message"`
		}
		err := o.askUntil(ctx, deadline, e.Node, "get_job", map[string]any{"id": started.JobID}, &jobs)
		if err != nil {
			return notBack(err)
		}
		if len(jobs) == 1 && jobs[0].Status == outcomeComplete {
			e.Message = jobs[0].Message
			break
		}
		if len(jobs) == 1 && jobs[0].Status == outcomeError {
			return failed(errors.New(jobs[0].Message))
		}
		if time.Now().After(deadline) {
			return notBack(errors.New("its restart job is still running"))
		}
		select {
		case <-ctx.Done():
			return notBack(ctx.Err())
		case <-time.After(rollPoll):
		}
	}
	if err := o.waitServing(ctx, deadline, e.Node, func(s nodeStatus) bool { return s.Serving }); err != nil {
		return notBack(err)
	}
	e.End = stamp(time.Now())
	return nil
}

// rollOthers restarts the nodes after this one, in order, recording each
// in st and in the job's progress. It returns the error that stopped the
// roll.
func (o *Ops) rollOthers(ctx context.Context, id string, st *rollState) error {
	timeout := o.rollTimeout()
	for i := range st.Replicated {
		e := &st.Replicated[i]
		if e.Outcome != "" || e.Node == st.Self {
			continue
		}
		o.log.Info("replicated restart: restarting node", "node", e.Node, "service", st.Service, "job_id", id)
		e.Start = stamp(time.Now())
		o.progress(id, st)
		err := o.restartNode(ctx, *st, e, timeout)
		if err != nil {
			e.Outcome, e.Message, e.End = outcomeError, err.Error(), stamp(time.Now())
			o.progress(id, st)
			o.log.Error("replicated restart stopped", "node", e.Node, "error", err)
			return err
		}
		e.Outcome = outcomeComplete
		o.progress(id, st)
		o.log.Info("replicated restart: node back", "node", e.Node, "start", e.Start, "end", e.End)
	}
	return nil
}

// progress records st as the job's progress (kept when the job fails).
func (o *Ops) progress(id string, st *rollState) {
	b, _ := json.Marshal(st)
	if err := o.opts.Jobs.Progress(id, "", b); err != nil {
		o.log.Warn("replicated restart: record progress", "job_id", id, "error", err)
	}
}

// restartReplicated: restart with replicated: true. The roll is a job
// that survives this node's restart: its plan is the job's progress, the
// job is owned by ResumableOwner (not failed at boot), and the new
// process resumes it (Resume).
func (o *Ops) restartReplicated(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	st := o.rollPlan(ctx, "")
	id, err := o.opts.Jobs.Start(ResumableOwner, "restart", req.Caller.Username, req.Body)
	if err != nil {
		return nil, fmt.Errorf("start job: %w", err)
	}
	st.Replicated[0].Start = stamp(time.Now())
	o.progress(id, &st)
	o.log.Info("replicated restart: restarting this node first", "job_id", id, "nodes", len(st.Replicated))
	time.AfterFunc(restartDelay, o.opts.Instance.Restart)
	return sdk.OK(map[string]string{"message": MsgRestarting, "job_id": id}), nil
}

// Resume continues the replicated restarts a previous run of this
// process started (restart with replicated: true restarts this node
// first): this node is back, so its line ends COMPLETE and the roll goes
// on with the others. Call it once the operations API serves; it returns
// at once and the rolls run until ctx ends.
func (o *Ops) Resume(ctx context.Context) {
	jobs, err := o.opts.Jobs.Running(ResumableOwner)
	if err != nil {
		o.log.Error("replicated restart: list the rolls to resume", "error", err)
		return
	}
	for _, j := range jobs {
		var st rollState
		if err := json.Unmarshal(j.Progress, &st); err != nil || len(st.Replicated) == 0 {
			_ = o.opts.Jobs.Finish(j.ID, false, "Replicated restart: unreadable roll state", nil)
			continue
		}
		go o.resume(ctx, j.ID, st)
	}
}

func (o *Ops) resume(ctx context.Context, id string, st rollState) {
	self := &st.Replicated[0]
	if self.Outcome == "" {
		// Back means reachable by the cluster too, as the other nodes'
		// lines end when they answer over it.
		o.waitRoutes(ctx, time.Now().Add(o.rollTimeout()), st)
		self.End, self.Outcome, self.Message = stamp(time.Now()), outcomeComplete, msgRestarted
	} else {
		// This node restarted while it rolled another one.
		for _, e := range st.Replicated {
			if e.Outcome == "" {
				_ = o.opts.Jobs.Finish(id, false, fmt.Sprintf(msgRollInterrupt, e.Node), nil)
				return
			}
		}
	}
	o.log.Info("replicated restart: this node is back; rolling the others", "job_id", id)
	o.finishRoll(id, &st, o.rollOthers(ctx, id, &st), nil)
}

// waitRoutes waits, until deadline, for this node's NATS server to route
// to every node of st again: after its own restart its clustering family
// starts the server a moment after the operations API serves, and the
// roll's requests to the next node would wait for it inside that node's
// line. Past the deadline the roll goes on (its requests retry).
func (o *Ops) waitRoutes(ctx context.Context, deadline time.Time, st rollState) {
	if len(st.Replicated) < 2 {
		return // no cluster to roll: nothing to reach
	}
	for {
		var nodes struct {
			Nodes []string `json:"nodes"`
		}
		err := o.dispatchJSON(ctx, map[string]any{"operation": opClusterNodes}, &nodes)
		if err == nil {
			all := true
			for _, e := range st.Replicated {
				all = all && slices.Contains(nodes.Nodes, e.Node)
			}
			if all {
				return
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			o.log.Warn("replicated restart: this node's routes are not all back; rolling on", "error", err)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(rollPoll):
		}
	}
}

// finishRoll ends a roll's job: COMPLETE with the result (extra's fields
// and replicated), or ERROR with the error (the lines stay in the job's
// progress).
func (o *Ops) finishRoll(id string, st *rollState, err error, extra map[string]any) {
	if err != nil {
		_ = o.opts.Jobs.Finish(id, false, err.Error(), nil)
		return
	}
	res := map[string]any{}
	for k, v := range extra {
		res[k] = v
	}
	res["replicated"] = st.Replicated
	data, _ := json.Marshal(res)
	if ferr := o.opts.Jobs.Finish(id, true, "", data); ferr != nil {
		o.log.Error("replicated restart: finish job", "error", ferr)
	}
}
