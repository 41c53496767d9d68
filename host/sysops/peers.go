package sysops

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// PeerTimeout bounds one peer's answer to a replicated restart_service.
const PeerTimeout = 2 * time.Minute

// peerInfo is one configured peer.
type peerInfo struct {
	// Node is the peer's operations API URL.
	Node string `json:"node"`
	// State is "configured": hops keeps no replication links of its own.
	State string `json:"state"`
}

// peers reads replication.routes: URLs, host:port strings, or objects
// with host and port.
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
			host, _ := v["host"].(string)
			url = fmt.Sprintf("%s:%v", host, v["port"])
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

// replicate sends restart_service (without replicated) to each peer in
// turn, with the caller's credentials, waiting for each before the next.
func (o *Ops) replicate(ctx context.Context, service, authz string) []map[string]string {
	out := []map[string]string{}
	body, _ := json.Marshal(map[string]string{"operation": "restart_service", "service": service})
	for _, p := range o.peers() {
		entry := map[string]string{"node": p.Node}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.Node, bytes.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
			if authz != "" {
				req.Header.Set("Authorization", authz)
			}
			var resp *http.Response
			if resp, err = o.opts.PeerClient.Do(req); err == nil {
				data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
				resp.Body.Close()
				var m map[string]any
				_ = json.Unmarshal(data, &m)
				if msg, ok := m["message"].(string); ok {
					entry["message"] = msg
				} else if e, ok := m["error"].(string); ok {
					entry["message"] = "error: " + e
				} else {
					entry["message"] = fmt.Sprintf("status %d", resp.StatusCode)
				}
			}
		}
		if err != nil {
			entry["message"] = "error: " + err.Error()
		}
		out = append(out, entry)
	}
	return out
}
