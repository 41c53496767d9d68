package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gopkg.in/yaml.v3"
)

// routeKey normalises a route entry to host:port.
func routeKey(r any) string {
	switch v := r.(type) {
	case string:
		return v
	case map[string]any:
		h, _ := v["hostname"].(string)
		p, _ := v["port"].(float64)
		if p == 0 {
			if pi, ok := v["port"].(int); ok {
				p = float64(pi)
			}
		}
		return net.JoinHostPort(h, strconv.Itoa(int(p)))
	}
	return fmt.Sprint(r)
}

// model is a client's replay of its acknowledged requests.
type model struct {
	routes map[string]bool
	subs   map[string]bool // node names with a list
}

// concurrent runs clients × per route and node edits at once, each client
// on its own routes (127.0.0.<c+2>, ports 21000+k), beside
// set_configuration of an unrelated key, then compares the file with the
// replay.
func (n *node) concurrent(clients, per int) bool {
	if err := n.setRoutes([]any{}); err != nil {
		fmt.Println("FAIL", err)
		return false
	}
	_ = n.admin(`{"operation":"configure_cluster","connections":[]}`)
	cfgBefore, _ := os.ReadFile(n.cfgPath)
	commentsBefore := countComments(cfgBefore)
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	models := make([]model, clients)
	var sent, acked, busy, fails atomic.Int64
	var mu sync.Mutex
	var failMsgs []string
	codes := map[string]int{}
	fail := func(s string) {
		fails.Add(1)
		mu.Lock()
		if len(failMsgs) < 30 {
			failMsgs = append(failMsgs, s)
		}
		mu.Unlock()
	}
	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		models[c] = model{routes: map[string]bool{}, subs: map[string]bool{}}
		wg.Go(func() {
			m := &models[c]
			rng := rand.New(rand.NewPCG(uint64(c), 18))
			host := fmt.Sprintf("127.0.0.%d", c+2)
			for range per {
				k := rng.IntN(4)
				port := 21000 + k
				hp := net.JoinHostPort(host, strconv.Itoa(port))
				var body any
				kind := rng.IntN(6)
				switch kind {
				case 0:
					body = map[string]any{"operation": "cluster_set_routes", "routes": []any{hp}}
				case 1:
					body = map[string]any{"operation": "cluster_delete_routes", "routes": []any{map[string]any{"hostname": host, "port": port}}}
				case 2:
					body = map[string]any{"operation": "add_node", "hostname": host, "port": port,
						"subscriptions": []any{map[string]any{"database": "d" + strconv.Itoa(c), "table": "t", "publish": true, "subscribe": rng.IntN(2) == 0}}}
				case 3:
					body = map[string]any{"operation": "remove_node", "hostname": host, "port": port}
				case 4:
					lvl := []string{"info", "warn", "error"}[rng.IntN(3)]
					body = map[string]any{"operation": "set_configuration", "logging_level": lvl}
				case 5:
					body = map[string]any{"operation": "cluster_get_routes"}
				}
				raw, _ := json.Marshal(body)
				sent.Add(1)
				a := n.post(client, superUser, superPass, raw)
				mu.Lock()
				codes[fmt.Sprintf("%v %d", body.(map[string]any)["operation"], a.code)]++
				mu.Unlock()
				if busyRefusal(a) {
					busy.Add(1) // refused at once, nothing changed: not acknowledged
					continue
				}
				if a.err != nil || a.code >= 500 || !isJSON(a.body) {
					fail(fmt.Sprintf("%s: %d %.200s %v", raw, a.code, a.body, a.err))
					continue
				}
				if a.code != 200 {
					if !(kind == 3 && a.code == 404) {
						fail(fmt.Sprintf("%s: %d %.200s", raw, a.code, a.body))
					}
					continue
				}
				acked.Add(1)
				switch kind {
				case 0:
					m.routes[hp] = true
				case 1:
					delete(m.routes, hp)
				case 2:
					m.routes[hp] = true
					m.subs[host] = true
				case 3:
					delete(m.routes, hp)
					delete(m.subs, host)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	want := map[string]bool{}
	wantSubs := map[string]bool{}
	for _, m := range models {
		for r := range m.routes {
			want[r] = true
		}
		for s := range m.subs {
			wantSubs[s] = true
		}
	}
	got := map[string]bool{}
	routes, err := n.routes()
	if err != nil {
		fail(err.Error())
	}
	for _, r := range routes {
		got[routeKey(r)] = true
	}
	if !sameSet(want, got) {
		fail(fmt.Sprintf("routes %v, the replay gives %v", keys(got), keys(want)))
	}
	cfg, _ := os.ReadFile(n.cfgPath)
	var doc struct {
		Replication struct {
			Routes []any `yaml:"routes"`
		} `yaml:"replication"`
	}
	if err := yaml.Unmarshal(cfg, &doc); err != nil {
		fail("config file does not parse: " + err.Error())
	}
	fileRoutes := map[string]bool{}
	for _, r := range doc.Replication.Routes {
		fileRoutes[routeKey(r)] = true
	}
	if !sameSet(want, fileRoutes) {
		fail(fmt.Sprintf("file routes %v, the replay gives %v", keys(fileRoutes), keys(want)))
	}
	if c := countComments(cfg); c != commentsBefore {
		fail(fmt.Sprintf("config comments: %d before, %d after", commentsBefore, c))
	}
	gotSubs := map[string]bool{}
	if s := n.subsFile(); s != "" {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			fail("subscriptions.json does not parse: " + err.Error())
		}
		for k := range m {
			gotSubs[k] = true
		}
	}
	if !sameSet(wantSubs, gotSubs) {
		fail(fmt.Sprintf("subscriptions for %v, the replay gives %v", keys(gotSubs), keys(wantSubs)))
	}
	printTally(codes, failMsgs)
	fmt.Printf("PHASE concurrent clients=%d sent=%d acknowledged=%d busy_refused=%d failures=%d routes=%d subscriptions=%d comments=%d seconds=%.1f\n",
		clients, sent.Load(), acked.Load(), busy.Load(), fails.Load(), len(got), len(gotSubs), commentsBefore, elapsed.Seconds())
	_ = n.setRoutes([]any{})
	return fails.Load() == 0
}

func countComments(b []byte) int {
	n := 0
	for _, l := range bytes.Split(b, []byte("\n")) {
		if t := bytes.TrimSpace(l); len(t) > 0 && t[0] == '#' {
			n++
		}
	}
	return n
}

func sameSet(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// printTally prints a phase's answer counts (STATUS lines, by key) and
// then its failures (FAIL lines).
func printTally(counts map[string]int, fails []string) {
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		fmt.Printf("STATUS %s count=%d\n", k, counts[k])
	}
	for _, f := range fails {
		fmt.Println("FAIL", f)
	}
}

// busyRefusal: a route edit refused (503) because the edits ahead of it
// held the edit lock too long; it changed nothing.
func busyRefusal(a answer) bool {
	return a.err == nil && a.code == http.StatusServiceUnavailable &&
		strings.Contains(string(a.body), "busy applying other route changes")
}
