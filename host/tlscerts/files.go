package tlscerts

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// maxPEMFileSize bounds a certificate or CA file: a long chain is a few
// tens of KiB, so anything past this is not a PEM file and is refused
// instead of read whole.
const maxPEMFileSize = 1 << 20

// Files names the operator's own certificate (tls.certificate,
// tls.privateKey, tls.certificateAuthority in the host's config). When
// Options.Files is set the Source serves this pair to every handshake
// instead of the certs family's records.
type Files struct {
	// Certificate is a PEM file: the server certificate, optionally
	// followed by its intermediates. Required.
	Certificate string
	// PrivateKey is the PEM private key of Certificate. Required.
	PrivateKey string
	// CertificateAuthority, when set, is a PEM file of CA certificates
	// appended to the served chain (unless Certificate already holds
	// them) and returned by CAPool.
	CertificateAuthority string
}

// fileSet is one loaded state of the operator's files.
type fileSet struct {
	cert  *tls.Certificate
	pool  *x509.CertPool
	stamp fileStamp
}

// fileStamp identifies the state of the three files: size and
// modification time of each (zero when missing). A replaced file (rename
// or rewrite) changes it.
type fileStamp [3]struct{ size, mod int64 }

// fileSource serves Files, re-reading them when their stamp changes.
type fileSource struct {
	files Files
	cur   atomic.Pointer[fileSet]

	mu      sync.Mutex // one reload at a time; guards the fields below
	tried   fileStamp
	triedAt time.Time
}

// loadFiles reads and checks the pair (and CA); the error names the file
// and what is wrong with it.
func loadFiles(f Files) (*fileSet, error) {
	st := statFiles(f)
	certPEM, err := readPEMFile(f.Certificate)
	if err != nil {
		return nil, fmt.Errorf("tlscerts: certificate file: %w", err)
	}
	keyPEM, err := readPEMFile(f.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("tlscerts: private key file: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("tlscerts: %s and %s are not a certificate and its private key: %w", f.Certificate, f.PrivateKey, err)
	}
	if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
		return nil, fmt.Errorf("tlscerts: certificate file %s: %w", f.Certificate, err)
	}
	pool := x509.NewCertPool()
	if f.CertificateAuthority != "" {
		caPEM, err := readPEMFile(f.CertificateAuthority)
		if err != nil {
			return nil, fmt.Errorf("tlscerts: certificate authority file: %w", err)
		}
		for rest := caPEM; ; {
			var b *pem.Block
			if b, rest = pem.Decode(rest); b == nil {
				break
			}
			if b.Type != "CERTIFICATE" {
				continue
			}
			ca, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("tlscerts: certificate authority file %s: %w", f.CertificateAuthority, err)
			}
			pool.AddCert(ca)
			if !inChain(cert.Certificate, b.Bytes) && !ca.Equal(cert.Leaf) {
				cert.Certificate = append(cert.Certificate, b.Bytes)
			}
		}
	}
	return &fileSet{cert: &cert, pool: pool, stamp: st}, nil
}

func inChain(chain [][]byte, der []byte) bool {
	for _, c := range chain {
		if string(c) == string(der) {
			return true
		}
	}
	return false
}

// readPEMFile reads a file of at most maxPEMFileSize holding a PEM block.
func readPEMFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPEMFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(b) > maxPEMFileSize {
		return nil, fmt.Errorf("%s is larger than %d bytes, not a PEM file", path, maxPEMFileSize)
	}
	if blk, _ := pem.Decode(b); blk == nil {
		return nil, fmt.Errorf("%s holds no PEM block", path)
	}
	return b, nil
}

func statFiles(f Files) fileStamp {
	var st fileStamp
	for i, p := range []string{f.Certificate, f.PrivateKey, f.CertificateAuthority} {
		if p == "" {
			continue
		}
		if fi, err := os.Stat(p); err == nil {
			st[i].size, st[i].mod = fi.Size(), fi.ModTime().UnixNano()
		}
	}
	return st
}

// current returns the set to serve: the loaded one, reloaded first when a
// file changed. A reload that fails (a pair caught half-replaced, a
// deleted file) keeps the last good set, logs why, and is retried at most
// once per retryInterval while the files stay as they are.
func (s *Source) currentFiles() (*fileSet, error) {
	fs := s.files
	st := statFiles(fs.files)
	cur := fs.cur.Load()
	if cur != nil && cur.stamp == st {
		return cur, nil
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if cur = fs.cur.Load(); cur != nil && cur.stamp == st {
		return cur, nil
	}
	if st == fs.tried && s.now().Sub(fs.triedAt) < retryInterval {
		return cur, nil
	}
	fs.tried, fs.triedAt = st, s.now()
	next, err := loadFiles(fs.files)
	if err != nil {
		s.log.Error("reloading the HTTPS certificate files failed; the last good pair stays", "error", err)
		if cur == nil {
			return nil, err
		}
		return cur, nil
	}
	fs.cur.Store(next)
	s.log.Info("HTTPS certificate files loaded", "certificate", fs.files.Certificate,
		"subject", next.cert.Leaf.Subject.String(), "not_after", next.cert.Leaf.NotAfter)
	return next, nil
}

// newFileSource loads the files once: a missing file, a file without PEM
// or a key that is not the certificate's is an error from New.
func newFileSource(f Files) (*fileSource, error) {
	if f.Certificate == "" || f.PrivateKey == "" {
		return nil, errors.New("tlscerts: Files needs both Certificate and PrivateKey")
	}
	set, err := loadFiles(f)
	if err != nil {
		return nil, err
	}
	fs := &fileSource{files: f, tried: set.stamp}
	fs.cur.Store(set)
	return fs, nil
}
