package clustering

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/nats-io/nats-server/v2/server"
)

// NATS server settings.
const (
	// ClusterName is the NATS cluster name every hops node uses; a route
	// to a server of another cluster name is refused by NATS.
	ClusterName = "hops"
	// clientHost: the client listener is on loopback only, so only this
	// machine's processes reach it (and they need the token).
	clientHost = "127.0.0.1"
	// maxPayload is the largest message: 8 MiB, the most NATS takes
	// without a warning (its default is 1 MiB).
	maxPayload = 8 << 20
	// tokenBytes is the entropy of the client token (32 bytes, 64 hex).
	tokenBytes = 32
	// readyTimeout bounds the wait for a started server to accept clients.
	readyTimeout = 10 * time.Second
	// routeTLSTimeout bounds a route's TLS handshake, in seconds (NATS
	// takes a float of seconds).
	routeTLSTimeout = 2.0
	// storeDirName is the JetStream store under <rootPath>/clustering.
	storeDirName = "jetstream"
	// clientFileName is the client handoff file under <rootPath>/clustering.
	clientFileName = "client.json"
	// dirMode and fileMode keep the store and the token to this OS user.
	dirMode  = 0o700
	fileMode = 0o600
)

// ClientInfo is what the family writes to <rootPath>/clustering/client.json
// (mode 0600, directory 0700) while its NATS server runs, and removes when
// it stops: how the host and other families of this node connect to it
// (nats.Connect(URL, nats.Token(Token))). The listener is on loopback and
// the token is random per server start, so only processes of this OS user
// on this machine can use it.
type ClientInfo struct {
	// URL is nats://127.0.0.1:<port>.
	URL string `json:"url"`
	// Token is the client token.
	Token string `json:"token"`
	// NodeName is the node's name in the cluster.
	NodeName string `json:"node_name"`
	// PID is the clustering family's process id.
	PID int `json:"pid"`
}

// node is one running NATS server.
type node struct {
	srv   *server.Server
	opts  *server.Options // the options it runs with (ports resolved)
	set   settings
	trust *trust // nil on a plain port
	info  ClientInfo
	dir   string
	// repl is the replication transport over this server (nil in tests
	// that start a bare server).
	repl *replicator
}

// startNode starts a NATS server with JetStream for set. dir is
// <rootPath>/clustering; tr is the route TLS material (nil for a plain
// port).
func startNode(set settings, tr *trust, dir string, log hclog.Logger) (*node, error) {
	if err := os.MkdirAll(filepath.Join(dir, storeDirName), dirMode); err != nil {
		return nil, fmt.Errorf("create the JetStream store: %w", err)
	}
	// MkdirAll keeps the mode of a directory that exists: tighten it.
	if err := os.Chmod(dir, dirMode); err != nil {
		return nil, fmt.Errorf("clustering dir mode: %w", err)
	}
	token, err := randomToken()
	if err != nil {
		return nil, err
	}
	opts := &server.Options{
		ServerName:    set.NodeName,
		Host:          clientHost,
		Port:          server.RANDOM_PORT,
		Authorization: token,
		JetStream:     true,
		StoreDir:      filepath.Join(dir, storeDirName),
		NoSigs:        true,
		// A replicated change travels as one message (repl.go).
		MaxPayload: maxPayload,
		// The tag places this node's own stream on it (repl.go).
		Tags: []string{nodeTag(set.NodeName)},
		Cluster: server.ClusterOpts{
			Name: ClusterName,
			Host: set.BindHost,
			Port: set.Port,
			// This node's clients are its own processes on loopback: never
			// tell them other nodes' client URLs.
			NoAdvertise: true,
		},
		Routes: nodeRoutes(set),
	}
	if tr != nil {
		opts.Cluster.TLSConfig = tr.config()
		opts.Cluster.TLSTimeout = routeTLSTimeout
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("configure NATS: %w", err)
	}
	srv.SetLogger(newNATSLogger(log), log.IsDebug(), log.IsTrace())
	go srv.Start()
	if !srv.ReadyForConnections(readyTimeout) {
		srv.Shutdown()
		return nil, fmt.Errorf("NATS did not accept connections within %s (is cluster port %d free?)", readyTimeout, set.Port)
	}
	addr, ok := srv.Addr().(*net.TCPAddr)
	if !ok {
		srv.Shutdown()
		return nil, errors.New("NATS client listener has no TCP address")
	}
	opts.Port = addr.Port
	n := &node{srv: srv, opts: opts, set: set, trust: tr, dir: dir, info: ClientInfo{
		URL: "nats://" + net.JoinHostPort(clientHost, strconv.Itoa(addr.Port)), Token: token,
		NodeName: set.NodeName, PID: os.Getpid(),
	}}
	if err := n.writeClientFile(); err != nil {
		srv.Shutdown()
		return nil, err
	}
	return n, nil
}

