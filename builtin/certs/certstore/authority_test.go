package certstore

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestEnsureAuthorityCreates(t *testing.T) {
	s, _ := openStore(t)
	if _, ok := record(t, s, "node1"); ok {
		t.Fatal("a node certificate before EnsureAuthority")
	}
	if err := s.EnsureAuthority("node1"); err != nil {
		t.Fatal(err)
	}
	ca, ok := record(t, s, "HOPS-Certificate-Authority-node1")
	if !ok {
		t.Fatal("authority not listed")
	}
	if !ca.IsAuthority || !ca.IsSelfSigned || strPtr(ca.PrivateKeyName) != "HOPS-Certificate-Authority-node1.pem" ||
		!reflect.DeepEqual(ca.Uses, []string{UseCA}) || len(ca.Hosts) != 0 ||
		ca.Details.Subject != "CN=HOPS-Certificate-Authority-node1 O=HOPS" || ca.Details.Issuer != ca.Details.Subject {
		t.Fatalf("authority record %+v", ca)
	}
	caCert := parseOne(t, ca.Certificate)
	if !caCert.IsCA || caCert.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign {
		t.Errorf("authority IsCA=%v key usage=%v", caCert.IsCA, caCert.KeyUsage)
	}
	if life := caCert.NotAfter.Sub(caCert.NotBefore); life < 10*365*24*time.Hour {
		t.Errorf("authority valid for %v, want 10 years", life)
	}

	node, ok := record(t, s, "node1")
	if !ok {
		t.Fatal("node certificate not listed")
	}
	if node.IsAuthority || node.IsSelfSigned || strPtr(node.PrivateKeyName) != "node1.pem" ||
		!reflect.DeepEqual(node.Uses, []string{UseOperationsAPI, UseHTTPS}) ||
		!reflect.DeepEqual(node.Hosts, []string{"node1", "localhost"}) ||
		node.Details.Issuer != ca.Details.Subject || node.Details.Subject != "CN=node1 O=HOPS" ||
		node.Details.SubjectAltName != "DNS:node1, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1" {
		t.Fatalf("node record %+v", node)
	}
	nodeCert := parseOne(t, node.Certificate)
	if life := nodeCert.NotAfter.Sub(nodeCert.NotBefore); life < 365*24*time.Hour || life > 2*365*24*time.Hour {
		t.Errorf("node certificate valid for %v, want 1-2 years", life)
	}
	if !reflect.DeepEqual(nodeCert.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}) {
		t.Errorf("node EKU = %v", nodeCert.ExtKeyUsage)
	}
	if s.Generation() == 0 {
		t.Error("generation did not move")
	}
}

