package main

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The cluster harness: tests that need several real nodes start them with
// startCluster and get back nodes that trust each other and are routed
// together. Each node is a real hops process with its own root, operations
// API port and cluster port.

// clusterOpts shape a test cluster. The zero value is three nodes over
// mutual TLS on loopback.
type clusterOpts struct {
	// Nodes is how many nodes (default 3). They are named node-a, node-b...
	Nodes int
	// Plain runs the cluster ports without TLS (replication.port): no CA
	// exchange, so the cluster forms faster.
	Plain bool
	// Replication returns YAML lines under node i's replication: key (each
	// indented by two spaces, e.g. "  restartTimeout: 5s\n").
	Replication func(i int) string
	// Extra returns YAML appended to node i's config file (top-level keys
	// other than replication and families).
	Extra func(i int) string
	// Families returns YAML lines under node i's families: key (each
	// indented by two spaces, e.g. "  records:\n    x: 1\n").
	Families func(i int) string
	// Env is added to every node's environment.
	Env []string
	// ClusterHost returns the address node i's cluster port binds and the
	// others route to (default 127.0.0.1).
	ClusterHost func(i int) string
	// HTTPHost returns the address node i's operations API binds and the
	// test reaches it on (default 127.0.0.1).
	HTTPHost func(i int) string
	// Wrap returns a command prefix node i is started under (e.g.
	// "ip", "netns", "exec", "ns-a"); nil: none.
	Wrap func(i int) []string
	// NoWait returns before the nodes are connected to each other.
	NoWait bool
}

// testCluster is a running set of nodes.
type testCluster struct {
	Nodes []*instance
	// Names are the nodes' names (replication.hostname).
	Names []string
	// Ports are the nodes' cluster ports.
	Ports []int
	// Hosts are the addresses the cluster ports bind.
	Hosts []string
}

// nodeName is the name of the i-th node of a test cluster.
func nodeName(i int) string { return "node-" + string(rune('a'+i)) }

// nodeConfig is node i's config file: its name, its cluster port (TLS
// unless plain) on host, and a route to every other node.
func nodeConfig(o clusterOpts, i int, hosts []string, ports []int) string {
	var b strings.Builder
	key := "securePort"
	if o.Plain {
		key = "port"
	}
	fmt.Fprintf(&b, "replication:\n  hostname: %s\n  %s: %d\n  routes:\n", nodeName(i), key, ports[i])
	for j := range ports {
		if j != i {
			fmt.Fprintf(&b, "    - %s:%d\n", hosts[j], ports[j])
		}
	}
	if len(ports) == 1 {
		b.WriteString("    []\n")
	}
	if o.Replication != nil {
		b.WriteString(o.Replication(i))
	}
	fmt.Fprintf(&b, "families:\n  clustering:\n    host: %s\n", hosts[i])
	if o.Families != nil {
		b.WriteString(o.Families(i))
	}
	if o.Extra != nil {
		b.WriteString(o.Extra(i))
	}
	return b.String()
}

// startCluster starts the nodes in parallel, makes each trust the others'
// CAs (TLS), and waits until every node lists every other as connected
// (unless o.NoWait). The nodes stop at the end of the test.
func startCluster(t *testing.T, o clusterOpts) *testCluster {
	t.Helper()
	if o.Nodes == 0 {
		o.Nodes = 3
	}
	tc := &testCluster{}
	for i := 0; i < o.Nodes; i++ {
		host := "127.0.0.1"
		if o.ClusterHost != nil {
			host = o.ClusterHost(i)
		}
		tc.Names = append(tc.Names, nodeName(i))
		tc.Hosts = append(tc.Hosts, host)
		tc.Ports = append(tc.Ports, freePort(t))
	}
	for i := 0; i < o.Nodes; i++ {
		in := prepareHops(t, "", nodeConfig(o, i, tc.Hosts, tc.Ports), o.Env...)
		if o.HTTPHost != nil {
			h := o.HTTPHost(i)
			in.env = append(in.env, "OPERATIONSAPI_NETWORK_HOST="+h)
			in.url = "http://" + h + ":" + strconv.Itoa(in.port) + "/"
		}
		if o.Wrap != nil {
			in.wrap = o.Wrap(i)
		}
		tc.Nodes = append(tc.Nodes, in)
	}
	// Start in parallel: each start waits for /health.
	var wg sync.WaitGroup
	for _, in := range tc.Nodes {
		wg.Add(1)
		go func() { defer wg.Done(); in.start() }()
		t.Cleanup(in.stop)
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if !o.Plain {
		tc.trustEachOther(t)
	}
	if !o.NoWait {
		tc.waitMesh(t)
	}
	return tc
}

// trustEachOther adds every node's CA to every other node and applies it
// (restart_service clustering_config).
func (tc *testCluster) trustEachOther(t testing.TB) {
	t.Helper()
	cas := make([]string, len(tc.Nodes))
	for i, n := range tc.Nodes {
		cas[i] = n.authority(t)
	}
	for i, n := range tc.Nodes {
		for j, ca := range cas {
			if i == j {
				continue
			}
			r := n.admin(t, map[string]any{"operation": "add_certificate", "name": "peer-ca-" + tc.Names[j],
				"certificate": ca, "is_authority": true})
			if r.Status != 200 {
				t.Fatalf("%s add_certificate: %d %s", tc.Names[i], r.Status, r.Raw)
			}
		}
		if job := n.runJob(t, map[string]any{"operation": "restart_service", "service": "clustering_config"}); job["status"] != "COMPLETE" {
			t.Fatalf("%s restart_service clustering_config: %v", tc.Names[i], job)
		}
	}
}

// waitMesh waits until every node lists every other node as connected.
func (tc *testCluster) waitMesh(t testing.TB) {
	t.Helper()
	for i, n := range tc.Nodes {
		var others []string
		for j, name := range tc.Names {
			if j != i {
				others = append(others, name)
			}
		}
		n.waitConnected(t, others...)
	}
}
