package certstore

import (
	"crypto"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestAddKeyFormats(t *testing.T) {
	rsaK, ecK, edK := rsaKey(t), ecKey(t), edKey(t)
	cases := []struct {
		name string
		key  crypto.Signer
		pem  string
	}{
		{"rsa-pkcs1", rsaK, pkcs1PEM(rsaK)},
		{"rsa-pkcs8", rsaK, pkcs8PEM(t, rsaK)},
		{"ec-sec1", ecK, sec1PEM(t, ecK)},
		{"ec-sec1-with-params", ecK, "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" + sec1PEM(t, ecK)},
		{"ec-pkcs8", ecK, pkcs8PEM(t, ecK)},
		{"ed25519", edK, pkcs8PEM(t, edK)},
	}
	s, root := openStore(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cert := selfSignedPEM(t, c.key, c.name+".local")
			mustAdd(t, s, AddInput{Name: c.name, Certificate: cert, PrivateKey: c.pem})
			r, ok := record(t, s, c.name)
			if !ok || strPtr(r.PrivateKeyName) != c.name+".pem" {
				t.Fatalf("record = %+v, want private_key_name %s.pem", r, c.name)
			}
			if !reflect.DeepEqual(r.Hosts, []string{c.name + ".local"}) {
				t.Errorf("hosts = %v, want the DNS SAN", r.Hosts)
			}
			onDisk, err := readKeyPath(filepath.Join(root, keysDir, c.name+".pem"))
			if err != nil || !sameKey(onDisk.signer, c.key) {
				t.Fatalf("key file: %v", err)
			}
		})
	}
}

func TestKeyModes(t *testing.T) {
	s, root := openStore(t)
	k := ecKey(t)
	mustAdd(t, s, AddInput{Name: "m", Certificate: selfSignedPEM(t, k, "m.local"), PrivateKey: sec1PEM(t, k)})
	dir, err := os.Stat(filepath.Join(root, keysDir))
	if err != nil || dir.Mode().Perm() != 0o700 {
		t.Fatalf("keys dir mode = %v (%v), want 0700", dir.Mode().Perm(), err)
	}
	file, err := os.Stat(filepath.Join(root, keysDir, "m.pem"))
	if err != nil || file.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v (%v), want 0600", file.Mode().Perm(), err)
	}
	if _, err := os.Stat(filepath.Join(root, databaseDir, databaseFile)); err != nil {
		t.Fatalf("database file: %v", err)
	}
}

func TestKeysDirModeIsEnforced(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, keysDir), 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	dir, err := os.Stat(filepath.Join(root, keysDir))
	if err != nil || dir.Mode().Perm() != 0o700 {
		t.Fatalf("keys dir mode = %v, want 0700", dir.Mode().Perm())
	}
}

func TestKeyNeverInDatabaseOrJSON(t *testing.T) {
	s, root := openStore(t)
	k := ecKey(t)
	keyPEM := sec1PEM(t, k)
	mustAdd(t, s, AddInput{Name: "secret", Certificate: selfSignedPEM(t, k, "s.local"), PrivateKey: keyPEM})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := os.ReadFile(filepath.Join(root, databaseDir, databaseFile))
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Split(keyPEM, "\n")[1]
	if strings.Contains(string(db), body) || strings.Contains(string(db), "PRIVATE KEY") {
		t.Fatal("the private key was written to the database")
	}
	s2, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	list, _ := s2.List()
	out, _ := json.Marshal(list)
	if strings.Contains(string(out), body) || strings.Contains(string(out), `"private_key"`) {
		t.Fatalf("the private key is in List's JSON: %s", out)
	}
}

