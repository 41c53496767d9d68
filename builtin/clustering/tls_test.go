package clustering

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type testCert struct {
	cert    *x509.Certificate
	key     *ecdsa.PrivateKey
	certPEM string
	keyPEM  string
}

var serial int64

// issue makes a certificate for cn signed by parent (self-signed when
// parent is nil); a leaf has server auth only, as the certs family's node
// certificate.
func issue(t *testing.T, cn string, parent *testCert, ca bool) *testCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial++
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{cn}}
	if ca {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.KeyUsage = x509.KeyUsageCertSign
	} else {
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	signer, signKey := tmpl, key
	if parent != nil {
		signer, signKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signKey)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	kb, _ := x509.MarshalPKCS8PrivateKey(key)
	return &testCert{cert: c, key: key,
		certPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		keyPEM:  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb}))}
}

// certList writes the node's key file under root/keys and returns a
// list_certificates answer with the node certificate and the CAs.
func certList(t *testing.T, root, nodeName string, node *testCert, cas ...*testCert) []byte {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(root, "keys"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "keys", nodeName+".pem"), []byte(node.keyPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	keyName := nodeName + ".pem"
	recs := []certRecord{{Name: nodeName, Certificate: node.certPEM, PrivateKeyName: &keyName, Uses: []string{"operations_api"}}}
	for i, ca := range cas {
		recs = append(recs, certRecord{Name: "ca" + string(rune('0'+i)), Certificate: ca.certPEM, IsAuthority: true})
	}
	b, _ := json.Marshal(recs)
	return b
}

func TestTrustVerifiesPeersAgainstTheCAs(t *testing.T) {
	ca1, ca2 := issue(t, "ca1", nil, true), issue(t, "ca2", nil, true)
	n1 := issue(t, "n1", ca1, false)
	n2 := issue(t, "n2", ca2, false)
	stranger := issue(t, "x", issue(t, "ca3", nil, true), false)
	selfSigned := issue(t, "self", nil, false)

	root := t.TempDir()
	tr, err := loadTrust(certList(t, root, "n1", n1, ca1, ca2), root, "n1")
	if err != nil {
		t.Fatal(err)
	}
	if tr.authorities != 2 {
		t.Errorf("authorities = %d", tr.authorities)
	}
	for _, c := range []*testCert{n1, n2} {
		if err := tr.verifyPeer([][]byte{c.cert.Raw}, nil); err != nil {
			t.Errorf("%s refused: %v", c.cert.Subject.CommonName, err)
		}
	}
	for _, c := range []*testCert{stranger, selfSigned} {
		err := tr.verifyPeer([][]byte{c.cert.Raw}, nil)
		if err == nil || !strings.Contains(err.Error(), "not trusted") {
			t.Errorf("%s: err = %v, want not trusted", c.cert.Subject.CommonName, err)
		}
	}
	if err := tr.verifyPeer(nil, nil); err == nil {
		t.Error("a peer without a certificate was accepted")
	}
	cfg := tr.config()
	if cfg.ClientAuth.String() != "RequireAnyClientCert" || cfg.VerifyPeerCertificate == nil || len(cfg.Certificates) != 1 {
		t.Errorf("tls config: %+v", cfg)
	}

	// A reload swaps the pool in place: ca2 dropped, n2 refused.
	tr2, err := loadTrust(certList(t, root, "n1", n1, ca1), root, "n1")
	if err != nil {
		t.Fatal(err)
	}
	tr.update(tr2)
	if err := tr.verifyPeer([][]byte{n2.cert.Raw}, nil); err == nil {
		t.Error("n2 still trusted after its CA was removed")
	}
}

func TestLoadTrustNeedsANodeCertificateAndACA(t *testing.T) {
	ca := issue(t, "ca", nil, true)
	n := issue(t, "n1", ca, false)
	root := t.TempDir()
	if _, err := loadTrust(certList(t, root, "n1", n), root, "n1"); err == nil || !strings.Contains(err.Error(), "no certificate authority") {
		t.Errorf("no CA: %v", err)
	}
	list := certList(t, root, "n1", n, ca)
	if _, err := loadTrust(list, root, "other"); err != nil {
		t.Errorf("the operations_api certificate should be used when no record has the hostname: %v", err)
	}
	_ = os.Remove(filepath.Join(root, "keys", "n1.pem"))
	if _, err := loadTrust(list, root, "n1"); err == nil {
		t.Error("a missing key file was accepted")
	}
}
