package clustering

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hops-dev/hops/sdk"
)

func fixedHost() (string, error) { return "machine", nil }

func TestParseSettings(t *testing.T) {
	cases := []struct {
		name string
		conf string
		want settings
		err  string
	}{
		{"default: off", `{"replication":{"hostname":null,"routes":[]}}`,
			settings{NodeName: "machine", Routes: []string{}, BindHost: "0.0.0.0", Databases: []string{"system"}, CertHostname: "machine"}, ""},
		{"routes imply the default secure port",
			`{"replication":{"hostname":"n1","routes":["a:1","nats-route://b:2","wss://c","d",{"hostname":"e","port":5},{"host":"f"},"a:1"]},
			  "families":{"clustering":{"host":"127.0.0.1"},"certs":{"hostname":"cert-n1"}}}`,
			settings{NodeName: "n1", Routes: []string{"a:1", "b:2", "c:9933", "d:9933", "e:5", "f:9933"}, Port: 9933, Secure: true,
				BindHost: "127.0.0.1", Databases: []string{"system"}, CertHostname: "cert-n1"}, ""},
		{"plain port", `{"replication":{"port":7000,"databases":"*"}}`,
			settings{NodeName: "machine", Routes: []string{}, Port: 7000, BindHost: "0.0.0.0", All: true, CertHostname: "machine"}, ""},
		{"secure port and databases", `{"replication":{"securePort":7001,"databases":["data","system"]}}`,
			settings{NodeName: "machine", Routes: []string{}, Port: 7001, Secure: true, BindHost: "0.0.0.0", Databases: []string{"system", "data"}, CertHostname: "machine"}, ""},
		{"both ports", `{"replication":{"port":1,"securePort":2}}`, settings{}, MsgBothPorts},
		{"bad route", `{"replication":{"routes":[3]}}`, settings{}, "replication.routes entry 0"},
		{"bad port", `{"replication":{"routes":["a:99999"]}}`, settings{}, "not between 1 and 65535"},
		{"bad host", `{"replication":{"routes":["::::"]}}`, settings{}, "not a host name or an IP address"},
		{"bad host in a URL", `{"replication":{"routes":["nats-route://a b:1"]}}`, settings{}, "replication.routes entry 0"},
		{"IPv6", `{"replication":{"routes":["[::1]:7"]}}`, settings{NodeName: "machine", Routes: []string{"[::1]:7"}, Port: 9933, Secure: true,
			BindHost: "0.0.0.0", Databases: []string{"system"}, CertHostname: "machine"}, ""},
		{"bad databases", `{"replication":{"port":1,"databases":{"x":1}}}`, settings{}, "replication.databases"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseSettings([]byte(tc.conf), fixedHost)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestSameListener(t *testing.T) {
	a := settings{NodeName: "n", Port: 1, Secure: true, BindHost: "h", Routes: []string{"x:1"}}
	b := a
	b.Routes = []string{"y:2"}
	if !a.sameListener(b) {
		t.Error("a routes change must be reloadable")
	}
	b.Port = 2
	if a.sameListener(b) {
		t.Error("a port change needs a restart")
	}
}

// TestRoutePortRefusesWhatItCannotUse: a route's port that is not a whole
// number is refused, never replaced by the default port or truncated.
func TestRoutePortRefusesWhatItCannotUse(t *testing.T) {
	for _, tc := range []struct {
		route any
		want  string
	}{
		{map[string]any{"hostname": "a", "port": 9000.0}, "a:9000"},
		{map[string]any{"hostname": "a", "port": "9001"}, "a:9001"},
		{map[string]any{"hostname": "a", "port": nil}, "a:9933"},
		{map[string]any{"hostname": "a"}, "a:9933"},
		{map[string]any{"hostname": "a", "port": "x"}, ""},
		{map[string]any{"hostname": "a", "port": 1.5}, ""},
		{map[string]any{"hostname": "a", "port": 1e300}, ""},
		{map[string]any{"hostname": "a", "port": -1.0}, ""},
		{map[string]any{"hostname": "a", "port": true}, ""},
		{map[string]any{"hostname": "a", "port": []any{1.0}}, ""},
		{map[string]any{"hostname": "a", "port": "70000"}, ""},
	} {
		got, err := routeHostPort(tc.route)
		if got != tc.want || (err == nil) != (tc.want != "") {
			t.Errorf("%v: %q %v, want %q", tc.route, got, err, tc.want)
		}
	}
}

// TestApplyRefusesABusyPort: a cluster port another listener has is
// refused as a setting (cluster_reload answers 400 naming it) instead of
// starting a server that waits for a listener that never comes.
func TestApplyRefusesABusyPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	f, _ := New()
	f.dir = t.TempDir()
	port := l.Addr().(*net.TCPAddr).Port
	err = f.apply(context.Background(), settings{NodeName: "n", Port: port, BindHost: "127.0.0.1"}, false)
	var se *settingsError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "cannot be listened on") {
		t.Fatalf("apply on a busy port: %v, want a settings error naming the port", err)
	}
	defer f.stopNode()
}

// TestRoutesBounded: a route list longer than MaxRoutes is refused, by an
// edit (nothing written) and in the configuration.
func TestRoutesBounded(t *testing.T) {
	routes := make([]any, MaxRoutes+1)
	for i := range routes {
		routes[i] = "127.0." + strconv.Itoa(i/250) + "." + strconv.Itoa(i%250+1) + ":20002"
	}
	if _, err := parseRoutes(routes); err == nil || !strings.Contains(err.Error(), "at most") {
		t.Errorf("parseRoutes of %d routes: %v", len(routes), err)
	}
	writes := 0
	f, _ := New()
	f.host = joinHost{answer: func(body []byte) (int, string) {
		if strings.Contains(string(body), `"set_configuration"`) {
			writes++
		}
		return 200, `{"replication":{"routes":[]}}`
	}}
	body, _ := json.Marshal(map[string]any{"operation": "cluster_set_routes", "routes": routes})
	_, err := f.clusterSetRoutes(context.Background(), &sdk.Request{Operation: "cluster_set_routes", Body: body})
	var se *sdk.Error
	if !errors.As(err, &se) || se.Status != 400 || !strings.Contains(se.Message, "at most") {
		t.Errorf("cluster_set_routes of %d routes: %v", len(routes), err)
	}
	if writes != 0 {
		t.Errorf("the configuration was written %d times", writes)
	}
}

// TestReloadsCoalesce: restarts (and reloads) asked while one of the same
// kind waits to start are answered by it, so a burst of restart_service
// jobs does not queue one restart each ahead of other edits.
func TestReloadsCoalesce(t *testing.T) {
	var reads atomic.Int64
	f, _ := New()
	f.host = joinHost{answer: func(body []byte) (int, string) {
		reads.Add(1)
		return 200, `{"replication":{}}` // clustering off: apply has nothing to start
	}}
	f.applyMu.Lock() // a restart runs
	const n = 16
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := f.reload(context.Background(), i%2 == 0); err != nil {
				t.Error(err)
			}
		})
	}
	waitFor(t, "both kinds pending", 10*time.Second, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.pending[0] != nil && f.pending[1] != nil
	})
	time.Sleep(100 * time.Millisecond) // the others join them
	f.applyMu.Unlock()
	wg.Wait()
	if got := reads.Load(); got > 4 {
		t.Errorf("%d reloads read the configuration %d times, want at most 4 (two of each kind)", n, got)
	}
}