// reloadRoutes applies set's routes to the running server (NATS config
// reload: new routes are solicited, removed ones closed). The caller
// checked that set keeps the same listener.
func (n *node) reloadRoutes(set settings) error {
	next := n.opts.Clone()
	next.Routes = nodeRoutes(set)
	if n.trust != nil {
		next.Cluster.TLSConfig = n.opts.Cluster.TLSConfig
	}
	if err := n.srv.ReloadOptions(next); err != nil {
		return fmt.Errorf("reload NATS routes: %w", err)
	}
	n.opts.Routes = nodeRoutes(set)
	n.set = set
	return nil
}

// stop shuts the server down and removes the client file.
func (n *node) stop() {
	if n.repl != nil {
		n.repl.stop()
	}
	_ = os.Remove(filepath.Join(n.dir, clientFileName))
	shutdownServer(n.srv)
}

// settleEvery paces the checks of a stopping server.
const settleEvery = 5 * time.Millisecond

// stoppable is what shutdownServer needs of a NATS server.
type stoppable interface {
	Shutdown()
	Addr() net.Addr
	ClusterAddr() *net.TCPAddr
	NumRoutes() int
	NumClients() int
}

// shutdownServer shuts s down and returns once it has let go of what a
// next server on this node needs: JetStream (shut down before the
// listeners close), its client and cluster listeners, and its route and
// client connections. It does not wait for the server's remaining
// goroutines, as s.Shutdown does: a route being solicited may sit in a
// DNS lookup of its host, which NATS makes without a deadline (the
// resolver's own, 5 s by default), and every restart or stop of the
// server (and every request queued behind it on the apply lock) would
// wait for it. Those goroutines end by themselves when their lookup
// returns; Shutdown then completes in the background.
func shutdownServer(s stoppable) {
	done := make(chan struct{})
	go func() {
		s.Shutdown()
		close(done)
	}()
	t := time.NewTicker(settleEvery)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			if s.Addr() == nil && s.ClusterAddr() == nil && s.NumRoutes() == 0 && s.NumClients() == 0 {
				return
			}
		}
	}
}

// writeClientFile writes the client handoff file atomically.
func (n *node) writeClientFile() error {
	b, err := json.Marshal(n.info)
	if err != nil {
		return err
	}
	path := filepath.Join(n.dir, clientFileName)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, fileMode); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("install %s: %w", path, err)
	}
	return nil
}

// nodeRoutes are the routes the server solicits: set's, and its own
// cluster port. NATS drops a route to itself once connected, but JetStream
// in a cluster refuses to start with no route at all, and the first node
// of a cluster knows no other.
func nodeRoutes(set settings) []*url.URL {
	self := net.JoinHostPort(selfHost(set.BindHost), strconv.Itoa(set.Port))
	return routeURLs(append([]string{self}, set.Routes...))
}

// selfHost is the address the node reaches its own cluster port on.
func selfHost(bind string) string {
	if ip := net.ParseIP(bind); bind == "" || (ip != nil && ip.IsUnspecified()) {
		return clientHost
	}
	return bind
}

func randomToken() (string, error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate the client token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// ReadClientInfo reads the client handoff file of the node whose root is
// rootPath; it fails when clustering is not running there.
func ReadClientInfo(rootPath string) (ClientInfo, error) {
	var ci ClientInfo
	b, err := os.ReadFile(filepath.Join(rootPath, "clustering", clientFileName))
	if err != nil {
		return ci, fmt.Errorf("clustering client info: %w", err)
	}
	if err := json.Unmarshal(b, &ci); err != nil {
		return ci, fmt.Errorf("clustering client info: %w", err)
	}
	return ci, nil
}
