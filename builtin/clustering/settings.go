package clustering

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
)

// Defaults of the replication settings.
const (
	// DefaultSecurePort is the TLS cluster port used when routes are named
	// but no port is (HarperDB's replication.securePort default).
	DefaultSecurePort = 9933
	// defaultBindHost is the cluster port's bind address when
	// families.clustering.host is not set: every interface, since other
	// machines must reach it.
	defaultBindHost = "0.0.0.0"
	// routeScheme is the scheme NATS gives route URLs.
	routeScheme = "nats-route"
	// systemDatabase is replicated by default.
	systemDatabase = "system"
)

// Messages of settings the family refuses (shown in cluster_status and the
// log).
const (
	MsgBothPorts = "replication.port and replication.securePort are both set: a node has one cluster port; keep securePort (TLS) or, for development only, port"
	MsgRoute     = "replication.routes entry %d: %s"
	// MsgTooManyRoutes refuses a route list longer than MaxRoutes.
	MsgTooManyRoutes = "replication.routes would hold %d routes: at most %d are accepted"
)

// MaxRoutes bounds replication.routes: the NATS server keeps a connection
// (and, while a node does not answer, a dial every second) per route, so
// thousands of routes cost thousands of descriptors and a core; a full
// mesh of more nodes than this is beyond what one cluster runs.
const MaxRoutes = 256

// settings are the replication settings the family acts on, read from the
// host's effective configuration.
type settings struct {
	// NodeName is replication.hostname, else the machine's host name.
	NodeName string
	// Routes are the other nodes' cluster ports, normalised to host:port.
	Routes []string
	// Port is the cluster port and Secure says whether it speaks TLS.
	Port   int
	Secure bool
	// Databases lists the replicated databases; All means "*".
	Databases []string
	All       bool
	// BindHost is families.clustering.host.
	BindHost string
	// CertHostname names the node certificate (families.certs.hostname, as
	// the certs family reads it).
	CertHostname string
}

// replDatabases is replication.databases as the sources' enable takes it:
// "*" or the list of names.
func (s settings) replDatabases() any {
	if s.All {
		return "*"
	}
	return s.Databases
}

// enabled reports whether the config asks for clustering: a port or a
// route is named.
func (s settings) enabled() bool { return s.Port > 0 || len(s.Routes) > 0 }

// sameListener reports whether a running server built from s can take t
// by a config reload (NATS cannot change its name, port or TLS mode live).
func (s settings) sameListener(t settings) bool {
	return s.NodeName == t.NodeName && s.Port == t.Port && s.Secure == t.Secure &&
		s.BindHost == t.BindHost && s.CertHostname == t.CertHostname
}

// effective is the part of get_configuration's answer the family reads.
type effective struct {
	Replication struct {
		Hostname   *string         `json:"hostname"`
		Routes     []any           `json:"routes"`
		Port       *int            `json:"port"`
		SecurePort *int            `json:"securePort"`
		Databases  json.RawMessage `json:"databases"`
	} `json:"replication"`
	Families struct {
		Clustering struct {
			Host *string `json:"host"`
		} `json:"clustering"`
		Certs struct {
			Hostname *string `json:"hostname"`
		} `json:"certs"`
	} `json:"families"`
}

