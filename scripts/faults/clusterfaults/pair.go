package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hops-dev/hops/scripts/faults/internal/hopsproc"
)

// pair starts a second node and joins it from the first with
// authorization, joins clients times at once: every answer must be 200
// or a JSON 4xx, the first node must hold exactly one route to the
// second and see it connected, neither node may hold a certificate twice,
// and remove_node must take the route away again.
func (n *node) pair(bin string, clients int) bool {
	peer, err := hopsproc.New(bin, freePort(), "clusterfaults-peer", 60*time.Second)
	if err != nil {
		fmt.Println("FAIL", err)
		return false
	}
	defer peer.RemoveDir()
	peerCluster := freePort()
	peer.Env = []string{fmt.Sprintf("REPLICATION_PORT=%d", peerCluster), "REPLICATION_HOSTNAME=faultpeer"}
	if err := peer.Start(); err != nil {
		fmt.Println("FAIL", err)
		return false
	}
	defer peer.KillHost()
	if err := n.setRoutes([]any{}); err != nil {
		fmt.Println("FAIL", err)
		return false
	}
	fails := 0
	body, _ := json.Marshal(map[string]any{"operation": "add_node", "url": peer.URL,
		"authorization": map[string]any{"username": superUser, "password": superPass}})
	client := &http.Client{Timeout: 60 * time.Second}
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for range clients {
		wg.Go(func() {
			a := n.post(client, superUser, superPass, body)
			mu.Lock()
			defer mu.Unlock()
			codes[a.code]++
			if a.err != nil || a.code >= 500 || (a.code != 200 && a.code < 400) || !isJSON(a.body) {
				fails++
				fmt.Printf("FAIL pair add_node: %d %.300s %v\n", a.code, a.body, a.err)
			}
		})
	}
	wg.Wait()
	routes, err := n.routes()
	if err != nil || len(routes) != 1 || routeKey(routes[0]) != fmt.Sprintf("127.0.0.1:%d", peerCluster) {
		fails++
		fmt.Printf("FAIL pair routes %v %v, want one to 127.0.0.1:%d\n", routes, err, peerCluster)
	}
	connected := false
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && !connected; time.Sleep(200 * time.Millisecond) {
		a := n.admin(`{"operation":"cluster_status"}`)
		connected = a.code == 200 && strings.Contains(string(a.body), `"faultpeer"`)
	}
	if !connected {
		fails++
		fmt.Println("FAIL pair: the first node does not show faultpeer in cluster_status within 20 s")
	}
	for name, post := range map[string]func(string) (int, []byte, error){"first": n.h.Post, "peer": peer.Post} {
		code, b, err := post(`{"operation":"list_certificates"}`)
		var list []struct {
			Name        string `json:"name"`
			Certificate string `json:"certificate"`
		}
		if err != nil || code != 200 || json.Unmarshal(b, &list) != nil {
			fails++
			fmt.Printf("FAIL pair list_certificates on %s: %d %v\n", name, code, err)
			continue
		}
		seen := map[string]string{}
		for _, c := range list {
			if prev, dup := seen[c.Certificate]; dup {
				fails++
				fmt.Printf("FAIL pair: %s holds one certificate twice (%s, %s)\n", name, prev, c.Name)
			}
			seen[c.Certificate] = c.Name
		}
	}
	a := n.admin(fmt.Sprintf(`{"operation":"remove_node","hostname":"127.0.0.1","port":%d}`, peerCluster))
	routes, _ = n.routes()
	if a.code != 200 || len(routes) != 0 {
		fails++
		fmt.Printf("FAIL pair remove_node: %d %s, routes %v\n", a.code, a.body, routes)
	}
	fmt.Printf("PHASE pair clients=%d codes=%v connected=%v failures=%d\n", clients, codes, connected, fails)
	return fails == 0
}
