package auth

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestAuthorizeLocal(t *testing.T) {
	from := func(addr string) context.Context { return WithClientAddr(context.Background(), addr) }

	off := newEnv(t, Options{})
	_, err := off.s.Authenticate(from("127.0.0.1:5555"), "")
	wantError(t, err, http.StatusUnauthorized, MsgMustLogin)
	if strings.Contains(off.log.String(), MsgAuthorizeLocalOn) {
		t.Fatal("WARN line with authorizeLocal off")
	}

	on := newEnv(t, Options{AuthorizeLocal: true})
	if !strings.Contains(on.log.String(), "[WARN]  auth: "+MsgAuthorizeLocalOn) {
		t.Fatalf("no WARN line at start:\n%s", on.log.String())
	}
	for _, addr := range []string{"127.0.0.1:5555", "127.8.9.10:1", "[::1]:80", "[::ffff:127.0.0.1]:9"} {
		c, err := on.s.Authenticate(from(addr), "")
		if err != nil || c.Username != adminName || !c.SuperUser || c.Token == "" {
			t.Fatalf("%s: %+v, %v", addr, c, err)
		}
	}
	for _, addr := range []string{"10.0.0.1:5555", "[2001:db8::1]:80", ""} {
		_, err := on.s.Authenticate(from(addr), "")
		wantError(t, err, http.StatusUnauthorized, MsgMustLogin)
	}
	// Credentials, even wrong ones, are checked as always; an unknown
	// scheme is still "Must login".
	_, err = on.s.Authenticate(from("127.0.0.1:1"), basic(adminName, "wrong"))
	wantError(t, err, http.StatusUnauthorized, MsgLoginFailed)
	_, err = on.s.Authenticate(from("127.0.0.1:1"), "Foo bar")
	wantError(t, err, http.StatusUnauthorized, MsgMustLogin)
	if c, err := on.s.Authenticate(from("127.0.0.1:1"), basic(plainName, plainPass)); err != nil || c.Username != plainName {
		t.Fatalf("Basic from loopback: %+v, %v", c, err)
	}

	// The first super user: a later one does not take over, and when the
	// first is deactivated the next acts.
	admin := on.admin()
	on.ok(admin, "add_user", map[string]any{"username": "aaa_second", "password": "Second#1", "role": SuperUserRole, "active": true})
	if c, _ := on.s.Authenticate(from("127.0.0.1:1"), ""); c.Username != adminName {
		t.Fatalf("local caller %q, want the first super user", c.Username)
	}
	on.ok(admin, "alter_user", map[string]any{"username": adminName, "active": false})
	if c, _ := on.s.Authenticate(from("127.0.0.1:1"), ""); c.Username != "aaa_second" {
		t.Fatalf("local caller %q after the first was deactivated", c.Username)
	}
}

func TestHashFunctions(t *testing.T) {
	storedHash := func(e *env, name string) string {
		u, _, err := e.s.load(name)
		if err != nil || u == nil {
			t.Fatal(err)
		}
		return u.Hash
	}
	for fn, prefix := range map[string]string{"": prefixPBKDF2, HashSHA256: prefixPBKDF2, "SHA256": prefixPBKDF2, HashArgon2id: prefixArgon2} {
		e := newEnv(t, Options{HashFunction: fn})
		if h := storedHash(e, plainName); !strings.HasPrefix(h, prefix) {
			t.Fatalf("hashFunction %q: stored %q, want prefix %q", fn, h, prefix)
		}
		e.login(plainName, plainPass)
		_, err := e.s.Authenticate(context.Background(), basic(plainName, "Not#It1"))
		wantError(t, err, http.StatusUnauthorized, MsgLoginFailed)
	}

	// Hashes written under another function (or bcrypt, before
	// hashFunction acted) still verify after a restart with a new one.
	e := newEnv(t, Options{HashFunction: HashArgon2id})
	e.s = e.open(Options{HashFunction: HashSHA256})
	e.login(plainName, plainPass)
	if !strings.HasPrefix(storedHash(e, plainName), prefixArgon2) {
		t.Fatal("a login rewrote the stored hash")
	}
	bcryptHash, err := bcrypt.GenerateFromPassword([]byte("Old#Pass1"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if err := verifyHash(bcryptHash, []byte("Old#Pass1"), nil); err != nil {
		t.Fatalf("bcrypt hash: %v", err)
	}
	if verifyHash(bcryptHash, []byte("Old#Pass2"), nil) == nil {
		t.Fatal("bcrypt accepted a wrong password")
	}
	for _, bad := range []string{"", "plain", "$pbkdf2-sha256$x$y$z", "$pbkdf2-sha256$99999999999$AAAA$AAAA", "$argon2id$v=19$m=999999999,t=1,p=1$AAAA$AAAA", "$argon2id$v=18$m=64,t=1,p=1$AAAA$AAAA"} {
		if verifyHash([]byte(bad), []byte("x"), nil) == nil {
			t.Fatalf("%q verified", bad)
		}
	}

	for _, fn := range []string{"md5", "bcrypt", "sha512"} {
		_, err := Open(e.db, Options{RootPath: e.root, HashFunction: fn})
		if err == nil || !strings.Contains(err.Error(), "authentication.hashFunction") || !strings.Contains(err.Error(), fn) {
			t.Fatalf("hashFunction %q: Open = %v, want a refusal naming the key", fn, err)
		}
	}
}
