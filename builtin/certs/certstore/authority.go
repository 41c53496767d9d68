package certstore

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"time"
)

// Generated certificates.
const (
	// CANamePrefix starts the generated authority's name and CN; the
	// hostname follows, as HarperDB names its own authority.
	CANamePrefix = "HOPS-Certificate-Authority-"
	// organization is the O attribute of generated certificates.
	organization = "HOPS"
	// caValidity is ten years: the authority outlives many node
	// certificates, and replacing it means re-trusting it everywhere.
	caValidity = 10 * 365 * 24 * time.Hour
	// nodeValidity is one year, well under the 398 days browsers accept.
	nodeValidity = 365 * 24 * time.Hour
	// renewBefore: a generated node certificate this close to expiry is
	// replaced at the next EnsureAuthority, so a yearly restart is enough.
	renewBefore = 30 * 24 * time.Hour
	// backdate sets NotBefore an hour early so a client whose clock is a
	// little behind still accepts a certificate generated just now.
	backdate = time.Hour
	// serialBits: RFC 5280 allows 20 octets; 128 random bits make a
	// collision under one authority practically impossible.
	serialBits = 128
)

// Uses recorded on the generated certificates.
const (
	// UseCA marks the generated authority.
	UseCA = "ca"
	// UseOperationsAPI marks the node certificate as the operations API's.
	UseOperationsAPI = "operations_api"
	// UseHTTPS marks a certificate served over HTTPS.
	UseHTTPS = "https"
)

// Object identifiers of the subject attributes written, so generated names
// read "CN=... O=HOPS" in that order (pkix.Name's own fields would put O
// first).
var (
	oidCommonName   = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidOrganization = asn1.ObjectIdentifier{2, 5, 4, 10}
)

// CAName is the name of the authority EnsureAuthority generates for hostname.
func CAName(hostname string) string { return CANamePrefix + hostname }

