package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/hops-dev/hops/sdk"
)

func TestAuthenticateMessages(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := context.Background()
	if err := e.s.CreateUser("sleepy", "Sleepy#1", readerRole, false); err != nil {
		t.Fatal(err)
	}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	cases := []struct {
		name, header, msg string
	}{
		{"no header", "", MsgMustLogin},
		{"unknown scheme", "Foo bar", MsgMustLogin},
		{"scheme only", "Digest", MsgMustLogin},
		{"basic not base64", "Basic !!!", MsgLoginFailed},
		{"basic without colon", "Basic " + b64("admin"), MsgLoginFailed},
		{"wrong password", basic(adminName, "nope"), MsgLoginFailed},
		{"unknown user", basic("nobody", "x"), MsgLoginFailed},
		{"empty user", basic("", adminPass), MsgLoginFailed},
		{"password over 72 bytes", basic(adminName, adminPass+string(make([]byte, 80))), MsgLoginFailed},
		{"inactive user", basic("sleepy", "Sleepy#1"), MsgUserInactive},
		{"inactive user, wrong password", basic("sleepy", "x"), MsgLoginFailed},
		{"garbage bearer", "Bearer abc.def.ghi", MsgInvalidToken},
		{"empty bearer", "Bearer ", MsgInvalidToken},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			caller, err := e.s.Authenticate(ctx, c.header)
			wantError(t, err, http.StatusUnauthorized, c.msg)
			if caller.Username != "" || caller.Token != "" {
				t.Fatalf("refused request got caller %+v", caller)
			}
		})
	}
}

func TestAuthenticateCaller(t *testing.T) {
	e := newEnv(t, Options{})
	for _, header := range []string{basic(adminName, adminPass), "basic " + basic(adminName, adminPass)[6:]} {
		c, err := e.s.Authenticate(context.Background(), header)
		if err != nil {
			t.Fatal(err)
		}
		if c.Username != adminName || c.Role != SuperUserRole || !c.SuperUser || c.Token == "" {
			t.Fatalf("admin caller = %+v", c)
		}
	}
	p := e.login(plainName, plainPass)
	if p.Username != plainName || p.Role != readerRole || p.SuperUser {
		t.Fatalf("plain caller = %+v", p)
	}
	if string(p.Permissions) != readerPerm {
		t.Fatalf("permissions = %s, want %s", p.Permissions, readerPerm)
	}
	back, err := e.s.CallerFromToken(p.Token)
	if err != nil || back.Username != plainName || back.Role != readerRole {
		t.Fatalf("CallerFromToken = %+v, %v", back, err)
	}
}

func TestCacheHitDoesNotHash(t *testing.T) {
	e := newEnv(t, Options{})
	e.login(plainName, plainPass)
	before := e.verifies.Load()
	for range 5 {
		e.login(plainName, plainPass)
	}
	if n := e.verifies.Load() - before; n != 0 {
		t.Fatalf("cached logins ran the hasher %d times", n)
	}
	// A wrong password is hashed once, then answered from memory.
	before = e.verifies.Load()
	for range 3 {
		_, err := e.s.Authenticate(context.Background(), basic(plainName, "wrong"))
		wantError(t, err, http.StatusUnauthorized, MsgLoginFailed)
	}
	if n := e.verifies.Load() - before; n != 1 {
		t.Fatalf("3 identical wrong logins hashed %d times, want 1", n)
	}
	// With the cache disabled every login hashes.
	d := newEnv(t, Options{CacheTTL: -1})
	d.login(plainName, plainPass)
	before = d.verifies.Load()
	d.login(plainName, plainPass)
	if n := d.verifies.Load() - before; n != 1 {
		t.Fatalf("uncached login hashed %d times, want 1", n)
	}
}

func TestCacheExpires(t *testing.T) {
	e := newEnv(t, Options{CacheTTL: time.Minute})
	e.login(plainName, plainPass)
	before := e.verifies.Load()
	e.clock.Add(int64(2 * time.Minute))
	e.login(plainName, plainPass)
	if n := e.verifies.Load() - before; n != 1 {
		t.Fatalf("login after the TTL hashed %d times, want 1", n)
	}
}

