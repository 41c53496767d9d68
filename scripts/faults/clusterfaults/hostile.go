package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// deadPort is a loopback port nothing listens on: routes the hostile
// bodies add point there, and joins through it are refused at once.
const deadPort = 20001

// clusterBase is a valid body of each attacked operation.
func clusterBase(op string) map[string]any {
	sub := []any{map[string]any{"database": "data", "table": "t", "publish": true, "subscribe": true, "start_time": "2026-01-01T00:00:00Z"}}
	nodeBody := map[string]any{
		"operation": op, "hostname": "127.0.0.1", "port": deadPort, "verify_tls": true,
		"replicates": true, "subscriptions": sub, "start_time": 1767225600000,
	}
	switch op {
	case "add_node", "set_node", "update_node":
		return nodeBody
	case "add_node_auth":
		return map[string]any{"operation": "add_node", "url": fmt.Sprintf("http://127.0.0.1:%d/", deadPort),
			"authorization": map[string]any{"username": "u", "password": "p"}, "verify_tls": false,
			"subscriptions": sub, "node_name": "far"}
	case "remove_node":
		return map[string]any{"operation": op, "hostname": "127.0.0.1", "port": deadPort, "name": "x"}
	case "configure_cluster":
		c := map[string]any{"hostname": "127.0.0.1", "port": deadPort, "subscriptions": sub, "start_time": 1767225600000}
		return map[string]any{"operation": op, "connections": []any{c}}
	case "cluster_set_routes", "cluster_delete_routes":
		return map[string]any{"operation": op, "routes": []any{fmt.Sprintf("127.0.0.1:%d", deadPort),
			map[string]any{"hostname": "127.0.0.1", "port": deadPort + 1}}}
	case "restart_service":
		return map[string]any{"operation": op, "service": "clustering_config", "replicated": false}
	case "restart_service_clustering":
		return map[string]any{"operation": "restart_service", "service": "clustering", "replicated": false}
	case "cluster_reload":
		return map[string]any{"operation": op, "restart": false}
	}
	return map[string]any{"operation": op}
}

var clusterOps = []string{
	"add_node", "set_node", "update_node", "add_node_auth", "remove_node", "configure_cluster",
	"cluster_set_routes", "cluster_delete_routes", "cluster_get_routes", "cluster_status",
	"cluster_reload", "restart_service", "restart_service_clustering",
}

// hostileValues are what every field is replaced by.
func hostileValues() []any {
	var nestA any = 1
	for range 200 {
		nestA = []any{nestA}
	}
	var nestO any = "x"
	for range 200 {
		nestO = map[string]any{"a": nestO}
	}
	return []any{
		nil, true, false, 0, -1, 1.5, 65535, 65536, -65536, 1e308, -1e308,
		json.RawMessage("-0.0"), json.RawMessage("1e999"), json.RawMessage("-1e999"),
		json.RawMessage("123456789012345678901234567890123456789"),
		json.RawMessage("9223372036854775808"), json.RawMessage("-9223372036854775809"),
		"", " ", "NaN", "Infinity", "-Infinity", "1e999", "0x10", "9933", "-1", "65536",
		"\x00", "\ufeff", "\u202e", "💩", "a\u0301", "\uffff", json.RawMessage(`"\ud800"`),
		strings.Repeat("x", 100000), strings.Repeat("é", 20000), strings.Repeat("a.", 200) + "b",
		"../../../../etc/passwd", "*", "%", "http://", "https://127.0.0.1:0/", "nats-route://[::1", "[::1]:99999",
		"127.0.0.1:-1", "127.0.0.1:0", "127.0.0.1:1:2", "user:pass@127.0.0.1:1", "file:///etc/passwd",
		"Basic !!!", "Bearer ", "2026-13-45T99:99:99Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
		[]any{}, map[string]any{}, []any{nil}, []any{1, "a", nil, true, []any{}},
		[]any{map[string]any{}}, []any{map[string]any{"database": nil, "table": 1, "publish": "yes"}},
		[]any{map[string]any{"database": "system", "publish": true, "subscribe": true}},
		[]any{map[string]any{"database": "d", "publish": false, "subscribe": false}},
		[]any{map[string]any{"hostname": "127.0.0.1", "port": "x"}}, []any{map[string]any{"hostname": "127.0.0.1", "port": 1.5}},
		map[string]any{"": nil}, map[string]any{"__proto__": map[string]any{"x": 1}},
		map[string]any{"username": 1, "password": []any{}}, map[string]any{"username": "u"},
		nestA, nestO, make([]any, 2000),
	}
}

