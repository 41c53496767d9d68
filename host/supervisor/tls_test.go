package supervisor

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/hops-dev/hops/sdk/plugin"
)

// TLS modes of the helper process (envTLS).
const (
	// tlsSendOther: the process sends the host a certificate other than
	// the one it serves with.
	tlsSendOther = "send-other"
	// tlsTrustOther: the process trusts a host certificate other than the
	// host's.
	tlsTrustOther = "trust-other"
	// tlsAutoMTLS: the process ignores the certificate pipe, as a family
	// built with an SDK that speaks only go-plugin's AutoMTLS does (it
	// keeps the pipe open and never writes to it).
	tlsAutoMTLS = "automtls"
)

// helperTLS sets the helper process up for a TLS mode before Serve.
func helperTLS(mode string) {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "helper tls:", err)
		os.Exit(2)
	}
	switch mode {
	case tlsSendOther:
		// Send another certificate on the host's pipe; the SDK writes
		// its real one to a pipe nobody reads.
		fd, err := strconv.Atoi(os.Getenv(plugin.EnvCertFD))
		if err != nil {
			fail(err)
		}
		other, err := otherCert()
		if err != nil {
			fail(err)
		}
		hostPipe := os.NewFile(uintptr(fd), "cert")
		if _, err := hostPipe.Write(other); err != nil {
			fail(err)
		}
		hostPipe.Close()
		r, w, err := os.Pipe()
		if err != nil {
			fail(err)
		}
		go func() { _, _ = r.Read(make([]byte, 64<<10)) }()
		os.Setenv(plugin.EnvCertFD, strconv.Itoa(int(w.Fd())))
	case tlsTrustOther:
		other, err := otherCert()
		if err != nil {
			fail(err)
		}
		os.Setenv(plugin.EnvClientCert, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: other})))
	case tlsAutoMTLS:
		os.Unsetenv(plugin.EnvCertFD)
	default:
		fail(fmt.Errorf("unknown mode %q", mode))
	}
}

// otherCert is a valid certificate of another key (DER), made as the
// SDK makes its own.
func otherCert() ([]byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
		IsCA:        true, BasicConstraintsValid: true,
	}
	return x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
}

// TestFamilyWithAnotherCertificateIsRefused: a process that serves with a
// certificate other than the one it sent the host, or that does not trust
// the host's certificate, never serves: its start fails and the family is
// left down.
func TestFamilyWithAnotherCertificateIsRefused(t *testing.T) {
	for _, mode := range []string{tlsSendOther, tlsTrustOther} {
		t.Run(mode, func(t *testing.T) {
			s := New(Options{})
			t.Cleanup(func() { s.Shutdown(t.Context()) })
			err := s.Start(t.Context(), []Spec{helperSpec(envTLS + "=" + mode)})
			if err == nil {
				t.Fatal("a family that failed the mutual TLS check started")
			}
			t.Logf("refused: %v", err)
			if info := s.Processes()[0]; info.State != stateFailed {
				t.Fatalf("family state %+v, want failed", info)
			}
			if _, _, err := call(s, "pid", nil); err == nil {
				t.Fatal("a refused family answered")
			}
		})
	}
}

// TestAutoMTLSFamilyServes: a process that speaks only go-plugin's
// AutoMTLS (an older SDK) still serves, over TLS with the certificate from
// its handshake line; the host does not wait on the pipe it ignores.
func TestAutoMTLSFamilyServes(t *testing.T) {
	s := start(t, Options{}, helperSpec(envTLS+"="+tlsAutoMTLS))
	mustPID(t, s)
}
