package tlscerts

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

const (
	// useOperationsAPI marks the node certificate in a record's uses (the
	// certs family writes it on the certificate it generates; the host may
	// not import the family's package, hence the copy).
	useOperationsAPI = "operations_api"
	// maxKeyFileSize bounds what is read from a key file: a PEM private key
	// is under 10 KiB (RSA-8192 is about 6.5 KiB), so anything larger is
	// not a key and is refused instead of read whole.
	maxKeyFileSize = 64 << 10
)

// record is the part of a list_certificates record the host serves from.
type record struct {
	Name           string   `json:"name"`
	Certificate    string   `json:"certificate"`
	PrivateKeyName *string  `json:"private_key_name"`
	IsAuthority    bool     `json:"is_authority"`
	Uses           []string `json:"uses"`
	Hosts          []string `json:"hosts"`
}

// snapshot is one loaded set, never changed once built.
type snapshot struct {
	// byHost maps a lower-cased host (wildcards included) to its certificate.
	byHost map[string]*tls.Certificate
	// node is served when no host matches; nil when there is none.
	node     *tls.Certificate
	nodeName string
	// pool holds the authorities on record.
	pool *x509.CertPool
	// skipped joins one error per record left out; nil when none was.
	skipped error
	// stamp and loadedAt say which files' state it was built from, when.
	stamp    stamp
	loadedAt time.Time
}

// pick returns the certificate for serverName: exact host, wildcard form,
// else the node certificate.
func (sn *snapshot) pick(serverName string) *tls.Certificate {
	name := strings.ToLower(strings.TrimSuffix(serverName, "."))
	if name != "" {
		if c := sn.byHost[name]; c != nil {
			return c
		}
		if i := strings.IndexByte(name, '.'); i > 0 {
			if c := sn.byHost["*"+name[i:]]; c != nil {
				return c
			}
		}
	}
	return sn.node
}

// build turns a list_certificates body into a snapshot. A body that is not
// a JSON array of records is an error (the caller keeps its last set); a
// record that cannot be served is left out and named in skipped.
func (s *Source) build(body []byte) (*snapshot, error) {
	var records []record
	if err := json.Unmarshal(body, &records); err != nil {
		return nil, fmt.Errorf("tlscerts: list_certificates answer is not a list of records: %w", err)
	}
	sn := &snapshot{byHost: map[string]*tls.Certificate{}, pool: x509.NewCertPool()}
	now := s.now()
	var skipped []error
	var usesNode []string
	loaded := map[string]*tls.Certificate{}
	for _, r := range records {
		if r.IsAuthority {
			if err := addAuthority(sn.pool, r); err != nil {
				skipped = append(skipped, err)
			}
			continue
		}
		if r.PrivateKeyName == nil || *r.PrivateKeyName == "" {
			continue
		}
		cert, err := s.keyPair(r)
		if err != nil {
			skipped = append(skipped, err)
			continue
		}
		loaded[r.Name] = cert
		if slices.Contains(r.Uses, useOperationsAPI) {
			usesNode = append(usesNode, r.Name)
		}
		for _, h := range r.Hosts {
			h = strings.ToLower(strings.TrimSuffix(h, "."))
			if cur, ok := sn.byHost[h]; !ok || better(cert.Leaf, cur.Leaf, now) {
				sn.byHost[h] = cert
			}
		}
	}
	sn.nodeName = s.opts.Hostname
	if loaded[sn.nodeName] == nil {
		sn.nodeName = ""
		if len(usesNode) > 0 {
			slices.Sort(usesNode)
			sn.nodeName = usesNode[0]
		}
	}
	sn.node = loaded[sn.nodeName]
	sn.skipped = errors.Join(skipped...)
	return sn, nil
}

// addAuthority adds every certificate of an authority's PEM to pool.
func addAuthority(pool *x509.CertPool, r record) error {
	rest, n := []byte(r.Certificate), 0
	for {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return fmt.Errorf("tlscerts: authority %q: %w", r.Name, err)
		}
		pool.AddCert(c)
		n++
	}
	if n == 0 {
		return fmt.Errorf("tlscerts: authority %q: no certificate in its PEM", r.Name)
	}
	return nil
}

// keyPair loads a record's chain and key file as a tls.Certificate with
// Leaf set.
func (s *Source) keyPair(r record) (*tls.Certificate, error) {
	keyPEM, err := s.readKey(*r.PrivateKeyName)
	if err != nil {
		return nil, fmt.Errorf("tlscerts: certificate %q: %w", r.Name, err)
	}
	cert, err := tls.X509KeyPair([]byte(r.Certificate), keyPEM)
	if err != nil {
		return nil, fmt.Errorf("tlscerts: certificate %q: %w", r.Name, err)
	}
	if cert.Leaf == nil {
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return nil, fmt.Errorf("tlscerts: certificate %q: %w", r.Name, err)
		}
	}
	return &cert, nil
}

// readKey reads keys/<name>, refusing a name that is not a plain file name
// (the name comes from a record: it must not reach outside keys/) and a
// file too large to be a key.
func (s *Source) readKey(name string) ([]byte, error) {
	if name == "." || name == ".." || strings.ContainsAny(name, "/\\\x00") {
		return nil, fmt.Errorf("key file name %q is not a plain file name", name)
	}
	f, err := os.Open(filepath.Join(s.opts.RootPath, keysDirPath, name))
	if err != nil {
		return nil, fmt.Errorf("read key file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read key file: %w", err)
	}
	if len(b) > maxKeyFileSize {
		return nil, fmt.Errorf("key file %s is larger than %d bytes, not a key", name, maxKeyFileSize)
	}
	return b, nil
}

// better reports whether a should serve a host instead of b (b came first
// by name, so ties keep b): the one valid now, then the one expiring last.
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
