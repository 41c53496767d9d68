package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// rollWait bounds a whole replicated restart of three nodes in a test.
const rollWait = 3 * time.Minute

// rollLine is one node's line of a replicated restart's result.
type rollLine struct {
	Node    string `json:"node"`
	Message string `json:"message"`
	Start   string `json:"start"`
	End     string `json:"end"`
	Outcome string `json:"outcome"`
	JobID   string `json:"job_id"`
}

// rollJob is a replicated restart's job record.
type rollJob struct {
	ID            string `json:"id"`
	Status        string `json:"status"`
	Message       string `json:"message"`
	StartDatetime int64  `json:"start_datetime"`
	EndDatetime   int64  `json:"end_datetime"`
	Result        struct {
		Replicated []rollLine `json:"replicated"`
	} `json:"result"`
	Progress struct {
		Replicated []rollLine `json:"replicated"`
	} `json:"progress"`
}

// job reads job id on in, retrying while in restarts; ok is false until
// it answers.
func (in *instance) job(t testing.TB, id string) (rollJob, bool) {
	t.Helper()
	r, err := in.try(adminUser, adminPass, map[string]any{"operation": "get_job", "id": id})
	if err != nil || r.Status != 200 {
		return rollJob{}, false
	}
	var jobs []rollJob
	r.JSON(t, &jobs)
	if len(jobs) != 1 {
		return rollJob{}, false
	}
	return jobs[0], true
}

