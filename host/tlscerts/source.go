package tlscerts

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Paths under the root path, as the certs family lays them out.
const (
	certsDBPath = "database/certs.db"
	keysDirPath = "keys"
)

const (
	// listTimeout bounds one List call made during a handshake: a family
	// that hangs must not hold every new connection forever (the last good
	// set is served instead).
	listTimeout = 10 * time.Second
	// retryInterval spaces refreshes while nothing on disk changed but the
	// last refresh failed or left a record out, so a broken family or key
	// file costs one List a second, not one per handshake.
	retryInterval = time.Second
)

// ErrNoCertificate is returned (wrapped) by GetCertificate when nothing can
// be served: no load has succeeded yet, or no record serves the name and
// there is no node certificate.
var ErrNoCertificate = errors.New("tlscerts: no certificate to serve")

// Options configure a Source.
type Options struct {
	// RootPath is the instance's root directory: certs.db is watched under
	// RootPath/database and key files are read from RootPath/keys.
	// Required.
	RootPath string
	// Hostname is the certs family's hostname (families.certs.hostname,
	// default os.Hostname()): the record of that name is the node
	// certificate, served when SNI names no record's host. Empty: the
	// first record by name whose uses include "operations_api".
	Hostname string
	// List returns the body of list_certificates (a JSON array of
	// records), run through the host as an internal super user. It is
	// called during a handshake, one call at a time, with a context
	// bounded by listTimeout (10 s).
	// Required.
	List func(ctx context.Context) ([]byte, error)
	// Logger receives refresh failures and skipped records; default: none.
	Logger hclog.Logger
	// Files, when set, is the operator's own certificate: it is served to
	// every handshake instead of the family's records, and List is not
	// needed. New reads and checks it; a replaced file is picked up on
	// the next handshake (each handshake stats the files).
	Files *Files
}

// Source serves the certs family's certificates to crypto/tls. Create it
// with New; it is safe for concurrent use.
type Source struct {
	opts Options
	log  hclog.Logger
	// cur is the last good set, swapped whole on a refresh; readers take
	// no lock.
	cur atomic.Pointer[snapshot]

	// mu makes refreshes one at a time; it guards the fields below.
	mu      sync.Mutex
	tried   stamp
	triedAt time.Time
	lastErr error

	// now is the clock (validity comparisons, retry spacing); tests move it.
	now func() time.Time

	// files serves Options.Files; nil when the family's records are served.
	files *fileSource
}

// New returns a Source; nothing is loaded until the first handshake (or
// Refresh).
func New(opts Options) (*Source, error) {
	if opts.RootPath == "" {
		return nil, errors.New("tlscerts: Options.RootPath is required")
	}
	log := opts.Logger
	if log == nil {
		log = hclog.NewNullLogger()
	}
	s := &Source{opts: opts, log: log.Named("tlscerts"), now: time.Now}
	if opts.Files != nil {
		fs, err := newFileSource(*opts.Files)
		if err != nil {
			return nil, err
		}
		s.files = fs
		return s, nil
	}
	if opts.List == nil {
		return nil, errors.New("tlscerts: Options.List is required")
	}
	return s, nil
}

// TLSConfig returns a server configuration serving s: TLS 1.2 or later,
// TLS 1.2 only with ModernCipherSuites (TLS 1.3's are all modern and not
// configurable), every certificate chosen by GetCertificate. Leave its
// Certificates empty: crypto/tls serves Certificates[0] to a client that
// sends no server name, bypassing the node certificate.
func (s *Source) TLSConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, CipherSuites: ModernCipherSuites, GetCertificate: s.GetCertificate}
}

// ModernCipherSuites are the TLS 1.2 suites the operations API accepts:
// forward-secret ECDHE key exchange with an AEAD cipher only (no CBC, no
// RSA key exchange, no SHA-1 MACs).
var ModernCipherSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// GetCertificate implements tls.Config.GetCertificate: it refreshes the set
// when certs.db or the keys directory changed, then picks the certificate
// for hello.ServerName (see the package doc).
func (s *Source) GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	serverName := ""
	if hello != nil {
		serverName = hello.ServerName
	}
	if s.files != nil {
		set, err := s.currentFiles()
		if err != nil {
			return nil, noSet(err)
		}
		return set.cert, nil
	}
	// Not the handshake's context: the refresh is shared by every waiting
	// handshake, so one client hanging up must not cancel it.
	snap, err := s.current(context.Background())
	if snap == nil {
		return nil, noSet(err)
	}
	if cert := snap.pick(serverName); cert != nil {
		return cert, nil
	}
	return nil, fmt.Errorf("%w for server name %q and no node certificate", ErrNoCertificate, serverName)
}

