package auth

import (
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/tidwall/buntdb"
)

// BenchmarkOpen is what a start waits for in Open, with the default hash
// settings (the dummy hash is made in the background, off this path).
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

// TestUnknownUserWaitsForTheDummyHash: an unknown user is checked against
// the dummy hash, made in the background after Open, and refused like a
// wrong password.
func TestUnknownUserWaitsForTheDummyHash(t *testing.T) {
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
