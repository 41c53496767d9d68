package export

import "github.com/hops-dev/hops/builtin/internal/remote"

// endpointSet is who export_to_s3 may send data to without being a super
// user: AWS itself (no endpoint), the family's default endpoint
// (families.export.s3.endpoint, the operator's choice) and the endpoints
// of families.export.s3.allowedEndpoints (empty by default). Any other
// endpoint would let a user with read rights make the server connect
// where they choose (server-side request forgery: loopback, the cloud
// metadata address, the private network), so only a super user, who can
// change the config anyway, may name one. The set itself is
// remote.EndpointSet, shared with the records family's loads.
type endpointSet = remote.EndpointSet

// newEndpointSet is remote.NewEndpointSet.
func newEndpointSet(endpoints ...string) (endpointSet, error) {
	return remote.NewEndpointSet(endpoints...)
}