// A route edit that waits editWait for the edits ahead of it is refused
// with a 503 naming the cause, and changes nothing; before, it waited for
// as long as they took.
func TestRouteEditRefusedWhenEditsAreBusy(t *testing.T) {
	var sets atomic.Int64
	f, _ := New()
	f.host = joinHost{answer: func(body []byte) (int, string) {
		if strings.Contains(string(body), `"set_configuration"`) {
			sets.Add(1)
		}
		return 200, `{"replication":{}}`
	}}
	f.edits <- struct{}{} // another edit runs and does not end
	errc := make(chan error, 1)
	go func() {
		_, err := f.clusterSetRoutes(context.Background(), &sdk.Request{Operation: "cluster_set_routes",
			Body: []byte(`{"operation":"cluster_set_routes","routes":["127.0.0.1:20001"]}`)})
		errc <- err
	}()
	var err error
	select {
	case err = <-errc:
	case <-time.After(30 * time.Second):
		t.Fatal("the edit waited for the one ahead of it")
	}
	var se *sdk.Error
	if !errors.As(err, &se) || se.Status != 503 || !strings.Contains(se.Message, "busy applying other route changes") {
		t.Fatalf("error %v", err)
	}
	if sets.Load() != 0 {
		t.Errorf("the refused edit wrote the configuration")
	}
	<-f.edits
	if _, err := f.clusterSetRoutes(context.Background(), &sdk.Request{Operation: "cluster_set_routes",
		Body: []byte(`{"operation":"cluster_set_routes","routes":["127.0.0.1:20001"]}`)}); err != nil || sets.Load() != 1 {
		t.Fatalf("with the lock free: %v, %d writes", err, sets.Load())
	}
}
