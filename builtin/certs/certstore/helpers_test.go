package certstore

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// openStore opens a Store in a fresh root directory, closed at cleanup.
func openStore(t *testing.T) (*Store, string) {
	t.Helper()
	root := t.TempDir()
	s, err := Open(root)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, root
}

// fixture reads a file of testdata/ (PEMs taken from the conformance case
// 30-certs.json, so the tests use real openssl output).
func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// rsaKey is the fixture's RSA-2048 key: generating one per test would be
// slow on the shared machine.
func rsaKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := parseKey([]byte(fixture(t, "conf-rsa.key")))
	if err != nil {
		t.Fatal(err)
	}
	return k.signer.(*rsa.PrivateKey)
}

func ecKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func edKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func pemText(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

func pkcs8PEM(t *testing.T, k crypto.Signer) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pemText("PRIVATE KEY", der)
}

func sec1PEM(t *testing.T, k *ecdsa.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pemText("EC PRIVATE KEY", der)
}

func pkcs1PEM(k *rsa.PrivateKey) string {
	return pemText("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(k))
}

// leafTemplate is a server certificate for cn, valid around now.
func leafTemplate(cn string, dns ...string) *x509.Certificate {
	now := time.Now()
	return &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()),
		Subject:      pkix.Name{CommonName: cn},
		DNSNames:     dns,
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
}

// sign makes a certificate of tmpl for key, signed by parent/parentKey
// (self-signed when parent is nil), and returns its PEM.
func sign(t *testing.T, tmpl *x509.Certificate, key crypto.Signer, parent *x509.Certificate, parentKey crypto.Signer) string {
	t.Helper()
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		t.Fatal(err)
	}
	return pemText("CERTIFICATE", der)
}

// selfSignedPEM is a self-signed leaf for cn (and DNS SAN cn).
func selfSignedPEM(t *testing.T, key crypto.Signer, cn string) string {
	t.Helper()
	return sign(t, leafTemplate(cn, cn), key, nil, nil)
}

// mustAdd adds in and fails the test on error.
func mustAdd(t *testing.T, s *Store, in AddInput) {
	t.Helper()
	if err := s.Add(in); err != nil {
		t.Fatalf("Add(%s): %v", in, err)
	}
}

// record finds name in List.
func record(t *testing.T, s *Store, name string) (Record, bool) {
	t.Helper()
	list, err := s.List()
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	for _, r := range list {
		if r.Name == name {
			return r, true
		}
	}
	return Record{}, false
}

// wantStatus checks err is an *Error with status and message.
func wantStatus(t *testing.T, err error, status int, msg string) {
	t.Helper()
	e, ok := AsError(err)
	if !ok {
		t.Fatalf("error = %v (%T), want *Error %d %q", err, err, status, msg)
	}
	if e.Status != status || e.Message != msg {
		t.Fatalf("error = %d %q, want %d %q", e.Status, e.Message, status, msg)
	}
}

// keyFilesIn lists the keys directory.
func keyFilesIn(t *testing.T, root string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(root, keysDir))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func strPtr(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

// nodeTLS loads the node certificate named hostname as the host's HTTPS
// listener does (host/tlscerts: the record's chain and its key file under
// keys/), with a pool of every authority on record.
func nodeTLS(t *testing.T, s *Store, hostname string) (*tls.Certificate, *x509.CertPool) {
	t.Helper()
	r, ok := record(t, s, hostname)
	if !ok || r.PrivateKeyName == nil {
		t.Fatalf("no node certificate %q with a key", hostname)
	}
	keyPEM, err := os.ReadFile(filepath.Join(s.keysDir, *r.PrivateKeyName))
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair([]byte(r.Certificate), keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
		t.Fatal(err)
	}
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	for _, a := range list {
		if a.IsAuthority && !pool.AppendCertsFromPEM([]byte(a.Certificate)) {
			t.Fatalf("authority %q: no certificate in its PEM", a.Name)
		}
	}
	return &cert, pool
}
