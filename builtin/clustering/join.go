package clustering

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/hops-dev/hops/sdk"
)

// Joining through another node's operations API: add_node with an
// `authorization` and a `url` naming the other node's operations API
// (http:// or https://) uses the credentials once, for four calls to that
// node: its configuration (its cluster port and node name), its
// certificate authorities (trusted here), this node's authority added
// there (add_certificate, is_authority) and applied (restart_service
// clustering_config). The route to its cluster port is then added here.
// The credentials are not kept anywhere.

// joinTimeout bounds each call to the other node: a node that does not
// answer (a black hole, a slow or dripping server) is reported with 504
// rather than holding the operation.
const joinTimeout = 10 * time.Second

// joinBudget bounds the whole join (four calls and the local certificate
// steps), so add_node and configure_cluster end within it whatever the
// other node does.
const joinBudget = 20 * time.Second

// Messages of joining.
const (
	MsgJoinRetain   = "'retain_authorization' cannot be true: hops uses 'authorization' once, to exchange certificate authorities with the other node, and never keeps it (docs/clustering.md)"
	MsgJoinAuth     = "'authorization' must be a string (an Authorization header, e.g. \"Basic ...\") or an object with username and password"
	MsgJoinURL      = "'authorization' needs 'url' to name the other node's operations API (http:// or https://)"
	MsgJoinHTTPURL  = "'url' %q names an operations API (http/https): give 'authorization' to join through it, or name the node's cluster port (host:port)"
	MsgJoinNoPort   = "Error returned from %s: the node has no replication.securePort or replication.port: clustering is not configured there"
	MsgJoinRemote   = "Error returned from %s: %s"
	MsgJoinNoAuthCA = "this node has no certificate authority for its node certificate to send"
	MsgJoinSelf     = "'url' %q reaches this node itself (replication.hostname %q): name another node's operations API"
	MsgJoinRedirect = "Error returned from %s: redirected (%d) to %q: give the other node's operations API itself"
	MsgJoinTimeout  = "Error returned from %s: no answer within %v"
	MsgJoinPort     = "'port' does not go with 'authorization': joining reads the other node's cluster port from its configuration; leave 'port' out"
	MsgVerifyJoin   = "'verify_tls' false applies only to the call to another node's operations API with 'authorization': routes always verify the peer's certificate against the trusted CAs (docs/clustering.md)"
)

