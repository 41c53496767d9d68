package clustering

import (
	"slices"
	"strings"

	"github.com/hops-dev/hops/sdk"
	"github.com/hops-dev/hops/sdk/jsonobj"
)

// The fields each cluster operation reads. Any other field is refused
// with 400 (MsgUnknownField) rather than ignored: a misspelt
// "subscription" would otherwise mean "replicate every table", a
// misspelt "start_time" a full copy.
var (
	// nodeFields are read by add_node, set_node, update_node and each
	// configure_cluster connection. force_signing, revoked_certificates,
	// shard, publish and subscribe are read to be refused with their own
	// message (checkNodeFields).
	nodeFields = []string{"hostname", "node_name", "url", "port", "verify_tls", "authorization",
		"retain_authorization", "subscriptions", "replicates", "start_time",
		"force_signing", "revoked_certificates", "shard", "publish", "subscribe"}
	// removeFields are read by remove_node.
	removeFields = []string{"hostname", "node_name", "name", "url", "port"}
	// subscriptionFields are read in each item of subscriptions.
	subscriptionFields = []string{"database", "schema", "table", "publish", "subscribe", "start_time"}
	// opFields are the fields of the other operations, by name.
	opFields = map[string][]string{
		"configure_cluster":     {"connections"},
		"cluster_set_routes":    {"routes"},
		"cluster_delete_routes": {"routes"},
		"cluster_get_routes":    {},
		"cluster_status":        {},
		OpReload:                {"restart"},
	}
)

// Messages of unknown fields.
const (
	// MsgUnknownField refuses a field the operation does not read: the
	// field (with its path), the operation, the fields it reads.
	MsgUnknownField = "'%s' is not allowed: %s reads %s"
	// MsgRouteServer refuses cluster_set_routes' "server" (HarperDB's
	// NATS-era hub or leaf route lists).
	MsgRouteServer = "'server' is not allowed: it picks HarperDB's NATS hub or leaf routes, and hops has one kind of route (replication.routes); leave it out"
)

// checkKnown refuses the first field of the JSON object obj (in the
// order the object gives them) that is not "operation" nor in known.
// path prefixes the field in the message ("connections[0]." for a nested
// object); op names the operation.
func checkKnown(obj []byte, op, path string, known []string) error {
	for raw := range jsonobj.Members(obj) {
		k := jsonobj.Key(raw)
		if (path == "" && k == "operation") || slices.Contains(known, k) {
			continue
		}
		if path == "" && k == "server" && (op == "cluster_set_routes" || op == "cluster_delete_routes") {
			return sdk.BadRequest(MsgRouteServer)
		}
		list := "no other field"
		if len(known) > 0 {
			list = strings.Join(known, ", ")
		}
		return sdk.BadRequest(MsgUnknownField, path+k, op, list)
	}
	return nil
}

// readOp reads req's body for op: a body that is not a JSON object is
// refused (as sdk.Fields does), and so is a field op does not read.
func readOp(req *sdk.Request, op string) (*sdk.Fields, error) {
	fields := req.Fields()
	if err := fields.Err(); err != nil {
		return nil, err
	}
	if err := checkKnown(req.Body, op, "", opFields[op]); err != nil {
		return nil, err
	}
	return fields, nil
}

// opNameOf is the operation a request names, for messages: op when the
// request does not say (a test's bare request).
func opNameOf(req *sdk.Request, op string) string {
	if req != nil && req.Operation != "" {
		return req.Operation
	}
	return op
}
