package clustering

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hops-dev/hops/sdk"
)

// OpReload is the operation restart_service runs for clustering and
// clustering_config: read the configuration again and apply it.
const OpReload = "cluster_reload"

// Messages of the cluster operations, as HarperDB 4.7 words them.
const (
	msgAdded         = "Successfully added '%s' to cluster"
	msgUpdated       = "Successfully updated '%s'"
	msgRemoved       = "Successfully removed '%s' from cluster"
	msgConfigured    = "Cluster successfully configured."
	msgRoutesSet     = "cluster routes successfully set"
	msgRoutesDeleted = "cluster routes successfully deleted"
	msgReloaded      = "Clustering configuration applied"
	// MsgNodeNotFound answers remove_node for a node no route names.
	MsgNodeNotFound = "Node '%s' is not in replication.routes"
	// MsgEditsBusy refuses a route edit that waited editWait for the
	// edits ahead of it (503: nothing was changed; send it again).
	MsgEditsBusy = "Clustering is busy applying other route changes (waited %s); nothing was changed, try again"
	// MsgUnsupported refuses an add_node field hops does not act on yet.
	MsgUnsupported = "'%s' is not supported by hops clustering yet (docs/clustering.md)"
)

// unsupportedNodeFields are add_node fields refused when set (null, false,
// "" and [] set nothing): node certificates are not signed remotely,
// revocation lists and shards are not kept.
var unsupportedNodeFields = []string{"force_signing", "revoked_certificates", "shard"}

// nodeWideFields are HarperDB's node-wide publish/subscribe, refused when
// present (false too: it would mean something): hops takes them per
// database/table, in subscriptions.
var nodeWideFields = []string{"publish", "subscribe"}

// MsgNodeWide refuses a node-wide publish or subscribe.
const MsgNodeWide = "'%s' is not supported by hops clustering on the node itself: give it per database/table in 'subscriptions' (docs/clustering.md)"

// nodeRoute reads the route of an add_node-style object: url, or hostname
// with an optional port (default DefaultSecurePort). It returns the route
// as it will be written to the config, its host:port, and the node's name
// for messages.
func nodeRoute(fields *sdk.Fields, requireHost bool) (entry any, hp, name string, err error) {
	u, hasURL := fields.String("url"), fields.Present("url")
	h, hasHost := fields.String("hostname"), fields.Present("hostname")
	if !hasHost && fields.Present("node_name") {
		h, hasHost = fields.String("node_name"), true
	}
	if !hasHost && !requireHost {
		h, hasHost = fields.String("name"), fields.Present("name")
	}
	port, hasPort := fields.Number("port")
	if err := fields.Err(); err != nil {
		return nil, "", "", err
	}
	if err := oneName(fields, requireHost); err != nil {
		return nil, "", "", err
	}
	if hasHost && !validHost(strings.TrimSpace(h)) {
		return nil, "", "", sdk.BadRequest(MsgNotHostName, nameField(fields), h)
	}
	switch {
	case hasURL && hasPort:
		return nil, "", "", sdk.BadRequest("'port' goes with 'hostname': give the port in 'url'")
	case hasURL:
		entry, name = u, u
	case hasHost:
		name = h
		entry = h
		if hasPort {
			entry = map[string]any{"hostname": h, "port": port}
		}
	default:
		return nil, "", "", sdk.BadRequest("'hostname' or 'url' is required")
	}
	if hasPort && (port != float64(int(port)) || port < 1 || port > 65535) {
		return nil, "", "", sdk.BadRequest("'port' must be a port number between 1 and 65535")
	}
	if hp, err = routeHostPort(entry); err != nil {
		return nil, "", "", sdk.BadRequest("invalid node address: %v", err)
	}
	return entry, hp, name, nil
}

// MsgNotHostName refuses a hostname (node_name, name) that is not a host
// name: the field, its value.
const MsgNotHostName = "'%s' %q is not a host name or an IP address: give a port in 'port', a URL in 'url'"

// MsgTwoNames refuses two different names for one node: the two fields.
const MsgTwoNames = "'%s' and '%s' both name the node, differently: give one"

