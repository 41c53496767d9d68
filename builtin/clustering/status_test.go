package clustering

import (
	"testing"

	"github.com/nats-io/nats-server/v2/server"
)

// A configured route counts as connected when a connection this node
// solicited goes to its address, or when NATS adopted the peer's own
// connection (configured, from the route's host, the peer's source port)
// and no other route accounts for it; otherwise it is listed as not
// connected.
func TestConnectionsMatchConfiguredRoutes(t *testing.T) {
	set := settings{NodeName: "b", Databases: []string{"system"},
		Routes: []string{"127.0.0.1:7001", "127.0.0.1:7003", "127.0.0.1:7004", "10.9.9.9:7005"}}
	rz := &server.Routez{Routes: []*server.RouteInfo{
		{RemoteName: "b", IP: "127.0.0.1", Port: 7002, DidSolicit: true}, // itself
		{RemoteName: "a", IP: "127.0.0.1", Port: 7001, DidSolicit: true, IsConfigured: true, RTT: "1ms"},
		{RemoteName: "a", IP: "127.0.0.1", Port: 51000, RTT: "2ms"},
		{RemoteName: "c", IP: "127.0.0.1", Port: 52000, DidSolicit: true, IsConfigured: true, RTT: "3ms"},
		{RemoteName: "d", IP: "127.0.0.1", Port: 53000}, // gossiped: no route names it
	}}
	got := connections(rz, set)
	want := []struct {
		name, url string
		connected bool
	}{
		{"a", "nats-route://127.0.0.1:7001", true},
		{"c", "nats-route://127.0.0.1:7003", true},
		{"d", "nats-route://127.0.0.1:53000", true},
		{"127.0.0.1:7004", "nats-route://127.0.0.1:7004", false},
		{"10.9.9.9:7005", "nats-route://10.9.9.9:7005", false},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d connections: %+v", len(got), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Name != w.name || g.URL != w.url || g.DatabaseSocket[0].Connected != w.connected || !g.Replicates {
			t.Errorf("connection %d: %+v, want %+v", i, g, w)
		}
	}
	if l := got[0].DatabaseSocket[0].Latency; l == nil || *l != 1 {
		t.Errorf("latency of a: %v, want the lowest RTT of its connections, 1 ms", l)
	}
}