// CAPool returns the authorities on record (refreshing first, as a
// handshake does), for clients that must trust the node's certificates;
// with Options.Files, the certificates of its CertificateAuthority file.
func (s *Source) CAPool() (*x509.CertPool, error) {
	if s.files != nil {
		set, err := s.currentFiles()
		if err != nil {
			return nil, noSet(err)
		}
		return set.pool.Clone(), nil
	}
	snap, err := s.current(context.Background())
	if snap == nil {
		return nil, noSet(err)
	}
	return snap.pool.Clone(), nil
}

// noSet is the error while no set was ever loaded: ErrNoCertificate and
// why the last load failed.
func noSet(err error) error {
	if err == nil {
		return ErrNoCertificate
	}
	return fmt.Errorf("%w: %w", ErrNoCertificate, err)
}

// Refresh loads the set now, whatever the files say, and returns why the
// load failed or which records it left out (the set loaded so far is
// served either way). The host may call it once its families are up, to
// log a problem before the first client meets it.
func (s *Source) Refresh(ctx context.Context) error {
	if s.files != nil {
		_, err := loadFiles(s.files.files)
		if err == nil {
			_, err = s.currentFiles()
		}
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	snap, err := s.loadLocked(ctx, s.stat())
	if err == nil {
		err = snap.skipped
	}
	return err
}

// current returns the set to serve, refreshed when the files changed. It
// returns the last good set (possibly nil) and the last refresh's error.
func (s *Source) current(ctx context.Context) (*snapshot, error) {
	st := s.stat()
	if snap := s.cur.Load(); s.fresh(snap, st) {
		return snap, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Another handshake may have refreshed while this one waited.
	st = s.stat()
	snap := s.cur.Load()
	if s.fresh(snap, st) {
		return snap, nil
	}
	if st == s.tried && s.now().Sub(s.triedAt) < retryInterval {
		return snap, s.lastErr
	}
	next, err := s.loadLocked(ctx, st)
	if err != nil {
		return snap, err
	}
	return next, nil
}

// fresh reports whether snap may be served as it is: it was loaded from the
// files as they are now and left nothing out, or it left something out
// less than retryInterval ago.
func (s *Source) fresh(snap *snapshot, st stamp) bool {
	if snap == nil || snap.stamp != st {
		return false
	}
	return snap.skipped == nil || s.now().Sub(snap.loadedAt) < retryInterval
}

// loadLocked calls List and installs the set it describes; s.mu is held.
// On failure the current set stays and the error is logged and returned.
func (s *Source) loadLocked(ctx context.Context, st stamp) (*snapshot, error) {
	s.tried, s.triedAt = st, s.now()
	loadedAt := s.triedAt
	ctx, cancel := context.WithTimeout(ctx, listTimeout)
	defer cancel()
	body, err := s.opts.List(ctx)
	if err != nil {
		err = fmt.Errorf("tlscerts: list certificates: %w", err)
	} else {
		var snap *snapshot
		if snap, err = s.build(body); err == nil {
			snap.stamp, snap.loadedAt = st, loadedAt
			s.cur.Store(snap)
			s.lastErr = nil
			if snap.skipped != nil {
				s.log.Warn("certificates left out of HTTPS", "error", snap.skipped)
			}
			s.log.Debug("HTTPS certificates loaded", "hosts", len(snap.byHost), "node", snap.nodeName)
			return snap, nil
		}
	}
	s.lastErr = err
	s.log.Error("refreshing HTTPS certificates failed; the last good set, if any, stays", "error", err)
	return nil, err
}

// stamp identifies a state of the family's files: certs.db's size and
// modification time, and the keys directory's modification time. Missing
// files give zero values, itself a state.
type stamp struct {
	dbSize, dbMod, keysMod int64
}

// stat reads the stamp: two stat calls, no file is opened.
func (s *Source) stat() stamp {
	var st stamp
	if fi, err := os.Stat(filepath.Join(s.opts.RootPath, filepath.FromSlash(certsDBPath))); err == nil {
		st.dbSize, st.dbMod = fi.Size(), fi.ModTime().UnixNano()
	}
	if fi, err := os.Stat(filepath.Join(s.opts.RootPath, keysDirPath)); err == nil {
		st.keysMod = fi.ModTime().UnixNano()
	}
	return st
}
