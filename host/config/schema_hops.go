package config

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
)

// hopsKeys are the keys hops adds to HarperDB's set.
var hopsKeys = []Key{
	{Path: "operationsApi.network.host", Kind: KindString},
	rangeKey("operationsApi_network_maxConnections", 1, maxConnectionsLimit),
	{Path: "plugins", Kind: KindList, Check: checkPlugins},
	enumKey("logging_format", logFormats...),
	key("logging_accessLog", KindBool),
	key("families", KindObject),
	{Path: "families.export.s3.endpoint", Kind: KindString, Check: checkHTTPURL},
	{Path: "families.export.s3.allowedEndpoints", Kind: KindList, Check: checkHTTPURLs},
	{Path: "families.system.componentsRoot", Kind: KindPath},
	{Path: "families.certs.hostname", Kind: KindString},
	{Path: "families.records.noSync", Kind: KindBool},
	{Path: "families.records.deleteBatch", Kind: KindInt, Min: 1, Max: maxDeleteBatch},
	{Path: "families.records.load.allowedURLs", Kind: KindList, Check: checkHTTPURLs},
	{Path: "families.clustering.host", Kind: KindString, Check: checkBindHost},
	orNull(rangeKey("families_status_maxProcs", 1, maxFamilyProcs)),
	orNull(rangeKey("families_system_maxProcs", 1, maxFamilyProcs)),
	orNull(rangeKey("families_certs_maxProcs", 1, maxFamilyProcs)),
	orNull(rangeKey("families_export_maxProcs", 1, maxFamilyProcs)),
	orNull(rangeKey("families_records_maxProcs", 1, maxFamilyProcs)),
	orNull(rangeKey("families_clustering_maxProcs", 1, maxFamilyProcs)),
	key("supervisor_restartBackoffMin", KindDuration),
	key("supervisor_restartBackoffMax", KindDuration),
	key("supervisor_pingInterval", KindDuration),
	key("replication_restartTimeout", KindDuration),
}

// maxConnectionsLimit bounds operationsApi.network.maxConnections: each
// connection costs a goroutine and buffers, and a file descriptor.
const maxConnectionsLimit = 1_000_000

// logFormats are the values of logging.format: hclog's text lines, or one
// JSON object per line for log shippers.
var logFormats = []string{"text", "json"}

// maxDeleteBatch bounds families.records.deleteBatch: one transaction
// holds that many deletes in memory.
const maxDeleteBatch = 1_000_000

// maxFamilyProcs bounds families.<name>.maxProcs (GOMAXPROCS of the
// family's process).
const maxFamilyProcs = 1024

// harperCanonicalCount is the number of canonical names HarperDB 4.7 knows
// (section 15 of the reference). A test pins it so a key is not lost by
// accident.
const harperCanonicalCount = 183

// sha256HexLen is the length of a SHA-256 digest written in hex.
const sha256HexLen = 64

// Reasons a plugins entry is refused. They are shown to users, so tests pin
// them.
const (
	ReasonPluginNotObject = "each plugins entry must be an object with name and path"
	ReasonPluginName      = "each plugins entry needs a non-empty string name"
	ReasonPluginPath      = "each plugins entry needs a non-empty string path"
	ReasonPluginDupName   = "plugins entries must have distinct names"
	ReasonPluginSHA256    = "plugins sha256 must be 64 hexadecimal characters"
	ReasonPluginStrings   = "plugins args and env must be lists of strings"
	ReasonPluginField     = "plugins entries hold only name, path, sha256, args and env"
)

// pluginFields are the fields of a plugins entry (config.Plugin).
var pluginFields = map[string]bool{"name": true, "path": true, "sha256": true, "args": true, "env": true}

// ReasonNotHTTPURL refuses an endpoint that is not an http or https URL.
const ReasonNotHTTPURL = "must be an http or https URL with a host"

// checkHTTPURL accepts an absolute http or https URL, or "" (null is let
// through before Check runs).
func checkHTTPURL(v any) error {
	s, _ := v.(string)
	if s == "" {
		return nil // the same as null: the default endpoint
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New(ReasonNotHTTPURL)
	}
	return nil
}

// checkHTTPURLs checks a list of http or https URLs (the export family's
// s3.allowedEndpoints); null is an empty list.
func checkHTTPURLs(v any) error {
	list, _ := v.([]any)
	for i, e := range list {
		if s, ok := e.(string); !ok || s == "" || checkHTTPURL(s) != nil {
			return fmt.Errorf("entry %d: %w", i, errors.New(ReasonNotHTTPURL))
		}
	}
	return nil
}

// checkPlugins validates the shape of the plugins list (its kind, a list,
// is checked before).
func checkPlugins(v any) error {
	list, _ := v.([]any)
	seen := map[string]bool{}
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return fmt.Errorf("entry %d: %w", i, errors.New(ReasonPluginNotObject))
		}
		name, _ := m["name"].(string)
		if name == "" {
			return fmt.Errorf("entry %d: %w", i, errors.New(ReasonPluginName))
		}
		if p, _ := m["path"].(string); p == "" {
			return fmt.Errorf("entry %q: %w", name, errors.New(ReasonPluginPath))
		}
		if seen[name] {
			return fmt.Errorf("entry %q: %w", name, errors.New(ReasonPluginDupName))
		}
		seen[name] = true
		for field := range m {
			if !pluginFields[field] {
				return fmt.Errorf("entry %q: %q: %w", name, field, errors.New(ReasonPluginField))
			}
		}
		if sum, present := m["sha256"]; present && sum != nil {
			s, _ := sum.(string)
			if _, err := hex.DecodeString(s); err != nil || len(s) != sha256HexLen {
				return fmt.Errorf("entry %q: %w", name, errors.New(ReasonPluginSHA256))
			}
		}
		for _, field := range []string{"args", "env"} {
			if !isStringList(m[field]) {
				return fmt.Errorf("entry %q: %w", name, errors.New(ReasonPluginStrings))
			}
		}
	}
	return nil
}

// isStringList reports whether v is absent (nil) or a list of strings.
func isStringList(v any) bool {
	if v == nil {
		return true
	}
	list, ok := v.([]any)
	if !ok {
		return false
	}
	for _, e := range list {
		if _, ok := e.(string); !ok {
			return false
		}
	}
	return true
}
