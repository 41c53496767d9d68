package clustering

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/hops-dev/hops/sdk"
)

// auditFamily is a family whose host says it is node "self" with cluster
// port 20555 and no route (so applying starts no server), and counts the
// configuration writes.
func auditFamily(t *testing.T, sets *atomic.Int64) *Family {
	t.Helper()
	f, _ := New()
	f.dir = t.TempDir()
	// Shut down from the start: an apply that fails starts no boot loop.
	f.ctx, f.cancel = context.WithCancel(context.Background())
	f.cancel()
	f.host = joinHost{answer: func(body []byte) (int, string) {
		switch {
		case strings.Contains(string(body), `"set_configuration"`):
			sets.Add(1)
			return 200, `{"message":"ok"}`
		case strings.Contains(string(body), `"get_configuration"`):
			return 200, `{"replication":{"hostname":"self"}}`
		}
		return 200, `[]`
	}}
	return f
}

// configHost answers get_configuration with conf and counts every other
// request (a configuration write) in sets.
func configHost(conf string, sets *atomic.Int64) joinHost {
	return joinHost{answer: func(body []byte) (int, string) {
		if strings.Contains(string(body), `"get_configuration"`) {
			return 200, conf
		}
		sets.Add(1)
		return 200, `{"message":"ok"}`
	}}
}

// runOp runs one cluster operation of f with body.
func runOp(f *Family, body string) error {
	op := sdk.ReadFields([]byte(body)).String("operation")
	h := map[string]sdk.Handler{
		"add_node": f.addNode, "set_node": f.addNode, "update_node": f.updateNode,
		"remove_node": f.removeNode, "configure_cluster": f.configureCluster,
		"cluster_set_routes": f.clusterSetRoutes, "cluster_delete_routes": f.clusterDeleteRoutes,
		"cluster_get_routes": f.clusterGetRoutes, "cluster_status": f.clusterStatus, OpReload: f.clusterReload,
	}[op]
	_, err := h(context.Background(), &sdk.Request{Operation: op, Body: []byte(body)})
	return err
}

// Every field an operation does not read is refused with a 400 naming
// it, before anything is written: a misspelt field would otherwise change
// what the operation means (no "subscriptions": every table replicates).
func TestClusterOpsRefuseFieldsTheyDoNotRead(t *testing.T) {
	for _, tc := range []struct{ body, field string }{
		{`{"operation":"add_node","hostname":"peer","subscription":[]}`, "'subscription' is not allowed: add_node reads hostname"},
		{`{"operation":"set_node","hostname":"peer","name":"x"}`, "'name' is not allowed: set_node reads"},
		{`{"operation":"update_node","hostname":"peer","start":"2026-01-01T00:00:00Z"}`, "'start' is not allowed: update_node"},
		{`{"operation":"add_node","hostname":"peer","subscriptions":[{"database":"d","publish":true,"subscribe":true,"tabel":"t"}]}`,
			"'subscriptions[0].tabel' is not allowed"},
		{`{"operation":"remove_node","hostname":"peer","subscriptions":null}`, "'subscriptions' is not allowed: remove_node reads hostname, node_name, name, url, port"},
		{`{"operation":"configure_cluster","connections":[],"replace":true}`, "'replace' is not allowed: configure_cluster reads connections"},
		{`{"operation":"configure_cluster","connections":[{"hostname":"peer","bogus":1}]}`, "'connections[0].bogus' is not allowed"},
		{`{"operation":"cluster_set_routes","routes":["peer:9933"],"server":"hub"}`, "'server' is not allowed: it picks HarperDB's NATS hub or leaf routes"},
		{`{"operation":"cluster_delete_routes","routes":["peer:9933"],"rout":1}`, "'rout' is not allowed: cluster_delete_routes reads routes"},
		{`{"operation":"cluster_get_routes","x":1}`, "'x' is not allowed: cluster_get_routes reads no other field"},
		{`{"operation":"cluster_status","verbose":true}`, "'verbose' is not allowed: cluster_status reads no other field"},
		{`{"operation":"cluster_reload","restrat":true}`, "'restrat' is not allowed: cluster_reload reads restart"},
	} {
		var sets atomic.Int64
		err := runOp(auditFamily(t, &sets), tc.body)
		var se *sdk.Error
		if !errors.As(err, &se) || se.Status != 400 || !strings.Contains(se.Message, tc.field) {
			t.Errorf("%s: %v, want 400 %q", tc.body, err, tc.field)
		}
		if n := sets.Load(); n != 0 {
			t.Errorf("%s: the refused operation wrote the configuration %d times", tc.body, n)
		}
	}
	// The same bodies without the stray field act.
	for _, body := range []string{
		`{"operation":"add_node","hostname":"peer","subscriptions":[{"database":"d","table":"t","publish":true,"subscribe":true}]}`,
		`{"operation":"cluster_set_routes","routes":["peer2:9933"]}`,
		`{"operation":"configure_cluster","connections":[{"hostname":"peer"}]}`,
	} {
		var sets atomic.Int64
		if err := runOp(auditFamily(t, &sets), body); err != nil || sets.Load() != 1 {
			t.Errorf("%s: %v, %d writes, want it to act", body, err, sets.Load())
		}
	}
}

