package sysops

import (
	"fmt"
	"strings"
)

// peerInfo is one configured peer.
type peerInfo struct {
	// Node is the peer's operations API URL.
	Node string `json:"node"`
	// State is "configured": hops keeps no replication links of its own.
	State string `json:"state"`
}

// defaultRoutePort is the port of a route object without one
// (HarperDB's replication.securePort default, as the clustering family
// reads it).
const defaultRoutePort = 9933

// peers reads replication.routes: URLs, host:port strings, or objects
// with hostname (or host) and port.
func (o *Ops) peers() []peerInfo {
	raw := o.opts.Config.Get("replication.routes")
	list, _ := raw.([]any)
	out := []peerInfo{}
	for _, r := range list {
		var url string
		switch v := r.(type) {
		case string:
			url = v
		case map[string]any:
			host, _ := v["hostname"].(string)
			if host == "" {
				host, _ = v["host"].(string)
			}
			port := v["port"]
			if port == nil {
				port = defaultRoutePort
			}
			if host != "" {
				url = fmt.Sprintf("%s:%v", host, port)
			}
		}
		if url == "" {
			continue
		}
		if !strings.Contains(url, "://") {
			url = "http://" + url
		}
		out = append(out, peerInfo{Node: strings.TrimSuffix(url, "/") + "/", State: "configured"})
	}
	return out
}
