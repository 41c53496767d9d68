package sysops

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hops-dev/hops/host/config"
	"github.com/hops-dev/hops/host/jobs"
	"github.com/hops-dev/hops/host/supervisor"
	"github.com/hops-dev/hops/sdk"
)

// fakeConfig is a Config with function fields; nil functions do nothing.
type fakeConfig struct {
	effective map[string]any
	pending   bool
	set       func(map[string]any) error
	reloads   int
	values    map[string]any
}

func (c *fakeConfig) EffectiveJSON() ([]byte, error) {
	out := map[string]any{}
	for k, v := range c.effective {
		out[k] = v
	}
	if c.pending {
		out["restartPending"] = true
	}
	b, err := json.Marshal(out)
	return append(b, '\n'), err
}
func (c *fakeConfig) PendingRestart() bool { return c.pending }
func (c *fakeConfig) Set(flat map[string]any) error {
	if c.set != nil {
		return c.set(flat)
	}
	return nil
}
func (c *fakeConfig) Reload() error       { c.reloads++; return nil }
func (c *fakeConfig) Get(path string) any { return c.values[path] }
func (c *fakeConfig) Duration(path string) time.Duration {
	d, _ := c.values[path].(time.Duration)
	return d
}

// fakeJobs records jobs and signals each finish.
type fakeJobs struct {
	mu       sync.Mutex
	started  []string
	progress []byte
	running  []jobs.Job
	finished chan finish
	ended    map[string]jobs.Job
}

func (j *fakeJobs) Get(id string) (*jobs.Job, bool, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	job, ok := j.ended[id]
	return &job, ok, nil
}

func (j *fakeJobs) Progress(_, _ string, p []byte) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.progress = p
	return nil
}

func (j *fakeJobs) Running(string) ([]jobs.Job, error) { return j.running, nil }

type finish struct {
	id      string
	success bool
	message string
	result  []byte
}

func (j *fakeJobs) Start(owner, jobType, user string, _ []byte) (string, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.started = append(j.started, owner+"/"+jobType+"/"+user)
	return "job-1", nil
}

func (j *fakeJobs) Finish(id string, success bool, message string, result []byte) error {
	j.mu.Lock()
	if j.ended == nil {
		j.ended = map[string]jobs.Job{}
	}
	status, msg := jobs.StatusComplete, "Successfully completed job: "+id
	if !success {
		status, msg = jobs.StatusError, message
	}
	j.ended[id] = jobs.Job{ID: id, Status: status, Message: msg}
	j.mu.Unlock()
	j.finished <- finish{id, success, message, result}
	return nil
}

// fakeFamilies records the families rolled and can fail one.
type fakeFamilies struct {
	names  []string
	mu     sync.Mutex
	rolled []string
	fail   string
	procs  []supervisor.ProcInfo
	// block, when set, holds every roll until it is closed.
	block chan struct{}
}