// parseSettings reads the settings from get_configuration's answer.
func parseSettings(raw []byte, osHostname func() (string, error)) (settings, error) {
	var e effective
	if err := json.Unmarshal(raw, &e); err != nil {
		return settings{}, fmt.Errorf("read the configuration: %w", err)
	}
	r := e.Replication
	s := settings{BindHost: defaultBindHost}
	if p := e.Families.Clustering.Host; p != nil && *p != "" {
		s.BindHost = *p
	}
	host, _ := osHostname()
	s.NodeName = host
	if r.Hostname != nil && *r.Hostname != "" {
		s.NodeName = *r.Hostname
	}
	s.CertHostname = host
	if p := e.Families.Certs.Hostname; p != nil && *p != "" {
		s.CertHostname = *p
	}
	if s.NodeName == "" {
		return s, errors.New("replication.hostname is not set and the machine has no host name")
	}
	routes, err := parseRoutes(r.Routes)
	if err != nil {
		return s, err
	}
	s.Routes = routes
	plain, secure := deref(r.Port), deref(r.SecurePort)
	switch {
	case plain > 0 && secure > 0:
		return s, errors.New(MsgBothPorts)
	case plain > 0:
		s.Port = plain
	case secure > 0:
		s.Port, s.Secure = secure, true
	case len(routes) > 0:
		s.Port, s.Secure = DefaultSecurePort, true
	}
	s.Databases, s.All, err = parseDatabases(r.Databases)
	return s, err
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// parseRoutes normalises HarperDB's route forms to host:port: "host:port",
// a URL (any scheme: nats-route://, wss://, tls://), or {hostname|host,
// port}. A missing port means DefaultSecurePort. Duplicates are dropped.
func parseRoutes(list []any) ([]string, error) {
	if len(list) > MaxRoutes {
		return nil, fmt.Errorf(MsgTooManyRoutes, len(list), MaxRoutes)
	}
	out := []string{}
	seen := map[string]bool{}
	for i, e := range list {
		hp, err := routeHostPort(e)
		if err != nil {
			return nil, fmt.Errorf(MsgRoute, i, err)
		}
		if !seen[hp] {
			seen[hp] = true
			out = append(out, hp)
		}
	}
	return out, nil
}

// routeHostPort reads one route entry.
func routeHostPort(e any) (string, error) {
	var host string
	port := DefaultSecurePort
	switch r := e.(type) {
	case string:
		s := strings.TrimSpace(r)
		if strings.Contains(s, "://") {
			u, err := url.Parse(s)
			if err != nil || u.Hostname() == "" {
				return "", fmt.Errorf("%q is not a URL with a host", r)
			}
			if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
				return "", fmt.Errorf("%q has a path, query or user name: a route names a cluster port (scheme://host:port) and nothing else", r)
			}
			host = u.Hostname()
			if p := u.Port(); p != "" {
				port, _ = strconv.Atoi(p)
			}
		} else if h, p, err := net.SplitHostPort(s); err == nil {
			host = h
			if port, err = strconv.Atoi(p); err != nil {
				return "", fmt.Errorf("%q has no numeric port", r)
			}
		} else {
			host = s
		}
	case map[string]any:
		host, _ = r["hostname"].(string)
		if host == "" {
			host, _ = r["host"].(string)
		}
		if pv, ok := r["port"]; ok && pv != nil {
			p, err := routePort(pv)
			if err != nil {
				return "", err
			}
			port = p
		}
	default:
		return "", errors.New("must be a string or an object with hostname and port")
	}
	if host == "" {
		return "", errors.New("names no host")
	}
	if !validHost(host) {
		return "", fmt.Errorf("%q is not a host name or an IP address", host)
	}
	if port < 1 || port > 65535 {
		return "", fmt.Errorf("port %d is not between 1 and 65535", port)
	}
	return net.JoinHostPort(host, strconv.Itoa(port)), nil
}

// MsgPortInUse says the cluster port is taken by another listener.
const MsgPortInUse = "replication port %d cannot be listened on (%s): another process or listener has it; choose a free port"

// portFree reports an error when set's cluster port cannot be listened on
// now (another listener has it), so the server is not started only to
// wait for a listener that never comes.
func portFree(set settings) error {
	host := set.BindHost
	if host == "" {
		host = defaultBindHost
	}
	l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(set.Port)))
	if err != nil {
		return fmt.Errorf(MsgPortInUse, set.Port, host)
	}
	return l.Close()
}

// routePort reads the port of a {hostname, port} route: a whole number,
// or a string holding one. Anything else is refused rather than replaced
// by the default port.
func routePort(v any) (int, error) {
	switch p := v.(type) {
	case float64:
		if p != math.Trunc(p) || p < 1 || p > 65535 {
			return 0, fmt.Errorf("port %v is not a whole number between 1 and 65535", p)
		}
		return int(p), nil
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return 0, fmt.Errorf("port %q is not a number", p)
		}
		return n, nil
	}
	return 0, fmt.Errorf("port must be a number, not %T", v)
}

// parseDatabases reads replication.databases: null (system only), "*", or
// a list of names (system is always included).
func parseDatabases(raw json.RawMessage) ([]string, bool, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return []string{systemDatabase}, false, nil
	}
	if s == `"*"` {
		return nil, true, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, false, errors.New(`replication.databases must be "*" or a list of database names`)
	}
	out := []string{systemDatabase}
	for _, d := range list {
		if d == "*" {
			return nil, true, nil
		}
		if d != systemDatabase {
			out = append(out, d)
		}
	}
	return out, false, nil
}

// routeURLs turns host:port routes into the URLs NATS solicits.
func routeURLs(routes []string) []*url.URL {
	out := make([]*url.URL, 0, len(routes))
	for _, r := range routes {
		out = append(out, &url.URL{Scheme: routeScheme, Host: r})
	}
	return out
}

// hostname is os.Hostname, replaced by tests.
var hostname = os.Hostname

// validHost reports whether h is an IP address or a host name (letters,
// digits, '-', '_' and '.').
func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	if len(h) > 253 {
		return false
	}
	for _, c := range h {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
