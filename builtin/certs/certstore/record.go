package certstore

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"fmt"
)

// Record is one certificate as list_certificates returns it. It holds no
// private key: PrivateKeyName only names the key file.
type Record struct {
	// Name is the record's name (the primary key).
	Name string `json:"name"`
	// Certificate is the PEM as added (the leaf first, then any chain).
	Certificate string `json:"certificate"`
	// PrivateKeyName is the key file's name in <rootPath>/keys, or nil
	// (JSON null) for an authority stored without a key.
	PrivateKeyName *string `json:"private_key_name"`
	// IsAuthority marks a certificate authority.
	IsAuthority bool `json:"is_authority"`
	// Details describes the leaf certificate.
	Details Details `json:"details"`
	// IsSelfSigned is true when the leaf's issuer is its subject and its
	// own key verifies its signature.
	IsSelfSigned bool `json:"is_self_signed"`
	// Uses says what the certificate is for; never nil.
	Uses []string `json:"uses"`
	// Hosts are the names the certificate serves over HTTPS; never nil.
	Hosts []string `json:"hosts"`
}

// List returns every record in name order (byte order, so upper case
// sorts before lower case, as HarperDB's list does).
func (s *Store) List() ([]Record, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.list()
}

// ListJSON returns List's records as the list_certificates answer: JSON
// with HTML characters unescaped and a newline after, the bytes the SDK
// writes for sdk.OK(List()). The encoding is kept until the next change
// through this Store (Add, Remove, EnsureAuthority drop it), so listing
// parses and verifies no certificate while nothing changes. The caller
// must not modify the slice.
func (s *Store) ListJSON() ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if b := s.listed.Load(); b != nil {
		return *b, nil
	}
	records, err := s.list()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(records); err != nil {
		return nil, fmt.Errorf("certstore: encode list: %w", err)
	}
	b := buf.Bytes()
	s.listed.Store(&b)
	return b, nil
}

// dropListed forgets ListJSON's answer; callers hold mu's write lock.
func (s *Store) dropListed() { s.listed.Store(nil) }

// list derives every record; the caller holds mu (read or write).
func (s *Store) list() ([]Record, error) {
	records, err := s.allRecords()
	if err != nil {
		return nil, err
	}
	out := make([]Record, 0, len(records))
	for _, st := range records {
		r, err := toRecord(st)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// toRecord derives the listed form of a stored record.
func toRecord(st stored) (Record, error) {
	c, err := parseChain(st.Certificate)
	if err != nil {
		return Record{}, fmt.Errorf("certstore: stored certificate %q: %w", st.Name, err)
	}
	r := Record{
		Name:         st.Name,
		Certificate:  st.Certificate,
		IsAuthority:  st.IsAuthority,
		Details:      certDetails(c.leaf),
		IsSelfSigned: selfSigned(c.leaf),
		Uses:         nonNil(st.Uses),
		Hosts:        nonNil(st.Hosts),
	}
	if st.PrivateKeyName != "" {
		name := st.PrivateKeyName
		r.PrivateKeyName = &name
	}
	return r, nil
}

// selfSigned reports whether cert names itself as issuer and its own key
// verifies its signature.
func selfSigned(cert *x509.Certificate) bool {
	return bytes.Equal(cert.RawIssuer, cert.RawSubject) &&
		cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature) == nil
}