// hostileBodies builds the bodies, cycling until n.
func hostileBodies(n int) [][]byte {
	hv := hostileValues()
	var out [][]byte
	add := func(b []byte) bool {
		out = append(out, b)
		return len(out) >= n
	}
	extraKeys := []string{"url", "node_name", "name", "authorization", "retain_authorization", "publish",
		"subscribe", "shard", "revoked_certificates", "force_signing", "connections", "routes", "service", "replicated"}
	for {
		for _, op := range clusterOps {
			b := clusterBase(op)
			keys := make([]string, 0, len(b)+len(extraKeys))
			for k := range b {
				if k != "operation" {
					keys = append(keys, k)
				}
			}
			sort.Strings(keys)
			for _, k := range extraKeys {
				if _, ok := b[k]; !ok {
					keys = append(keys, k)
				}
			}
			for _, k := range keys {
				// the field missing
				m := clusterBase(op)
				delete(m, k)
				raw, _ := json.Marshal(m)
				if add(raw) {
					return out
				}
				for _, v := range hv {
					m := clusterBase(op)
					m[k] = v
					raw, err := json.Marshal(m)
					if err != nil {
						continue
					}
					if add(raw) {
						return out
					}
				}
			}
			// nested: the first subscription's, connection's and route's fields
			for _, path := range [][2]string{{"subscriptions", "database"}, {"subscriptions", "table"},
				{"subscriptions", "publish"}, {"subscriptions", "subscribe"}, {"subscriptions", "start_time"},
				{"connections", "hostname"}, {"connections", "port"}, {"connections", "url"},
				{"connections", "subscriptions"}, {"connections", "authorization"}, {"routes", "port"}, {"routes", "hostname"}} {
				if _, ok := b[path[0]]; !ok {
					continue
				}
				for _, v := range hv {
					m := clusterBase(op)
					list, _ := m[path[0]].([]any)
					if len(list) == 0 {
						continue
					}
					item, _ := list[len(list)-1].(map[string]any)
					if item == nil {
						continue
					}
					item[path[1]] = v
					raw, err := json.Marshal(m)
					if err != nil {
						continue
					}
					if add(raw) {
						return out
					}
				}
			}
			name := op
			switch op {
			case "add_node_auth":
				name = "add_node"
			case "restart_service_clustering":
				name = "restart_service"
			}
			for _, e := range []string{
				`{"operation":"%s","hostname":"127.0.0.1","hostname":{"x":1},"port":20001}`,
				`{"operation":"%s","port":20001,"port":"x","hostname":"127.0.0.1"}`,
				`{"operation":"%s","routes":["127.0.0.1:20001"],"routes":null}`,
				`{"operation":"%s","connections":[],"connections":{"a":1}}`,
				`{"operation":"%s","subscriptions":[{"database":"d","database":null,"publish":true,"subscribe":true}],"hostname":"127.0.0.1","port":20001}`,
				`{"operation":"%s","url":"http://127.0.0.1:20001/","authorization":"Basic YTpi","authorization":{"username":"a"}}`,
				`{"operation":"%s","service":"clustering","service":"clustering_config"}`,
				`{"operation":"%s","hostname":"127.0.0.1","port":20001,"Port":1,"HOSTNAME":null}`,
				`{"operation":"%s",`, `{"operation":"%s","routes":[`, `{"operation":"%s","hostname":"\ud800"}`,
				`{"operation":"%s","hostname":"127.0.0.1","port":2.0001e4}`,
				`{"operation":"%s","hostname":"127.0.0.1","port":20001e0}`,
				`{"operation":"%s","hostname":"127.0.0.1","port":-0}`,
			} {
				if add([]byte(strings.ReplaceAll(e, "%s", name))) {
					return out
				}
			}
		}
	}
}

// hostile runs the hostile bodies for dur with workers clients, one in
// four as a user without super_user. A 502 or 504 "Error returned from
// <url>" is the documented answer of a join through a node that cannot
// be reached (the dead port, or a hostile url), not a failure: they are
// counted as remote_refused. A route edit refused with a 503 because the
// edits ahead of it took too long (busyRefusal) is the documented prompt
// refusal, counted as busy_refused.
func (n *node) hostile(dur time.Duration, workers int, slow time.Duration) bool {
	routesBefore, err := n.routes()
	if err != nil {
		fmt.Println("FAIL", err)
		return false
	}
	all := hostileBodies(200000)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	var next, remoteRefused, busyRefused atomic.Int64
	var mu sync.Mutex
	counts := map[string]int{}
	var fails []string
	nfail := 0
	stop := time.Now().Add(dur)
	var wg sync.WaitGroup
	for w := range workers {
		user, pass := superUser, superPass
		if w%4 == 3 {
			user, pass = plainUser, plainPass
		}
		wg.Go(func() {
			for time.Now().Before(stop) {
				i := int(next.Add(1)-1) % len(all)
				a := n.post(client, user, pass, all[i])
				var bad string
				switch {
				case a.err != nil:
					bad = "transport " + a.err.Error()
				case (a.code == http.StatusBadGateway || a.code == http.StatusGatewayTimeout) &&
					strings.HasPrefix(string(a.body), `{"error":"Error returned from `):
					remoteRefused.Add(1)
				case busyRefusal(a) && a.elapsed <= slow:
					busyRefused.Add(1)
				case a.code >= 500:
					bad = fmt.Sprintf("status %d %.300s", a.code, a.body)
				case !isJSON(a.body):
					bad = fmt.Sprintf("not JSON (%d) %.300q", a.code, a.body)
				case a.elapsed > slow:
					bad = fmt.Sprintf("slow %v (%d %.200s)", a.elapsed.Round(time.Millisecond), a.code, a.body)
				}
				mu.Lock()
				counts[fmt.Sprintf("%s %d", user, a.code)]++
				if bad != "" {
					nfail++
					if len(fails) < 30 {
						fails = append(fails, fmt.Sprintf("%s as %s for %.300q", bad, user, all[i]))
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	sent := int(next.Load())
	printTally(counts, fails)
	// The node still answers, its config still reads, and the plain
	// user changed nothing it may not.
	after, err := n.routes()
	if err != nil {
		fmt.Println("FAIL after the hostile phase:", err)
		nfail++
	}
	fmt.Printf("PHASE hostile sent=%d distinct_bodies=%d failures=%d remote_refused=%d busy_refused=%d routes_before=%d routes_after=%d seconds=%.0f\n",
		sent, min(sent, len(all)), nfail, remoteRefused.Load(), busyRefused.Load(), len(routesBefore), len(after), dur.Seconds())
	// put the routes back for the next phases
	if err := n.setRoutes([]any{}); err != nil {
		fmt.Println("FAIL", err)
		nfail++
	}
	_ = n.admin(`{"operation":"configure_cluster","connections":[]}`)
	return nfail == 0
}