// oneName refuses hostname, node_name (and, for remove_node, name) naming
// the node differently: only one would be used.
func oneName(fields *sdk.Fields, adding bool) error {
	keys := []string{"hostname", "node_name", "name"}
	if adding {
		keys = keys[:2]
	}
	first, firstKey := "", ""
	for _, k := range keys {
		v := fields.String(k, sdk.AllowEmpty)
		switch {
		case v == "":
		case first == "":
			first, firstKey = v, k
		case v != first:
			return sdk.BadRequest(MsgTwoNames, firstKey, k)
		}
	}
	return nil
}

// nameField is the field nodeRoute took the node's name from.
func nameField(fields *sdk.Fields) string {
	for _, k := range []string{"hostname", "node_name", "name"} {
		if fields.Present(k) {
			return k
		}
	}
	return "hostname"
}

// checkNodeFields refuses the add_node fields hops does not act on.
func checkNodeFields(fields *sdk.Fields) error {
	for _, k := range unsupportedNodeFields {
		if raw, ok := fields.Raw(k); ok && !isFalsy(raw) {
			return sdk.BadRequest(MsgUnsupported, k)
		}
	}
	for _, k := range nodeWideFields {
		if raw, ok := fields.Raw(k); ok && string(raw) != "null" {
			return sdk.BadRequest(MsgNodeWide, k)
		}
	}
	if raw, ok := fields.Raw("retain_authorization"); ok && !isFalsy(raw) {
		return sdk.BadRequest(MsgJoinRetain)
	}
	fields.Bool("verify_tls")
	return fields.Err()
}

// isArray reports whether raw is a JSON array (null is not).
func isArray(raw json.RawMessage) bool { return len(raw) > 0 && raw[0] == '[' }

// isFalsy: null, false, "" and [] set nothing.
func isFalsy(raw json.RawMessage) bool {
	switch string(bytes.TrimSpace(raw)) {
	case "null", "false", `""`, "[]":
		return true
	}
	return false
}

func (f *Family) addNode(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	fields := req.Fields()
	if err := fields.Err(); err != nil {
		return nil, err
	}
	if err := checkKnown(req.Body, opNameOf(req, "add_node"), "", nodeFields); err != nil {
		return nil, err
	}
	if err := checkNodeFields(fields); err != nil {
		return nil, err
	}
	start, err := parseStartTime(fields)
	if err != nil {
		return nil, err
	}
	subs, subsSet, err := nodeSubs(fields, true)
	if err != nil {
		return nil, err
	}
	entry, hp, name, node, err := f.nodeTarget(ctx, req.Caller, fields)
	if err != nil {
		return nil, err
	}
	if err := checkSubsName(fields, subsSet, node, hp); err != nil {
		return nil, err
	}
	notApplied, err := f.editRoutes(ctx, req.Caller, func(routes []any) ([]any, error) {
		if _, i := findRoute(routes, hp); i >= 0 {
			return routes, nil
		}
		return append(routes, entry), nil
	})
	if err != nil {
		return nil, err
	}
	if err := f.setNodeSubs(node, subs, subsSet); err != nil {
		return nil, err
	}
	if err := f.keepStartTime(start); err != nil {
		return nil, err
	}
	return answer(fmt.Sprintf(msgAdded, name), notApplied, f.subsWarning(ctx, subs)), nil
}

func (f *Family) updateNode(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	fields := req.Fields()
	if err := fields.Err(); err != nil {
		return nil, err
	}
	if err := checkKnown(req.Body, opNameOf(req, "update_node"), "", nodeFields); err != nil {
		return nil, err
	}
	if err := checkNodeFields(fields); err != nil {
		return nil, err
	}
	start, err := parseStartTime(fields)
	if err != nil {
		return nil, err
	}
	subs, subsSet, err := nodeSubs(fields, false)
	if err != nil {
		return nil, err
	}
	entry, hp, name, node, err := f.nodeTarget(ctx, req.Caller, fields)
	if err != nil {
		return nil, err
	}
	if err := checkSubsName(fields, subsSet, node, hp); err != nil {
		return nil, err
	}
	notApplied, err := f.editRoutes(ctx, req.Caller, func(routes []any) ([]any, error) {
		return updateRoute(routes, entry, hp), nil
	})
	if err != nil {
		return nil, err
	}
	if err := f.setNodeSubs(node, subs, subsSet); err != nil {
		return nil, err
	}
	if err := f.keepStartTime(start); err != nil {
		return nil, err
	}
	return answer(fmt.Sprintf(msgUpdated, name), notApplied, f.subsWarning(ctx, subs)), nil
}