// EnsureAuthority makes sure the node has its own certificate authority and
// a node certificate for hostname, creating what is missing. Call it at
// every start: a later start reuses both.
//
// The authority (ECDSA P-256, 10 years, cert-sign|crl-sign, uses ["ca"]) is
// recorded as CAName(hostname) with its key file. The node certificate
// (record name hostname, ECDSA P-256, 1 year, server auth, SANs hostname,
// localhost, 127.0.0.1, ::1, uses ["operations_api","https"]) is signed by
// it. Both are ordinary records: List shows them and Remove removes them.
//
// The node certificate is replaced when its record or key is gone, or when
// it was issued under the authority's name but does not verify against it
// or expires within 30 days. A certificate the user added under the node's
// name (issued by someone else) is kept as it is.
func (s *Store) EnsureAuthority(hostname string) error {
	if err := checkName(hostname); err != nil {
		return fmt.Errorf("certstore: hostname %q cannot name a certificate: %w", hostname, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.dropListed()
	ca, caKey, err := s.loadSigned(metaCA)
	if err != nil {
		return err
	}
	changed := false
	if ca == nil || !ca.IsCA {
		if ca, caKey, err = s.createAuthority(hostname); err != nil {
			return err
		}
		changed = true
	}
	if renew, err := s.nodeNeedsRenewal(hostname, ca); err != nil {
		return err
	} else if renew {
		if err := s.createNode(hostname, ca, caKey); err != nil {
			return err
		}
		changed = true
	}
	if changed {
		s.gen.Add(1)
	}
	return nil
}

// loadSigned returns the leaf and key of the record a meta key names, or
// nils when the meta key, the record or a matching key file is missing.
func (s *Store) loadSigned(metaKey string) (*x509.Certificate, crypto.Signer, error) {
	name, err := s.getMeta(metaKey)
	if err != nil || name == "" {
		return nil, nil, err
	}
	rec, ok, err := s.lookup(name)
	if err != nil || !ok || rec.PrivateKeyName == "" {
		return nil, nil, err
	}
	c, err := parseChain(rec.Certificate)
	if err != nil {
		return nil, nil, nil
	}
	key, err := s.readKey(rec.PrivateKeyName)
	if err != nil || !keyMatches(c.leaf, key.signer) {
		return nil, nil, nil
	}
	return c.leaf, key.signer, nil
}

// nodeNeedsRenewal applies EnsureAuthority's rule for the node certificate.
func (s *Store) nodeNeedsRenewal(hostname string, ca *x509.Certificate) (bool, error) {
	name, err := s.getMeta(metaNode)
	if err != nil {
		return false, err
	}
	if name != hostname {
		return true, nil
	}
	leaf, _, err := s.loadSigned(metaNode)
	if err != nil || leaf == nil {
		return leaf == nil, err
	}
	if !bytes.Equal(leaf.RawIssuer, ca.RawSubject) {
		return false, nil // the user's own certificate: keep it
	}
	stale := !s.now().Before(leaf.NotAfter.Add(-renewBefore))
	return stale || leaf.CheckSignatureFrom(ca) != nil, nil
}

// createAuthority generates and records the authority.
func (s *Store) createAuthority(hostname string) (*x509.Certificate, crypto.Signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("certstore: generate authority key: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               subject(CAName(hostname)),
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(caValidity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	cert, err := s.issue(CAName(hostname), tmpl, tmpl, key, key, []string{UseCA}, []string{}, metaCA)
	if err != nil {
		return nil, nil, err
	}
	return cert, key, nil
}

// createNode generates and records the node certificate, signed by ca.
func (s *Store) createNode(hostname string, ca *x509.Certificate, caKey crypto.Signer) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("certstore: generate node key: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return err
	}
	now := s.now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      subject(hostname),
		NotBefore:    now.Add(-backdate),
		NotAfter:     now.Add(nodeValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	if ip := net.ParseIP(hostname); ip != nil {
		tmpl.IPAddresses = appendIP(tmpl.IPAddresses, ip)
	} else if hostname != "localhost" {
		tmpl.DNSNames = []string{hostname, "localhost"}
	}
	_, err = s.issue(hostname, tmpl, ca, key, caKey, []string{UseOperationsAPI, UseHTTPS}, nil, metaNode)
	return err
}

// issue signs tmpl with parentKey and records it as name with key, through
// the same save path as Add, setting metaKey to name. nil hosts means the
// default (DNS SANs).
func (s *Store) issue(name string, tmpl, parent *x509.Certificate, key *ecdsa.PrivateKey, parentKey crypto.Signer,
	uses, hosts []string, metaKey string) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		return nil, fmt.Errorf("certstore: sign %q: %w", name, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("certstore: parse generated %q: %w", name, err)
	}
	keyPEM, err := encodePKCS8(key)
	if err != nil {
		return nil, err
	}
	c := &change{
		chain: &chain{leaf: cert, certs: []*x509.Certificate{cert}},
		key:   &parsedKey{signer: key, pem: keyPEM},
		rec: stored{
			Name:        name,
			Certificate: string(pem.EncodeToMemory(&pem.Block{Type: pemCertificate, Bytes: der})),
			IsAuthority: cert.IsCA,
			Uses:        uses,
			Hosts:       hosts,
		},
	}
	if hosts == nil {
		c.rec.Hosts = defaultHosts(cert)
	}
	if err := s.save(c, map[string]string{metaKey: name}); err != nil {
		return nil, err
	}
	return cert, nil
}

// subject is "CN=<cn> O=HOPS", in that order.
func subject(cn string) pkix.Name {
	return pkix.Name{ExtraNames: []pkix.AttributeTypeAndValue{
		{Type: oidCommonName, Value: cn},
		{Type: oidOrganization, Value: organization},
	}}
}

// appendIP adds ip unless already listed.
func appendIP(ips []net.IP, ip net.IP) []net.IP {
	for _, have := range ips {
		if have.Equal(ip) {
			return ips
		}
	}
	return append(ips, ip)
}

// randomSerial returns a random positive serial number of serialBits bits.
func randomSerial() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), serialBits))
	if err != nil {
		return nil, fmt.Errorf("certstore: generate serial: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil
}
