package tlscerts

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeFiles writes a leaf's certificate and key (and a CA file when ca is
// not empty) into dir and returns the Files naming them.
func writeFiles(t *testing.T, dir string, l leaf, ca string) Files {
	t.Helper()
	f := Files{Certificate: filepath.Join(dir, "cert.pem"), PrivateKey: filepath.Join(dir, "key.pem")}
	write := func(path, data string) {
		t.Helper()
		// Written beside and renamed over, as certbot and cert-manager do.
		tmp := path + ".new"
		if err := os.WriteFile(tmp, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	write(f.Certificate, l.certPEM)
	write(f.PrivateKey, l.keyPEM)
	if ca != "" {
		f.CertificateAuthority = filepath.Join(dir, "ca.pem")
		write(f.CertificateAuthority, ca)
	}
	return f
}

// A missing file, a file without PEM and a key that is not the
// certificate's each fail New with a message naming the file.
func TestOperatorFilesChecked(t *testing.T) {
	ca := newAuthority(t, "Operator CA")
	now := time.Now()
	a := ca.issue(t, "a.test", []string{"a.test"}, now.Add(-time.Hour), now.Add(time.Hour))
	b := ca.issue(t, "b.test", []string{"b.test"}, now.Add(-time.Hour), now.Add(time.Hour))
	dir := t.TempDir()
	good := writeFiles(t, dir, a, "")
	mismatched := Files{Certificate: good.Certificate, PrivateKey: filepath.Join(dir, "b-key.pem")}
	if err := os.WriteFile(mismatched.PrivateKey, []byte(b.keyPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := map[string]Files{
		"no such file":       {Certificate: filepath.Join(dir, "missing.pem"), PrivateKey: good.PrivateKey},
		"holds no PEM block": {Certificate: good.Certificate, PrivateKey: garbage},
		"are not a certificate and its private key": mismatched,
		"needs both":                 {Certificate: good.Certificate},
		"certificate authority file": {Certificate: good.Certificate, PrivateKey: good.PrivateKey, CertificateAuthority: garbage},
	}
	for want, files := range cases {
		_, err := New(Options{RootPath: dir, Files: &files})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v: error %v, want it to say %q", files, err, want)
		}
	}
	if _, err := New(Options{RootPath: dir, Files: &good}); err != nil {
		t.Errorf("a good pair was refused: %v", err)
	}
}

// The operator's certificate is what a TLS client sees, with the CA file
// sent as its chain; a replaced pair is served on the next handshake, and
// a broken replacement keeps the last good pair.
func TestOperatorFilesChainAndReload(t *testing.T) {
	root := newAuthority(t, "Operator Root")
	now := time.Now()
	first := root.issue(t, "first.test", []string{"127.0.0.1", "first.test"}, now.Add(-time.Hour), now.Add(time.Hour))
	dir := t.TempDir()
	files := writeFiles(t, dir, first, root.pem)
	s, err := New(Options{RootPath: dir, Files: &files})
	if err != nil {
		t.Fatal(err)
	}
	addr := serveTLS(t, s)
	got, err := dial(addr, "", poolOf(root.cert))
	if err != nil || got.Subject.CommonName != "first.test" {
		t.Fatalf("served %v (%v), want first.test verified by the operator's CA", got, err)
	}
	if pool, err := s.CAPool(); err != nil || !pool.Equal(poolOf(root.cert)) {
		t.Errorf("CAPool = %v, %v", pool, err)
	}

	second := root.issue(t, "second.test", []string{"127.0.0.1"}, now.Add(-time.Hour), now.Add(2*time.Hour))
	writeFiles(t, dir, second, root.pem)
	if got := served(t, addr, ""); got.Subject.CommonName != "second.test" {
		t.Errorf("after replacing the files: served %s, want second.test", got.Subject.CommonName)
	}

	// A certificate whose key has not been replaced yet: the last good
	// pair stays.
	third := root.issue(t, "third.test", []string{"127.0.0.1"}, now.Add(-time.Hour), now.Add(3*time.Hour))
	if err := os.WriteFile(files.Certificate, []byte(third.certPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := served(t, addr, ""); got.Subject.CommonName != "second.test" {
		t.Errorf("half-replaced pair: served %s, want the last good second.test", got.Subject.CommonName)
	}
	if err := s.Refresh(t.Context()); err == nil {
		t.Error("Refresh of a mismatched pair returned no error")
	}
	if err := os.WriteFile(files.PrivateKey, []byte(third.keyPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := served(t, addr, ""); got.Subject.CommonName != "third.test" {
		t.Errorf("completed pair: served %s, want third.test", got.Subject.CommonName)
	}
}