func (f *Family) removeNode(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	fields := req.Fields()
	if err := fields.Err(); err != nil {
		return nil, err
	}
	if err := checkKnown(req.Body, opNameOf(req, "remove_node"), "", removeFields); err != nil {
		return nil, err
	}
	_, hp, name, err := nodeRoute(fields, false)
	if err != nil {
		return nil, err
	}
	exact := fields.Present("port") || fields.Present("url")
	node := subsName(fields)
	if !namesNode(fields) {
		if peer := f.peerNameAt(hp); peer != "" {
			node = peer
		}
	}
	_, hasSubs := f.subsOf(node)
	notApplied, err := f.editRoutes(ctx, req.Caller, func(routes []any) ([]any, error) {
		out := make([]any, 0, len(routes))
		for _, r := range routes {
			rhp, err := routeHostPort(r)
			if err == nil && (rhp == hp || (!exact && hostOf(rhp) == hostOf(hp))) {
				continue
			}
			out = append(out, r)
		}
		if len(out) == len(routes) {
			if hasSubs {
				return routes, nil // a node known by its name: its subscriptions go
			}
			return nil, sdk.Errorf(http.StatusNotFound, MsgNodeNotFound, name)
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	if err := f.setNodeSubs(node, nil, false); err != nil {
		return nil, err
	}
	return answer(fmt.Sprintf(msgRemoved, name), notApplied), nil
}

func (f *Family) configureCluster(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	fields, err := readOp(req, "configure_cluster")
	if err != nil {
		return nil, err
	}
	raw, _ := fields.Raw("connections", sdk.Required)
	if err := fields.Err(); err != nil {
		return nil, err
	}
	var conns []json.RawMessage
	if !isArray(raw) || json.Unmarshal(raw, &conns) != nil {
		return nil, sdk.BadRequest("'connections' must be an array")
	}
	if len(conns) > MaxRoutes {
		return nil, sdk.BadRequest(MsgTooManyConns, len(conns), MaxRoutes)
	}
	// Every connection is checked before any acts (joining one with
	// authorization changes the other node).
	type conn struct {
		fields *sdk.Fields
		subs   []Subscription
		set    bool
	}
	checked := make([]conn, 0, len(conns))
	nodes := map[string]int{} // node name -> its connection
	var start *time.Time
	for i, c := range conns {
		cf := sdk.ReadFields(c)
		if cf.Err() != nil {
			return nil, sdk.BadRequest("'connections[%d]' must be of type object", i)
		}
		if err := checkKnown(c, "configure_cluster", fmt.Sprintf("connections[%d].", i), nodeFields); err != nil {
			return nil, err
		}
		if err := checkNodeFields(cf); err != nil {
			return nil, err
		}
		st, err := parseStartTime(cf)
		if err != nil {
			return nil, err
		}
		if st != nil {
			if start != nil && !start.Equal(*st) {
				return nil, sdk.BadRequest(MsgStartTwice, i)
			}
			start = st
		}
		l, set, err := nodeSubs(cf, true)
		if err != nil {
			return nil, err
		}
		t, err := readTarget(cf)
		if err != nil {
			return nil, err
		}
		if !t.join {
			if err := f.refuseSelf(ctx, fieldName(fmt.Sprintf("connections[%d].%s", i, targetField(cf))), t.hp); err != nil {
				return nil, err
			}
			node := t.node
			if peer := f.peerNameAt(t.hp); peer != "" && !namesNode(cf) {
				node = peer
			}
			if err := checkSubsName(cf, set, node, t.hp); err != nil {
				return nil, err
			}
			if j, dup := nodes[node]; dup && node != "" {
				return nil, sdk.BadRequest(MsgConnTwice, i, node, j)
			}
			nodes[node] = i
		}
		checked = append(checked, conn{cf, l, set})
	}
	routes := make([]any, 0, len(conns))
	seen := map[string]bool{}
	subs := map[string][]Subscription{}
	for _, c := range checked {
		entry, hp, _, node, err := f.nodeTarget(ctx, req.Caller, c.fields)
		if err != nil {
			return nil, err
		}
		if err := checkSubsName(c.fields, c.set, node, hp); err != nil {
			return nil, err
		}
		if c.set {
			subs[node] = c.subs
		}
		if !seen[hp] {
			seen[hp] = true
			routes = append(routes, entry)
		}
	}
	notApplied, err := f.editRoutes(ctx, req.Caller, func([]any) ([]any, error) { return routes, nil })
	if err != nil {
		return nil, err
	}
	if err := f.keepStartTime(start); err != nil {
		return nil, err
	}
	if err := f.editSubs(func(m map[string][]Subscription) {
		clear(m)
		for k, v := range subs {
			m[k] = v
		}
	}); err != nil {
		return nil, err
	}
	all := make([][]Subscription, 0, len(subs))
	for _, l := range subs {
		all = append(all, l)
	}
	return answer(msgConfigured, notApplied, f.subsWarning(ctx, all...)), nil
}

// MsgTooManyConns refuses a configure_cluster with more connections than
// replication.routes may hold, before any is checked.
const MsgTooManyConns = "'connections' holds %d connections: at most %d are accepted (one route each)"

// MsgStartTwice refuses configure_cluster connections with different
// start_times: a node keeps one start_time for every consumer it makes
// (per database and table, subscriptions take their own).
const MsgStartTwice = "'connections[%d].start_time' differs from an earlier connection's: hops keeps one start_time for the consumers this node makes; give it once, or per table in 'subscriptions'"

// MsgConnTwice refuses a configure_cluster naming one node in two
// connections (whose subscriptions would win is written nowhere).
const MsgConnTwice = "'connections[%d]' names node %q again (as 'connections[%d]' did): give each node once"

// routesField reads the routes field of cluster_set_routes and
// cluster_delete_routes: an array of strings or {hostname, port} objects.
func routesField(fields *sdk.Fields) ([]any, error) {
	raw, _ := fields.Raw("routes", sdk.Required)
	if err := fields.Err(); err != nil {
		return nil, err
	}
	var routes []any
	if !isArray(raw) || json.Unmarshal(raw, &routes) != nil {
		return nil, sdk.BadRequest(sdk.MsgFieldOneOf, "routes", "array")
	}
	for i, r := range routes {
		if _, err := routeHostPort(r); err != nil {
			return nil, sdk.BadRequest("'routes[%d]' %v", i, err)
		}
	}
	return routes, nil
}

func (f *Family) clusterSetRoutes(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	fields, err := readOp(req, "cluster_set_routes")
	if err != nil {
		return nil, err
	}
	given, err := routesField(fields)
	if err != nil {
		return nil, err
	}
	hps := make([]string, len(given))
	for i, g := range given {
		hps[i], _ = routeHostPort(g)
	}
	if err := f.refuseSelf(ctx, func(i int) string { return fmt.Sprintf("routes[%d]", i) }, hps...); err != nil {
		return nil, err
	}
	set, skipped := []any{}, []any{}
	notApplied, err := f.editRoutes(ctx, req.Caller, func(routes []any) ([]any, error) {
		for _, g := range given {
			hp, _ := routeHostPort(g)
			if _, i := findRoute(routes, hp); i >= 0 {
				skipped = append(skipped, g)
				continue
			}
			routes = append(routes, g)
			set = append(set, g)
		}
		return routes, nil
	})
	if err != nil {
		return nil, err
	}
	ans := map[string]any{"message": msgRoutesSet, "set": set, "skipped": skipped}
	if notApplied != nil {
		ans["warning"] = fmt.Sprintf(MsgNotApplied, notApplied)
	}
	return sdk.OK(ans), nil
}

func (f *Family) clusterDeleteRoutes(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	fields, err := readOp(req, "cluster_delete_routes")
	if err != nil {
		return nil, err
	}
	given, err := routesField(fields)
	if err != nil {
		return nil, err
	}
	deleted, skipped := []any{}, []any{}
	notApplied, err := f.editRoutes(ctx, req.Caller, func(routes []any) ([]any, error) {
		for _, g := range given {
			hp, _ := routeHostPort(g)
			if _, i := findRoute(routes, hp); i >= 0 {
				routes = append(routes[:i:i], routes[i+1:]...)
				deleted = append(deleted, g)
				continue
			}
			skipped = append(skipped, g)
		}
		return routes, nil
	})
	if err != nil {
		return nil, err
	}
	ans := map[string]any{"message": msgRoutesDeleted, "deleted": deleted, "skipped": skipped}
	if notApplied != nil {
		ans["warning"] = fmt.Sprintf(MsgNotApplied, notApplied)
	}
	return sdk.OK(ans), nil
}

func (f *Family) clusterGetRoutes(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	if _, err := readOp(req, "cluster_get_routes"); err != nil {
		return nil, err
	}
	routes, err := f.readRoutes(ctx, req.Caller)
	if err != nil {
		return nil, err
	}
	return sdk.OK(routes), nil
}

// clusterReload reads the configuration again and applies it; with
// "restart": true the NATS server is restarted even when a reload would do.
// restart_service runs it for clustering (restart) and clustering_config.
func (f *Family) clusterReload(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	fields, err := readOp(req, OpReload)
	if err != nil {
		return nil, err
	}
	restart, _ := fields.Bool("restart")
	if err := fields.Err(); err != nil {
		return nil, err
	}
	if err := f.reload(ctx, restart); err != nil {
		f.mu.Lock()
		f.lastErr = err
		f.mu.Unlock()
		if se := (*settingsError)(nil); errors.As(err, &se) {
			return nil, sdk.BadRequest("clustering: %v", err)
		}
		return nil, sdk.Errorf(http.StatusInternalServerError, "clustering: %v", err)
	}
	return sdk.Message(msgReloaded), nil
}

// readRoutes returns replication.routes as the configuration has them.
func (f *Family) readRoutes(ctx context.Context, caller sdk.Caller) ([]any, error) {
	raw, err := f.dispatch(ctx, caller, []byte(`{"operation":"get_configuration"}`))
	if err != nil {
		return nil, err
	}
	var e struct {
		Replication struct {
			Routes []any `json:"routes"`
		} `json:"replication"`
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, fmt.Errorf("read the configuration: %w", err)
	}
	if e.Replication.Routes == nil {
		return []any{}, nil
	}
	return e.Replication.Routes, nil
}

// editRoutes reads replication.routes, lets edit change it, writes it back
// with set_configuration as caller (the host keeps the file's comments),
// then applies the configuration to the running server. A failure to
// apply (for example no trusted CA yet) is logged and retried in the
// background: the routes are saved either way. Edits run one at a time;
// one that waits editWait for those ahead of it is refused (503) before
// it reads anything.
func (f *Family) editRoutes(ctx context.Context, caller sdk.Caller, edit func([]any) ([]any, error)) (notApplied, err error) {
	if err := f.lockEdits(ctx); err != nil {
		return nil, err
	}
	defer func() { <-f.edits }()
	routes, err := f.readRoutes(ctx, caller)
	if err != nil {
		return nil, err
	}
	next, err := edit(routes)
	if err != nil {
		return nil, err
	}
	if len(next) > MaxRoutes && len(next) > len(routes) {
		return nil, sdk.BadRequest(MsgTooManyRoutes, len(next), MaxRoutes)
	}
	body, err := json.Marshal(map[string]any{"operation": "set_configuration", "replication_routes": next})
	if err != nil {
		return nil, fmt.Errorf("encode routes: %w", err)
	}
	if _, err := f.dispatch(ctx, caller, body); err != nil {
		return nil, err
	}
	if err := f.reload(ctx, false); err != nil {
		f.log.Warn("routes saved but not applied yet; retrying in the background", "error", err)
		f.startBoot()
		return err, nil
	}
	return nil, nil
}

// MsgNotApplied is the warning of a route edit saved in the configuration
// that the running node could not apply yet (a cluster port taken, no
// trusted certificate authority yet): the background start applies it
// once what it waits for is fixed.
const MsgNotApplied = "saved in replication.routes, not applied yet: %v (cluster_status shows it; it is applied as soon as that is fixed)"

// answer is a route edit's answer: msg, with a "warning" when the edit
// was saved but not applied.
func answer(msg string, notApplied error, warns ...string) *sdk.Response {
	if notApplied != nil {
		warns = append([]string{fmt.Sprintf(MsgNotApplied, notApplied)}, warns...)
	}
	warns = slices.DeleteFunc(warns, func(w string) bool { return w == "" })
	if len(warns) == 0 {
		return sdk.Message(msg)
	}
	return sdk.OK(map[string]any{"message": msg, "warning": strings.Join(warns, "; ")})
}

// MsgSubsNotReplicated warns that subscriptions name databases
// replication.databases does not: kept, they act once it names them.
const MsgSubsNotReplicated = "subscriptions name %s, which replication.databases does not name: their records replicate with no node until it does"

// subsWarning is MsgSubsNotReplicated for the databases of lists that
// replication.databases does not name ("" when it names them all, or
// cannot be read).
func (f *Family) subsWarning(ctx context.Context, lists ...[]Subscription) string {
	var dbs []string
	for _, l := range lists {
		for _, s := range l {
			if !slices.Contains(dbs, s.Database) {
				dbs = append(dbs, s.Database)
			}
		}
	}
	if len(dbs) == 0 {
		return ""
	}
	set, err := f.readSettings(ctx)
	if err != nil || set.All {
		return ""
	}
	var missing []string
	for _, d := range dbs {
		if !slices.Contains(set.Databases, d) {
			missing = append(missing, strconv.Quote(d))
		}
	}
	if len(missing) == 0 {
		return ""
	}
	slices.Sort(missing)
	return fmt.Sprintf(MsgSubsNotReplicated, strings.Join(missing, ", "))
}

// editWait bounds how long a route edit waits for the edits ahead of it
// (each rewrites the configuration file and applies it to the running
// server, one at a time): past it the edit is refused with a 503 rather
// than answered seconds late.
const editWait = 2 * time.Second

// lockEdits takes the route edit lock, waiting editWait at most.
func (f *Family) lockEdits(ctx context.Context) error {
	t := time.NewTimer(editWait)
	defer t.Stop()
	select {
	case f.edits <- struct{}{}:
		return nil
	case <-t.C:
		return sdk.Errorf(http.StatusServiceUnavailable, MsgEditsBusy, editWait)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// findRoute returns the route among routes that reaches hp, and its index
// (-1 when none does).
func findRoute(routes []any, hp string) (any, int) {
	for i, r := range routes {
		if rhp, err := routeHostPort(r); err == nil && rhp == hp {
			return r, i
		}
	}
	return nil, -1
}

// hostOf returns the host of a host:port.
func hostOf(hp string) string {
	h, _, err := net.SplitHostPort(hp)
	if err != nil {
		return hp
	}
	return h
}

// portOf returns the port of a host:port, or 0.
func portOf(hp string) int {
	_, p, err := net.SplitHostPort(hp)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(p)
	return n
}

// setNodeSubs keeps node's subscriptions (set false: it replicates
// everything, its list is forgotten).
func (f *Family) setNodeSubs(node string, list []Subscription, set bool) error {
	if node == "" {
		return nil
	}
	if _, had := f.subsOf(node); !had && !set {
		return nil
	}
	return f.editSubs(func(m map[string][]Subscription) {
		if set {
			m[node] = list
		} else {
			delete(m, node)
		}
	})
}

// updateRoute puts entry (reaching hp) among routes: in place of the route
// to the same host:port, else of the one route to the same host (a port
// changed), else at the end. Several routes to the host (nodes sharing a
// machine) are left alone: only the port tells them apart.
func updateRoute(routes []any, entry any, hp string) []any {
	out := append([]any(nil), routes...)
	if _, i := findRoute(out, hp); i >= 0 {
		out[i] = entry
		return out
	}
	at := -1
	for i, r := range out {
		if rhp, err := routeHostPort(r); err == nil && hostOf(rhp) == hostOf(hp) {
			if at >= 0 {
				return append(out, entry)
			}
			at = i
		}
	}
	if at >= 0 {
		out[at] = entry
		return out
	}
	return append(out, entry)
}

// keepStartTime keeps an add_node start_time once the operation acted
// (nil: none given).
func (f *Family) keepStartTime(t *time.Time) error {
	if t == nil {
		return nil
	}
	if err := f.writeStartTime(*t); err != nil {
		return fmt.Errorf("keep start_time: %w", err)
	}
	return nil
}