// A route to this node's own cluster port is refused by the operations
// that add routes (it would be a route NATS drops, shown as a node that
// never connects); another port of the same machine is another node.
func TestClusterOpsRefuseARouteToItself(t *testing.T) {
	f := func(t *testing.T, sets *atomic.Int64) *Family {
		fam := auditFamily(t, sets)
		fam.host = joinHost{answer: func(body []byte) (int, string) {
			switch {
			case strings.Contains(string(body), `"set_configuration"`):
				sets.Add(1)
				return 200, `{"message":"ok"}`
			case strings.Contains(string(body), `"get_configuration"`):
				return 200, `{"replication":{"hostname":"self","securePort":20555}}`
			}
			return 200, `[]`
		}}
		return fam
	}
	for _, body := range []string{
		`{"operation":"add_node","url":"127.0.0.1:20555"}`,
		`{"operation":"add_node","url":"nats-route://localhost:20555"}`,
		`{"operation":"add_node","hostname":"self","port":20555}`,
		`{"operation":"update_node","hostname":"0.0.0.0","port":20555}`,
		`{"operation":"cluster_set_routes","routes":["10.1.1.1:20555",{"hostname":"127.0.0.1","port":20555}]}`,
		`{"operation":"configure_cluster","connections":[{"hostname":"peer"},{"url":"[::1]:20555"}]}`,
	} {
		var sets atomic.Int64
		err := runOp(f(t, &sets), body)
		var se *sdk.Error
		if !errors.As(err, &se) || se.Status != 400 || !strings.Contains(se.Message, "is this node's own cluster port") {
			t.Errorf("%s: %v, want a 400 naming the route to itself", body, err)
		}
		if sets.Load() != 0 {
			t.Errorf("%s: written", body)
		}
	}
	for _, body := range []string{
		`{"operation":"add_node","url":"127.0.0.1:20556"}`,
		`{"operation":"add_node","hostname":"self2","port":20555}`,
		`{"operation":"cluster_set_routes","routes":["10.1.1.1:20555"]}`,
		`{"operation":"cluster_delete_routes","routes":["127.0.0.1:20555"]}`,
	} {
		var sets atomic.Int64
		if err := runOp(f(t, &sets), body); err != nil || sets.Load() != 1 {
			t.Errorf("%s: %v, %d writes, want it to act", body, err, sets.Load())
		}
	}
}

