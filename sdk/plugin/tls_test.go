package plugin

import (
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// familySide runs familyTLS as a family's process would, with the
// environment and the pipe end h gives it, and returns its configuration
// and the certificate the host then trusts.
func familySide(t *testing.T, h *HostTLS) *tls.Config {
	t.Helper()
	// The process gets a descriptor of its own for the pipe's write end.
	fd, err := syscall.Dup(int(h.ChildEnd.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range h.Env {
		name, v, _ := strings.Cut(kv, "=")
		if name == EnvCertFD {
			v = strconv.Itoa(fd)
		}
		t.Setenv(name, v)
	}
	cfg, err := familyTLS()
	if err != nil || cfg == nil {
		t.Fatalf("familyTLS = %v, %v", cfg, err)
	}
	if os.Getenv(EnvCertFD) != "" {
		t.Fatalf("%s left set in the process", EnvCertFD)
	}
	h.Started()
	if err := h.Trust(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// handshake runs a TLS handshake between a client and a server
// configuration over loopback and returns the client's and the server's
// errors.
func handshake(t *testing.T, client, server *tls.Config) (cerr, serr error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		tc := tls.Server(c, server)
		err = tc.Handshake()
		if err == nil {
			// TLS 1.3: the client's certificate is checked as the
			// server reads the client's first data.
			_, err = tc.Read(make([]byte, 1))
		}
		done <- err
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	tc := tls.Client(c, client)
	cerr = tc.Handshake()
	if cerr == nil {
		_, cerr = tc.Write([]byte{1})
		if cerr == nil {
			// Read the server's verdict on the client's certificate.
			_, cerr = tc.Read(make([]byte, 1))
			if errors.Is(cerr, os.ErrDeadlineExceeded) {
				cerr = nil
			}
		}
	}
	serr = <-done
	return cerr, serr
}

// TestMutualTLSBothWays: the host reaches the family (the Family service)
// and the family reaches the host (the Host service on the broker), each
// with P-256 certificates over TLS 1.3.
func TestMutualTLSBothWays(t *testing.T) {
	h, err := NewHostTLS()
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	fam := familySide(t, h)
	if _, ok := fam.Certificates[0].PrivateKey.(*ecdsa.PrivateKey); !ok {
		t.Fatalf("family key is %T", fam.Certificates[0].PrivateKey)
	}
	if cerr, serr := handshake(t, h.Config, fam); serr != nil || (cerr != nil && !isEOF(cerr)) {
		t.Fatalf("host -> family: client %v, server %v", cerr, serr)
	}
	if cerr, serr := handshake(t, fam, h.Config); serr != nil || (cerr != nil && !isEOF(cerr)) {
		t.Fatalf("family -> host: client %v, server %v", cerr, serr)
	}
}

func isEOF(err error) bool { return err != nil && strings.Contains(err.Error(), "EOF") }

// TestMutualTLSRefusesOthers: a server whose certificate is not the one
// the family sent is refused by the host; a client without the host's
// certificate, or with none, is refused by the family; and the family
// trusts no other host.
func TestMutualTLSRefusesOthers(t *testing.T) {
	h, err := NewHostTLS()
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	fam := familySide(t, h)
	other, err := newCert()
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(h.Config.Certificates[0].Leaf)
	pool.AddCert(fam.Certificates[0].Leaf)
	impostor := tlsConfig(other, pool) // trusts both, is neither

	if cerr, _ := handshake(t, h.Config, impostor); cerr == nil {
		t.Fatal("the host accepted a family server with another certificate")
	}
	if _, serr := handshake(t, impostor, fam); serr == nil {
		t.Fatal("the family accepted a client with another certificate")
	}
	if _, serr := handshake(t, impostor, h.Config); serr == nil {
		t.Fatal("the host's broker accepted a client with another certificate")
	}
	anonymous := &tls.Config{RootCAs: fam.RootCAs, ServerName: certName, MinVersion: tls.VersionTLS13}
	anonymous.RootCAs = x509.NewCertPool()
	anonymous.RootCAs.AddCert(fam.Certificates[0].Leaf)
	if _, serr := handshake(t, anonymous, fam); serr == nil {
		t.Fatal("the family accepted a client without a certificate")
	}
}

// TestFamilyTLSWithoutPipe: without EnvCertFD the process leaves TLS to
// go-plugin (AutoMTLS with an older host); a bad descriptor or a missing
// host certificate is an error, never a process serving without TLS.
func TestFamilyTLSWithoutPipe(t *testing.T) {
	t.Setenv(EnvCertFD, "")
	if cfg, err := familyTLS(); cfg != nil || err != nil {
		t.Fatalf("without %s: %v, %v", EnvCertFD, cfg, err)
	}
	t.Setenv(EnvCertFD, "x")
	if _, err := familyTLS(); err == nil {
		t.Fatal("a non-numeric descriptor was accepted")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	fd, _ := syscall.Dup(int(w.Fd()))
	w.Close()
	t.Setenv(EnvCertFD, strconv.Itoa(fd))
	t.Setenv(EnvClientCert, "not a certificate")
	if _, err := familyTLS(); err == nil {
		t.Fatal("a process without the host's certificate served")
	}
}

// TestTrustWithoutCertificate: a process that closes its pipe without a
// certificate is refused, and one that never closes it is waited for only
// until the timeout.
func TestTrustWithoutCertificate(t *testing.T) {
	h, err := NewHostTLS()
	if err != nil {
		t.Fatal(err)
	}
	h.Started()
	if err := h.Trust(5 * time.Second); err == nil {
		t.Fatal("an empty pipe was trusted")
	}
	h.Close()

	h, err = NewHostTLS()
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if err := h.Trust(50 * time.Millisecond); err == nil || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("an open, silent pipe: %v, want the deadline", err)
	}
}
