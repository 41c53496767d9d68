package config

import "strings"

// Every key hops accepts acts: the table below lists them, with what each
// does and the test that proves it. It is the source of the key table in
// docs/configuration.md and of the JSON Schema (see docs.go). A HarperDB key
// that is not here is known by name (so a HarperDB file still loads) but
// does nothing in hops: the file and the environment report it with a
// warning, and set_configuration and flags refuse it with
// ReasonNotImplemented.

// keyDoc documents one key hops acts on.
type keyDoc struct {
	// Doc says what the key does, in one or two sentences.
	Doc string
	// Test names the test that proves it ("package.TestName").
	Test string
}

// Tests named in the table, by package.
const (
	itest = "host/cmd/hops."
	ctest = "host/config."
)

// acting is every key hops acts on, by path.
var acting = map[string]keyDoc{
	"rootPath": {"Directory holding all of hops' state. Chosen by the rootPath flag (--root), else ROOTPATH, else ~/hops; a value in the file is informational and a different one is reported.",
		ctest + "TestRootPathInFileIsReported"},
	"componentsRoot": {"Project folders for install_node_modules; null: <rootPath>/components.",
		"builtin/system.TestComponentsRootSetting"},

	"operationsApi.network.host": {"Interface the operations API listens on; null or empty: 127.0.0.1. Use 0.0.0.0 for every interface.",
		itest + "TestConfigEmptySectionBindsLoopback"},
	"operationsApi.network.port": {"Plain-HTTP port of the operations API; null disables plain HTTP.",
		itest + "TestRestartMovesThePort"},
	"operationsApi.network.securePort": {"HTTPS port of the operations API (certificate from tls.*, else the certs family's); null disables HTTPS.",
		itest + "TestTLSServesTheOperatorsCertificate"},
	"operationsApi.network.maxConnections": {"Most concurrent connections to the operations API (per listener); past it new ones wait in the kernel's accept queue.",
		"host/server.TestMaxConnections"},
	"operationsApi.network.maxRequestBodySize": {"Largest request body accepted, in bytes.",
		itest + "TestBodyLimitIsConfigurable"},
	"operationsApi.network.timeout": {"Longest time a request body may take to arrive after its headers; a stalled body is answered 408 and its connection closed.",
		"host/server.TestBodyTimeout"},
	"operationsApi.network.headersTimeout": {"Longest time to receive a request's headers.",
		"host/app.TestServerOptionsFromConfig"},
	"operationsApi.network.keepAliveTimeout": {"How long an idle keep-alive connection stays open.",
		"host/app.TestServerOptionsFromConfig"},
	"operationsApi.sysInfo.disk": {"system_information reports disk I/O and file-system sizes; false: disk is {} (HarperDB's answer).",
		"builtin/system.TestSysInfoSetting"},
	"operationsApi.sysInfo.network": {"system_information reports network interfaces, counters and connections; false: HarperDB's empty network shape.",
		"builtin/system.TestSysInfoSetting"},
	"operationsApi.tls.certificate": {"PEM certificate for the operations API's HTTPS; overrides tls.certificate.",
		ctest + "TestTLSFiles"},
	"operationsApi.tls.privateKey": {"PEM private key matching operationsApi.tls.certificate.",
		ctest + "TestTLSFiles"},
	"operationsApi.tls.certificateAuthority": {"PEM CA chain sent after operationsApi.tls.certificate.",
		ctest + "TestTLSFiles"},

	"tls.certificate": {"PEM certificate served on securePort instead of the certs family's; re-read when the file changes.",
		itest + "TestTLSServesTheOperatorsCertificate"},
	"tls.privateKey": {"PEM private key matching tls.certificate; a missing file or a key that does not match stops the start with an error naming the key.",
		"host/tlscerts.TestOperatorFilesChecked"},
	"tls.certificateAuthority": {"PEM CA certificates sent after tls.certificate as its chain.",
		"host/tlscerts.TestOperatorFilesChainAndReload"},

	"authentication.authorizeLocal": {"true: a request from a loopback address without credentials acts as the first super user (a WARN line at start).",
		itest + "TestAuthorizeLocal"},
	"authentication.cacheTTL": {"How long a verified Basic password or token stays cached.",
		"host/auth.TestCacheExpires"},
	"authentication.operationTokenTimeout": {"Lifetime of operation tokens.",
		itest + "TestUsers"},
	"authentication.refreshTokenTimeout": {"Lifetime of refresh tokens.",
		itest + "TestUsers"},
	"authentication.hashFunction": {"Password hash for new passwords: sha256 (PBKDF2-HMAC-SHA256) or argon2id; existing hashes still verify; md5 is refused.",
		itest + "TestHashFunction"},

	"logging.level": {"Lowest level logged, by the host and every family.",
		itest + "TestSetConfigurationThenRestartAppliesLogLevel"},
	"logging.accessLog": {"One info line per operations request (logger hops.access): request id, operation, user, client address, status, duration; false: none.",
		itest + "TestObservabilityEndpoints"},
	"logging.format": {"text (hclog lines) or json (one JSON object per line).",
		"host/logging.TestJSONFormat"},
	"logging.root": {"Log directory; null: <rootPath>/log. Must be creatable: set_configuration refuses one that is not.",
		ctest + "TestSetRefusesUnwritablePaths"},
	"logging.stdStreams": {"Write log lines to stderr. Under a service manager (INVOCATION_ID or JOURNAL_STREAM set) with logging.file on, lines go to the file only, so the journal does not hold a second copy.",
		"host/logging.TestServiceManagerWritesOneCopy"},
	"logging.file": {"Write log lines to <logging.root>/hops.log.",
		"host/logging.TestRotationPastMaxSize"},
	"logging.rotation.enabled": {"Rotate hops.log (size and interval below); false: the file grows.",
		"host/logging.TestRotationPastMaxSize"},
	"logging.rotation.maxSize": {"Rotate when the file would pass this size (K, M or G suffix; a plain number is bytes; at least 1M); null: by interval only.",
		"host/logging.TestRotationPastMaxSize"},
	"logging.rotation.interval": {"Also rotate on this timer; null: by size only.",
		"host/logging.TestRotationInterval"},
	"logging.rotation.compress": {"gzip rotated files.",
		"host/logging.TestRotationCompressAndPath"},
	"logging.rotation.path": {"Directory for rotated files; null: the log directory.",
		"host/logging.TestRotationCompressAndPath"},
	"logging.rotation.retention": {"Delete rotated files older than this; null: keep them.",
		"host/logging.TestRotationRetention"},
	"logging.auditAuthEvents.logFailed": {"Log a line for each failed authentication (user, client address, never the password).",
		itest + "TestBruteForceThrottled"},
	"logging.auditAuthEvents.logSuccessful": {"Log a line for each successful authentication.",
		itest + "TestBruteForceThrottled"},

	"replication.routes": {"Other nodes' cluster ports (host:port, a URL without a path, or {hostname, port}; port default 9933) the clustering family routes to; one running node is enough, NATS gossips the rest. A route to this node itself is skipped.",
		itest + "TestClusterThreeNodesDiscoverOverTLS"},
	"replication.hostname": {"This node's name in the cluster (cluster_status node_name, the NATS server name): a host name or an IP address; null: the machine's host name.",
		itest + "TestClusterThreeNodesDiscoverOverTLS"},
	"replication.securePort": {"Cluster port with mutual TLS (node certificate and CAs of the certs family); null: 9933 when routes are named, else no clustering.",
		itest + "TestClusterThreeNodesDiscoverOverTLS"},
	"replication.port": {"Cluster port WITHOUT TLS, for development (a WARN at start); refused together with securePort.",
		itest + "TestClusterOffByDefaultThenPlainPort"},
	"replication.restartTimeout": {"How long a replicated restart or restart_service waits for each other node to restart and serve again before it stops the roll with an ERROR naming the node; null or 0: 2m.",
		itest + "TestClusterRollingRestarts"},
	"replication.databases": {"Databases whose records replicate: \"*\" (every one) or a list; null: none, only the system database (users, roles), which always replicates. restart_service clustering_config applies a change without a restart (a newly named database is copied whole) (docs/clustering.md, \"Records\").",
		itest + "TestClusterDatabasesList"},

	"plugins": {"Third-party families: name, path, optional sha256, args, env. Changed only in the file (set_configuration refuses it; see docs/security.md).",
		itest + "TestExamplePluginEndToEnd"},
	"families": {"Each family's own section, handed to it as JSON at start; a plugin's section is free-form, a builtin family's keys are listed here.",
		"host/app.TestMaxProcsStaysWithTheHost"},
	"families.status.maxProcs":     {"GOMAXPROCS of the status family's process; null: every CPU.", itest + "TestFamilyMaxProcsReachesTheProcess"},
	"families.system.maxProcs":     {"GOMAXPROCS of the system family's process; null: every CPU.", itest + "TestFamilyMaxProcsReachesTheProcess"},
	"families.certs.maxProcs":      {"GOMAXPROCS of the certs family's process; null: every CPU.", itest + "TestFamilyMaxProcsReachesTheProcess"},
	"families.export.maxProcs":     {"GOMAXPROCS of the export family's process; null: every CPU.", itest + "TestFamilyMaxProcsReachesTheProcess"},
	"families.records.maxProcs":    {"GOMAXPROCS of the records family's process; null: every CPU.", itest + "TestFamilyMaxProcsReachesTheProcess"},
	"families.clustering.maxProcs": {"GOMAXPROCS of the clustering family's process; null: every CPU.", itest + "TestFamilyMaxProcsReachesTheProcess"},
	"families.clustering.host": {"Address the cluster port (replication.securePort/port) listens on; default 0.0.0.0.",
		itest + "TestClusterThreeNodesDiscoverOverTLS"},
	"families.system.componentsRoot": {"Overrides componentsRoot for the system family.",
		"builtin/system.TestComponentsRootSetting"},
	"families.certs.hostname": {"Host name of the node certificate the certs family creates; null: the machine's host name.",
		"builtin/certs.TestConfigureErrors"},
	"families.export.s3.endpoint": {"S3-compatible endpoint URL (MinIO, Ceph); null: AWS.",
		itest + "TestExportToS3"},
	"families.export.s3.allowedEndpoints": {"Endpoint URLs a user who is not a super user may name in export_to_s3 (besides AWS and s3.endpoint); empty: none.",
		"builtin/export.TestS3EndpointOfANonSuperUserMustBeAllowed"},
	"families.records.noSync": {"Skip fsync after record commits: faster, a machine crash may lose the last writes.",
		"builtin/records.TestDeleteRecordsBefore"},
	"families.records.deleteBatch": {"Records delete_records_before removes per transaction.",
		"builtin/records.TestDeleteRecordsBefore"},
	"families.records.load.allowedURLs": {"http(s) URLs whose servers a user who is not a super user may have csv_url_load fetch from (or name as import_from_s3's endpoint) even when their address is loopback, private or link-local; empty: public addresses only (AWS only for S3).",
		"builtin/records.TestCSVURLLoadGuard"},

	"supervisor.restartBackoffMin": {"First wait before restarting a family that exited; doubles on each quick failure.",
		itest + "TestSupervisorSettingsReachTheSupervisor"},
	"supervisor.restartBackoffMax": {"Ceiling of that wait.",
		itest + "TestSupervisorSettingsReachTheSupervisor"},
	"supervisor.pingInterval": {"How often each family is pinged, and how long a ping may take; a family that misses three pings in a row is killed and restarted.",
		itest + "TestSupervisorSettingsReachTheSupervisor"},
}

// freeFormRoot is the one open key whose unlisted children act: the
// sections of plugin families (families.<plugin>), handed to the plugin
// as they are.
const freeFormRoot = "families"

// acts reports whether hops acts on the key at path: a listed key, or a
// key inside a plugin family's free-form section.
func (ix *index) acts(path string) bool {
	if _, ok := acting[path]; ok {
		return true
	}
	return ix.freeForm(path)
}

// freeForm reports whether path lies inside a plugin family's section:
// families.<name>... where families.<name> is not a builtin family's
// section (whose keys are listed).
func (ix *index) freeForm(path string) bool {
	rest, ok := strings.CutPrefix(path, freeFormRoot+".")
	if !ok {
		return false
	}
	name, _, _ := strings.Cut(rest, ".")
	return !ix.sections[freeFormRoot+"."+name]
}