// waitRoll waits for job id on in to end.
func (in *instance) waitRoll(t testing.TB, id string, d time.Duration) rollJob {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		if j, ok := in.job(t, id); ok && (j.Status == "COMPLETE" || j.Status == "ERROR") {
			return j
		}
		if time.Now().After(deadline) {
			j, _ := in.job(t, id)
			t.Fatalf("job %s did not end within %s: %+v\nlog:\n%s", id, d, j, in.out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// startJob sends body (an operation answering job_id) and returns the id.
func (in *instance) startJob(t testing.TB, body map[string]any) string {
	t.Helper()
	var started struct {
		JobID string `json:"job_id"`
	}
	r := in.admin(t, body)
	if r.Status != 200 {
		t.Fatalf("%v: %d %s", body, r.Status, r.Raw)
	}
	r.JSON(t, &started)
	if started.JobID == "" {
		t.Fatalf("%v: no job_id in %s", body, r.Raw)
	}
	return started.JobID
}

// clientLoad runs requests against every node until stopped: each node
// gets inserts into its own table and reads of them, from two clients.
type clientLoad struct {
	ok, failed atomic.Int64
	mu         sync.Mutex
	failures   []string
	cancel     context.CancelFunc
	wg         sync.WaitGroup
}

func startNodesLoad(t *testing.T, nodes []*instance) *clientLoad {
	t.Helper()
	for i, n := range nodes {
		table := "load_" + strconv.Itoa(i)
		n.admin(t, map[string]any{"operation": "create_database", "database": "roll"})
		n.admin(t, map[string]any{"operation": "create_table", "database": "roll", "table": table, "primary_key": "id"})
		if r := n.admin(t, map[string]any{"operation": "describe_table", "database": "roll", "table": table}); r.Status != 200 {
			t.Fatalf("describe_table: %d %s", r.Status, r.Raw)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	l := &clientLoad{cancel: cancel}
	for i, n := range nodes {
		table := "load_" + strconv.Itoa(i)
		for c := 0; c < 2; c++ {
			l.wg.Add(1)
			go func() {
				defer l.wg.Done()
				for k := 0; ctx.Err() == nil; k++ {
					id := fmt.Sprintf("%d-%d", c, k)
					bodies := []map[string]any{
						{"operation": "insert", "database": "roll", "table": table, "records": []any{map[string]any{"id": id, "k": k}}},
						{"operation": "search_by_hash", "database": "roll", "table": table, "hash_values": []any{id}, "get_attributes": []any{"*"}},
					}
					for _, b := range bodies {
						r, err := n.try(adminUser, adminPass, b)
						if err == nil && r.Status == 200 {
							l.ok.Add(1)
							continue
						}
						l.failed.Add(1)
						l.mu.Lock()
						if len(l.failures) < 10 {
							l.failures = append(l.failures, fmt.Sprintf("%s %v: %v %d %s", time.Now().Format("15:04:05.000"), b["operation"], err, r.Status, r.Raw))
						}
						l.mu.Unlock()
					}
					time.Sleep(5 * time.Millisecond)
				}
			}()
		}
	}
	return l
}

func (l *clientLoad) stop() {
	l.cancel()
	l.wg.Wait()
}

// window is a [start, end] interval in ms since the epoch.
type window struct {
	node       string
	start, end int64
}

func parseStamp(t testing.TB, s string) int64 {
	t.Helper()
	ts, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	return ts.UnixMilli()
}

// noOverlap fails when two windows overlap.
func noOverlap(t testing.TB, ws []window) {
	t.Helper()
	for i := range ws {
		for j := i + 1; j < len(ws); j++ {
			a, b := ws[i], ws[j]
			if a.start < b.end && b.start < a.end { // ms stamps: one may end in the ms the next begins
				t.Errorf("restart windows overlap: %s %+v and %s %+v", a.node, a, b.node, b)
			}
		}
	}
}

// checkRollResult checks a finished roll: COMPLETE, every node in order
// (the coordinator first), each line COMPLETE with a window.
func checkRollResult(t *testing.T, tc *testCluster, j rollJob) []rollLine {
	t.Helper()
	if j.Status != "COMPLETE" {
		t.Fatalf("roll job: %+v", j)
	}
	lines := j.Result.Replicated
	if len(lines) != len(tc.Names) {
		t.Fatalf("roll result: %+v", lines)
	}
	for i, l := range lines {
		if l.Node != tc.Names[i] || l.Outcome != "COMPLETE" || l.Start == "" || l.End == "" {
			t.Errorf("line %d: %+v", i, l)
		}
	}
	return lines
}

// Replicated restarts on three real nodes over mutual TLS, under a client
// load on every node:
//   - restart_service http_workers with replicated: true rolls node-a,
//     then node-b, then node-c (each node's families replaced), with 0
//     failed client requests, and the nodes' restart windows (the roll's
//     lines, and node-b's and node-c's own job records) do not overlap;
//   - restart with replicated: true restarts node-a's whole instance
//     first; the new process resumes the roll (the job survives) and
//     restarts node-b and node-c in turn, each a new process;
//   - a node that does not come back within replication.restartTimeout
//     (its host stopped with SIGSTOP) stops the roll with an ERROR naming
//     it.
func TestClusterRollingRestarts(t *testing.T) {
	tc := startCluster(t, clusterOpts{})
	a, b, c := tc.Nodes[0], tc.Nodes[1], tc.Nodes[2]

	// 1. rolling restart_service under load.
	before := map[string]int{}
	for i, n := range tc.Nodes {
		before[tc.Names[i]] = n.familyPID(t, "records")
	}
	load := startNodesLoad(t, tc.Nodes)
	time.Sleep(300 * time.Millisecond)
	id := a.startJob(t, map[string]any{"operation": "restart_service", "service": "http_workers", "replicated": true})
	j := a.waitRoll(t, id, rollWait)
	time.Sleep(300 * time.Millisecond)
	load.stop()
	if j.Status != "COMPLETE" {
		t.Fatalf("roll: %+v\nnode-a log:\n%s", j, a.out.String())
	}
	lines := checkRollResult(t, tc, j)
	t.Logf("restart_service roll: %+v; load %d ok, %d failed", lines, load.ok.Load(), load.failed.Load())
	if load.failed.Load() != 0 || load.ok.Load() == 0 {
		t.Errorf("client load: %d ok, %d failed: %v", load.ok.Load(), load.failed.Load(), load.failures)
	}
	var ws []window
	for _, l := range lines {
		ws = append(ws, window{node: l.Node + " (roll)", start: parseStamp(t, l.Start), end: parseStamp(t, l.End)})
	}
	noOverlap(t, ws)
	// The nodes' own job records: node-b's and node-c's restart_service
	// jobs, and node-a's own part (its line).
	own := []window{ws[0]}
	for i, n := range []*instance{b, c} {
		if lines[i+1].JobID == "" {
			t.Fatalf("no job id for %s", lines[i+1].Node)
		}
		rj, ok := n.job(t, lines[i+1].JobID)
		if !ok || rj.Status != "COMPLETE" || rj.EndDatetime == 0 {
			t.Fatalf("%s's own job: %+v", lines[i+1].Node, rj)
		}
		own = append(own, window{node: lines[i+1].Node + " (own job)", start: rj.StartDatetime, end: rj.EndDatetime})
	}
	noOverlap(t, own)
	for i, n := range tc.Nodes {
		if pid := n.familyPID(t, "records"); pid == before[tc.Names[i]] {
			t.Errorf("%s: the records family was not replaced (pid %d)", tc.Names[i], pid)
		}
	}

	// 2. rolling whole-instance restart, node-a first.
	boots := map[string]string{}
	for i, n := range tc.Nodes {
		boots[tc.Names[i]] = n.startedAt(t)
	}
	load = startNodesLoad(t, tc.Nodes)
	r := a.admin(t, map[string]any{"operation": "restart", "replicated": true})
	var started struct {
		Message string `json:"message"`
		JobID   string `json:"job_id"`
	}
	r.JSON(t, &started)
	if r.Status != 200 || started.Message != "Restarting HarperDB. This may take up to 60 seconds." || started.JobID == "" {
		t.Fatalf("restart replicated: %d %s", r.Status, r.Raw)
	}
	j = a.waitRoll(t, started.JobID, rollWait)
	load.stop()
	if j.Status != "COMPLETE" {
		t.Fatalf("restart roll: %+v\nnode-a log:\n%s", j, a.out.String())
	}
	lines = checkRollResult(t, tc, j)
	t.Logf("restart roll: %+v; load %d ok, %d failed", lines, load.ok.Load(), load.failed.Load())
	if load.failed.Load() != 0 {
		t.Errorf("client load during whole-instance restarts: %d ok, %d failed: %v", load.ok.Load(), load.failed.Load(), load.failures)
	}
	ws = nil
	for _, l := range lines {
		ws = append(ws, window{node: l.Node, start: parseStamp(t, l.Start), end: parseStamp(t, l.End)})
	}
	noOverlap(t, ws)
	for i, n := range tc.Nodes {
		if got := n.startedAt(t); got == boots[tc.Names[i]] {
			t.Errorf("%s was not restarted (started_at %s)", tc.Names[i], got)
		}
	}
	tc.waitMesh(t)

	// 3. A node that does not come back stops the roll. node-c's host is
	// stopped; its clustering family still takes the request but its host
	// never answers. restart_service reloads node-a's config first, so the
	// shorter timeout set now applies to this roll.
	if r := a.admin(t, map[string]any{"operation": "set_configuration", "replication_restartTimeout": "4s"}); r.Status != 200 {
		t.Fatalf("set_configuration: %d %s", r.Status, r.Raw)
	}
	if err := c.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.cmd.Process.Signal(syscall.SIGCONT) })
	id = a.startJob(t, map[string]any{"operation": "restart_service", "service": "clustering_config", "replicated": true})
	j = a.waitRoll(t, id, time.Minute)
	_ = c.cmd.Process.Signal(syscall.SIGCONT)
	if j.Status != "ERROR" || !strings.Contains(j.Message, "Node 'node-c' did not come back within 4s") {
		t.Fatalf("roll with node-c stopped: %+v", j)
	}
	p := j.Progress.Replicated
	if len(p) != 3 || p[0].Outcome != "COMPLETE" || p[1].Outcome != "COMPLETE" || p[2].Outcome != "ERROR" {
		t.Errorf("lines of the failed roll: %+v", p)
	}
}

// startedAt is the host's started_at (host_information): a new value
// means a new process.
func (in *instance) startedAt(t testing.TB) string {
	t.Helper()
	var hi struct {
		StartedAt string `json:"started_at"`
	}
	r := in.admin(t, map[string]any{"operation": "host_information"})
	if r.Status != 200 {
		t.Fatalf("host_information: %d %s", r.Status, r.Raw)
	}
	r.JSON(t, &hi)
	return hi.StartedAt
}
