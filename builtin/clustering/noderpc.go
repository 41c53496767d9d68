package clustering

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/hops-dev/hops/sdk"
)

// Node to node requests: core NATS request/reply (no JetStream). Each
// node's family subscribes hops.node.<self>.<verb> on its own server and
// runs the verb's operation on its host as the internal caller. Only the
// nodes' servers (routes under mutual TLS, or a plain port configured for
// development) and this node's own processes (the client token) can
// publish there, so a request on these subjects comes from a node.

// Operations of the node requests.
const (
	// OpClusterRequest sends one node request and answers with the
	// remote answer (internal: the host's replicated restarts use it).
	OpClusterRequest = "cluster_request"
	// OpClusterNodes lists the cluster's nodes (internal).
	OpClusterNodes = "cluster_nodes"
	// OpNodeStatus is the host operation the status verb runs.
	OpNodeStatus = "node_status"
	// OpNodeWaitJob is the host operation the wait_job verb runs: it
	// answers when a restart_service job of that node ends.
	OpNodeWaitJob = "node_wait_job"
)

// nodeVerbs are the verbs a node answers, each the operation it runs. A
// request's body is the operation's body; its "operation" key is set from
// the verb, so a verb never runs anything else.
var nodeVerbs = map[string]string{
	"restart":         "restart",
	"restart_service": "restart_service",
	"get_job":         "get_job",
	"status":          OpNodeStatus,
	"wait_job":        OpNodeWaitJob,
}

const (
	// nodeSubjectPrefix starts every node request subject.
	nodeSubjectPrefix = "hops.node."
	// defaultRequestTimeout bounds a cluster_request without timeout_ms.
	defaultRequestTimeout = 5 * time.Second
	// maxRequestTimeout bounds a cluster_request's timeout_ms.
	maxRequestTimeout = 2 * time.Minute
	// maxNodeAnswer bounds an answer carried back to the requester.
	maxNodeAnswer = 1 << 20
)

// Messages of the node requests.
const (
	MsgNoNode       = "'node' is required"
	MsgBadVerb      = "'verb' must be one of restart, restart_service, get_job, wait_job, status"
	MsgNotRunning   = "Clustering is not running on this node"
	MsgNoResponders = "Node '%s' does not answer (not connected, or not running)"
	MsgTimedOut     = "Node '%s' did not answer within %s"
)

// NodeAnswer is what cluster_request answers, and what a node sends back
// on the wire: the operation's HTTP status and its body (JSON).
type NodeAnswer struct {
	Node   string          `json:"node"`
	Status int             `json:"status"`
	Body   json.RawMessage `json:"body"`
}

// nodeSubject is the subject of a verb on node: the node name as token
// makes it (every character other than [A-Za-z0-9_-] as "_": a NATS
// subject token cannot hold ".", "*", ">" or spaces).
func nodeSubject(node, verb string) string {
	return nodeSubjectPrefix + token(node) + "." + verb
}

// rpc is the node request client and server of one running NATS server.
type rpc struct {
	nc   *nats.Conn
	sub  *nats.Subscription
	wg   sync.WaitGroup
	stop context.CancelFunc
}

// startRPC connects to n's server in process and answers this node's
// requests. f.host runs the verbs.
func (f *Family) startRPC(n *node) (*rpc, error) {
	nc, err := nats.Connect("", nats.InProcessServer(n.srv), nats.Token(n.info.Token),
		nats.Name("hops-node-rpc"), nats.MaxReconnects(-1))
	if err != nil {
		return nil, fmt.Errorf("node requests: connect: %w", err)
	}
	ctx, cancel := context.WithCancel(f.ctx)
	r := &rpc{nc: nc, stop: cancel}
	r.sub, err = nc.Subscribe(nodeSubjectPrefix+token(n.set.NodeName)+".*", func(m *nats.Msg) {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			f.answerNode(ctx, m)
		}()
	})
	if err != nil {
		cancel()
		nc.Close()
		return nil, fmt.Errorf("node requests: subscribe: %w", err)
	}
	if err := nc.Flush(); err != nil {
		cancel()
		nc.Close()
		return nil, fmt.Errorf("node requests: %w", err)
	}
	return r, nil
}

// close stops answering and disconnects, waiting for answers in flight.
func (r *rpc) close() {
	if r == nil {
		return
	}
	_ = r.sub.Unsubscribe()
	r.stop()
	r.wg.Wait()
	r.nc.Close()
}