// isOpsURL reports whether u names an operations API (http or https).
func isOpsURL(u string) bool {
	l := strings.ToLower(strings.TrimSpace(u))
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// joinAuth reads authorization: a header value, or {username, password}
// (Basic). ok is false when absent or falsy.
func joinAuth(fields *sdk.Fields) (header string, ok bool, err error) {
	raw, present := fields.Raw("authorization")
	if !present || isFalsy(raw) {
		return "", false, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil && s != "" {
		return s, true, nil
	}
	var up struct {
		Username *string `json:"username"`
		Password *string `json:"password"`
	}
	if json.Unmarshal(raw, &up) != nil || up.Username == nil || up.Password == nil {
		return "", false, sdk.BadRequest(MsgJoinAuth)
	}
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(*up.Username+":"+*up.Password)), true, nil
}

// remoteNode is the other node's operations API, called with the
// credentials.
type remoteNode struct {
	url    string
	auth   string
	client *http.Client
}

// newRemoteNode makes the client of one join: no keep-alive (the four
// calls leave no connection or goroutine behind) and no redirect followed
// (the credentials go only to the url given).
func newRemoteNode(u, auth string, verify bool) *remoteNode {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: !verify} //nolint:gosec // verify_tls: false, asked for
	tr.DisableKeepAlives = true
	return &remoteNode{url: u, auth: auth, client: &http.Client{
		Timeout:       joinTimeout,
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// close drops whatever connection the calls left.
func (r *remoteNode) close() { r.client.CloseIdleConnections() }

// transportErr is the error of a call that got no answer: 504 when the
// node did not answer in time, else 502.
func (r *remoteNode) transportErr(ctx context.Context, err error) error {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil || (errors.As(err, &ne) && ne.Timeout()) {
		return sdk.Errorf(http.StatusGatewayTimeout, MsgJoinTimeout, r.url, joinTimeout)
	}
	return sdk.Errorf(http.StatusBadGateway, MsgJoinRemote, r.url, err.Error())
}

// call runs one operation on the other node and returns its answer; a
// refusal names the node and its message.
func (r *remoteNode) call(ctx context.Context, body map[string]any) ([]byte, error) {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url, bytes.NewReader(b))
	if err != nil {
		return nil, sdk.BadRequest(MsgJoinRemote, r.url, err.Error())
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", r.auth)
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, r.transportErr(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return nil, sdk.BadRequest(MsgJoinRedirect, r.url, resp.StatusCode, resp.Header.Get("Location"))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxHostAnswer))
	if err != nil {
		return nil, r.transportErr(ctx, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(data, &e)
		msg := e.Error
		if msg == "" {
			msg = e.Message
		}
		if msg == "" {
			msg = strings.TrimSpace(string(data))
		}
		if resp.StatusCode >= 500 {
			return nil, sdk.Errorf(http.StatusBadGateway, MsgJoinRemote, r.url, msg)
		}
		return nil, sdk.BadRequest(MsgJoinRemote, r.url, msg)
	}
	return data, nil
}

// joined is what joining learned: the route to the other node's cluster
// port and its node name.
type joined struct {
	route any
	hp    string
	name  string
}

// join exchanges certificate authorities with the node whose operations
// API is opsURL, using auth once, and returns the route to its cluster
// port. caller adds the other node's authorities here.
func (f *Family) join(ctx context.Context, caller sdk.Caller, opsURL, auth string, verify bool) (joined, error) {
	u, err := url.Parse(strings.TrimSpace(opsURL))
	if err != nil || u.Hostname() == "" {
		return joined{}, sdk.BadRequest("invalid node address: %q is not a URL with a host", opsURL)
	}
	ctx, cancel := context.WithTimeout(ctx, joinBudget)
	defer cancel()
	remote := newRemoteNode(u.String(), auth, verify)
	defer remote.close()
	set, err := f.readSettings(ctx)
	if err != nil {
		return joined{}, err
	}

	// Its cluster port and name.
	raw, err := remote.call(ctx, map[string]any{"operation": "get_configuration"})
	if err != nil {
		return joined{}, err
	}
	var e effective
	if err := json.Unmarshal(raw, &e); err != nil {
		return joined{}, sdk.Errorf(http.StatusBadGateway, MsgJoinRemote, opsURL, "unreadable configuration")
	}
	port := deref(e.Replication.SecurePort)
	if port == 0 {
		port = deref(e.Replication.Port)
	}
	if port == 0 {
		return joined{}, sdk.BadRequest(MsgJoinNoPort, opsURL)
	}
	j := joined{hp: net.JoinHostPort(u.Hostname(), strconv.Itoa(port))}
	j.route = map[string]any{"hostname": u.Hostname(), "port": port}
	if p := e.Replication.Hostname; p != nil && *p != "" {
		j.name = *p
	}
	if (j.name != "" && j.name == set.NodeName) || isSelf(set, j.hp) {
		return joined{}, sdk.BadRequest(MsgJoinSelf, opsURL, set.NodeName)
	}

	// This node's authority (the one that signed its node certificate),
	// read before the other node's are added here.
	local, err := f.dispatch(ctx, caller, []byte(`{"operation":"list_certificates"}`))
	if err != nil {
		return joined{}, err
	}
	own, err := nodeAuthority(local, set.CertHostname)
	if err != nil {
		return joined{}, err
	}

	// Its authorities, trusted here (those not trusted yet).
	raw, err = remote.call(ctx, map[string]any{"operation": "list_certificates"})
	if err != nil {
		return joined{}, err
	}
	var theirs, mine []certRecord
	if err := json.Unmarshal(raw, &theirs); err != nil {
		return joined{}, sdk.Errorf(http.StatusBadGateway, MsgJoinRemote, opsURL, "unreadable certificate list")
	}
	_ = json.Unmarshal(local, &mine)
	peer := j.name
	if peer == "" {
		peer = u.Hostname()
	}
	n := 0
	for _, c := range theirs {
		if !c.IsAuthority || hasCert(mine, c.Certificate) {
			continue
		}
		n++
		body, _ := json.Marshal(map[string]any{"operation": "add_certificate", "name": caName(peer, n),
			"certificate": c.Certificate, "is_authority": true})
		if _, err := f.dispatch(ctx, caller, body); err != nil {
			return joined{}, fmt.Errorf("trust %s's certificate authority: %w", opsURL, err)
		}
	}

	// This node's authority, trusted there and applied.
	if !hasCert(theirs, own) {
		if _, err := remote.call(ctx, map[string]any{"operation": "add_certificate", "name": caName(set.NodeName, 1),
			"certificate": own, "is_authority": true}); err != nil {
			return joined{}, err
		}
	}
	if _, err := remote.call(ctx, map[string]any{"operation": "restart_service", "service": "clustering_config"}); err != nil {
		return joined{}, err
	}
	return j, nil
}

// isSelf reports whether hp is this node's own cluster port on a
// loopback address (the other node's operations API was this node's).
func isSelf(set settings, hp string) bool {
	if set.Port == 0 || portOf(hp) != set.Port {
		return false
	}
	h := hostOf(hp)
	ip := net.ParseIP(h)
	return strings.EqualFold(h, "localhost") || (ip != nil && (ip.IsLoopback() || ip.IsUnspecified()))
}

// routeToSelf reports whether hp is this node's own cluster port: its
// cluster port (DefaultSecurePort while none is set: naming a route turns
// that port on) on its node name, the machine's host name, its bind
// address, localhost, or a loopback or unspecified address.
func routeToSelf(set settings, hp string) bool {
	port := set.Port
	if port == 0 {
		port = DefaultSecurePort
	}
	if portOf(hp) != port {
		return false
	}
	h := hostOf(hp)
	if strings.EqualFold(h, set.NodeName) || strings.EqualFold(h, set.BindHost) || strings.EqualFold(h, "localhost") {
		return true
	}
	if mh, err := hostname(); err == nil && mh != "" && strings.EqualFold(h, mh) {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && (ip.IsLoopback() || ip.IsUnspecified())
}

// MsgRouteSelf refuses a route to this node's own cluster port: the
// field, the route, this node's name.
const MsgRouteSelf = "'%s' %s is this node's own cluster port (replication.hostname %q): name another node"

// refuseSelf refuses, in an operation's fields, routes to this node
// itself (routeToSelf); field names the field of hps[i] for the message.
func (f *Family) refuseSelf(ctx context.Context, field func(i int) string, hps ...string) error {
	set, err := f.readSettings(ctx)
	if err != nil {
		var se *settingsError
		if !errors.As(err, &se) {
			return err
		}
	}
	for i, hp := range hps {
		if routeToSelf(set, hp) {
			return sdk.BadRequest(MsgRouteSelf, field(i), hp, set.NodeName)
		}
	}
	return nil
}

// fieldName is refuseSelf's field for one route.
func fieldName(name string) func(int) string { return func(int) string { return name } }

// caName names an authority of node added by joining.
func caName(node string, n int) string {
	return "ca-" + token(node) + "-" + strconv.Itoa(n)
}

// hasCert reports whether recs hold the certificate pemText.
func hasCert(recs []certRecord, pemText string) bool {
	want := certDER(pemText)
	for _, r := range recs {
		if want != nil && bytes.Equal(certDER(r.Certificate), want) {
			return true
		}
	}
	return false
}

func certDER(pemText string) []byte {
	b, _ := pem.Decode([]byte(pemText))
	if b == nil {
		return nil
	}
	return b.Bytes
}

// nodeAuthority returns the PEM of the authority in list (list_certificates'
// answer) that signed the node certificate named certHostname.
func nodeAuthority(list []byte, certHostname string) (string, error) {
	var recs []certRecord
	if err := json.Unmarshal(list, &recs); err != nil {
		return "", fmt.Errorf("read list_certificates: %w", err)
	}
	// The node certificate as loadTrust picks it: the one named
	// certHostname, else the first for the operations API.
	var node *x509.Certificate
	for _, r := range recs {
		if r.IsAuthority || r.PrivateKeyName == nil || *r.PrivateKeyName == "" {
			continue
		}
		if r.Name == certHostname || (node == nil && slices.Contains(r.Uses, "operations_api")) {
			if c, err := x509.ParseCertificate(certDER(r.Certificate)); err == nil && (node == nil || r.Name == certHostname) {
				node = c
			}
		}
	}
	if node == nil {
		return "", sdk.BadRequest(MsgJoinNoAuthCA)
	}
	for _, r := range recs {
		if !r.IsAuthority {
			continue
		}
		ca, err := x509.ParseCertificate(certDER(r.Certificate))
		if err == nil && node.CheckSignatureFrom(ca) == nil {
			return r.Certificate, nil
		}
	}
	return "", sdk.BadRequest(MsgJoinNoAuthCA)
}

// target is where an add_node-style object points, read and checked
// without calling anything: the route (no authorization), or the other
// node's operations API and the credentials to join through it.
type target struct {
	// route, hp and name: the route entry, its host:port and the name
	// messages give (no authorization).
	route    any
	hp, name string
	// join: the other node's operations API, the Authorization header,
	// whether to verify its certificate, and the node name given
	// (hostname or node_name; "" when none).
	join   bool
	url    string
	auth   string
	verify bool
	given  string
	// node names the node's subscriptions.
	node string
}

// readTarget reads and checks an add_node-style object's target: every
// field refused here is refused before the other node is called.
func readTarget(fields *sdk.Fields) (target, error) {
	auth, hasAuth, err := joinAuth(fields)
	if err != nil {
		return target{}, err
	}
	u := fields.String("url", sdk.AllowEmpty)
	verify, hasVerify := fields.Bool("verify_tls")
	if err := fields.Err(); err != nil {
		return target{}, err
	}
	if !hasAuth {
		if isOpsURL(u) {
			return target{}, sdk.BadRequest(MsgJoinHTTPURL, u)
		}
		if hasVerify && !verify {
			return target{}, sdk.BadRequest(MsgVerifyJoin)
		}
		entry, hp, name, err := nodeRoute(fields, true)
		if err != nil {
			return target{}, err
		}
		node := subsName(fields)
		if err := fields.Err(); err != nil {
			return target{}, err
		}
		return target{route: entry, hp: hp, name: name, node: node}, nil
	}
	if !isOpsURL(u) {
		return target{}, sdk.BadRequest(MsgJoinURL)
	}
	if fields.Present("port") {
		return target{}, sdk.BadRequest(MsgJoinPort)
	}
	if err := oneName(fields, true); err != nil {
		return target{}, err
	}
	t := target{join: true, url: u, auth: auth, verify: !hasVerify || verify, name: u}
	for _, k := range []string{"hostname", "node_name"} {
		if s := fields.String(k, sdk.AllowEmpty); s != "" && t.given == "" {
			if !validHost(s) {
				return target{}, sdk.BadRequest(MsgNotHostName, k, s)
			}
			t.given = s
		}
	}
	if err := fields.Err(); err != nil {
		return target{}, err
	}
	return t, nil
}

// namesNode reports whether an add_node-style object names its node
// (hostname, node_name or name) rather than only its address (url).
func namesNode(fields *sdk.Fields) bool {
	for _, k := range []string{"hostname", "node_name", "name"} {
		if fields.String(k, sdk.AllowEmpty) != "" {
			return true
		}
	}
	return false
}

// peerNameAt returns the name of the node this node's NATS server
// reaches at hp (a route it dialled there, connected now); "" when none
// is connected there.
func (f *Family) peerNameAt(hp string) string {
	f.mu.Lock()
	n, set := f.node, f.set
	f.mu.Unlock()
	if n == nil || n.srv == nil {
		return ""
	}
	rz, err := n.srv.Routez(&server.RoutezOptions{})
	if err != nil {
		return ""
	}
	candidate := false // a route that could be hp's: resolve hp only then
	for _, r := range rz.Routes {
		candidate = candidate || (r.DidSolicit && r.Port == portOf(hp)) || (r.IsConfigured && !r.DidSolicit)
	}
	if !candidate {
		return ""
	}
	ips := resolve(hostOf(hp))
	for _, r := range rz.Routes {
		if r.DidSolicit && r.RemoteName != "" && r.Port == portOf(hp) && slices.Contains(ips, r.IP) {
			return r.RemoteName
		}
	}
	// NATS may keep the connection the peer dialled instead of its own
	// (it shows the peer's source port): cluster_status's matching of
	// configured routes tells which peer it is.
	if !slices.Contains(set.Routes, hp) {
		set.Routes = append(slices.Clone(set.Routes), hp)
	}
	for _, c := range connections(rz, set) {
		if c.URL == routeScheme+"://"+hp && len(c.DatabaseSocket) > 0 && c.DatabaseSocket[0].Connected {
			return c.Name
		}
	}
	return ""
}

// MsgSubsNoName refuses subscriptions for a node named only by a url
// whose host is an address and that is not connected: its name (which
// the lists are kept by) is not known here.
const MsgSubsNoName = "'subscriptions' for the node at %s need its name: give 'hostname' (the node's replication.hostname) beside 'url'; no node is connected there to tell it"

// checkSubsName refuses a list kept under node when node is only the
// address of a url (an IP address or localhost, never connected): the
// lists are matched by node name, so it would never apply.
func checkSubsName(fields *sdk.Fields, set bool, node, hp string) error {
	if !set || namesNode(fields) || node != hostOf(hp) || isOpsURL(fields.String("url", sdk.AllowEmpty)) {
		return nil // named, or joined (the other node said its name)
	}
	if ip := net.ParseIP(node); ip != nil || strings.EqualFold(node, "localhost") {
		return sdk.BadRequest(MsgSubsNoName, hp)
	}
	return nil
}

// targetField names the field an add_node-style object's route came
// from, for messages.
func targetField(fields *sdk.Fields) string {
	if fields.Present("url") {
		return "url"
	}
	if !fields.Present("hostname") && fields.Present("node_name") {
		return "node_name"
	}
	return "hostname"
}

// nodeTarget reads where an add_node-style object points: with
// authorization, the node joined through its operations API (url); else
// its route (nodeRoute). It returns the route entry, its host:port, the
// name messages give (url, else hostname) and the node's name for its
// subscriptions.
func (f *Family) nodeTarget(ctx context.Context, caller sdk.Caller, fields *sdk.Fields) (entry any, hp, name, node string, err error) {
	t, err := readTarget(fields)
	if err != nil {
		return nil, "", "", "", err
	}
	if !t.join {
		if err := f.refuseSelf(ctx, fieldName(targetField(fields)), t.hp); err != nil {
			return nil, "", "", "", err
		}
		if !namesNode(fields) {
			if peer := f.peerNameAt(t.hp); peer != "" {
				t.node = peer
			}
		}
		return t.route, t.hp, t.name, t.node, nil
	}
	j, err := f.join(ctx, caller, t.url, t.auth, t.verify)
	if err != nil {
		return nil, "", "", "", err
	}
	node = t.given
	if node == "" {
		node = j.name
	}
	if node == "" {
		node = hostOf(j.hp)
	}
	return j.route, j.hp, t.url, node, nil
}
