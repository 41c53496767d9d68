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
	// Error says why clustering is configured but not running, or why the
	// last settings applied were refused while the server runs on the
	// ones before (hops only).
	Error string `json:"error,omitempty"`
}

// Connection is one other node, as NATS reports it.
type Connection struct {
	// Name is the remote server's node name (replication.hostname there),
	// or the configured host:port of a route not connected.
	Name string `json:"name"`
	// URL is nats-route://host:port of the route.
	URL string `json:"url"`
	// Replicates is true when every table replicates both ways with the
	// node (no subscriptions given for it), else false.
	Replicates bool `json:"replicates"`
	// Subscriptions are the node's add_node subscriptions, null when none
	// were given.
	Subscriptions  []Subscription   `json:"subscriptions"`
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

func (f *Family) clusterStatus(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	if _, err := readOp(req, "cluster_status"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	n, set, lastErr := f.node, f.set, f.lastErr
	f.mu.Unlock()
	st := Status{Type: statusType, NodeName: set.NodeName, Connections: []Connection{}}
	if n == nil {
		// Not running (off, or its settings refused): the name the
		// configuration gives, as a running node would report it.
		if cur, _ := f.readSettings(ctx); cur.NodeName != "" {
			st.NodeName = cur.NodeName
		}
	}
	if st.NodeName == "" {
		st.NodeName, _ = hostname()
	}
	if lastErr != nil {
		st.Error = lastErr.Error()
	}
	if n == nil {
		return sdk.OK(st), nil
	}
	st.IsEnabled = true
	rz, err := n.srv.Routez(&server.RoutezOptions{})
	if err != nil {
		return nil, err
	}
	st.Connections = connections(rz, set)
	for i := range st.Connections {
		if l, ok := f.subsOf(st.Connections[i].Name); ok {
			st.Connections[i].Replicates, st.Connections[i].Subscriptions = false, l
		}
	}
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
//
// A configured route is reached when a connection this node solicited
// goes to its address (its host resolved the way NATS resolves it), or,
// failing that, when a connection NATS counts as configured (the peer
// dialled first and NATS kept its connection, then adopted it as this
// node's route) comes from its host and no other route accounts for it:
// such a connection shows the peer's source port, not its cluster port.
func connections(rz *server.Routez, set settings) []Connection {
	type peer struct {
		name, url  string
		rtt        time.Duration
		solicited  bool
		configured bool
		addrs      map[string]bool // ip:port of the connections
		ips        map[string]bool
		matched    bool
	}
	peers := map[string]*peer{}
	var order []string
	for _, r := range rz.Routes {
		if r.RemoteName == set.NodeName {
			continue // the route to itself, before NATS drops it
		}
		key := r.RemoteName
		if key == "" {
			key = r.RemoteID
		}
		addr := net.JoinHostPort(r.IP, strconv.Itoa(r.Port))
		url := routeScheme + "://" + addr
		p, ok := peers[key]
		if !ok {
			p = &peer{name: key, url: url, solicited: r.DidSolicit, addrs: map[string]bool{}, ips: map[string]bool{}}
			peers[key] = p
			order = append(order, key)
		} else if r.DidSolicit && !p.solicited {
			p.url, p.solicited = url, true
		}
		p.addrs[addr], p.ips[r.IP] = true, true
		p.configured = p.configured || r.IsConfigured
		if d, err := time.ParseDuration(r.RTT); err == nil && (p.rtt == 0 || d < p.rtt) {
			p.rtt = d
		}
	}
	sort.Strings(order)
	var missing []string
	resolved := map[string][]string{}
	for _, r := range set.Routes {
		if routeToSelf(set, r) {
			continue // the node itself (a file shared by every node names it)
		}
		ips := resolve(hostOf(r))
		resolved[r] = ips
		found := false
		for _, k := range order {
			for _, ip := range ips {
				if peers[k].addrs[net.JoinHostPort(ip, strconv.Itoa(portOf(r)))] {
					peers[k].matched, found = true, true
				}
			}
		}
		if !found {
			missing = append(missing, r)
		}
	}
	var unreached []string
	for _, r := range missing {
		found := false
		for _, k := range order {
			p := peers[k]
			if p.matched || !p.configured {
				continue
			}
			for _, ip := range resolved[r] {
				if p.ips[ip] {
					found = true
				}
			}
			if found {
				p.matched, p.url = true, routeScheme+"://"+r
				break
			}
		}
		if !found {
			unreached = append(unreached, r)
		}
	}
	dbs := set.Databases
	if set.All {
		dbs = []string{"*"}
	}
	out := make([]Connection, 0, len(order)+len(unreached))
	for _, k := range order {
		p := peers[k]
		ms := float64(p.rtt.Microseconds()) / 1000
		out = append(out, Connection{Name: p.name, URL: p.url, Replicates: true,
			DatabaseSocket: sockets(dbs, true, &ms)})
	}
	for _, r := range unreached {
		out = append(out, Connection{Name: r, URL: routeScheme + "://" + r, Replicates: true,
			DatabaseSocket: sockets(dbs, false, nil)})
	}
	return out
}

// resolve returns host's addresses (host itself when it is one, none when
// it does not resolve within lookupTimeout).
func resolve(host string) []string {
	if net.ParseIP(host) != nil {
		return []string{host}
	}
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	ips, err := net.DefaultResolver.LookupHost(ctx, host)
	if err != nil {
		return nil
	}
	return ips
}

func sockets(dbs []string, connected bool, latency *float64) []DatabaseSocket {
	out := make([]DatabaseSocket, 0, len(dbs))
	for _, d := range dbs {
		out = append(out, DatabaseSocket{Database: d, Connected: connected, Latency: latency})
	}
	return out
}
