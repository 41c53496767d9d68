package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TestHTTPSServesNewCertificatesWithoutRestart serves the operations API
// on securePort with the generated node certificate (verified by a client
// that trusts only the generated CA), then adds a certificate for a new
// host name and sees the very next handshake for that name served with it.
func TestHTTPSServesNewCertificatesWithoutRestart(t *testing.T) {
	securePort := freePort(t)
	in := startHops(t, "", "", "OPERATIONSAPI_NETWORK_SECUREPORT="+strconv.Itoa(securePort))
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(securePort))

	var certs []struct {
		Name           string   `json:"name"`
		Certificate    string   `json:"certificate"`
		IsAuthority    bool     `json:"is_authority"`
		PrivateKeyName *string  `json:"private_key_name"`
		Hosts          []string `json:"hosts"`
	}
	in.admin(t, map[string]any{"operation": "list_certificates"}).JSON(t, &certs)
	pool := x509.NewCertPool()
	var caPEM string
	for _, c := range certs {
		if c.IsAuthority {
			caPEM = c.Certificate
			pool.AppendCertsFromPEM([]byte(c.Certificate))
		}
	}
	if caPEM == "" {
		t.Fatalf("no generated authority in %+v", certs)
	}
	// Private keys live under keys/ with 0600, in a 0700 directory.
	keys := filepath.Join(in.root, "keys")
	if st, err := os.Stat(keys); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("keys dir: %v %v", st, err)
	}
	entries, _ := os.ReadDir(keys)
	for _, e := range entries {
		want := os.FileMode(0o600)
		if e.IsDir() { // keys/auth holds the JWT signing key
			want = 0o700
		}
		if st, _ := e.Info(); st.Mode().Perm() != want {
			t.Errorf("key entry %s has mode %v, want %v", e.Name(), st.Mode().Perm(), want)
		}
	}

	handshake := func(serverName string) *x509.Certificate {
		t.Helper()
		conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: serverName})
		if err != nil {
			t.Fatalf("handshake for %s: %v", serverName, err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0]
	}
	node := handshake("localhost")
	if err := node.VerifyHostname("127.0.0.1"); err != nil {
		t.Errorf("the node certificate must cover 127.0.0.1: %v", err)
	}

	// A certificate for a new host, signed by a CA of our own, added with
	// its key: the next handshake for that host serves it.
	ownCA, ownCAKey := testCA(t)
	leafPEM, keyPEM := testLeaf(t, ownCA, ownCAKey, "api.hops-test.local")
	r := in.admin(t, map[string]any{"operation": "add_certificate", "name": "hops_test_leaf", "certificate": leafPEM,
		"private_key": keyPEM, "is_authority": false, "hosts": []string{"api.hops-test.local"}})
	if r.Status != 200 {
		t.Fatalf("add_certificate: %d %s", r.Status, r.Raw)
	}
	ownPool := x509.NewCertPool()
	ownPool.AddCert(ownCA)
	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: ownPool, ServerName: "api.hops-test.local"})
	if err != nil {
		t.Fatalf("the added certificate must be served on the next handshake: %v", err)
	}
	if cn := conn.ConnectionState().PeerCertificates[0].Subject.CommonName; cn != "api.hops-test.local" {
		t.Errorf("served %q", cn)
	}
	conn.Close()

	// Removing it falls back to the node certificate.
	if r := in.admin(t, map[string]any{"operation": "remove_certificate", "name": "hops_test_leaf"}); r.Status != 200 {
		t.Fatalf("remove: %d %s", r.Status, r.Raw)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: "localhost"})
		if err == nil {
			conn.Close()
			c2, err2 := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, ServerName: "api.hops-test.local"}) //nolint:gosec // inspecting what is served
			if err2 == nil {
				cn := c2.ConnectionState().PeerCertificates[0].Subject.CommonName
				c2.Close()
				if cn != "api.hops-test.local" {
					break
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the removed certificate is still served")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// The records survive a restart of hops.
	in.restart()
	var after []map[string]any
	in.admin(t, map[string]any{"operation": "list_certificates"}).JSON(t, &after)
	found := false
	for _, c := range after {
		if c["certificate"] == caPEM {
			found = true
		}
	}
	if !found {
		t.Fatal("the generated authority must be reused after a restart")
	}
}

func testCA(t *testing.T) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "hops test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c, key
}

func testLeaf(t *testing.T, ca *x509.Certificate, caKey *ecdsa.PrivateKey, host string) (certPEM, keyPEM string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: host},
		DNSNames: []string{host}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	kd, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}))
}
