package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/hops-dev/hops/sdk/sdktest"
)

// testHost is the hostname the tests configure, so the node record's name
// does not depend on the machine.
const testHost = "node1.test"

// newFamily returns a family whose os.Hostname is stubbed to testHost.
func newFamily(t *testing.T) *Family {
	t.Helper()
	f, err := New()
	if err != nil {
		t.Fatal(err)
	}
	f.osHostname = func() (string, error) { return testHost, nil }
	return f
}

// serve runs a new family over in-process gRPC on root ("" means a fresh
// temporary directory) with the hostname set in its config section.
func serve(t *testing.T, root string) *sdktest.Harness {
	t.Helper()
	return sdktest.New(t, newFamily(t), sdktest.Options{RootPath: root, Section: map[string]any{"hostname": testHost}})
}

// listed is a record as list_certificates answers it.
type listed struct {
	Name           string         `json:"name"`
	Certificate    string         `json:"certificate"`
	PrivateKeyName *string        `json:"private_key_name"`
	IsAuthority    bool           `json:"is_authority"`
	Details        map[string]any `json:"details"`
	IsSelfSigned   bool           `json:"is_self_signed"`
	Uses           []string       `json:"uses"`
	Hosts          []string       `json:"hosts"`
}

// list runs list_certificates and returns the records by name, failing the
// test unless it answers 200.
func list(t *testing.T, h *sdktest.Harness) ([]listed, map[string]listed) {
	t.Helper()
	r := h.Super(t, map[string]any{"operation": "list_certificates"})
	if r.Status != 200 {
		t.Fatalf("list_certificates: %d %s", r.Status, r.Body)
	}
	var out []listed
	r.JSON(t, &out)
	byName := make(map[string]listed, len(out))
	for _, rec := range out {
		byName[rec.Name] = rec
	}
	return out, byName
}

// selfSigned makes a self-signed ECDSA certificate for dnsName and returns
// the certificate and PKCS#8 key as PEM.
func selfSigned(t *testing.T, dnsName string) (certPEM, keyPEM string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: dnsName},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		DNSNames:     []string{dnsName},
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))
}

func parseLeaf(t *testing.T, certPEM string) *x509.Certificate {
	t.Helper()
	b, _ := pem.Decode([]byte(certPEM))
	if b == nil {
		t.Fatalf("no PEM in %q", certPEM)
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
