package plugin

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"strconv"
	"time"
)

// Mutual TLS between the host and a family's process.
//
// Each side makes a fresh ECDSA P-256 key and a self-signed certificate
// for it every time a family's process starts; a private key never leaves the
// process that made it. The host hands its certificate to the process in
// EnvClientCert (go-plugin's own variable); the process writes its
// certificate to the pipe whose descriptor EnvCertFD names, before
// go-plugin prints its handshake line, and closes it. Each side then trusts
// exactly the one certificate the other sent, for every connection between
// them: the Family service the host dials, and the Host service the
// process dials back through the broker. Both require and verify the
// peer's certificate, over TLS 1.3.
//
// This is go-plugin's AutoMTLS with cheaper keys (AutoMTLS makes P-521
// ECDSA keys, whose generation, signatures and verifications cost tens of
// milliseconds of CPU per start on each side; P-256 costs well under one) and with the process's
// certificate on a pipe of its own instead of the handshake line (which
// go-plugin fills only for AutoMTLS). A process built with an SDK that
// only speaks AutoMTLS ignores EnvCertFD and answers with a certificate
// in its handshake line, which go-plugin loads into the host's
// configuration; the host then reads no pipe (HostTLS.Trusted).
const (
	// EnvClientCert carries the host's certificate (PEM) to the process.
	EnvClientCert = "PLUGIN_CLIENT_CERT"
	// EnvCertFD names the descriptor of the pipe the process writes its
	// certificate (DER) to.
	EnvCertFD = "HOPS_PLUGIN_CERT_FD"
)

// maxCertBytes bounds the certificate read from a process's pipe: a
// P-256 certificate is a few hundred bytes.
const maxCertBytes = 64 << 10

// certName is the name both certificates carry and each side checks.
const certName = "localhost"

// certLifetime is how long a certificate is valid: longer than any
// process lives.
const certLifetime = 30 * 365 * 24 * time.Hour

// newCert returns a fresh ECDSA P-256 key with a self-signed certificate
// for certName, usable by a client and by a server. P-256 rather than
// Ed25519: Go's P-256 works from tables built into the binary, where
// Ed25519 builds its tables in each process on first use (a few
// milliseconds, paid by every family's process at start).
func newCert() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("plugin tls: key: %w", err)
	}
	sn, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("plugin tls: serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          sn,
		Subject:               pkix.Name{CommonName: certName, Organization: []string{"hops"}},
		DNSNames:              []string{certName},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.Add(certLifetime),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("plugin tls: certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("plugin tls: certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// tlsConfig is the configuration of either side: its own certificate, and
// the peer's as the only root, for the connections it dials and those it
// accepts.
func tlsConfig(own tls.Certificate, peer *x509.CertPool) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{own},
		RootCAs:      peer,
		ClientCAs:    peer,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ServerName:   certName,
		MinVersion:   tls.VersionTLS13,
	}
}

// HostTLS is the host's side of one process start.
type HostTLS struct {
	// Config is the TLS configuration for go-plugin's ClientConfig; its
	// RootCAs and ClientCAs are set once the process's certificate is
	// known (Trust, or go-plugin for an AutoMTLS process).
	Config *tls.Config
	// Env is the environment the process needs (EnvClientCert, EnvCertFD).
	Env []string
	// ChildEnd is the pipe's write end, the process's only extra file
	// (so descriptor 3 in it): the caller puts it in exec.Cmd.ExtraFiles
	// and calls Started once the process has started.
	ChildEnd *os.File
	r        *os.File
}

// NewHostTLS makes the host's key and certificate for one process start
// and the pipe the process answers on. Close releases the pipe.
func NewHostTLS() (*HostTLS, error) {
	cert, err := newCert()
	if err != nil {
		return nil, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("plugin tls: pipe: %w", err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]})
	return &HostTLS{
		Config: tlsConfig(cert, nil),
		// ExtraFiles[0] is descriptor 3 in the child.
		Env:      []string{EnvClientCert + "=" + string(certPEM), EnvCertFD + "=3"},
		ChildEnd: w,
		r:        r,
	}, nil
}

// Started closes the host's copy of the pipe's write end: the process
// holds the only one left.
func (h *HostTLS) Started() { h.ChildEnd.Close() }

// Trust reads the certificate the process wrote to its pipe (waiting at
// most timeout for the process to close it) and makes it the only one
// Config trusts. A process that answered in go-plugin's handshake line
// (AutoMTLS) is already trusted, and its pipe is not read.
func (h *HostTLS) Trust(timeout time.Duration) error {
	if h.Config.RootCAs != nil {
		return nil
	}
	if err := h.r.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		return fmt.Errorf("plugin tls: %w", err)
	}
	der, err := io.ReadAll(io.LimitReader(h.r, maxCertBytes))
	if err != nil {
		return fmt.Errorf("plugin tls: read the process's certificate: %w", err)
	}
	if len(der) == 0 {
		return errors.New("plugin tls: the process sent no certificate")
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return fmt.Errorf("plugin tls: the process's certificate: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	h.Config.RootCAs, h.Config.ClientCAs = pool, pool
	return nil
}

// Close releases the host's end of the pipe.
func (h *HostTLS) Close() {
	h.ChildEnd.Close()
	h.r.Close()
}

// familyTLS is the process's side (go-plugin's TLSProvider): with
// EnvCertFD and EnvClientCert set it makes its own key and certificate,
// writes the certificate to the pipe, closes it and returns the
// configuration trusting the host's certificate only. Without EnvCertFD it
// returns nil, and go-plugin does what the host asked for by itself
// (AutoMTLS when EnvClientCert is set, plain gRPC otherwise).
func familyTLS() (*tls.Config, error) {
	fdText := os.Getenv(EnvCertFD)
	if fdText == "" {
		return nil, nil
	}
	_ = os.Unsetenv(EnvCertFD) // the descriptor is closed below; nothing this process runs may use it
	fd, err := strconv.Atoi(fdText)
	if err != nil || fd < 3 {
		return nil, fmt.Errorf("plugin tls: %s=%q is not a descriptor", EnvCertFD, fdText)
	}
	pipe := os.NewFile(uintptr(fd), "hops-plugin-cert")
	if pipe == nil {
		return nil, fmt.Errorf("plugin tls: descriptor %d is not open", fd)
	}
	defer pipe.Close()
	block, _ := pem.Decode([]byte(os.Getenv(EnvClientCert)))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("plugin tls: %s holds no PEM certificate", EnvClientCert)
	}
	host, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("plugin tls: the host's certificate: %w", err)
	}
	cert, err := newCert()
	if err != nil {
		return nil, err
	}
	if _, err := pipe.Write(cert.Certificate[0]); err != nil {
		return nil, fmt.Errorf("plugin tls: send the certificate: %w", err)
	}
	if err := pipe.Close(); err != nil {
		return nil, fmt.Errorf("plugin tls: send the certificate: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(host)
	return tlsConfig(cert, pool), nil
}
