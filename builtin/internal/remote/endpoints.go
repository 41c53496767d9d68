package remote

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// EndpointSet is a set of servers, each named by an http or https URL
// whose scheme, host and port choose the server (path, query and user
// info do not). The zero value is empty.
type EndpointSet map[string]bool

// NewEndpointSet returns the set of the given URLs; an entry that is not
// an http or https URL with a host is an error naming it.
func NewEndpointSet(endpoints ...string) (EndpointSet, error) {
	set := EndpointSet{}
	for _, e := range endpoints {
		key, ok := EndpointKey(e)
		if !ok {
			return nil, fmt.Errorf("%q is not an http or https URL", e)
		}
		set[key] = true
	}
	return set, nil
}

// Allows reports whether endpoint is in the set; "" (AWS itself, for S3)
// is always allowed.
func (s EndpointSet) Allows(endpoint string) bool {
	if endpoint == "" {
		return true
	}
	key, ok := EndpointKey(endpoint)
	return ok && s[key]
}

// AllowsHostPort reports whether some entry of the set names hostport
// ("host:port", as a dialer sees it) under either scheme.
func (s EndpointSet) AllowsHostPort(hostport string) bool {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return false
	}
	hp := net.JoinHostPort(strings.ToLower(host), port)
	return s["http://"+hp] || s["https://"+hp]
}

// EndpointKey is what two endpoint URLs must share to be the same
// server: scheme and host, lower case, with the scheme's default port
// made explicit.
func EndpointKey(endpoint string) (string, bool) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	switch {
	case scheme != "http" && scheme != "https":
		return "", false
	case port == "" && scheme == "http":
		port = "80"
	case port == "":
		port = "443"
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port), true
}
