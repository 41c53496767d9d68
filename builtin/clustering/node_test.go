package clustering

import (
	"context"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func testLogger(t *testing.T) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{Name: t.Name(), Level: hclog.Debug, Output: testWriter{t}})
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

func TestStartNodePlain(t *testing.T) {
	set := settings{NodeName: "n1", Port: freePort(t), BindHost: "127.0.0.1", Databases: []string{"system"}}
	n, err := startNode(set, nil, t.TempDir(), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer n.stop()
}

// Three servers started as the family starts them (the third routed only
// to the first) form one JetStream cluster: a stream with three replicas
// takes a publish on one node and serves it on another. This is what
// replication will build on.
func TestThreeNodesRunJetStream(t *testing.T) {
	ports := []int{freePort(t), freePort(t), freePort(t)}
	routes := [][]string{nil, {hp(ports[0])}, {hp(ports[0])}}
	var nodes []*node
	for i, p := range ports {
		set := settings{NodeName: "n" + strconv.Itoa(i), Port: p, BindHost: "127.0.0.1", Routes: routes[i], Databases: []string{"system"}}
		n, err := startNode(set, nil, t.TempDir(), hclog.NewNullLogger())
		if err != nil {
			t.Fatal(err)
		}
		defer n.stop()
		nodes = append(nodes, n)
	}
	connect := func(n *node) jetstream.JetStream {
		nc, err := nats.Connect(n.info.URL, nats.Token(n.info.Token))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		js, err := jetstream.New(nc)
		if err != nil {
			t.Fatal(err)
		}
		return js
	}
	started := time.Now()
	js0, js2 := connect(nodes[0]), connect(nodes[2])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var err error
	for ctx.Err() == nil {
		// One attempt at a time: a request sent while the meta leader is
		// still being elected goes unanswered.
		actx, acancel := context.WithTimeout(ctx, 2*time.Second)
		_, err = js0.CreateStream(actx, jetstream.StreamConfig{Name: "T", Subjects: []string{"t.>"}, Replicas: 3})
		acancel()
		if err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("create a 3-replica stream: %v", err)
	}
	t.Logf("stream with 3 replicas created %s after the third node started", time.Since(started).Round(time.Millisecond))
	if _, err := js0.Publish(ctx, "t.a", []byte("hello")); err != nil {
		t.Fatal(err)
	}
	s, err := js2.Stream(ctx, "T")
	if err != nil {
		t.Fatal(err)
	}
	msg, err := s.GetMsg(ctx, 1)
	if err != nil || string(msg.Data) != "hello" {
		t.Fatalf("read on n2: %v %v", msg, err)
	}
}

func hp(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }

// stuckServer is a NATS server whose Shutdown closes its listeners and
// connections, then waits for a goroutine that does not end (a route's
// DNS lookup) until release is closed.
type stuckServer struct {
	mu      sync.Mutex
	closed  bool
	release chan struct{}
	settle  bool // the listeners close (false: Shutdown ends before)
}

func (s *stuckServer) Shutdown() {
	s.mu.Lock()
	s.closed = s.settle
	s.mu.Unlock()
	<-s.release
}

func (s *stuckServer) up() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.closed
}

func (s *stuckServer) Addr() net.Addr {
	if s.up() {
		return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4222}
	}
	return nil
}

func (s *stuckServer) ClusterAddr() *net.TCPAddr {
	if s.up() {
		return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 6222}
	}
	return nil
}

func (s *stuckServer) NumRoutes() int {
	if s.up() {
		return 2
	}
	return 0
}

func (s *stuckServer) NumClients() int { return s.NumRoutes() }

// A server whose listeners and connections are closed is stopped, even
// while its Shutdown still waits for a goroutine of its own (NATS makes a
// route's DNS lookup without a deadline): restarting the server, and the
// requests queued behind the restart, do not wait for the lookup.
func TestShutdownServerDoesNotWaitForStrayGoroutines(t *testing.T) {
	s := &stuckServer{release: make(chan struct{}), settle: true}
	defer close(s.release)
	done := make(chan struct{})
	go func() { shutdownServer(s); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("shutdownServer waited for the server's stray goroutine")
	}
}

// A server that still listens or holds connections is waited for.
func TestShutdownServerWaitsForListeners(t *testing.T) {
	s := &stuckServer{release: make(chan struct{})}
	done := make(chan struct{})
	go func() { shutdownServer(s); close(done) }()
	select {
	case <-done:
		t.Fatal("shutdownServer returned while the server still listened")
	case <-time.After(100 * time.Millisecond):
	}
	close(s.release)
	<-done
}
