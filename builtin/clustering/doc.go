// Package clustering is the builtin `clustering` family: it runs this
// node's embedded NATS server (nats-server/v2, JetStream on), routes it to
// the other nodes' servers, and answers the cluster operations
// (cluster_status, add_node, cluster_set_routes, ...). See
// docs/clustering.md for running a cluster.
//
// Where to start: clustering.go holds the operation table and the
// lifecycle (Configure starts a background loop that reads the
// configuration and starts NATS when it asks for clustering; Shutdown
// stops it); settings.go reads the replication.* keys; node.go starts,
// reloads and stops the NATS server; tls.go builds the route TLS from the
// certs family's certificates; ops_cluster.go and status.go are the
// handlers; repl.go is the replication transport (repl_status.go its
// cluster_status times, repl_start.go add_node's start_time).
//
// Replication: while the NATS server runs, a replicator enables each
// source (the host's "system", the records family's "records") with the
// internal operation repl_<source>_enable, publishes each source's outbox
// (repl_<source>_outbox, entries packed in order into messages of up to
// 1 MiB, Nats-Msg-Id <node>:<source>:<first seq>-<last seq>:<last ts>) to
// the node's own stream HOPS_<NODE> (one replica, placed on this server by
// its tag), acknowledges the outbox in batches after JetStream's PubAcks
// (repl_<source>_outbox_ack), and follows every other node's stream with a
// durable consumer HOPS_<SELF>, applying runs of one source in order, up
// to 4 MiB per repl_<source>_apply call, and acking each after. Nothing
// waits on NATS but the replicator: while it is down or has no meta
// leader, changes wait in the sources' outboxes.
//
// When it runs: only when replication.port, replication.securePort or
// replication.routes is set (routes alone mean securePort 9933), or after
// add_node / cluster_set_routes / configure_cluster write a route. The
// default config names none, so a lone node runs no NATS server.
//
// What it reads, all through the host (a family never reads the config
// file): get_configuration and list_certificates, run as the host's
// internal super user (the host grants an empty caller to builtin families
// only), and the node certificate's key file under <rootPath>/keys.
//
// Routes: TLS on replication.securePort with the certs family's node
// certificate (the record named families.certs.hostname, else the
// operations_api one). Both ends present their certificate and verify the
// other's chain against every authority list_certificates lists (mutual
// TLS); host names are not compared, since peers are reached at the
// addresses NATS gossips. A node whose certificate chains to no trusted
// authority is refused. replication.port runs the cluster port without
// TLS, for development, with a WARN at start. Discovery is NATS's own: a
// node given one route learns the rest of the cluster from it.
//
// Client listener: 127.0.0.1 on a port NATS picks, with a random token;
// both are written to <rootPath>/clustering/client.json (0600 in a 0700
// directory, see ClientInfo) while the server runs, for the host and the
// other families of this node. The JetStream store is
// <rootPath>/clustering/jetstream; <rootPath>/clustering/lock (flock) keeps
// two processes from running a server on it at once.
//
// Applying changes: the route operations write replication.routes with
// set_configuration as the caller, then apply it: a NATS config reload when
// only routes changed (server.ReloadOptions), a restart of the NATS server
// when the node name, port or TLS mode changed. restart_service
// clustering_config runs cluster_reload (the same), restart_service
// clustering runs it with restart: true. The trusted authorities are read
// again on every apply, so an add_certificate takes effect on the next
// restart_service clustering_config without dropping routes.
package clustering
