package auth

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/tidwall/buntdb"
)

// BenchmarkAuthenticateCached is the hot path of every request: a Basic
// credential already verified, answered from the cache.
func BenchmarkAuthenticateCached(b *testing.B) {
	db, err := buntdb.Open(":memory:")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	s, err := Open(db, Options{RootPath: b.TempDir(), Logger: hclog.NewNullLogger(), PBKDF2Iterations: testPBKDF2Iterations,
		CacheTTL: 1 << 40})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.EnsureSuperUser(adminName, adminPass); err != nil {
		b.Fatal(err)
	}
	h := basic(adminName, adminPass)
	if _, err := s.Authenticate(context.Background(), h); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if c, err := s.Authenticate(context.Background(), h); err != nil || !c.SuperUser {
			b.Fatal(c, err)
		}
	}
}

// TestCredKeyIsHMAC: credKey is HMAC-SHA256 (crypto/hmac) keyed with the
// process's cache key over kind, the username's length, the username and
// the secret, for credentials inside and past its stack buffer.
func TestCredKeyIsHMAC(t *testing.T) {
	s := &Service{cacheKey: randomKey()}
	s.ipad, s.opad = macPads(s.cacheKey)
	for _, c := range []struct{ user, secret string }{
		{"admin", "password"}, {"", ""}, {"a:b", "c"}, {strings.Repeat("u", 100), strings.Repeat("p", 300)},
	} {
		m := hmac.New(sha256.New, s.cacheKey)
		var n [9]byte
		n[0] = kindBasic
		binary.BigEndian.PutUint64(n[1:], uint64(len(c.user)))
		m.Write(n[:])
		m.Write([]byte(c.user))
		m.Write([]byte(c.secret))
		if got, want := s.credKey(kindBasic, c.user, c.secret), m.Sum(nil); !bytes.Equal(got[:], want) {
			t.Fatalf("%q/%q: credKey %x, HMAC %x", c.user, c.secret, got, want)
		}
	}
	if s.credKey(kindBasic, "ab", "c") == s.credKey(kindBasic, "a", "bc") {
		t.Fatal("the username's length does not separate username and secret")
	}
}

// TestParseBasic: credentials inside and past parseBasic's stack buffer,
// and malformed ones.
func TestParseBasic(t *testing.T) {
	long := strings.Repeat("p", 400)
	for enc, want := range map[string][3]string{
		base64.StdEncoding.EncodeToString([]byte("admin:pw")):    {"admin", "pw", "true"},
		" " + base64.StdEncoding.EncodeToString([]byte("a:b:c")): {"a", "b:c", "true"},
		base64.StdEncoding.EncodeToString([]byte("u:" + long)):   {"u", long, "true"},
		base64.StdEncoding.EncodeToString([]byte("nocolon")):     {"nocolon", "", "false"},
		"!!!": {"", "", "false"},
		base64.StdEncoding.EncodeToString([]byte("admin:pw"))[:5]: {"", "", "false"},
	} {
		u, p, ok := parseBasic(enc)
		if got := [3]string{u, p, strconv.FormatBool(ok)}; got != want {
			t.Errorf("parseBasic(%q) = %q, want %q", enc, got, want)
		}
	}
}