// A start_time to come (beyond startTimeSkew) is refused: nothing would be
// copied until then.
func TestStartTimeInTheFutureRefused(t *testing.T) {
	soon := time.Now().Add(10 * time.Second).UTC().Format(time.RFC3339Nano)
	later := time.Now().Add(time.Hour).UTC().Format(time.RFC3339Nano)
	for _, tc := range []struct {
		body string
		ok   bool
	}{
		{`{"start_time":"` + soon + `"}`, true},
		{`{"start_time":"` + later + `"}`, false},
		{`{"start_time":"2099-01-01T00:00:00Z"}`, false},
		{`{"start_time":4070908800000}`, false},
	} {
		_, err := parseStartTime(sdk.ReadFields([]byte(tc.body)))
		if (err == nil) != tc.ok || err != nil && !strings.Contains(err.Error(), "is in the future") {
			t.Errorf("%s: %v", tc.body, err)
		}
	}
	_, _, err := nodeSubs(sdk.ReadFields([]byte(`{"subscriptions":[{"database":"d","publish":true,"subscribe":true,"start_time":"`+later+`"}]}`)), true)
	if err == nil || !strings.Contains(err.Error(), "'subscriptions[0].start_time' "+later+" is in the future") {
		t.Errorf("subscription start_time to come: %v", err)
	}
}

// A route URL carries a scheme, a host and a port, nothing else.
func TestRouteURLWithAPathRefused(t *testing.T) {
	for route, ok := range map[string]bool{
		"nats-route://a:9000":        true,
		"wss://a:9000/":              true,
		"nats-route://a:9000/x":      false,
		"wss://a:9000/?x=1":          false,
		"wss://u:p@a:9000":           false,
		"nats-route://a:9000#frag":   false,
		"tls://a.example.com/a/path": false,
	} {
		_, err := routeHostPort(route)
		if (err == nil) != ok {
			t.Errorf("%s: %v", route, err)
		}
	}
}

// cluster_status does not list a configured route to the node itself (a
// file shared by every node names it) as a node that never connects.
func TestConnectionsLeaveOutTheRouteToItself(t *testing.T) {
	set := settings{NodeName: "b", Port: 7002, Databases: []string{"system"},
		Routes: []string{"127.0.0.1:7002", "b:7002", "127.0.0.1:7004"}}
	got := connections(&server.Routez{}, set)
	if len(got) != 1 || got[0].Name != "127.0.0.1:7004" {
		t.Errorf("connections %+v, want only the route to 127.0.0.1:7004", got)
	}
}

// A hostname that is not a host name (a port or a scheme in it) is
// refused; subscriptions for a node named only by an address nobody is
// connected at are refused (they are kept by node name and would never
// apply), and taken with its name or a host name.
func TestNodeNamesForSubscriptions(t *testing.T) {
	subs := `"subscriptions":[{"database":"d","publish":true,"subscribe":true}]`
	for _, tc := range []struct {
		body, err string
	}{
		{`{"operation":"add_node","hostname":"peer:9933"}`, `'hostname' "peer:9933" is not a host name`},
		{`{"operation":"add_node","node_name":"nats-route://peer"}`, `'node_name' "nats-route://peer" is not a host name`},
		{`{"operation":"remove_node","name":"a b"}`, `'name' "a b" is not a host name`},
		{`{"operation":"add_node","hostname":"p1","node_name":"p2"}`, `'hostname' and 'node_name' both name the node, differently`},
		{`{"operation":"remove_node","node_name":"p1","name":"p2"}`, `'node_name' and 'name' both name the node, differently`},
		{`{"operation":"add_node","hostname":"p1","node_name":"p1"}`, ""},
		{`{"operation":"add_node","url":"10.0.0.7:9933",` + subs + `}`, "need its name"},
		{`{"operation":"update_node","url":"localhost:9944",` + subs + `}`, "need its name"},
		{`{"operation":"configure_cluster","connections":[{"url":"127.0.0.1:9944",` + subs + `}]}`, "need its name"},
		{`{"operation":"add_node","hostname":"peer","url":"10.0.0.7:9933",` + subs + `}`, ""},
		{`{"operation":"add_node","url":"peer.example:9933",` + subs + `}`, ""},
		{`{"operation":"add_node","url":"10.0.0.7:9933"}`, ""},
	} {
		var sets atomic.Int64
		err := runOp(auditFamily(t, &sets), tc.body)
		if tc.err == "" {
			if err != nil || sets.Load() != 1 {
				t.Errorf("%s: %v, %d writes, want it to act", tc.body, err, sets.Load())
			}
			continue
		}
		var se *sdk.Error
		if !errors.As(err, &se) || se.Status != 400 || !strings.Contains(se.Message, tc.err) || sets.Load() != 0 {
			t.Errorf("%s: %v (%d writes), want 400 %q", tc.body, err, sets.Load(), tc.err)
		}
	}
}