func TestNodeCertificateVerifies(t *testing.T) {
	s, _ := openStore(t)
	if err := s.EnsureAuthority("node1"); err != nil {
		t.Fatal(err)
	}
	cert, pool := nodeTLS(t, s, "node1")
	for _, name := range []string{"localhost", "127.0.0.1", "::1", "node1"} {
		opts := x509.VerifyOptions{DNSName: name, Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
		if _, err := cert.Leaf.Verify(opts); err != nil {
			t.Errorf("verify for %s: %v", name, err)
		}
	}
	if _, err := cert.Leaf.Verify(x509.VerifyOptions{DNSName: "other.example", Roots: pool}); err == nil {
		t.Error("node certificate verified for a name it does not carry")
	}
	handshake(t, cert, pool, "localhost")
	handshake(t, cert, pool, "127.0.0.1")
}

// handshake runs a real TLS handshake over a pipe: server with cert, client
// trusting pool and dialling serverName.
func handshake(t *testing.T, cert *tls.Certificate, pool *x509.CertPool, serverName string) {
	t.Helper()
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	server := tls.Server(c1, &tls.Config{Certificates: []tls.Certificate{*cert}})
	done := make(chan error, 1)
	go func() { done <- server.Handshake() }()
	client := tls.Client(c2, &tls.Config{RootCAs: pool, ServerName: serverName})
	if err := client.Handshake(); err != nil {
		t.Fatalf("client handshake for %s: %v", serverName, err)
	}
	if err := <-done; err != nil {
		t.Fatalf("server handshake: %v", err)
	}
}

func TestEnsureAuthorityIsIdempotent(t *testing.T) {
	root := t.TempDir()
	s, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureAuthority("node1"); err != nil {
		t.Fatal(err)
	}
	first, _ := s.List()
	gen := s.Generation()
	if err := s.EnsureAuthority("node1"); err != nil {
		t.Fatal(err)
	}
	again, _ := s.List()
	if !reflect.DeepEqual(first, again) || s.Generation() != gen {
		t.Fatalf("second EnsureAuthority changed something: %d -> %d records, gen %d -> %d", len(first), len(again), gen, s.Generation())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if err := s2.EnsureAuthority("node1"); err != nil {
		t.Fatal(err)
	}
	afterRestart, _ := s2.List()
	if !reflect.DeepEqual(first, afterRestart) || s2.Generation() != 0 {
		t.Fatalf("a later start did not reuse the certificates")
	}
}

func TestEnsureAuthorityRenewsExpiringNode(t *testing.T) {
	s, _ := openStore(t)
	if err := s.EnsureAuthority("node1"); err != nil {
		t.Fatal(err)
	}
	old, _ := record(t, s, "node1")
	oldCA, _ := record(t, s, CAName("node1"))
	gen := s.Generation()
	s.now = func() time.Time { return time.Now().Add(nodeValidity - renewBefore/2) }
	if err := s.EnsureAuthority("node1"); err != nil {
		t.Fatal(err)
	}
	renewed, _ := record(t, s, "node1")
	ca, _ := record(t, s, CAName("node1"))
	if renewed.Details.SerialNumber == old.Details.SerialNumber || ca.Certificate != oldCA.Certificate {
		t.Fatal("want a new node certificate under the same authority")
	}
	if s.Generation() != gen+1 {
		t.Errorf("generation %d, want %d", s.Generation(), gen+1)
	}
}

func TestEnsureAuthorityKeepsUsersNodeCertificate(t *testing.T) {
	s, _ := openStore(t)
	if err := s.EnsureAuthority("node1"); err != nil {
		t.Fatal(err)
	}
	k := ecKey(t)
	own := selfSignedPEM(t, k, "node1")
	mustAdd(t, s, AddInput{Name: "node1", Certificate: own, PrivateKey: sec1PEM(t, k)})
	if err := s.EnsureAuthority("node1"); err != nil {
		t.Fatal(err)
	}
	if r, _ := record(t, s, "node1"); r.Certificate != own {
		t.Fatal("EnsureAuthority replaced the user's certificate")
	}
}

func TestEnsureAuthorityRepairs(t *testing.T) {
	s, _ := openStore(t)
	if err := s.EnsureAuthority("node1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove("node1"); err != nil {
		t.Fatal(err)
	}
	if _, ok := record(t, s, "node1"); ok {
		t.Fatal("node certificate still listed after removal")
	}
	oldCA, _ := record(t, s, CAName("node1"))
	if err := s.Remove(CAName("node1")); err != nil {
		t.Fatal(err)
	}
	if err := s.EnsureAuthority("node1"); err != nil {
		t.Fatal(err)
	}
	ca, ok := record(t, s, CAName("node1"))
	if !ok || ca.Certificate == oldCA.Certificate {
		t.Fatal("authority not regenerated")
	}
	cert, pool := nodeTLS(t, s, "node1")
	if _, err := cert.Leaf.Verify(x509.VerifyOptions{DNSName: "localhost", Roots: pool}); err != nil {
		t.Fatalf("node certificate does not verify against the new authority: %v", err)
	}
}

func TestEnsureAuthorityIPHostnameAndBadHostname(t *testing.T) {
	s, _ := openStore(t)
	if err := s.EnsureAuthority("10.1.2.3"); err != nil {
		t.Fatal(err)
	}
	node, _ := record(t, s, "10.1.2.3")
	if !reflect.DeepEqual(node.Hosts, []string{"localhost"}) || !strings.Contains(node.Details.SubjectAltName, "IP Address:10.1.2.3") {
		t.Fatalf("node record %+v", node)
	}
	for _, bad := range []string{"", "a/b", ".."} {
		if err := s.EnsureAuthority(bad); err == nil {
			t.Errorf("EnsureAuthority(%q) accepted", bad)
		}
	}
}
