package clustering

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
)

// certRecord is the part of a list_certificates entry the family reads.
type certRecord struct {
	Name           string   `json:"name"`
	Certificate    string   `json:"certificate"`
	PrivateKeyName *string  `json:"private_key_name"`
	IsAuthority    bool     `json:"is_authority"`
	Uses           []string `json:"uses"`
}

// trust is the route TLS material: the node certificate and the pool of
// authorities a peer's certificate must chain to. The pool is swapped in
// place on a reload, so a CA added with add_certificate is trusted without
// a restart of the NATS server.
type trust struct {
	cert tls.Certificate
	pool atomic.Pointer[x509.CertPool]
	// authorities counts the CAs in the pool (for the log).
	authorities int
}

// loadTrust builds the route TLS material from list_certificates' answer
// and the key files under rootPath/keys: the node certificate is the
// non-authority record named certHostname, else the first whose uses
// include "operations_api"; every authority record is trusted.
func loadTrust(list []byte, rootPath, certHostname string) (*trust, error) {
	var recs []certRecord
	if err := json.Unmarshal(list, &recs); err != nil {
		return nil, fmt.Errorf("read list_certificates: %w", err)
	}
	pool := x509.NewCertPool()
	var node *certRecord
	n := 0
	for i := range recs {
		r := &recs[i]
		if r.IsAuthority {
			if pool.AppendCertsFromPEM([]byte(r.Certificate)) {
				n++
			}
			continue
		}
		if r.PrivateKeyName == nil || *r.PrivateKeyName == "" {
			continue
		}
		if r.Name == certHostname || (node == nil && slices.Contains(r.Uses, "operations_api")) {
			if node == nil || r.Name == certHostname {
				node = r
			}
		}
	}
	if node == nil {
		return nil, fmt.Errorf("no node certificate with a private key (looked for %q)", certHostname)
	}
	if n == 0 {
		return nil, errors.New("no certificate authority to verify peers against")
	}
	keyPEM, err := os.ReadFile(filepath.Join(rootPath, "keys", filepath.Base(*node.PrivateKeyName)))
	if err != nil {
		return nil, fmt.Errorf("read the node certificate's key: %w", err)
	}
	cert, err := tls.X509KeyPair([]byte(node.Certificate), keyPEM)
	if err != nil {
		return nil, fmt.Errorf("node certificate %q: %w", node.Name, err)
	}
	t := &trust{cert: cert, authorities: n}
	t.pool.Store(pool)
	return t, nil
}

// update swaps in the authorities of another trust (after a reload).
func (t *trust) update(o *trust) {
	t.pool.Store(o.pool.Load())
	t.authorities = o.authorities
}

// routeTLSMinVersion is the oldest TLS routes accept.
const routeTLSMinVersion = tls.VersionTLS12

// config returns the tls.Config of the cluster port, used both to accept
// and to solicit routes. Both sides present the node certificate and both
// verify the other's chain against the pool (mutual TLS). Host names are
// not checked: nodes reach each other by the addresses NATS gossips (often
// IPs the certificate does not name), so trust is "signed by an authority
// this node trusts". That is why InsecureSkipVerify is set: Go's own check
// would compare the host name; verifyPeer does the chain check instead.
func (t *trust) config() *tls.Config {
	return &tls.Config{
		MinVersion:            routeTLSMinVersion,
		Certificates:          []tls.Certificate{t.cert},
		ClientAuth:            tls.RequireAnyClientCert,
		InsecureSkipVerify:    true, //nolint:gosec // verifyPeer verifies the chain; see above
		VerifyPeerCertificate: t.verifyPeer,
	}
}

// verifyPeer refuses a peer whose certificate does not chain to one of the
// trusted authorities, or is expired. Any extended key usage is accepted,
// since a node certificate serves and solicits routes alike.
func (t *trust) verifyPeer(raw [][]byte, _ [][]*x509.Certificate) error {
	if len(raw) == 0 {
		return errors.New("clustering: the peer sent no certificate")
	}
	certs := make([]*x509.Certificate, 0, len(raw))
	for _, r := range raw {
		c, err := x509.ParseCertificate(r)
		if err != nil {
			return fmt.Errorf("clustering: peer certificate: %w", err)
		}
		certs = append(certs, c)
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := certs[0].Verify(x509.VerifyOptions{
		Roots:         t.pool.Load(),
		Intermediates: inter,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return fmt.Errorf("clustering: peer certificate %q not trusted: %w", certs[0].Subject.CommonName, err)
	}
	return nil
}