// A route edit saved but not applied (here the cluster port is taken)
// says so in a "warning" beside HarperDB's message, instead of a bare
// success for a change that does not act.
func TestRouteEditNotAppliedWarns(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	busy := l.Addr().(*net.TCPAddr).Port
	for _, tc := range []struct {
		conf string
		warn bool
	}{
		{fmt.Sprintf(`{"replication":{"hostname":"self","port":%d,"routes":["peer:9933"]},"families":{"clustering":{"host":"127.0.0.1"}}}`, busy), true},
		{`{"replication":{"hostname":"self"}}`, false},
	} {
		var sets atomic.Int64
		f := auditFamily(t, &sets)
		f.host = configHost(tc.conf, &sets)
		for _, body := range []string{
			`{"operation":"add_node","hostname":"peer"}`,
			`{"operation":"cluster_set_routes","routes":["peer2:9933"]}`,
		} {
			op := sdk.ReadFields([]byte(body)).String("operation")
			h := map[string]sdk.Handler{"add_node": f.addNode, "cluster_set_routes": f.clusterSetRoutes}[op]
			resp, err := h(context.Background(), &sdk.Request{Operation: op, Body: []byte(body)})
			if err != nil {
				t.Fatalf("%s: %v", body, err)
			}
			b, _ := json.Marshal(resp.Value)
			has := strings.Contains(string(b), `"warning":"saved in replication.routes, not applied yet: replication port `+strconv.Itoa(busy)+` cannot be listened on`)
			if has != tc.warn || !strings.Contains(string(b), `"message":`) {
				t.Errorf("%s with %s: %s, want a warning: %v", body, tc.conf, b, tc.warn)
			}
		}
	}
}

// configure_cluster naming one node in two connections is refused: which
// list would win is written nowhere.
func TestConfigureClusterNamesEachNodeOnce(t *testing.T) {
	var sets atomic.Int64
	err := runOp(auditFamily(t, &sets), `{"operation":"configure_cluster","connections":[`+
		`{"hostname":"p1","subscriptions":[{"database":"d","publish":true,"subscribe":true}]},`+
		`{"hostname":"p2"},`+
		`{"hostname":"p1","url":"10.0.0.9:9933","subscriptions":[{"database":"e","publish":true,"subscribe":true}]}]}`)
	var se *sdk.Error
	if !errors.As(err, &se) || se.Status != 400 || !strings.Contains(se.Message, `'connections[2]' names node "p1" again (as 'connections[0]' did)`) || sets.Load() != 0 {
		t.Errorf("%v (%d writes)", err, sets.Load())
	}
}

// configure_cluster with more connections than routes may be is refused
// at once, before any connection is checked (each check asks the host).
func TestConfigureClusterBounded(t *testing.T) {
	conns := make([]string, MaxRoutes+1)
	for i := range conns {
		conns[i] = fmt.Sprintf(`{"hostname":"p%d.example"}`, i)
	}
	var asked atomic.Int64
	f := auditFamily(t, &asked)
	f.host = joinHost{answer: func([]byte) (int, string) { asked.Add(1); return 200, `{"replication":{}}` }}
	err := runOp(f, `{"operation":"configure_cluster","connections":[`+strings.Join(conns, ",")+`]}`)
	var se *sdk.Error
	if !errors.As(err, &se) || se.Status != 400 || !strings.Contains(se.Message, "'connections' holds 257 connections: at most 256") || asked.Load() != 0 {
		t.Errorf("%v (%d host calls)", err, asked.Load())
	}
}