func (f *fakeFamilies) Names() []string {
	if f.names != nil {
		return f.names
	}
	return []string{"certs", "records", "status"}
}
func (f *fakeFamilies) Roll(_ context.Context, name string) error {
	if f.block != nil {
		<-f.block
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if name == f.fail {
		return errors.New("would not start")
	}
	f.rolled = append(f.rolled, name)
	return nil
}
func (f *fakeFamilies) Processes() []supervisor.ProcInfo { return f.procs }

// fakeInstance counts restarts and HTTP rolls; checkErr refuses a
// restart.
type fakeInstance struct {
	restarted chan struct{}
	httpRolls int
	checkErr  error
}

func (i *fakeInstance) CheckRestart() error            { return i.checkErr }
func (i *fakeInstance) Restart()                       { close(i.restarted) }
func (i *fakeInstance) RollHTTP(context.Context) error { i.httpRolls++; return nil }

type fixture struct {
	ops        *Ops
	dispatched []string
	cfg        *fakeConfig
	jobs       *fakeJobs
	fams       *fakeFamilies
	inst       *fakeInstance
	// cluster, when set, answers every Dispatch.
	cluster func(ctx context.Context, body []byte) (*sdk.Reply, error)
}

func newFixture() *fixture {
	f := &fixture{
		cfg:  &fakeConfig{effective: map[string]any{"rootPath": "/r"}, values: map[string]any{}},
		jobs: &fakeJobs{finished: make(chan finish, 1)},
		fams: &fakeFamilies{},
		inst: &fakeInstance{restarted: make(chan struct{})},
	}
	f.ops = New(Options{Config: f.cfg, Jobs: f.jobs, Families: f.fams, Instance: f.inst,
		Version: "1.2.3", Started: time.Unix(100, 0),
		Metrics: func() any { return map[string]int{"total_requests": 7} },
		Dispatch: func(ctx context.Context, body []byte) (*sdk.Reply, error) {
			if f.cluster != nil {
				return f.cluster(ctx, body)
			}
			f.dispatched = append(f.dispatched, string(body))
			return &sdk.Reply{Status: 200, Body: io.NopCloser(strings.NewReader(`{}`))}, nil
		}})
	return f
}

// call runs the named operation with body and returns the status (200 or
// the error's) and the answer as a map.
func (f *fixture) call(t *testing.T, name, body string) (int, map[string]any) {
	t.Helper()
	for _, l := range f.ops.Operations() {
		if l.Op.Name != name {
			continue
		}
		resp, err := l.Op.Handler(context.Background(), &sdk.Request{Operation: name, Body: []byte(body),
			Caller: sdk.Caller{Username: "admin", SuperUser: true}})
		if err != nil {
			e, ok := sdk.AsError(err)
			if !ok {
				return 500, map[string]any{"error": err.Error()}
			}
			return e.Status, e.Body()
		}
		b, _ := json.Marshal(resp.Value)
		if resp.Stream != nil {
			var buf strings.Builder
			if err := resp.Stream(&buf); err != nil {
				t.Fatalf("%s: write the answer: %v", name, err)
			}
			b = []byte(buf.String())
		}
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		return http.StatusOK, m
	}
	t.Fatalf("no operation %s", name)
	return 0, nil
}

func TestEveryOperationIsSuperUserOnly(t *testing.T) {
	for _, l := range newFixture().ops.Operations() {
		want := sdk.AccessSuperUser
		if l.Op.Name == opNodeStatus || l.Op.Name == opNodeWaitJob {
			want = sdk.AccessInternal
		}
		if l.Op.Access != want || l.Op.Handler == nil || l.Op.Summary == "" || l.Public {
			t.Errorf("%s: %+v", l.Op.Name, l)
		}
	}
}

func TestGetConfiguration(t *testing.T) {
	f := newFixture()
	if _, m := f.call(t, "get_configuration", `{}`); m["rootPath"] != "/r" || m["restartPending"] != nil {
		t.Fatalf("answer %v", m)
	}
	f.cfg.pending = true
	if _, m := f.call(t, "get_configuration", `{}`); m["restartPending"] != true {
		t.Fatalf("a pending file change must show: %v", m)
	}
}

func TestSetConfiguration(t *testing.T) {
	f := newFixture()
	var got map[string]any
	f.cfg.set = func(flat map[string]any) error { got = flat; return nil }
	status, m := f.call(t, "set_configuration", `{"operation":"set_configuration","logging_level":"debug"}`)
	if status != 200 || m["message"] != MsgConfigSet {
		t.Fatalf("%d %v", status, m)
	}
	if len(got) != 1 || got["logging_level"] != "debug" {
		t.Fatalf("Set got %v (operation is not a key)", got)
	}

	f.cfg.set = func(map[string]any) error {
		return &config.SetError{Problems: []config.Problem{{Key: "nope", Reason: "unknown key"}}}
	}
	if status, m := f.call(t, "set_configuration", `{"nope":1}`); status != 400 || !strings.Contains(m["error"].(string), "nope") {
		t.Fatalf("a refused key: %d %v", status, m)
	}
	if status, _ := f.call(t, "set_configuration", `[1]`); status != 400 {
		t.Fatalf("a body that is not an object: %d", status)
	}
	f.cfg.set = func(map[string]any) error { return errors.New("disk full") }
	if status, _ := f.call(t, "set_configuration", `{"logging_level":"info"}`); status != 500 {
		t.Fatalf("a write failure is a server fault: %d", status)
	}
}

func TestRestartAnswersThenRestarts(t *testing.T) {
	f := newFixture()
	if status, m := f.call(t, "restart", `{}`); status != 200 || m["message"] != MsgRestarting {
		t.Fatalf("%d %v", status, m)
	}
	select {
	case <-f.inst.restarted:
	case <-time.After(10 * time.Second):
		t.Fatal("the instance was not asked to restart")
	}
}

// A restart asked by another node (the internal caller: a replicated
// restart's node request) begins before the answer: the answer leaves
// through the clustering family, which serves until the drain has ended.
func TestRestartAskedByANodeBeginsAtOnce(t *testing.T) {
	f := newFixture()
	for _, l := range f.ops.Operations() {
		if l.Op.Name != "restart" {
			continue
		}
		resp, err := l.Op.Handler(context.Background(), &sdk.Request{Operation: "restart", Body: []byte(`{}`),
			Caller: sdk.Caller{Username: "hops-internal", SuperUser: true, Internal: true}})
		if err != nil || resp == nil {
			t.Fatalf("restart: %v", err)
		}
		select {
		case <-f.inst.restarted:
		default:
			t.Fatal("a node's restart request waited before restarting")
		}
		return
	}
	t.Fatal("no restart operation")
}

func TestRestartRefusedWhenTheConfigWouldNotStart(t *testing.T) {
	f := newFixture()
	f.inst.checkErr = errors.New("operationsApi.network.port: not a number")
	status, m := f.call(t, "restart", `{}`)
	if status != 400 || !strings.HasPrefix(m["error"].(string), MsgRestartRefused) || !strings.Contains(m["error"].(string), "port") {
		t.Fatalf("%d %v", status, m)
	}
	select {
	case <-f.inst.restarted:
		t.Fatal("restarted anyway")
	case <-time.After(5 * restartDelay):
	}
}

func TestRestartServiceValidates(t *testing.T) {
	f := newFixture()
	for body, field := range map[string]string{
		`{}`:                  "service",
		`{"service":"nginx"}`: "service",
		`{"service":1}`:       "service",
		`{"service":"clustering","replicated":"yes"}`: "replicated",
	} {
		status, m := f.call(t, "restart_service", body)
		if status != 400 || !strings.Contains(m["error"].(string), field) {
			t.Errorf("%s: %d %v", body, status, m)
		}
	}
	if len(f.jobs.started) != 0 {
		t.Fatalf("jobs started for bad requests: %v", f.jobs.started)
	}
}

// HarperDB's other service names run the same restart as hops' name, and
// the answer names the service as given.
func TestRestartServiceTakesHarperDBsNames(t *testing.T) {
	for given, want := range map[string]string{"http": "rolled", "harperdb": "rolled", "custom functions": "rolled",
		"custom_functions": "rolled", "clustering config": "clustering", "clustering hub": "clustering", "clustering leaf": "clustering"} {
		f := newFixture()
		f.fams.names = []string{"clustering", "records"}
		status, m := f.call(t, "restart_service", `{"service":"`+given+`"}`)
		if status != 200 || m["message"] != "Restarting "+given {
			t.Fatalf("%s: %d %v", given, status, m)
		}
		fin := <-f.jobs.finished
		if !fin.success || !strings.Contains(string(fin.result), `"`+want+`"`) {
			t.Errorf("%s: finish %+v %s, want its result to hold %q", given, fin, fin.result, want)
		}
		restart := strings.Contains(strings.Join(f.dispatched, ","), `"restart":true`)
		if (given == "clustering hub" || given == "clustering leaf") != restart {
			t.Errorf("%s: dispatched %v", given, f.dispatched)
		}
	}
}

// http_workers rolls the HTTP servers, then every family but clustering
// (its NATS server keeps running).
func TestRestartServiceRollsHTTPThenEachFamily(t *testing.T) {
	f := newFixture()
	f.fams.names = []string{"certs", "clustering", "records", "status"}
	status, m := f.call(t, "restart_service", `{"service":"http_workers"}`)
	if status != 200 || m["job_id"] != "job-1" || m["message"] != "Restarting http_workers" {
		t.Fatalf("%d %v", status, m)
	}
	fin := <-f.jobs.finished
	if !fin.success || f.inst.httpRolls != 1 || f.cfg.reloads != 1 {
		t.Fatalf("finish %+v, http rolls %d, reloads %d", fin, f.inst.httpRolls, f.cfg.reloads)
	}
	slices.Sort(f.fams.rolled)
	if strings.Join(f.fams.rolled, ",") != "certs,records,status" {
		t.Fatalf("rolled %v", f.fams.rolled)
	}
	var res struct {
		Rolled map[string]string `json:"rolled"`
	}
	if err := json.Unmarshal(fin.result, &res); err != nil || len(res.Rolled) != 4 {
		t.Fatalf("result %s: %v", fin.result, err)
	}
	if f.jobs.started[0] != "host/restart_service/admin" {
		t.Fatalf("job %v", f.jobs.started)
	}
}

func TestRestartServiceFailedRollFailsTheJob(t *testing.T) {
	f := newFixture()
	f.fams.fail = "records"
	f.call(t, "restart_service", `{"service":"http_workers"}`)
	fin := <-f.jobs.finished
	if fin.success || !strings.Contains(fin.message, "records") {
		t.Fatalf("finish %+v", fin)
	}
	slices.Sort(f.fams.rolled)
	if strings.Join(f.fams.rolled, ",") != "certs,status" {
		t.Fatalf("the other families roll: %v", f.fams.rolled)
	}
}

// fakeCluster is the clustering family of a cluster of nodes as the
// host sees it through Dispatch: cluster_nodes, and cluster_request to
// nodes whose restart jobs end after a few polls; a node in dead never
// answers.
type fakeCluster struct {
	mu    sync.Mutex
	self  string
	nodes []string
	dead  map[string]bool
	polls map[string]int
	boots map[string]int
	log   []string
	// routesDown: that many cluster_nodes answers list this node alone
	// (its NATS server not routed yet).
	routesDown int
	// lostRestarts: that many restart requests restart the node but their
	// answer is lost (a timeout).
	lostRestarts int
	// noWait: the nodes' hops has no wait_job verb (400).
	noWait bool
	// hangWait: wait_job requests are never answered (the node hung);
	// they end when the caller's context does.
	hangWait bool
	hung     bool
}

func (c *fakeCluster) dispatch(ctx context.Context, body []byte) (*sdk.Reply, error) {
	if c.hangWait && strings.Contains(string(body), `"verb":"wait_job"`) {
		c.mu.Lock()
		c.hung = true // from now on the node answers nothing
		c.mu.Unlock()
		<-ctx.Done()
		return nil, ctx.Err()
	}
	var req struct {
		Operation string         `json:"operation"`
		Node      string         `json:"node"`
		Verb      string         `json:"verb"`
		Body      map[string]any `json:"body"`
	}
	_ = json.Unmarshal(body, &req)
	reply := func(status int, v any) (*sdk.Reply, error) {
		b, _ := json.Marshal(v)
		return &sdk.Reply{Status: status, Body: io.NopCloser(strings.NewReader(string(b)))}, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch req.Operation {
	case opClusterNodes:
		if c.routesDown > 0 {
			c.routesDown--
			c.log = append(c.log, "routes-down")
			return reply(200, map[string]any{"node_name": c.self, "nodes": []string{c.self}})
		}
		return reply(200, map[string]any{"node_name": c.self, "nodes": c.nodes})
	case opClusterRequest:
		if c.dead[req.Node] || (c.hung && req.Node != c.self) {
			return reply(503, map[string]string{"error": "Node '" + req.Node + "' does not answer"})
		}
		c.log = append(c.log, req.Node+":"+req.Verb)
		switch req.Verb {
		case "restart_service":
			return reply(200, map[string]any{"status": 200, "body": map[string]string{"message": "Restarting x", "job_id": req.Node + "-job"}})
		case "wait_job":
			if c.noWait {
				return reply(200, map[string]any{"status": 400, "body": map[string]string{"error": "'verb' must be one of ..."}})
			}
			c.polls[req.Node] = 3 // the job ends, then the wait answers
			return reply(200, map[string]any{"status": 200, "body": map[string]any{"ended": true, "status": "COMPLETE",
				"message": "done", "serving": true}})
		case "get_job":
			c.polls[req.Node]++
			status := "IN_PROGRESS"
			if c.polls[req.Node] >= 3 {
				status = "COMPLETE"
			}
			return reply(200, map[string]any{"status": 200, "body": []map[string]string{{"status": status, "message": "done"}}})
		case "restart":
			c.boots[req.Node]++
			if c.lostRestarts > 0 {
				c.lostRestarts--
				return reply(504, map[string]string{"error": "Node '" + req.Node + "' did not answer within 3s"})
			}
			return reply(200, map[string]any{"status": 200, "body": map[string]string{"message": MsgRestarting}})
		case "status":
			return reply(200, map[string]any{"status": 200, "body": map[string]any{"serving": true, "pid": 1,
				"started_at": strconv.Itoa(c.boots[req.Node])}})
		}
	}
	return reply(200, map[string]any{})
}

// restart_service with replicated: true restarts this node, then each
// other node in name order, waiting for each one's job before the next;
// the result lists every node with its window and outcome.
func TestReplicatedRestartServiceRollsNodeByNode(t *testing.T) {
	f := newFixture()
	c := &fakeCluster{self: "node-a", nodes: []string{"node-a", "node-c", "node-b"}, polls: map[string]int{}, boots: map[string]int{}}
	f.cluster = c.dispatch
	f.call(t, "restart_service", `{"service":"clustering_config","replicated":true}`)
	fin := <-f.jobs.finished
	if !fin.success {
		t.Fatalf("finish %+v", fin)
	}
	var res struct {
		Replicated []RollNode `json:"replicated"`
	}
	if err := json.Unmarshal(fin.result, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Replicated) != 3 || res.Replicated[0].Node != "node-a" || res.Replicated[1].Node != "node-b" || res.Replicated[2].Node != "node-c" {
		t.Fatalf("order %s", fin.result)
	}
	for _, e := range res.Replicated {
		if e.Outcome != "COMPLETE" || e.Start == "" || e.End == "" || e.End < e.Start {
			t.Errorf("line %+v", e)
		}
	}
	if res.Replicated[2].Start < res.Replicated[1].End {
		t.Errorf("node-c began before node-b ended: %s", fin.result)
	}
	// Each node says when its job ended, with the job's status and its
	// own (wait_job): nothing is read again.
	want := "node-b:restart_service,node-b:wait_job,node-c:restart_service,node-c:wait_job"
	if got := strings.Join(c.log, ","); got != want {
		t.Errorf("requests %s", got)
	}
}

// A node that hangs during its restart (its wait_job never answered)
// stops the roll at replication.restartTimeout with an ERROR naming it.
func TestReplicatedRestartStopsAtANodeThatHangsInItsJob(t *testing.T) {
	f := newFixture()
	f.cfg.values[rollKey] = 300 * time.Millisecond
	c := &fakeCluster{self: "node-a", nodes: []string{"node-a", "node-b"}, polls: map[string]int{}, boots: map[string]int{},
		hangWait: true}
	f.cluster = c.dispatch
	f.call(t, "restart_service", `{"service":"http_workers","replicated":true}`)
	select {
	case fin := <-f.jobs.finished:
		if fin.success || !strings.Contains(fin.message, "Node 'node-b' did not come back within 300ms") {
			t.Fatalf("finish %+v", fin)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the roll waited on the hung node's wait_job past its timeout")
	}
}

// A node whose hops cannot wait for its job (no wait_job verb) has its
// job read every rollPoll until it ends, as before.
func TestReplicatedRestartServicePollsANodeThatCannotWait(t *testing.T) {
	f := newFixture()
	c := &fakeCluster{self: "node-a", nodes: []string{"node-a", "node-b"}, polls: map[string]int{}, boots: map[string]int{}, noWait: true}
	f.cluster = c.dispatch
	f.call(t, "restart_service", `{"service":"clustering_config","replicated":true}`)
	if fin := <-f.jobs.finished; !fin.success {
		t.Fatalf("finish %+v", fin)
	}
	want := "node-b:restart_service,node-b:wait_job,node-b:get_job,node-b:get_job,node-b:get_job,node-b:status"
	if got := strings.Join(c.log, ","); got != want {
		t.Errorf("requests %s", got)
	}
}

// node_wait_job answers when this node's restart_service job ends, and
// ended at once for a job it does not run.
func TestNodeWaitJobAnswersWhenTheJobEnds(t *testing.T) {
	f := newFixture()
	block := make(chan struct{})
	f.fams.block = block
	_, started := f.call(t, "restart_service", `{"service":"http_workers"}`)
	id, _ := started["job_id"].(string)
	waited := make(chan map[string]any, 1)
	go func() {
		_, m := f.call(t, opNodeWaitJob, `{"id":"`+id+`","timeout_ms":60000}`)
		waited <- m
	}()
	select {
	case m := <-waited:
		t.Fatalf("answered %v while the job runs", m)
	case <-time.After(50 * time.Millisecond):
	}
	close(block)
	if m := <-waited; m["ended"] != true || m["status"] != "COMPLETE" || m["serving"] != true {
		t.Fatalf("answer %v", m)
	}
	<-f.jobs.finished
	if _, m := f.call(t, opNodeWaitJob, `{"id":"other"}`); m["ended"] != true {
		t.Fatalf("a job it does not run: %v", m)
	}
}

// A node that does not come back within replication.restartTimeout stops
// the roll: the job is ERROR naming it, the nodes after it are not
// touched, and the lines so far stay in the job's progress.
func TestReplicatedRestartStopsAtANodeThatDoesNotComeBack(t *testing.T) {
	f := newFixture()
	f.cfg.values[rollKey] = 300 * time.Millisecond
	c := &fakeCluster{self: "node-a", nodes: []string{"node-a", "node-b", "node-c"}, polls: map[string]int{}, boots: map[string]int{}, dead: map[string]bool{"node-b": true}}
	f.cluster = c.dispatch
	f.call(t, "restart_service", `{"service":"http_workers","replicated":true}`)
	fin := <-f.jobs.finished
	if fin.success || !strings.Contains(fin.message, "Node 'node-b' did not come back within 300ms") {
		t.Fatalf("finish %+v", fin)
	}
	if len(c.log) != 0 {
		t.Errorf("requests after the dead node: %v", c.log)
	}
	var st rollState
	if err := json.Unmarshal(f.jobs.progress, &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Replicated) != 3 || st.Replicated[0].Outcome != "COMPLETE" || st.Replicated[1].Outcome != "ERROR" || st.Replicated[2].Outcome != "" {
		t.Errorf("progress %s", f.jobs.progress)
	}
}

// restart with replicated: true answers with a job, restarts this node,
// and the next process resumes the roll from the job's progress.
func TestReplicatedRestartResumesAfterThisNode(t *testing.T) {
	f := newFixture()
	c := &fakeCluster{self: "node-a", nodes: []string{"node-a", "node-b"}, polls: map[string]int{}, boots: map[string]int{}}
	f.cluster = c.dispatch
	status, m := f.call(t, "restart", `{"replicated":true}`)
	if status != 200 || m["message"] != MsgRestarting || m["job_id"] != "job-1" {
		t.Fatalf("%d %v", status, m)
	}
	<-f.inst.restarted
	if f.jobs.started[0] != ResumableOwner+"/restart/admin" {
		t.Fatalf("job %v", f.jobs.started)
	}
	// The "new process": same job store, the roll resumed, once its own
	// NATS server routes to node-b again.
	f.jobs.running = []jobs.Job{{ID: "job-1", Progress: f.jobs.progress}}
	c.mu.Lock()
	c.routesDown = 2
	c.mu.Unlock()
	f.ops.Resume(context.Background())
	fin := <-f.jobs.finished
	if !fin.success || !strings.Contains(string(fin.result), `"node":"node-b"`) {
		t.Fatalf("finish %+v %s", fin, fin.result)
	}
	// node-b: its boot read, restarted, then waited for as a new process.
	if got := strings.Join(c.log, ","); got != "routes-down,routes-down,node-b:status,node-b:restart,node-b:status" {
		t.Errorf("requests %s", got)
	}
}

// A node whose restart answer was lost (it restarted, the answer did not
// come back) is not asked to restart again once it answers from a new
// process: it restarts once, and the roll goes on.
func TestReplicatedRestartLostAnswerRestartsOnce(t *testing.T) {
	f := newFixture()
	c := &fakeCluster{self: "node-a", nodes: []string{"node-a", "node-b"}, polls: map[string]int{}, boots: map[string]int{}, lostRestarts: 1}
	f.cluster = c.dispatch
	f.call(t, "restart", `{"replicated":true}`)
	<-f.inst.restarted
	f.jobs.running = []jobs.Job{{ID: "job-1", Progress: f.jobs.progress}}
	f.ops.Resume(context.Background())
	fin := <-f.jobs.finished
	if !fin.success {
		t.Fatalf("finish %+v", fin)
	}
	if c.boots["node-b"] != 1 {
		t.Errorf("node-b restarted %d times, want 1 (requests %v)", c.boots["node-b"], c.log)
	}
}

func TestHostInformation(t *testing.T) {
	f := newFixture()
	f.fams.procs = []supervisor.ProcInfo{{Name: "status", PID: 42, Restarts: 1, State: "serving", StartedAt: time.Unix(200, 0)}}
	f.cfg.values["replication.routes"] = []any{"node2:9925", map[string]any{"hostname": "node3", "port": 9934.0},
		map[string]any{"hostname": "node4"}, map[string]any{"host": "node5", "port": "9935"}}
	_, m := f.call(t, "host_information", `{}`)
	if m["hops_version"] != "1.2.3" || m["metrics"].(map[string]any)["total_requests"] != 7.0 {
		t.Fatalf("answer %v", m)
	}
	plugins := m["plugins"].([]any)
	if len(plugins) != 1 || plugins[0].(map[string]any)["pid"] != 42.0 || plugins[0].(map[string]any)["started_at"] == "" {
		t.Fatalf("plugins %v", plugins)
	}
	peers := m["replication"].([]any)
	want := []string{"http://node2:9925/", "http://node3:9934/", "http://node4:9933/", "http://node5:9935/"}
	if len(peers) != len(want) {
		t.Fatalf("replication %v", peers)
	}
	for i, w := range want {
		if got := peers[i].(map[string]any)["node"]; got != w {
			t.Errorf("replication[%d] %v, want %s", i, got, w)
		}
	}
	if len(m["threads"].([]any)) != 2 {
		t.Fatalf("threads %v", m["threads"])
	}
}

func TestClusteringServicesReloadTheClusteringFamily(t *testing.T) {
	f := newFixture()
	f.call(t, "restart_service", `{"service":"clustering_config"}`)
	if fin := <-f.jobs.finished; !fin.success || !strings.Contains(string(fin.result), `"clustering":"not running"`) || len(f.dispatched) != 0 {
		t.Fatalf("without the family: %+v %s %v", fin, fin.result, f.dispatched)
	}
	f.fams.names = []string{"clustering", "status"}
	f.call(t, "restart_service", `{"service":"clustering"}`)
	fin := <-f.jobs.finished
	if !fin.success || !strings.Contains(string(fin.result), `"clustering":"applied"`) {
		t.Fatalf("finish %+v %s", fin, fin.result)
	}
	if len(f.dispatched) != 1 || f.dispatched[0] != `{"operation":"cluster_reload","restart":true}` {
		t.Fatalf("dispatched %v", f.dispatched)
	}
}
