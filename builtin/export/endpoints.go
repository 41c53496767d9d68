package export

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// endpointSet is who export_to_s3 may send data to without being a super
// user: AWS itself (no endpoint), the family's default endpoint
// (families.export.s3.endpoint, the operator's choice) and the endpoints
// of families.export.s3.allowedEndpoints (empty by default). Any other
// endpoint would let a user with read rights make the server connect
// where they choose (server-side request forgery: loopback, the cloud
// metadata address, the private network), so only a super user, who can
// change the config anyway, may name one.
type endpointSet map[string]bool

// newEndpointSet returns the set of the given endpoint URLs; an entry
// that is not an http or https URL with a host is an error naming it.
func newEndpointSet(endpoints ...string) (endpointSet, error) {
	set := endpointSet{}
	for _, e := range endpoints {
		key, ok := endpointKey(e)
		if !ok {
			return nil, fmt.Errorf("%q is not an http or https URL", e)
		}
		set[key] = true
	}
	return set, nil
}

// allows reports whether a non-super user may export to endpoint ("" is
// AWS).
func (s endpointSet) allows(endpoint string) bool {
	if endpoint == "" {
		return true
	}
	key, ok := endpointKey(endpoint)
	return ok && s[key]
}

// endpointKey is what two endpoint URLs must share to be the same
// server: scheme and host, lower case, with the scheme's default port
// made explicit. Path, query and user info do not choose the server.
func endpointKey(endpoint string) (string, bool) {
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