// configure_cluster with two different start_times is refused: the node
// keeps one; the same time twice is taken.
func TestConfigureClusterOneStartTime(t *testing.T) {
	var sets atomic.Int64
	err := runOp(auditFamily(t, &sets), `{"operation":"configure_cluster","connections":[`+
		`{"hostname":"p1","start_time":"2026-01-01T00:00:00Z"},{"hostname":"p2","start_time":"2026-02-01T00:00:00Z"}]}`)
	var se *sdk.Error
	if !errors.As(err, &se) || se.Status != 400 || !strings.Contains(se.Message, "'connections[1].start_time' differs") || sets.Load() != 0 {
		t.Errorf("%v (%d writes)", err, sets.Load())
	}
	f := auditFamily(t, &sets)
	if err := runOp(f, `{"operation":"configure_cluster","connections":[`+
		`{"hostname":"p1","start_time":"2026-01-01T00:00:00Z"},{"hostname":"p2","start_time":1767225600000}]}`); err != nil || sets.Load() != 1 {
		t.Errorf("the same start_time twice: %v (%d writes)", err, sets.Load())
	}
}

// cluster_status of a node whose NATS server does not run names the node
// as its configuration does, not as the machine.
func TestClusterStatusNamesTheNodeWhenNotRunning(t *testing.T) {
	var sets atomic.Int64
	f := auditFamily(t, &sets)
	resp, err := f.clusterStatus(context.Background(), &sdk.Request{Operation: "cluster_status", Body: []byte(`{"operation":"cluster_status"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if st := resp.Value.(Status); st.NodeName != "self" || st.IsEnabled {
		t.Errorf("status %+v, want node_name self (replication.hostname), not enabled", st)
	}
}

// Subscriptions naming a database replication.databases does not name
// are kept (they act once it does) and the answer says so.
func TestSubscriptionsOfUnreplicatedDatabasesWarn(t *testing.T) {
	for _, tc := range []struct {
		conf, body, warn string
	}{
		{`{"replication":{"hostname":"self"}}`,
			`{"operation":"add_node","hostname":"p1","subscriptions":[{"database":"dev","publish":true,"subscribe":true},{"database":"data","table":"t","publish":true,"subscribe":false}]}`,
			`subscriptions name "data", "dev", which replication.databases does not name`},
		{`{"replication":{"hostname":"self","databases":["dev"]}}`,
			`{"operation":"configure_cluster","connections":[{"hostname":"p1","subscriptions":[{"database":"dev","publish":true,"subscribe":true}]},{"hostname":"p2","subscriptions":[{"database":"ops","publish":true,"subscribe":true}]}]}`,
			`subscriptions name "ops", which`},
		{`{"replication":{"hostname":"self","databases":["dev"]}}`,
			`{"operation":"update_node","hostname":"p1","subscriptions":[{"database":"dev","publish":true,"subscribe":true}]}`, ""},
		{`{"replication":{"hostname":"self","databases":"*"}}`,
			`{"operation":"add_node","hostname":"p1","subscriptions":[{"database":"dev","publish":true,"subscribe":true}]}`, ""},
	} {
		var sets atomic.Int64
		f := auditFamily(t, &sets)
		f.host = configHost(tc.conf, &sets)
		op := sdk.ReadFields([]byte(tc.body)).String("operation")
		h := map[string]sdk.Handler{"add_node": f.addNode, "update_node": f.updateNode, "configure_cluster": f.configureCluster}[op]
		resp, err := h(context.Background(), &sdk.Request{Operation: op, Body: []byte(tc.body)})
		if err != nil {
			t.Fatalf("%s: %v", tc.body, err)
		}
		b, _ := json.Marshal(resp.Value)
		var got struct {
			Warning *string `json:"warning"`
		}
		_ = json.Unmarshal(b, &got)
		if tc.warn == "" && got.Warning != nil || tc.warn != "" && (got.Warning == nil || !strings.Contains(*got.Warning, tc.warn)) {
			t.Errorf("%s with %s: %s, want warning %q", tc.body, tc.conf, b, tc.warn)
		}
		if _, kept := f.subsOf("p1"); !kept {
			t.Errorf("%s: p1's list not kept", tc.body)
		}
	}
}
