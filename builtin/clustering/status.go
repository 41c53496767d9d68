package clustering

import (
	"context"
	"net"
	"sort"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/hops-dev/hops/sdk"
)

// lookupTimeout bounds resolving a configured route's host name in
// cluster_status, so a name that does not resolve cannot stall it.
const lookupTimeout = time.Second

// statusType is cluster_status's "type", as HarperDB sends it.
const statusType = "cluster-status"

// Status is cluster_status's answer (HarperDB 4.7's shape).
type Status struct {
	Type        string       `json:"type"`
	NodeName    string       `json:"node_name"`
	IsEnabled   bool         `json:"is_enabled"`
	Connections []Connection `json:"connections"`
	// Error says why clustering is configured but not running (hops only).
	Error string `json:"error,omitempty"`
}

// Connection is one other node, as NATS reports it.
type Connection struct {
	// Name is the remote server's node name (replication.hostname there),
	// or the configured host:port of a route not connected.
	Name string `json:"name"`
	// URL is nats-route://host:port of the route.
	URL string `json:"url"`
	// Replicates is true: every node replicates every replicated database.
	Replicates bool `json:"replicates"`
	// Subscriptions is null: per-table subscriptions are not supported.
	Subscriptions  any              `json:"subscriptions"`
	DatabaseSocket []DatabaseSocket `json:"database_sockets"`
}

// DatabaseSocket is one replicated database over a connection. hops runs
// every database over the node's one set of NATS routes and one stream
// per node, so connected and latency are the route's and the times (HTTP
// dates, as HarperDB's toUTCString) are the node's streams' and consumers'
// as JetStream reports them (repl_status.go), the same for every
// database; null when JetStream does not know them.
type DatabaseSocket struct {
	Database               string   `json:"database"`
	Connected              bool     `json:"connected"`
	Latency                *float64 `json:"latency"`
	LastCommitConfirmed    *string  `json:"lastCommitConfirmed"`
	LastReceivedRemoteTime *string  `json:"lastReceivedRemoteTime"`
	LastReceivedLocalTime  *string  `json:"lastReceivedLocalTime"`
	LastSendTime           *string  `json:"lastSendTime"`
}

func (f *Family) clusterStatus(ctx context.Context, _ *sdk.Request) (*sdk.Response, error) {
	f.mu.Lock()
	n, set, lastErr := f.node, f.set, f.lastErr
	f.mu.Unlock()
	st := Status{Type: statusType, NodeName: set.NodeName, Connections: []Connection{}}
	if st.NodeName == "" {
		st.NodeName, _ = hostname()
	}
	if n == nil {
		if lastErr != nil {
			st.Error = lastErr.Error()
		}
		return sdk.OK(st), nil
	}
	st.IsEnabled = true
	rz, err := n.srv.Routez(&server.RoutezOptions{})
	if err != nil {
		return nil, err
	}
	st.Connections = connections(rz, set)
	if n.repl != nil {
		var peers []string
		for _, c := range st.Connections {
			if len(c.DatabaseSocket) > 0 && c.DatabaseSocket[0].Connected {
				peers = append(peers, c.Name)
			}
		}
		times := n.repl.times(ctx, peers)
		for i := range st.Connections {
			pt, ok := times[st.Connections[i].Name]
			if !ok {
				continue
			}
			for j := range st.Connections[i].DatabaseSocket {
				ds := &st.Connections[i].DatabaseSocket[j]
				ds.LastCommitConfirmed, ds.LastReceivedRemoteTime = httpTime(pt.CommitConfirmed), httpTime(pt.ReceivedRemote)
				ds.LastReceivedLocalTime, ds.LastSendTime = httpTime(pt.ReceivedLocal), httpTime(pt.Sent)
			}
		}
	}
	return sdk.OK(st), nil
}

// connections groups NATS's route connections by remote server (NATS keeps
// a pool of several connections per peer) and adds configured routes no
// connection came from, as not connected.
func connections(rz *server.Routez, set settings) []Connection {
	type peer struct {
		name, url string
		rtt       time.Duration
		solicited bool
	}
	peers := map[string]*peer{}
	var order []string
	reached := map[string]bool{} // ip:port of solicited routes
	for _, r := range rz.Routes {
		if r.RemoteName == set.NodeName {
			continue // the route to itself, before NATS drops it
		}
		key := r.RemoteName
		if key == "" {
			key = r.RemoteID
		}
		url := routeScheme + "://" + net.JoinHostPort(r.IP, strconv.Itoa(r.Port))
		if r.DidSolicit {
			reached[net.JoinHostPort(r.IP, strconv.Itoa(r.Port))] = true
		}
		p, ok := peers[key]
		if !ok {
			p = &peer{name: key, url: url, solicited: r.DidSolicit}
			peers[key] = p
			order = append(order, key)
		} else if r.DidSolicit && !p.solicited {
			p.url, p.solicited = url, true
		}
		if d, err := time.ParseDuration(r.RTT); err == nil && (p.rtt == 0 || d < p.rtt) {
			p.rtt = d
		}
	}
	sort.Strings(order)
	dbs := set.Databases
	if set.All {
		dbs = []string{"*"}
	}
	out := make([]Connection, 0, len(order)+len(set.Routes))
	for _, k := range order {
		p := peers[k]
		ms := float64(p.rtt.Microseconds()) / 1000
		out = append(out, Connection{Name: p.name, URL: p.url, Replicates: true,
			DatabaseSocket: sockets(dbs, true, &ms)})
	}
	for _, r := range set.Routes {
		if routeReached(r, reached) {
			continue
		}
		out = append(out, Connection{Name: r, URL: routeScheme + "://" + r, Replicates: true,
			DatabaseSocket: sockets(dbs, false, nil)})
	}
	return out
}

// routeReached reports whether a configured host:port route has a
// solicited connection (its host resolved the way NATS resolves it).
func routeReached(hp string, reached map[string]bool) bool {
	if reached[hp] {
		return true
	}
	host, port := hostOf(hp), strconv.Itoa(portOf(hp))
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	ips, err := net.DefaultResolver.LookupHost(ctx, host)
	if err != nil {
		return false
	}
	for _, ip := range ips {
		if reached[net.JoinHostPort(ip, port)] {
			return true
		}
	}
	return false
}

func sockets(dbs []string, connected bool, latency *float64) []DatabaseSocket {
	out := make([]DatabaseSocket, 0, len(dbs))
	for _, d := range dbs {
		out = append(out, DatabaseSocket{Database: d, Connected: connected, Latency: latency})
	}
	return out
}