func TestInvalidateOnAlterAndDrop(t *testing.T) {
	e := newEnv(t, Options{})
	admin := e.admin()
	ctx := context.Background()
	e.login(plainName, plainPass) // cached now

	e.ok(admin, "alter_user", map[string]any{"username": plainName, "active": false})
	_, err := e.s.Authenticate(ctx, basic(plainName, plainPass))
	wantError(t, err, http.StatusUnauthorized, MsgUserInactive)

	e.ok(admin, "alter_user", map[string]any{"username": plainName, "active": true})
	e.login(plainName, plainPass)

	e.ok(admin, "alter_user", map[string]any{"username": plainName, "password": "Plain#Pass2"})
	_, err = e.s.Authenticate(ctx, basic(plainName, plainPass))
	wantError(t, err, http.StatusUnauthorized, MsgLoginFailed)
	e.login(plainName, "Plain#Pass2")

	e.ok(admin, "drop_user", map[string]any{"username": plainName})
	_, err = e.s.Authenticate(ctx, basic(plainName, "Plain#Pass2"))
	wantError(t, err, http.StatusUnauthorized, MsgLoginFailed)

	// A failure cached for an unknown user does not outlive its creation.
	_, err = e.s.Authenticate(ctx, basic("newbie", "Newbie#1"))
	wantError(t, err, http.StatusUnauthorized, MsgLoginFailed)
	e.ok(admin, "add_user", map[string]any{"username": "newbie", "password": "Newbie#1", "role": readerRole, "active": true})
	e.login("newbie", "Newbie#1")
}

func TestRoleChangeAppliedOnNextRequest(t *testing.T) {
	e := newEnv(t, Options{})
	admin := e.admin()
	p := e.login(plainName, plainPass)
	tokens := obj(t, e.ok(sdk.Caller{}, "create_authentication_tokens", map[string]any{"username": plainName, "password": plainPass}))
	bearer := "Bearer " + tokens["operation_token"].(string)
	if _, err := e.s.Authenticate(context.Background(), bearer); err != nil {
		t.Fatal(err)
	}
	roleID := ""
	for _, r := range e.ok(admin, "list_roles", nil).([]any) {
		if obj(t, r)["role"] == readerRole {
			roleID = obj(t, r)["id"].(string)
		}
	}
	newPerm := `{"super_user":false,"db":{"tables":{"dogs":{"read":true,"insert":false,"update":false,"delete":true,"attribute_permissions":[]}}}}`
	e.ok(admin, "alter_role", map[string]any{"id": roleID, "permission": json.RawMessage(newPerm)})
	for _, header := range []string{basic(plainName, plainPass), bearer} {
		c, err := e.s.Authenticate(context.Background(), header)
		if err != nil {
			t.Fatal(err)
		}
		if string(c.Permissions) != newPerm {
			t.Fatalf("after alter_role %s permissions = %s, want %s", header[:6], c.Permissions, newPerm)
		}
	}
	if string(p.Permissions) != readerPerm {
		t.Fatalf("an earlier caller's permissions changed under it: %s", p.Permissions)
	}
	// Moving the user to another role applies at once too.
	e.ok(admin, "alter_user", map[string]any{"username": plainName, "role": SuperUserRole})
	if c := e.login(plainName, plainPass); !c.SuperUser || c.Role != SuperUserRole {
		t.Fatalf("after the role change caller = %+v", c)
	}
}

// TestWrongPasswordsDoNotBlockOthers sends as many concurrent wrong
// passwords as the throttle lets through at once: one is verified, the
// rest wait on the low lane (attempts in flight count as failures), and
// another user still gets in from another address, cached or not, while
// the wrong one is held inside the hasher.
func TestWrongPasswordsDoNotBlockOthers(t *testing.T) {
	e := newEnv(t, Options{})
	e.login(adminName, adminPass) // admin is cached; plain is not
	release := make(chan struct{})
	const n = userFreeFailures // the throttle holds back any more (TestThrottleBurst)
	entered := make(chan struct{}, n)
	verify := e.s.verify
	e.s.verify = func(h, pw []byte, pause func()) error {
		if verifyHash(h, pw, nil) != nil {
			entered <- struct{}{}
			<-release
		}
		return verify(h, pw, pause)
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- e.loginFrom("203.0.113.9:1", adminName, fmt.Sprintf("wrong-%d", i))
		}()
	}
	deadlock := time.After(10 * time.Second) // a deadlock guard, not a timing assertion
	select {
	case <-entered:
	case <-deadlock:
		close(release)
		t.Fatal("no wrong password was verified")
	}
	eventually(t, "the other guesses queued on the low lane", func() bool { _, low := e.s.lanes.queued(); return low == n-1 })
	done := make(chan error, 2)
	go func() { done <- e.loginFrom("192.0.2.1:1", adminName, adminPass) }()
	go func() { done <- e.loginFrom("192.0.2.1:1", plainName, plainPass) }()
	for range 2 {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("correct login failed: %v", err)
			}
		case <-deadlock:
			close(release)
			t.Fatal("a correct login waited on the wrong-password verifications")
		}
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		wantError(t, err, http.StatusUnauthorized, MsgLoginFailed)
	}
}

