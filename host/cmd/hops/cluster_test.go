package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/hops-dev/hops/builtin/clustering"
)

// clusterWait bounds how long nodes may take to connect (route retries run
// about once a second) or a clustering job to finish.
const clusterWait = 30 * time.Second

// clusterStatus is cluster_status's answer.
type clusterStatus struct {
	Type        string `json:"type"`
	NodeName    string `json:"node_name"`
	IsEnabled   bool   `json:"is_enabled"`
	Error       string `json:"error"`
	Connections []struct {
		Name            string `json:"name"`
		URL             string `json:"url"`
		Replicates      bool   `json:"replicates"`
		DatabaseSockets []struct {
			Database  string   `json:"database"`
			Connected bool     `json:"connected"`
			Latency   *float64 `json:"latency"`
		} `json:"database_sockets"`
	} `json:"connections"`
}

// raw is an answer's body without the trailing newline.
func raw(r response) string { return strings.TrimSpace(string(r.Raw)) }

// connected returns the names of the nodes in st that are connected.
func (st clusterStatus) connected() []string {
	var out []string
	for _, c := range st.Connections {
		if len(c.DatabaseSockets) > 0 && c.DatabaseSockets[0].Connected {
			out = append(out, c.Name)
		}
	}
	sort.Strings(out)
	return out
}

func (in *instance) clusterStatus(t testing.TB) clusterStatus {
	t.Helper()
	var st clusterStatus
	r := in.admin(t, map[string]any{"operation": "cluster_status"})
	if r.Status != 200 {
		t.Fatalf("cluster_status: %d %s", r.Status, r.Raw)
	}
	r.JSON(t, &st)
	return st
}

