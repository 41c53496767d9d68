package auth

import (
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/tidwall/buntdb"
)

// BenchmarkOpen is what a start waits for in Open, with the default hash
// settings.
func BenchmarkOpen(b *testing.B) {
	db, err := buntdb.Open(":memory:")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	root := b.TempDir()
	for b.Loop() {
		if _, err := Open(db, Options{RootPath: root, Logger: hclog.NewNullLogger()}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestUnknownUserChecksTheDummyHash: an unknown user is checked against
// the dummy hash, and refused like a wrong password.
func TestUnknownUserChecksTheDummyHash(t *testing.T) {
	e := newEnv(t, Options{})
	before := e.verifies.Load()
	if _, err := e.s.Authenticate(t.Context(), basic("nobody", "x")); err == nil {
		t.Fatal("an unknown user was let in")
	}
	if e.verifies.Load() != before+1 {
		t.Fatalf("verifies = %d, want one more than %d", e.verifies.Load(), before)
	}
	if h, err := e.s.dummyHash(); err != nil || len(h) == 0 {
		t.Fatalf("dummy hash = %q, %v", h, err)
	}
}

// TestDummyHashCostsAVerification: the dummy has the configured function
// and parameters, so checking a password against it runs the same
// derivation as against a real hash, and no password matches it.
func TestDummyHashCostsAVerification(t *testing.T) {
	for _, o := range []Options{
		{HashFunction: HashSHA256, PBKDF2Iterations: 1000},
		{HashFunction: HashArgon2id, Argon2Memory: 64, Argon2Time: 1},
	} {
		h, err := newHasher(o)
		if err != nil {
			t.Fatal(err)
		}
		real, err := h.hash([]byte("secret"))
		if err != nil {
			t.Fatal(err)
		}
		dummy := h.dummy()
		params := func(stored []byte) string { // what precedes the salt
			s := string(stored)
			return s[:strings.LastIndex(s[:strings.LastIndex(s, "$")], "$")]
		}
		if len(dummy) != len(real) || params(dummy) != params(real) {
			t.Fatalf("%s: dummy %q does not carry the parameters of %q", o.HashFunction, dummy, real)
		}
		for _, pw := range []string{"", "secret", "x"} {
			if err := verifyHash(dummy, []byte(pw), nil); err != errMismatch {
				t.Fatalf("%s: password %q against the dummy: %v, want a mismatch", o.HashFunction, pw, err)
			}
		}
		if err := verifyHash(real, []byte("secret"), nil); err != nil {
			t.Fatalf("%s: the real hash does not verify: %v", o.HashFunction, err)
		}
	}
}