func TestKeyFoundOnDisk(t *testing.T) {
	s, _ := openStore(t)
	k := rsaKey(t)
	mustAdd(t, s, AddInput{Name: "other", Certificate: selfSignedPEM(t, k, "a.local"), PrivateKey: pkcs8PEM(t, k)})
	mustAdd(t, s, AddInput{Name: "second", Certificate: selfSignedPEM(t, k, "b.local")})
	r, _ := record(t, s, "second")
	if strPtr(r.PrivateKeyName) != "other.pem" {
		t.Fatalf("private_key_name = %s, want other.pem", strPtr(r.PrivateKeyName))
	}
	// Removing the owner keeps the key file while "second" still uses it.
	if err := s.Remove("other"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.readKey("other.pem"); err != nil {
		t.Fatalf("shared key file removed while still used: %v", err)
	}
	if err := s.Remove("second"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.readKey("other.pem"); !os.IsNotExist(err) {
		t.Fatalf("unused key file kept: %v", err)
	}
}

func TestNewestMatchingKeyFileWins(t *testing.T) {
	s, root := openStore(t)
	k := ecKey(t)
	for i, name := range []string{"b-old.pem", "a-new.pem"} {
		path := filepath.Join(root, keysDir, name)
		if err := os.WriteFile(path, []byte(pkcs8PEM(t, k)), 0o600); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2024, 1, 1+i, 0, 0, 0, 0, time.UTC)
		if err := os.Chtimes(path, at, at); err != nil {
			t.Fatal(err)
		}
	}
	mustAdd(t, s, AddInput{Name: "c", Certificate: selfSignedPEM(t, k, "c.local")})
	if r, _ := record(t, s, "c"); strPtr(r.PrivateKeyName) != "a-new.pem" {
		t.Fatalf("private_key_name = %s, want the newest file a-new.pem", strPtr(r.PrivateKeyName))
	}
}

func TestNoKey(t *testing.T) {
	s, _ := openStore(t)
	k := ecKey(t)
	err := s.Add(AddInput{Name: "leaf", Certificate: selfSignedPEM(t, k, "l.local")})
	wantStatus(t, err, http.StatusBadRequest, MsgNoSuitableKey)
	if _, ok := record(t, s, "leaf"); ok {
		t.Fatal("refused certificate was recorded")
	}
	mustAdd(t, s, AddInput{Name: "ca", Certificate: fixture(t, "conf-ca.crt"), IsAuthority: true})
	r, _ := record(t, s, "ca")
	if r.PrivateKeyName != nil || !r.IsAuthority {
		t.Fatalf("authority without key = %+v, want private_key_name null", r)
	}
	out, _ := json.Marshal(r)
	if !strings.Contains(string(out), `"private_key_name":null`) {
		t.Fatalf("JSON %s lacks private_key_name null", out)
	}
}

func TestBadInput(t *testing.T) {
	s, _ := openStore(t)
	k, other := ecKey(t), ecKey(t)
	cert := selfSignedPEM(t, k, "x.local")
	cases := []struct {
		name string
		in   AddInput
		msg  string
	}{
		{"not pem", AddInput{Certificate: "not a pem", IsAuthority: true}, MsgCertificateNotPEM},
		{"key as cert", AddInput{Certificate: sec1PEM(t, k), IsAuthority: true}, MsgCertificateNotCert},
		{"cert then key", AddInput{Certificate: cert + sec1PEM(t, k), IsAuthority: true}, MsgCertificateNotCert},
		{"broken der", AddInput{Certificate: pemText("CERTIFICATE", []byte("junk")), IsAuthority: true}, MsgCertificateInvalid},
		{"empty cert", AddInput{IsAuthority: true}, "'certificate' is required"},
		{"key not pem", AddInput{Certificate: cert, PrivateKey: "garbage"}, MsgKeyNotPEM},
		{"cert as key", AddInput{Certificate: cert, PrivateKey: cert}, MsgKeyNotPEM},
		{"broken key", AddInput{Certificate: cert, PrivateKey: pemText("PRIVATE KEY", []byte("junk"))}, MsgKeyInvalid},
		{"encrypted key", AddInput{Certificate: cert, PrivateKey: pemText("ENCRYPTED PRIVATE KEY", []byte("x"))}, MsgKeyEncrypted},
		{"mismatched key", AddInput{Certificate: cert, PrivateKey: sec1PEM(t, other)}, MsgKeyMismatch},
	}
	for _, c := range cases {
		c.in.Name = "bad"
		err := s.Add(c.in)
		e, ok := AsError(err)
		if !ok || e.Status != http.StatusBadRequest || e.Message != c.msg {
			t.Errorf("%s: error = %v, want 400 %q", c.name, err, c.msg)
		}
	}
	if list, _ := s.List(); len(list) != 0 {
		t.Fatalf("bad input left records: %+v", list)
	}
	if s.Generation() != 0 {
		t.Fatalf("generation = %d after refused adds, want 0", s.Generation())
	}
}

func TestReplace(t *testing.T) {
	s, root := openStore(t)
	k1, k2 := ecKey(t), ecKey(t)
	mustAdd(t, s, AddInput{Name: "r", Certificate: selfSignedPEM(t, k1, "one.local"), PrivateKey: sec1PEM(t, k1), Hosts: []string{"h1"}})
	mustAdd(t, s, AddInput{Name: "r", Certificate: selfSignedPEM(t, k2, "two.local"), PrivateKey: pkcs8PEM(t, k2)})
	list, _ := s.List()
	if len(list) != 1 || list[0].Details.Subject != "CN=two.local" || !reflect.DeepEqual(list[0].Hosts, []string{"two.local"}) {
		t.Fatalf("after replace: %+v", list)
	}
	onDisk, err := s.readKey("r.pem")
	if err != nil || !sameKey(onDisk.signer, k2) {
		t.Fatalf("key file not replaced: %v", err)
	}
	if files := keyFilesIn(t, root); !reflect.DeepEqual(files, []string{"r.pem"}) {
		t.Fatalf("key files = %v", files)
	}
	if s.Generation() != 2 {
		t.Fatalf("generation = %d, want 2", s.Generation())
	}
}

func TestReplaceWithKeyFromDiskDropsOldKey(t *testing.T) {
	s, root := openStore(t)
	k1, k2 := ecKey(t), ecKey(t)
	mustAdd(t, s, AddInput{Name: "r", Certificate: selfSignedPEM(t, k1, "one.local"), PrivateKey: sec1PEM(t, k1)})
	mustAdd(t, s, AddInput{Name: "k2", Certificate: selfSignedPEM(t, k2, "k2.local"), PrivateKey: sec1PEM(t, k2)})
	mustAdd(t, s, AddInput{Name: "r", Certificate: selfSignedPEM(t, k2, "two.local")})
	if r, _ := record(t, s, "r"); strPtr(r.PrivateKeyName) != "k2.pem" {
		t.Fatalf("private_key_name = %s", strPtr(r.PrivateKeyName))
	}
	if files := keyFilesIn(t, root); !reflect.DeepEqual(files, []string{"k2.pem"}) {
		t.Fatalf("key files = %v, want the old r.pem gone", files)
	}
}

func TestReplaceRefusesToClobberSharedKey(t *testing.T) {
	s, _ := openStore(t)
	k1, k2 := ecKey(t), ecKey(t)
	mustAdd(t, s, AddInput{Name: "a", Certificate: selfSignedPEM(t, k1, "a.local"), PrivateKey: sec1PEM(t, k1)})
	mustAdd(t, s, AddInput{Name: "b", Certificate: selfSignedPEM(t, k1, "b.local")})
	err := s.Add(AddInput{Name: "a", Certificate: selfSignedPEM(t, k2, "a2.local"), PrivateKey: sec1PEM(t, k2)})
	wantStatus(t, err, http.StatusBadRequest, fmt.Sprintf(MsgKeyFileInUse, "a.pem", "b"))
	// The same key again is fine.
	mustAdd(t, s, AddInput{Name: "a", Certificate: selfSignedPEM(t, k1, "a3.local"), PrivateKey: pkcs8PEM(t, k1)})
}

func TestRemove(t *testing.T) {
	s, root := openStore(t)
	k := ecKey(t)
	mustAdd(t, s, AddInput{Name: "gone", Certificate: selfSignedPEM(t, k, "g.local"), PrivateKey: sec1PEM(t, k)})
	if err := s.Remove("gone"); err != nil {
		t.Fatal(err)
	}
	if _, ok := record(t, s, "gone"); ok {
		t.Fatal("record still listed")
	}
	if files := keyFilesIn(t, root); len(files) != 0 {
		t.Fatalf("key files left: %v", files)
	}
	err := s.Remove("gone")
	wantStatus(t, err, http.StatusNotFound, "Certificate 'gone' not found")
	wantStatus(t, s.Remove(""), http.StatusBadRequest, "'name' is required")
	if s.Generation() != 2 {
		t.Fatalf("generation = %d, want 2 (add, remove)", s.Generation())
	}
}