// waitConnected waits until in's cluster_status lists exactly want as
// connected nodes.
func (in *instance) waitConnected(t testing.TB, want ...string) clusterStatus {
	t.Helper()
	sort.Strings(want)
	deadline := time.Now().Add(clusterWait)
	for {
		st := in.clusterStatus(t)
		if slices.Equal(st.connected(), want) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: connected %v, want %v; status %+v\nlog:\n%s", st.NodeName, st.connected(), want, st, in.out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// runJob runs an operation that answers with a job id and waits for the
// job to end; it returns the job record.
func (in *instance) runJob(t testing.TB, body map[string]any) map[string]any {
	t.Helper()
	var started struct {
		JobID string `json:"job_id"`
	}
	r := in.admin(t, body)
	if r.Status != 200 {
		t.Fatalf("%v: %d %s", body, r.Status, r.Raw)
	}
	r.JSON(t, &started)
	deadline := time.Now().Add(clusterWait)
	for {
		var jobs []map[string]any
		in.admin(t, map[string]any{"operation": "get_job", "id": started.JobID}).JSON(t, &jobs)
		if len(jobs) == 1 && (jobs[0]["status"] == "COMPLETE" || jobs[0]["status"] == "ERROR") {
			return jobs[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s did not end: %v", started.JobID, jobs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sysInfoClustering is the part of system_information about clustering.
type sysInfoClustering struct {
	Replication []map[string]any `json:"replication"`
	Processes   struct {
		Clustering []struct {
			Name string `json:"name"`
			PID  int    `json:"pid"`
		} `json:"clustering"`
	} `json:"harperdb_processes"`
}

func (in *instance) sysClustering(t testing.TB) sysInfoClustering {
	t.Helper()
	var si sysInfoClustering
	r := in.admin(t, map[string]any{"operation": "system_information", "attributes": []string{"harperdb_processes", "replication"}})
	if r.Status != 200 {
		t.Fatalf("system_information: %d %s", r.Status, r.Raw)
	}
	r.JSON(t, &si)
	return si
}

// clientInfo reads the node's clustering/client.json, waiting for it
// while the clustering family (re)starts its server.
func (in *instance) clientInfo(t testing.TB) clustering.ClientInfo {
	t.Helper()
	deadline := time.Now().Add(clusterWait)
	for {
		ci, err := clustering.ReadClientInfo(in.root)
		if err == nil {
			return ci
		}
		if time.Now().After(deadline) {
			t.Fatalf("client info: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// authority returns the PEM of the node's generated CA.
func (in *instance) authority(t testing.TB) string {
	t.Helper()
	var certs []struct {
		Certificate string `json:"certificate"`
		IsAuthority bool   `json:"is_authority"`
	}
	in.admin(t, map[string]any{"operation": "list_certificates"}).JSON(t, &certs)
	for _, c := range certs {
		if c.IsAuthority {
			return c.Certificate
		}
	}
	t.Fatal("no authority")
	return ""
}

// clusterConfig is a node's config file: its name, TLS cluster port, and
// routes, listening on loopback only.
func clusterConfig(name string, port int, routes ...int) string {
	y := fmt.Sprintf("replication:\n  hostname: %s\n  securePort: %d\n  routes:\n", name, port)
	if len(routes) == 0 {
		y += "    []\n"
	}
	for _, r := range routes {
		y += fmt.Sprintf("    - 127.0.0.1:%d\n", r)
	}
	return y + "families:\n  clustering:\n    host: 127.0.0.1\n"
}

// Three real nodes, each its own root and CA: once each trusts the others'
// CAs, the third, which knows only the first, connects to the second too
// (NATS gossip), over mutual TLS. A fourth node whose CA nobody trusts is
// refused.
func TestClusterThreeNodesDiscoverOverTLS(t *testing.T) {
	pa, pb, pc := freePort(t), freePort(t), freePort(t)
	a := startHops(t, "", clusterConfig("node-a", pa))
	b := startHops(t, "", clusterConfig("node-b", pb, pa))
	c := startHops(t, "", clusterConfig("node-c", pc, pa))
	nodes := []*instance{a, b, c}

	// Each node trusts the other two's authorities, applied without a
	// restart of the host.
	cas := make([]string, len(nodes))
	for i, n := range nodes {
		cas[i] = n.authority(t)
	}
	for i, n := range nodes {
		for j, ca := range cas {
			if i == j {
				continue
			}
			r := n.admin(t, map[string]any{"operation": "add_certificate", "name": "peer-ca-" + strconv.Itoa(j),
				"certificate": ca, "is_authority": true})
			if r.Status != 200 {
				t.Fatalf("add_certificate: %d %s", r.Status, r.Raw)
			}
		}
		job := n.runJob(t, map[string]any{"operation": "restart_service", "service": "clustering_config"})
		if job["status"] != "COMPLETE" {
			t.Fatalf("restart_service clustering_config: %v", job)
		}
	}

	trusted := time.Now()
	st := c.waitConnected(t, "node-a", "node-b")
	t.Logf("node-c connected to node-a and node-b %s after the last node trusted the others", time.Since(trusted).Round(time.Millisecond))
	if st.Type != "cluster-status" || st.NodeName != "node-c" || !st.IsEnabled {
		t.Errorf("status head: %+v", st)
	}
	for _, conn := range st.Connections {
		ds := conn.DatabaseSockets
		if !conn.Replicates || len(ds) != 1 || ds[0].Database != "system" || ds[0].Latency == nil {
			t.Errorf("connection %+v", conn)
		}
	}
	a.waitConnected(t, "node-b", "node-c")
	b.waitConnected(t, "node-a", "node-c")
	if got := c.admin(t, map[string]any{"operation": "cluster_get_routes"}); raw(got) != fmt.Sprintf(`["127.0.0.1:%d"]`, pa) {
		t.Errorf("node-c routes: %s", got.Raw)
	}
	// system_information tells the same: NATS's connections, and the
	// clustering family's process under harperdb_processes.clustering.
	if si := a.sysClustering(t); len(si.Replication) != 2 || len(si.Processes.Clustering) != 1 ||
		si.Processes.Clustering[0].Name != "clustering" || si.Processes.Clustering[0].PID == 0 {
		t.Errorf("node-a system_information: %+v", si)
	}

	// restart_service clustering restarts node-b's NATS server, which
	// comes back into the cluster; rolling node-c's families
	// (http_workers) leaves its clustering process and NATS server alone.
	before := b.clientInfo(t)
	if job := b.runJob(t, map[string]any{"operation": "restart_service", "service": "clustering"}); job["status"] != "COMPLETE" {
		t.Fatalf("restart_service clustering: %v", job)
	}
	c.waitConnected(t, "node-a", "node-b")
	b.waitConnected(t, "node-a", "node-c")
	a.waitConnected(t, "node-b", "node-c")
	if after := b.clientInfo(t); after.Token == before.Token {
		t.Error("restart_service clustering: the NATS server was not restarted (same client token)")
	}
	before = c.clientInfo(t)
	recordsPID := c.familyPID(t, "records")
	if job := c.runJob(t, map[string]any{"operation": "restart_service", "service": "http_workers"}); job["status"] != "COMPLETE" {
		t.Fatalf("restart_service http_workers: %v", job)
	}
	if after := c.clientInfo(t); after.Token != before.Token || after.PID != before.PID {
		t.Errorf("restart_service http_workers restarted the NATS server: %+v -> %+v", before, after)
	}
	if c.familyPID(t, "records") == recordsPID {
		t.Error("restart_service http_workers: the records family was not replaced")
	}
	a.waitConnected(t, "node-b", "node-c")

	// The client listener: loopback, token from client.json (0600).
	info := filepath.Join(a.root, "clustering", "client.json")
	if st, err := os.Stat(info); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("client.json: %v %v", st, err)
	}
	ci := a.clientInfo(t)
	if nc, err := nats.Connect(ci.URL, nats.Timeout(5*time.Second)); err == nil {
		nc.Close()
		t.Error("the client listener accepted a connection without the token")
	}
	nc, err := nats.Connect(ci.URL, nats.Token(ci.Token), nats.Timeout(5*time.Second))
	if err != nil {
		t.Fatalf("connect with the token: %v", err)
	}
	nc.Close()

	// A node whose CA none of them trusts is not let in, though it trusts
	// node-a (so the refusal is node-a's, not its own).
	pd := freePort(t)
	d := startHops(t, "", clusterConfig("node-d", pd, pa))
	d.admin(t, map[string]any{"operation": "add_certificate", "name": "peer-ca-a", "certificate": cas[0], "is_authority": true})
	if job := d.runJob(t, map[string]any{"operation": "restart_service", "service": "clustering_config"}); job["status"] != "COMPLETE" {
		t.Fatalf("restart_service on node-d: %v", job)
	}
	if !a.waitOutput("not trusted", clusterWait) {
		t.Fatalf("node-a did not refuse node-d's certificate:\n%s", a.out.String())
	}
	if got := a.clusterStatus(t).connected(); slices.Contains(got, "node-d") {
		t.Errorf("node-a let the untrusted node in: %v", got)
	}
	if got := d.clusterStatus(t).connected(); len(got) != 0 {
		t.Errorf("node-d connected to %v", got)
	}
}

// A node without replication settings runs no NATS server; naming a plain
// port and applying it with restart_service clustering_config starts one
// with a WARN, with no restart of the host; the cluster operations edit
// replication.routes.
func TestClusterOffByDefaultThenPlainPort(t *testing.T) {
	in := startHops(t, "", "# routes are edited by the cluster operations\nreplication:\n  # no routes yet\n  routes: []\n")
	st := in.clusterStatus(t)
	if st.IsEnabled || len(st.Connections) != 0 || st.Type != "cluster-status" {
		t.Fatalf("default status: %+v", st)
	}
	// As in HarperDB, restarting clustering where it is off does nothing
	// and the job completes.
	if job := in.runJob(t, map[string]any{"operation": "restart_service", "service": "clustering"}); job["status"] != "COMPLETE" {
		t.Errorf("restart_service clustering with clustering off: %v", job)
	}
	if _, err := os.Stat(filepath.Join(in.root, "clustering")); !os.IsNotExist(err) {
		t.Errorf("a lone node made its clustering dir: %v", err)
	}

	if si := in.sysClustering(t); len(si.Processes.Clustering) != 0 {
		t.Errorf("a lone node lists a clustering process: %+v", si)
	}

	port := freePort(t)
	r := in.admin(t, map[string]any{"operation": "set_configuration", "replication_port": port,
		"replication_hostname": "solo", "families_clustering_host": "127.0.0.1"})
	if r.Status != 200 {
		t.Fatalf("set_configuration: %d %s", r.Status, r.Raw)
	}
	if job := in.runJob(t, map[string]any{"operation": "restart_service", "service": "clustering_config"}); job["status"] != "COMPLETE" {
		t.Fatalf("restart_service: %v", job)
	}
	if st := in.clusterStatus(t); !st.IsEnabled || st.NodeName != "solo" {
		t.Fatalf("status after enabling: %+v", st)
	}
	if !in.waitOutput("PLAIN cluster port", outputWait) {
		t.Errorf("no WARN about the plain port:\n%s", in.out.String())
	}
	if st, err := os.Stat(filepath.Join(in.root, "clustering")); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("clustering dir: %v %v", st, err)
	}

	// A setting the family refuses: cluster_reload answers 400 naming it,
	// cluster_status says why it is not running; fixed, it runs again.
	if r := in.admin(t, map[string]any{"operation": "set_configuration", "replication_securePort": freePort(t)}); r.Status == 200 {
		if r := in.admin(t, map[string]any{"operation": "cluster_reload"}); r.Status != 400 || !strings.Contains(r.Error(), "replication.port and replication.securePort") {
			t.Errorf("cluster_reload with both ports: %d %s", r.Status, r.Raw)
		}
		if st := in.clusterStatus(t); !strings.Contains(st.Error, "replication.securePort") {
			t.Errorf("cluster_status with both ports: %+v", st)
		}
		in.must(t, map[string]any{"operation": "set_configuration", "replication_securePort": nil})
		in.must(t, map[string]any{"operation": "cluster_reload"})
	} else if r.Status != 400 {
		t.Errorf("set_configuration of both ports: %d %s", r.Status, r.Raw)
	}

	// Route editing, answered as HarperDB does.
	other := freePort(t)
	route := fmt.Sprintf("127.0.0.1:%d", other)
	var set struct {
		Message string `json:"message"`
		Set     []any  `json:"set"`
		Skipped []any  `json:"skipped"`
	}
	in.admin(t, map[string]any{"operation": "cluster_set_routes", "routes": []any{route, route}}).JSON(t, &set)
	if set.Message != "cluster routes successfully set" || len(set.Set) != 1 || len(set.Skipped) != 1 {
		t.Errorf("cluster_set_routes: %+v", set)
	}
	if got := in.admin(t, map[string]any{"operation": "cluster_get_routes"}); raw(got) != `["`+route+`"]` {
		t.Errorf("cluster_get_routes: %s", got.Raw)
	}
	// The route is in the file, whose comments stay.
	if b, err := os.ReadFile(filepath.Join(in.root, "hops-config.yaml")); err != nil ||
		!strings.Contains(string(b), "# routes are edited by the cluster operations") ||
		!strings.Contains(string(b), "# no routes yet") || !strings.Contains(string(b), route) {
		t.Errorf("config file after cluster_set_routes (%v):\n%s", err, b)
	}
	// The route is solicited but nobody listens there: not connected.
	st = in.clusterStatus(t)
	if len(st.Connections) != 1 || st.Connections[0].Name != route || st.connected() != nil {
		t.Errorf("status with a dead route: %+v", st)
	}
	if r := in.admin(t, map[string]any{"operation": "add_node", "hostname": "127.0.0.1", "port": other, "verify_tls": false}); r.Status != 400 {
		t.Errorf("add_node verify_tls false: %d %s", r.Status, r.Raw)
	}
	if r := in.admin(t, map[string]any{"operation": "add_node", "hostname": "peer.example", "authorization": "Basic eDp5"}); r.Status != 400 {
		t.Errorf("add_node with authorization: %d %s", r.Status, r.Raw)
	}
	// Bad input: a 400 naming the field, nothing saved.
	for _, bad := range []map[string]any{
		{"subscriptions": "dev.dog"},
		{"subscriptions": []any{map[string]any{"database": "dev", "table": "dog", "publish": true}}},
		{"subscriptions": []any{map[string]any{"database": "dev", "subscribe": false, "publish": false}}},
		{"subscriptions": []any{map[string]any{"database": "system", "subscribe": true, "publish": true}}},
		{"publish": false},
		{"replicates": "yes"},
		{"retain_authorization": true},
		{"url": "peer.example:7", "port": 8},
	} {
		bad["operation"], bad["hostname"] = "add_node", "peer.example"
		if r := in.admin(t, bad); r.Status != 400 || r.Error() == "" {
			t.Errorf("add_node %v: %d %s", bad, r.Status, r.Raw)
		}
	}
	// Hostile values and fields no operation reads: a 400 naming them,
	// nothing saved (docs/clustering.md, "What the operations refuse").
	for _, tc := range []struct {
		body map[string]any
		want string
	}{
		{map[string]any{"operation": "add_node", "hostname": "peer.example", "subscription": []any{}}, "'subscription' is not allowed"},
		{map[string]any{"operation": "add_node", "hostname": "127.0.0.1", "port": port}, "is this node's own cluster port"},
		{map[string]any{"operation": "cluster_set_routes", "routes": []any{fmt.Sprintf("localhost:%d", port)}}, "'routes[0]'"},
		{map[string]any{"operation": "cluster_set_routes", "routes": []any{"peer.example:9933"}, "server": "hub"}, "'server' is not allowed"},
		{map[string]any{"operation": "add_node", "url": "nats-route://peer.example:9933/x"}, "has a path"},
		{map[string]any{"operation": "add_node", "hostname": "peer.example", "start_time": "2999-01-01T00:00:00Z"}, "is in the future"},
		{map[string]any{"operation": "add_node", "hostname": "peer.example", "subscriptions": []any{
			map[string]any{"database": "dev", "subscribe": true, "publish": true},
			map[string]any{"database": "dev", "subscribe": true, "publish": false}}}, "names database \"dev\" again"},
		{map[string]any{"operation": "set_configuration", "replication_hostname": "solo node"}, "replication.hostname must be a host name"},
		{map[string]any{"operation": "add_node", "hostname": "peer.example:9933"}, "is not a host name or an IP address"},
		{map[string]any{"operation": "add_node", "url": "10.9.9.9:7010", "subscriptions": []any{
			map[string]any{"database": "dev", "subscribe": true, "publish": true}}}, "need its name: give 'hostname'"},
	} {
		if r := in.admin(t, tc.body); r.Status != 400 || !strings.Contains(r.Error(), tc.want) {
			t.Errorf("%v: %d %s, want 400 %q", tc.body, r.Status, r.Raw, tc.want)
		}
	}
	if got := in.admin(t, map[string]any{"operation": "cluster_get_routes"}); raw(got) != `["`+route+`"]` {
		t.Errorf("refused add_node changed the routes: %s", got.Raw)
	}
	r = in.admin(t, map[string]any{"operation": "set_node", "node_name": "peer.example"})
	if r.Status != 200 || r.Error() != "" || raw(r) != `{"message":"Successfully added 'peer.example' to cluster"}` {
		t.Errorf("add_node: %d %s", r.Status, r.Raw)
	}
	r = in.admin(t, map[string]any{"operation": "remove_node", "hostname": "peer.example"})
	if raw(r) != `{"message":"Successfully removed 'peer.example' from cluster"}` {
		t.Errorf("remove_node: %d %s", r.Status, r.Raw)
	}
	if r := in.admin(t, map[string]any{"operation": "remove_node", "hostname": "peer.example"}); r.Status != 404 {
		t.Errorf("remove_node of an unknown node: %d %s", r.Status, r.Raw)
	}
	var del struct {
		Message string `json:"message"`
		Deleted []any  `json:"deleted"`
		Skipped []any  `json:"skipped"`
	}
	in.admin(t, map[string]any{"operation": "cluster_delete_routes", "routes": []any{route, "nowhere:1"}}).JSON(t, &del)
	if del.Message != "cluster routes successfully deleted" || len(del.Deleted) != 1 || len(del.Skipped) != 1 {
		t.Errorf("cluster_delete_routes: %+v", del)
	}
	if got := in.admin(t, map[string]any{"operation": "cluster_get_routes"}); raw(got) != `[]` {
		t.Errorf("routes after delete: %s", got.Raw)
	}
	// configure_cluster replaces every route; update_node replaces the
	// routes to one host.
	r = in.admin(t, map[string]any{"operation": "configure_cluster", "connections": []any{
		map[string]any{"hostname": "x.example", "port": 7001}, map[string]any{"url": "nats-route://y.example:7002"}}})
	if raw(r) != `{"message":"Cluster successfully configured."}` {
		t.Errorf("configure_cluster: %d %s", r.Status, r.Raw)
	}
	r = in.admin(t, map[string]any{"operation": "update_node", "hostname": "x.example", "port": 7003})
	if raw(r) != `{"message":"Successfully updated 'x.example'"}` {
		t.Errorf("update_node: %d %s", r.Status, r.Raw)
	}
	want := `[{"hostname":"x.example","port":7003},"nats-route://y.example:7002"]`
	if got := in.admin(t, map[string]any{"operation": "cluster_get_routes"}); raw(got) != want {
		t.Errorf("routes after configure_cluster and update_node: %s, want %s", got.Raw, want)
	}
	// Two nodes on one machine: update_node of one keeps the other.
	in.must(t, map[string]any{"operation": "cluster_set_routes", "routes": []any{"10.1.1.1:7005", "10.1.1.1:7006"}})
	in.must(t, map[string]any{"operation": "update_node", "hostname": "near-node", "url": "10.1.1.1:7006", "subscriptions": []any{
		map[string]any{"database": "dev", "table": "dog", "subscribe": true, "publish": false}}})
	want = `[{"hostname":"x.example","port":7003},"nats-route://y.example:7002","10.1.1.1:7005","10.1.1.1:7006"]`
	if got := in.admin(t, map[string]any{"operation": "cluster_get_routes"}); raw(got) != want {
		t.Errorf("routes after update_node of one of two nodes on a host: %s, want %s", got.Raw, want)
	}
	// A node known by its name only (its route is by address): remove_node
	// of the name drops its subscriptions; once gone, the name is unknown.
	in.must(t, map[string]any{"operation": "add_node", "hostname": "far-node", "url": "10.1.1.1:7005", "subscriptions": []any{
		map[string]any{"database": "dev", "subscribe": true, "publish": true}}})
	if r := in.admin(t, map[string]any{"operation": "remove_node", "hostname": "far-node"}); raw(r) != `{"message":"Successfully removed 'far-node' from cluster"}` {
		t.Errorf("remove_node of a node with subscriptions: %d %s", r.Status, r.Raw)
	}
	if r := in.admin(t, map[string]any{"operation": "remove_node", "hostname": "far-node"}); r.Status != 404 {
		t.Errorf("remove_node again: %d %s", r.Status, r.Raw)
	}
	if got := in.admin(t, map[string]any{"operation": "cluster_get_routes"}); raw(got) != want {
		t.Errorf("remove_node by name changed the routes: %s, want %s", got.Raw, want)
	}
	if r := in.admin(t, map[string]any{"operation": "configure_cluster", "connections": []any{}}); r.Status != 200 {
		t.Errorf("configure_cluster with no connections: %d %s", r.Status, r.Raw)
	}

	// Not a super user: 403, as every cluster operation.
	if r := in.admin(t, map[string]any{"operation": "add_role", "role": "peon_role", "permission": map[string]any{"super_user": false}}); r.Status != 200 {
		t.Fatalf("add_role: %d %s", r.Status, r.Raw)
	}
	if r := in.admin(t, map[string]any{"operation": "add_user", "role": "peon_role", "username": "peon", "password": "Peon#Pass1", "active": true}); r.Status != 200 {
		t.Fatalf("add_user: %d %s", r.Status, r.Raw)
	}
	if r := in.post(t, "peon", "Peon#Pass1", map[string]any{"operation": "cluster_status"}); r.Status != 403 {
		t.Errorf("cluster_status as a non-super user: %d %s", r.Status, r.Raw)
	}
}

// add_node with authorization joins two nodes that do not trust each
// other yet: the credentials are used once, against the other node's
// operations API, to exchange the certificate authorities and learn its
// cluster port; they are kept nowhere. Wrong credentials are refused with
// the other node's message, and nothing is added.
func TestClusterAddNodeWithAuthorization(t *testing.T) {
	pa, pb := freePort(t), freePort(t)
	a := startHops(t, "", clusterConfig("node-a", pa))
	b := startHops(t, "", clusterConfig("node-b", pb))

	r := b.admin(t, map[string]any{"operation": "add_node", "url": a.url,
		"authorization": map[string]any{"username": adminUser, "password": "wrong"}})
	if r.Status != 400 || !strings.Contains(r.Error(), "Error returned from "+a.url) {
		t.Errorf("add_node with wrong credentials: %d %s", r.Status, r.Raw)
	}
	if r := b.admin(t, map[string]any{"operation": "add_node", "url": a.url}); r.Status != 400 {
		t.Errorf("add_node of an operations API URL without authorization: %d %s", r.Status, r.Raw)
	}
	if got := b.admin(t, map[string]any{"operation": "cluster_get_routes"}); raw(got) != `[]` {
		t.Errorf("refused add_node changed the routes: %s", got.Raw)
	}
	// A start_time of a refused add_node is not kept either.
	b.admin(t, map[string]any{"operation": "add_node", "url": a.url, "start_time": "2026-01-01T00:00:00Z"})
	if _, err := os.Stat(filepath.Join(b.root, "clustering", "start_time")); !os.IsNotExist(err) {
		t.Errorf("a refused add_node kept its start_time: %v", err)
	}

	r = b.admin(t, map[string]any{"operation": "add_node", "url": a.url,
		"authorization": map[string]any{"username": adminUser, "password": adminPass}})
	if want := `{"message":"Successfully added '` + a.url + `' to cluster"}`; raw(r) != want {
		t.Fatalf("add_node with authorization: %d %s, want %s", r.Status, r.Raw, want)
	}
	b.waitConnected(t, "node-a")
	a.waitConnected(t, "node-b")
	if got, want := raw(b.admin(t, map[string]any{"operation": "cluster_get_routes"})), fmt.Sprintf(`[{"hostname":"127.0.0.1","port":%d}]`, pa); got != want {
		t.Errorf("node-b's routes: %s, want %s", got, want)
	}
	// The credentials are nowhere on either node's disk.
	for _, in := range []*instance{a, b} {
		_ = filepath.WalkDir(in.root, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.Contains(p, "jetstream") {
				return nil
			}
			if b, err := os.ReadFile(p); err == nil && strings.Contains(string(b), adminPass) {
				t.Errorf("%s holds the password", p)
			}
			return nil
		})
	}
}
