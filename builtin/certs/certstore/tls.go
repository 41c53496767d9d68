package certstore

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// NodeTLS returns the node certificate EnsureAuthority made (with its key)
// and a pool of every authority on record, for the host's HTTPS listener
// (the pool also serves to verify client certificates). Before
// EnsureAuthority, or once the node record is removed, it returns an error
// wrapping ErrNoNodeCertificate.
func (s *Store) NodeTLS() (*tls.Certificate, *x509.CertPool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	name, err := s.getMeta(metaNode)
	if err != nil {
		return nil, nil, err
	}
	rec, ok, err := s.lookup(name)
	if err != nil {
		return nil, nil, err
	}
	if name == "" || !ok || rec.PrivateKeyName == "" {
		return nil, nil, ErrNoNodeCertificate
	}
	cert, err := s.keyPair(rec)
	if err != nil {
		return nil, nil, err
	}
	records, err := s.allRecords()
	if err != nil {
		return nil, nil, err
	}
	pool := x509.NewCertPool()
	for _, r := range records {
		if !r.IsAuthority {
			continue
		}
		if c, err := parseChain(r.Certificate); err == nil {
			pool.AddCert(c.leaf)
		}
	}
	return cert, pool, nil
}

// SNICertificates maps each host name (lower-cased, as the record lists it,
// wildcards such as "*.example.com" included) to the certificate serving
// it, for tls.Config.GetCertificate: look ServerName up lower-cased, then
// its wildcard form, and fall back to NodeTLS. Every non-authority record
// with a key file and hosts takes part; an authority's key signs, it does
// not serve.
//
// When two records list the same host, the one valid now wins, then the one
// expiring last, then the first by name. A record whose key file is
// missing or unusable is left out; the map is still complete for the
// others, and the returned error (errors.Join of one error per record left
// out) says which were skipped, so a host should log it and serve the map.
func (s *Store) SNICertificates() (map[string]*tls.Certificate, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	records, err := s.allRecords()
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make(map[string]*tls.Certificate)
	var skipped []error
	for _, r := range records {
		if r.IsAuthority || r.PrivateKeyName == "" || len(r.Hosts) == 0 {
			continue
		}
		cert, err := s.keyPair(r)
		if err != nil {
			skipped = append(skipped, err)
			continue
		}
		for _, h := range r.Hosts {
			h = strings.ToLower(h)
			if cur, ok := out[h]; !ok || better(cert.Leaf, cur.Leaf, now) {
				out[h] = cert
			}
		}
	}
	return out, errors.Join(skipped...)
}

// better reports whether a should serve a host instead of b (b came first
// by name, so ties keep b).
func better(a, b *x509.Certificate, now time.Time) bool {
	aValid, bValid := validAt(a, now), validAt(b, now)
	if aValid != bValid {
		return aValid
	}
	return a.NotAfter.After(b.NotAfter)
}

func validAt(c *x509.Certificate, now time.Time) bool {
	return !now.Before(c.NotBefore) && !now.After(c.NotAfter)
}

// keyPair loads a record's certificate chain and key file as a
// tls.Certificate (with Leaf set).
func (s *Store) keyPair(r stored) (*tls.Certificate, error) {
	keyPEM, err := os.ReadFile(filepath.Join(s.keysDir, r.PrivateKeyName))
	if err != nil {
		return nil, fmt.Errorf("certstore: certificate %q: read key file: %w", r.Name, err)
	}
	cert, err := tls.X509KeyPair([]byte(r.Certificate), keyPEM)
	if err != nil {
		return nil, fmt.Errorf("certstore: certificate %q: %w", r.Name, err)
	}
	if cert.Leaf == nil {
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return nil, fmt.Errorf("certstore: certificate %q: %w", r.Name, err)
		}
	}
	return &cert, nil
}
