package tlscerts

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// nodeName is the hostname the fake family generated its node certificate for.
const nodeName = "node1.test"

// authority is a test certificate authority.
type authority struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  string
}

var serial atomic.Int64

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newAuthority(t *testing.T, cn string) *authority {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial.Add(1)), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &authority{cert: cert, key: key, pem: pemOf("CERTIFICATE", der)}
}

func pemOf(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

// leaf is a server certificate issued by an authority, with its key.
type leaf struct {
	cert    *x509.Certificate
	certPEM string
	keyPEM  string
}

// issue signs a server certificate for names (IP literals become IP SANs)
// valid from notBefore to notAfter.
func (a *authority) issue(t *testing.T, cn string, names []string, notBefore, notAfter time.Time) leaf {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial.Add(1)), Subject: pkix.Name{CommonName: cn},
		NotBefore: notBefore, NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, key.Public(), a.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return leaf{cert: cert, certPEM: pemOf("CERTIFICATE", der), keyPEM: pemOf("PRIVATE KEY", kder)}
}

// fakeFamily plays the certs family: a root directory with a certs.db file
// that changes on every change (its content is not BuntDB's, the Source
// never reads it) and key files, and a List answering records shaped like
// list_certificates.
type fakeFamily struct {
	root  string
	ca    *authority
	node  leaf
	calls atomic.Int64

	mu      sync.Mutex
	records []map[string]any
	fail    error
	body    []byte // when set, List answers it as is
}

// newFakeFamily lays out a root as the family's first start does: an
// authority and a node certificate for nodeName, localhost and loopbacks.
func newFakeFamily(t *testing.T) *fakeFamily {
	t.Helper()
	f := &fakeFamily{root: t.TempDir(), ca: newAuthority(t, "Test-Authority")}
	for _, d := range []string{"database", "keys"} {
		if err := os.MkdirAll(filepath.Join(f.root, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	f.records = append(f.records, map[string]any{"name": "Test-Authority", "certificate": f.ca.pem,
		"private_key_name": "Test-Authority.pem", "is_authority": true, "uses": []string{"ca"}, "hosts": []string{}})
	f.node = f.ca.issue(t, nodeName, []string{nodeName, "localhost", "127.0.0.1", "::1"}, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))
	f.put(t, nodeName, f.node, []string{nodeName, "localhost"}, "operations_api", "https")
	return f
}

// list is Options.List.
func (f *fakeFamily) list(context.Context) ([]byte, error) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	if f.body != nil {
		return f.body, nil
	}
	return json.Marshal(f.records)
}

// put adds (or replaces) record name with its key file, as add_certificate does.
func (f *fakeFamily) put(t *testing.T, name string, l leaf, hosts []string, uses ...string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(f.root, "keys", name+".pem"), []byte(l.keyPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	if uses == nil {
		uses = []string{}
	}
	rec := map[string]any{"name": name, "certificate": l.certPEM, "private_key_name": name + ".pem",
		"is_authority": false, "uses": uses, "hosts": hosts, "details": map[string]any{}}
	f.mu.Lock()
	out := f.records[:0:0]
	for _, r := range f.records {
		if r["name"] != name {
			out = append(out, r)
		}
	}
	f.records = append(out, rec)
	f.mu.Unlock()
	f.bump(t)
}

// remove deletes record name and its key file, as remove_certificate does.
func (f *fakeFamily) remove(t *testing.T, name string) {
	t.Helper()
	f.mu.Lock()
	out := f.records[:0:0]
	for _, r := range f.records {
		if r["name"] != name {
			out = append(out, r)
		}
	}
	f.records = out
	f.mu.Unlock()
	f.bump(t)
	if err := os.Remove(filepath.Join(f.root, "keys", name+".pem")); err != nil {
		t.Fatal(err)
	}
}

// bump appends to certs.db as a BuntDB commit does: the size always grows.
func (f *fakeFamily) bump(t *testing.T) {
	t.Helper()
	db, err := os.OpenFile(filepath.Join(f.root, "database", "certs.db"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.WriteString("*3\r\n$3\r\nset\r\n"); err != nil {
		t.Fatal(err)
	}
}

func (f *fakeFamily) setFail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = err
}

func (f *fakeFamily) source(t *testing.T) *Source {
	t.Helper()
	s, err := New(Options{RootPath: f.root, Hostname: nodeName, List: f.list})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// serveTLS serves HTTPS on loopback with s's TLS config and returns the
// address. The listener is wrapped by hand: httptest's StartTLS would add
// its own certificate to Certificates, which crypto/tls serves to a client
// without SNI instead of asking GetCertificate.
func serveTLS(t *testing.T, s *Source) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok"))
	}))
	srv.Listener = tls.NewListener(srv.Listener, s.TLSConfig())
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// dial handshakes with addr as a client trusting only roots and verifying
// the chain and serverName (the address's IP when serverName is empty),
// and returns the leaf it was served.
func dial(addr, serverName string, roots *x509.CertPool) (*x509.Certificate, error) {
	d := tls.Dialer{Config: &tls.Config{RootCAs: roots, ServerName: serverName, MinVersion: tls.VersionTLS12}}
	if serverName == "" {
		host, _, _ := net.SplitHostPort(addr)
		d.Config.ServerName = host
	}
	conn, err := d.DialContext(context.Background(), "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return conn.(*tls.Conn).ConnectionState().PeerCertificates[0], nil
}

// served handshakes without verifying and returns the leaf the server chose
// for serverName.
func served(t *testing.T, addr, serverName string) *x509.Certificate {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{ServerName: serverName, InsecureSkipVerify: true}) //nolint:gosec // the test inspects what is served
	if err != nil {
		t.Fatalf("handshake for %q: %v", serverName, err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0]
}

func poolOf(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}