// answerNode runs one node request on the host as the internal caller.
func (f *Family) answerNode(ctx context.Context, m *nats.Msg) {
	verb := m.Subject[strings.LastIndexByte(m.Subject, '.')+1:]
	ans := NodeAnswer{Node: f.nodeName()}
	op, ok := nodeVerbs[verb]
	var body map[string]any
	if ok && len(m.Data) > 0 {
		if err := json.Unmarshal(m.Data, &body); err != nil {
			ok = false
		}
	}
	if !ok {
		ans.Status, ans.Body = http.StatusBadRequest, errorJSON(MsgBadVerb)
		f.respond(m, ans)
		return
	}
	if body == nil {
		body = map[string]any{}
	}
	body["operation"] = op
	raw, _ := json.Marshal(body)
	cctx, cancel := context.WithTimeout(ctx, hostCallTimeout)
	defer cancel()
	reply, err := f.host.Dispatch(cctx, sdk.Caller{}, raw)
	if err != nil {
		ans.Status, ans.Body = http.StatusServiceUnavailable, errorJSON(err.Error())
	} else {
		data, rerr := io.ReadAll(io.LimitReader(reply.Body, maxNodeAnswer))
		reply.Body.Close()
		ans.Status, ans.Body = reply.Status, data
		if rerr != nil || !json.Valid(data) {
			ans.Status, ans.Body = http.StatusBadGateway, errorJSON("unreadable answer from the host")
		}
	}
	f.log.Debug("node request", "verb", verb, "status", ans.Status)
	f.respond(m, ans)
}

func (f *Family) respond(m *nats.Msg, ans NodeAnswer) {
	b, _ := json.Marshal(ans)
	if err := m.Respond(b); err != nil {
		f.log.Warn("node request: answer not sent", "subject", m.Subject, "error", err)
	}
}

func errorJSON(msg string) json.RawMessage {
	b, _ := json.Marshal(map[string]string{"error": msg})
	return b
}

func (f *Family) nodeName() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.set.NodeName
}

// running returns the running server and its node request client, or
// nil when clustering does not run.
func (f *Family) running() (*node, *rpc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.node, f.rpc
}

// clusterRequest: cluster_request {node, verb, body, timeout_ms} sends
// verb with body to node and answers {node, status, body}: the remote
// operation's status and answer. A node that does not answer is a 503
// (no responder: not connected or not running) or a 504 (timeout).
func (f *Family) clusterRequest(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	fields := req.Fields()
	node := fields.String("node", sdk.AllowEmpty)
	verb := fields.String("verb", sdk.AllowEmpty)
	ms, _ := fields.Int("timeout_ms")
	body, _ := fields.Raw("body")
	if err := fields.Err(); err != nil {
		return nil, err
	}
	if node == "" {
		return nil, sdk.BadRequest(MsgNoNode)
	}
	if _, ok := nodeVerbs[verb]; !ok {
		return nil, sdk.BadRequest(MsgBadVerb)
	}
	timeout := defaultRequestTimeout
	if ms > 0 {
		timeout = min(time.Duration(ms)*time.Millisecond, maxRequestTimeout)
	}
	if len(body) == 0 {
		body = []byte(`{}`)
	}
	_, r := f.running()
	if r == nil {
		return nil, sdk.Errorf(http.StatusServiceUnavailable, MsgNotRunning)
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	msg, err := r.nc.RequestWithContext(rctx, nodeSubject(node, verb), body)
	switch {
	case errors.Is(err, nats.ErrNoResponders):
		return nil, sdk.Errorf(http.StatusServiceUnavailable, MsgNoResponders, node)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout):
		return nil, sdk.Errorf(http.StatusGatewayTimeout, MsgTimedOut, node, timeout)
	case err != nil:
		return nil, sdk.Errorf(http.StatusServiceUnavailable, "Node '%s': %v", node, err)
	}
	var ans NodeAnswer
	if err := json.Unmarshal(msg.Data, &ans); err != nil {
		return nil, sdk.Errorf(http.StatusBadGateway, "Node '%s' answered unreadably", node)
	}
	return sdk.OK(ans), nil
}

// Nodes is cluster_nodes' answer.
type Nodes struct {
	// NodeName is this node.
	NodeName string `json:"node_name"`
	// Nodes are this node and every node its server has a route to,
	// sorted by name.
	Nodes []string `json:"nodes"`
}

// clusterNodes: cluster_nodes lists the nodes from NATS's routes.
func (f *Family) clusterNodes(context.Context, *sdk.Request) (*sdk.Response, error) {
	n, _ := f.running()
	if n == nil {
		return nil, sdk.Errorf(http.StatusServiceUnavailable, MsgNotRunning)
	}
	rz, err := n.srv.Routez(&server.RoutezOptions{})
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{n.set.NodeName: true}
	out := Nodes{NodeName: n.set.NodeName, Nodes: []string{n.set.NodeName}}
	for _, r := range rz.Routes {
		if r.RemoteName != "" && !seen[r.RemoteName] {
			seen[r.RemoteName] = true
			out.Nodes = append(out.Nodes, r.RemoteName)
		}
	}
	sort.Strings(out.Nodes)
	return sdk.OK(out), nil
}
