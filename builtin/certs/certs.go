package certs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"

	"github.com/hashicorp/go-hclog"

	"github.com/hops-dev/hops/builtin/certs/certstore"
	"github.com/hops-dev/hops/sdk"
)

// Version is the family's version.
const Version = "1.0.0"

// Messages of configuration failures (Configure's errors) and of a request
// that arrives outside the configured lifetime.
const (
	// MsgSectionNotObject refuses a config section that is not an object.
	MsgSectionNotObject = "families.certs must be an object"
	// MsgHostnameNotString refuses a hostname of another JSON type.
	MsgHostnameNotString = "families.certs.hostname must be a string"
	// MsgNoRootPath refuses a Configure without a root path.
	MsgNoRootPath = "certs: the host gave no root path"
	// MsgNotReady answers a request before Configure or after Shutdown.
	MsgNotReady = "The certs family is not ready"
)

// Family is the certs family. Create it with New; the host configures it
// before the first request.
type Family struct {
	// mu guards store: handlers hold the read lock for the whole operation,
	// Shutdown takes the write lock, so no handler uses a closed database.
	mu       sync.RWMutex
	store    *certstore.Store
	hostname string
	log      hclog.Logger

	// hostname is os.Hostname, replaced by tests.
	osHostname func() (string, error)
}

// New returns an unconfigured family.
func New() (*Family, error) {
	return &Family{osHostname: os.Hostname, log: hclog.NewNullLogger()}, nil
}

// Info implements sdk.Family.
func (f *Family) Info() sdk.Info { return sdk.Info{Name: "certs", Version: Version} }

// Operations implements sdk.Family: the whole operation table.
func (f *Family) Operations() []sdk.Operation {
	return []sdk.Operation{
		{Name: "add_certificate", Access: sdk.AccessSuperUser, RestrictedName: "addCertificate",
			Summary: "add or replace a certificate (and its private key)", Handler: f.addCertificate},
		{Name: "remove_certificate", Access: sdk.AccessSuperUser, RestrictedName: "removeCertificate",
			Summary: "remove a certificate and its unused key file", Handler: f.removeCertificate},
		{Name: "list_certificates", Access: sdk.AccessSuperUser, RestrictedName: "listCertificates",
			Summary: "list every certificate, without private keys", Handler: f.listCertificates},
	}
}

// section is the family's config section.
type section struct {
	// Hostname names the node certificate; "" means os.Hostname().
	Hostname string
}

// parseSection reads the config section (null or an object).
func parseSection(raw json.RawMessage) (section, error) {
	var s section
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return s, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return s, errors.New(MsgSectionNotObject)
	}
	if h, ok := fields["hostname"]; ok && !bytes.Equal(bytes.TrimSpace(h), []byte("null")) {
		if err := json.Unmarshal(h, &s.Hostname); err != nil {
			return s, errors.New(MsgHostnameNotString)
		}
	}
	return s, nil
}

// Configure implements sdk.Configurer: it opens the store under
// cfg.RootPath and makes sure the authority and node certificate exist (a
// later start reuses them).
func (f *Family) Configure(_ context.Context, cfg sdk.Config) error {
	sec, err := parseSection(cfg.Section)
	if err != nil {
		return err
	}
	if cfg.RootPath == "" {
		return errors.New(MsgNoRootPath)
	}
	hostname := sec.Hostname
	if hostname == "" {
		if hostname, err = f.osHostname(); err != nil {
			return fmt.Errorf("certs: read the host name (set families.certs.hostname): %w", err)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.store != nil {
		return errors.New("certs: configured twice")
	}
	store, err := certstore.Open(cfg.RootPath)
	if err != nil {
		return fmt.Errorf("certs: %w", err)
	}
	if err := store.EnsureAuthority(hostname); err != nil {
		_ = store.Close()
		return fmt.Errorf("certs: %w", err)
	}
	if cfg.Logger != nil {
		f.log = cfg.Logger.Named("certs")
	}
	f.store, f.hostname = store, hostname
	f.log.Debug("certificate store ready", "hostname", hostname, "authority", certstore.CAName(hostname),
		"generated", store.Generation() > 0)
	return nil
}

// Shutdown implements sdk.Shutdowner: it waits for running operations and
// closes the database. Requests after it answer 503.
func (f *Family) Shutdown(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.store == nil {
		return nil
	}
	err := f.store.Close()
	f.store = nil
	return err
}

// withStore runs fn with the open store under the read lock, or answers 503
// outside the configured lifetime.
func (f *Family) withStore(fn func(*certstore.Store) (*sdk.Response, error)) (*sdk.Response, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.store == nil {
		return nil, sdk.Errorf(http.StatusServiceUnavailable, MsgNotReady)
	}
	return fn(f.store)
}

var (
	_ sdk.Family     = (*Family)(nil)
	_ sdk.Configurer = (*Family)(nil)
	_ sdk.Shutdowner = (*Family)(nil)
)
