package config

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"strings"
)

// Reasons a replication setting is refused. They are shown to users, so
// tests pin them.
const (
	ReasonRouteShape     = "each replication.routes entry must be a string (host:port or a URL) or an object with hostname and port"
	ReasonRoutePort      = "each replication.routes object needs a port between 1 and 65535"
	ReasonDatabasesShape = `replication.databases must be "*" or a list of database names`
	ReasonRouteHost      = "each replication.routes entry must name a host name or an IP address"
	ReasonRouteURL       = "a replication.routes URL names a cluster port (scheme://host:port): no path, query or user name"
	ReasonNodeName       = "replication.hostname must be a host name (letters, digits, '-', '_' and '.') or an IP address"
)

// withCheck adds an extra rule to a key.
func withCheck(k Key, check func(any) error) Key {
	k.Check = check
	return k
}

// checkReplicationRoutes accepts the route forms HarperDB does: "host:port",
// a URL, or {hostname (or host), port}. The clustering family reads them.
func checkReplicationRoutes(v any) error {
	list, _ := v.([]any)
	for i, e := range list {
		switch r := e.(type) {
		case string:
			if r == "" {
				return fmt.Errorf("entry %d: %w", i, errors.New(ReasonRouteShape))
			}
			if !routeStringHostOK(r) {
				return fmt.Errorf("entry %d: %w", i, errors.New(ReasonRouteHost))
			}
			if !routeURLBare(r) {
				return fmt.Errorf("entry %d: %w", i, errors.New(ReasonRouteURL))
			}
		case map[string]any:
			host, _ := r["hostname"].(string)
			if host == "" {
				host, _ = r["host"].(string)
			}
			if host == "" {
				return fmt.Errorf("entry %d: %w", i, errors.New(ReasonRouteShape))
			}
			if !validRouteHost(host) {
				return fmt.Errorf("entry %d: %w", i, errors.New(ReasonRouteHost))
			}
			if p, present := r["port"]; present && p != nil {
				f, ok := toFloat(p)
				if !ok || f != math.Trunc(f) || f < 1 || f > maxPort {
					return fmt.Errorf("entry %d: %w", i, errors.New(ReasonRoutePort))
				}
			}
		default:
			return fmt.Errorf("entry %d: %w", i, errors.New(ReasonRouteShape))
		}
	}
	return nil
}

// checkReplicationDatabases accepts "*", a list of names, or null.
func checkReplicationDatabases(v any) error {
	switch d := v.(type) {
	case nil:
		return nil
	case string:
		if d == "*" {
			return nil
		}
	case []any:
		for _, e := range d {
			if s, ok := e.(string); !ok || s == "" {
				return errors.New(ReasonDatabasesShape)
			}
		}
		return nil
	}
	return errors.New(ReasonDatabasesShape)
}

// ReasonBindHost refuses a families.clustering.host that is not an
// address or host name to listen on.
const ReasonBindHost = "families.clustering.host must be an IP address or a host name to listen on (empty: 0.0.0.0)"

// checkBindHost accepts an empty families.clustering.host (every
// interface), an IP address or a host name.
func checkBindHost(v any) error {
	s, _ := v.(string)
	if s == "" || validRouteHost(s) {
		return nil
	}
	return errors.New(ReasonBindHost)
}

// routeURLBare reports whether a string route that is a URL names only a
// scheme, a host and a port (a path of "/" allowed), as the clustering
// family requires.
func routeURLBare(r string) bool {
	r = strings.TrimSpace(r)
	if !strings.Contains(r, "://") {
		return true
	}
	u, err := url.Parse(r)
	return err == nil && (u.Path == "" || u.Path == "/") && u.RawQuery == "" && u.Fragment == "" && u.User == nil
}

// checkNodeName accepts a replication.hostname the clustering family can
// use as its NATS server name: empty (the machine's host name), a host
// name or an IP address.
func checkNodeName(v any) error {
	s, _ := v.(string)
	if s == "" || validRouteHost(s) {
		return nil
	}
	return errors.New(ReasonNodeName)
}

// routeStringHostOK reads the host of a string route ("host:port", a URL,
// or a bare host) as the clustering family does, and checks it.
func routeStringHostOK(r string) bool {
	r = strings.TrimSpace(r)
	if strings.Contains(r, "://") {
		u, err := url.Parse(r)
		return err == nil && validRouteHost(u.Hostname())
	}
	if h, _, err := net.SplitHostPort(r); err == nil {
		return validRouteHost(h)
	}
	return validRouteHost(r)
}

// validRouteHost reports whether h is an IP address or a host name
// (letters, digits, '-', '_' and '.').
func validRouteHost(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	if net.ParseIP(h) != nil {
		return true
	}
	for _, c := range h {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