// TestConcurrentSameCredentialHashesOnce: identical credentials arriving
// while one verification runs share it (or its cached outcome).
func TestConcurrentSameCredentialHashesOnce(t *testing.T) {
	e := newEnv(t, Options{})
	release, entered := make(chan struct{}), make(chan struct{}, 1)
	var calls atomic.Int64
	verify := e.s.verify
	e.s.verify = func(h, pw []byte, pause func()) error {
		if string(pw) == "Same#Wrong1" {
			calls.Add(1)
			select {
			case entered <- struct{}{}:
			default:
			}
			<-release
		}
		return verify(h, pw, pause)
	}
	const n = 10
	errs := make(chan error, n)
	attempt := func() {
		_, err := e.s.Authenticate(context.Background(), basic(plainName, "Same#Wrong1"))
		errs <- err
	}
	go attempt()
	<-entered
	for range n - 1 {
		go attempt()
	}
	close(release)
	for range n {
		wantError(t, <-errs, http.StatusUnauthorized, MsgLoginFailed)
	}
	if c := calls.Load(); c != 1 {
		t.Fatalf("%d identical wrong logins hashed %d times, want 1", n, c)
	}
}

func TestBearerTokens(t *testing.T) {
	e := newEnv(t, Options{})
	ctx := context.Background()
	tokens := obj(t, e.ok(sdk.Caller{}, "create_authentication_tokens", map[string]any{"username": plainName, "password": plainPass}))
	op, refresh := tokens["operation_token"].(string), tokens["refresh_token"].(string)

	c, err := e.s.Authenticate(ctx, "Bearer "+op)
	if err != nil || c.Username != plainName || c.Role != readerRole || c.Token == "" {
		t.Fatalf("operation token: %+v, %v", c, err)
	}
	_, err = e.s.Authenticate(ctx, "Bearer "+refresh)
	wantError(t, err, http.StatusUnauthorized, MsgInvalidToken)

	// Tampered, foreign-key and wrong-algorithm tokens are invalid.
	_, err = e.s.Authenticate(ctx, "Bearer "+op[:len(op)-4]+"AAAA")
	wantError(t, err, http.StatusUnauthorized, MsgInvalidToken)
	other := newEnv(t, Options{})
	foreign := obj(t, other.ok(sdk.Caller{}, "create_authentication_tokens", map[string]any{"username": plainName, "password": plainPass}))
	_, err = e.s.Authenticate(ctx, "Bearer "+foreign["operation_token"].(string))
	wantError(t, err, http.StatusUnauthorized, MsgInvalidToken)
	hs, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims{Type: tokenOperation, RegisteredClaims: jwt.RegisteredClaims{
		Subject: adminName, ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))}}).SignedString([]byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.s.Authenticate(ctx, "Bearer "+hs)
	wantError(t, err, http.StatusUnauthorized, MsgInvalidToken)

	// Expired: the default lifetime is a day.
	e.clock.Add(int64(DefaultOperationTokenTimeout + time.Minute))
	_, err = e.s.Authenticate(ctx, "Bearer "+op)
	wantError(t, err, http.StatusUnauthorized, MsgTokenExpired)
}

func TestBearerRefusesInactiveAndDroppedUsers(t *testing.T) {
	e := newEnv(t, Options{})
	admin := e.admin()
	tokens := obj(t, e.ok(sdk.Caller{}, "create_authentication_tokens", map[string]any{"username": plainName, "password": plainPass}))
	bearer := "Bearer " + tokens["operation_token"].(string)
	if _, err := e.s.Authenticate(context.Background(), bearer); err != nil {
		t.Fatal(err)
	}
	e.ok(admin, "alter_user", map[string]any{"username": plainName, "active": false})
	_, err := e.s.Authenticate(context.Background(), bearer)
	wantError(t, err, http.StatusUnauthorized, MsgUserInactive)
	e.ok(admin, "drop_user", map[string]any{"username": plainName})
	_, err = e.s.Authenticate(context.Background(), bearer)
	wantError(t, err, http.StatusUnauthorized, MsgInvalidToken)
}

// TestProductionCostTiming logs what one verification costs with each
// hash function's default parameters on this machine (budget: 100 ms). It
// asserts nothing about time: shared CI machines vary too much.
func TestProductionCostTiming(t *testing.T) {
	if testing.Short() {
		t.Skip("hashes at the production cost")
	}
	for _, fn := range []string{HashSHA256, HashArgon2id} {
		h, err := newHasher(Options{HashFunction: fn}.withDefaults())
		if err != nil {
			t.Fatal(err)
		}
		stored, err := h.hash([]byte(plainPass))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := verifyHash(stored, []byte(plainPass), nil); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s (%s): one verification took %v (budget 100ms)", fn, stored[:strings.LastIndexByte(string(stored[:len(stored)-1]), '$')], time.Since(start))
	}
}
