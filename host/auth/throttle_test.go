package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hops-dev/hops/sdk"
)

// holds replaces e's throttle hold: waits up to throttleMaxHold are
// recorded and the clock moved past them instead of sleeping.
func (e *env) holds() *[]time.Duration {
	var waits []time.Duration
	e.s.hold = func(ctx context.Context, wait time.Duration) error {
		if wait > throttleMaxHold {
			return tooManyFailures(wait)
		}
		waits = append(waits, wait)
		e.clock.Add(int64(wait))
		return nil
	}
	return &waits
}

func (e *env) loginFrom(addr, user, pass string) error {
	ctx := WithClientAddr(context.Background(), addr)
	_, err := e.s.Authenticate(ctx, basic(user, pass))
	return err
}

// Wrong passwords for one username: five free, then a wait that doubles
// each time, then 429 with Retry-After and no hash at all.
func TestThrottleUsername(t *testing.T) {
	e := newEnv(t, Options{})
	waits := e.holds()
	const known, attacker, other = "10.0.0.1:5000", "10.0.0.2:6000", "10.0.0.3:7000"
	if err := e.loginFrom(known, plainName, plainPass); err != nil {
		t.Fatal(err)
	}
	e.s.Invalidate(plainName) // the next right login is verified again

	var last error
	for i := 0; i < 12; i++ {
		before := e.verifies.Load()
		last = e.loginFrom(attacker, plainName, fmt.Sprintf("wrong-%d", i))
		if se, ok := sdk.AsError(last); ok && se.Status == http.StatusTooManyRequests {
			if e.verifies.Load() != before {
				t.Fatal("a throttled attempt was hashed")
			}
			if i != userFreeFailures+4 {
				t.Fatalf("first 429 at attempt %d, want %d (waits %v)", i+1, userFreeFailures+5, *waits)
			}
			break
		}
		wantError(t, last, http.StatusUnauthorized, MsgLoginFailed)
	}
	want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second}
	for i := range *waits {
		(*waits)[i] = (*waits)[i].Round(10 * time.Millisecond) // the clock runs between failure and attempt
	}
	if fmt.Sprint(*waits) != fmt.Sprint(want) {
		t.Fatalf("waits %v, want %v", *waits, want)
	}
	var ra interface{ RetryAfter() time.Duration }
	if !errors.As(last, &ra) || ra.RetryAfter() != 4*time.Second {
		t.Fatalf("429 without Retry-After 4s: %#v", last)
	}
	if se, _ := sdk.AsError(last); se.Message != fmt.Sprintf(MsgTooManyFailures, 4) {
		t.Fatalf("429 message %q", se.Message)
	}

	// The right password from a fresh address waits too (it cannot be
	// told from a guess without hashing it)...
	wantStatus(t, e.loginFrom(other, plainName, plainPass), http.StatusTooManyRequests)
	// ...but not from the address the user logged in from before.
	if err := e.loginFrom(known, plainName, plainPass); err != nil {
		t.Fatalf("known address refused: %v", err)
	}
	// Other users are not affected by the username's throttle.
	if err := e.loginFrom(other, adminName, adminPass); err != nil {
		t.Fatalf("another user refused: %v", err)
	}
	// After the wait, the username may try again.
	e.clock.Add(int64(throttleMaxDelay))
	if err := e.loginFrom(other, plainName, plainPass); err != nil {
		t.Fatalf("after the wait: %v", err)
	}
}

// Wrong logins from one address under many usernames: ten free, then the
// address waits; a cached login from it is answered all the same.
func TestThrottleAddress(t *testing.T) {
	e := newEnv(t, Options{})
	waits := e.holds()
	const attacker = "[2001:db8::1]:4000"
	if err := e.loginFrom(attacker, adminName, adminPass); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < addrFreeFailures; i++ {
		wantError(t, e.loginFrom(attacker, fmt.Sprintf("nobody%d", i), "x"), http.StatusUnauthorized, MsgLoginFailed)
	}
	if len(*waits) != 0 {
		t.Fatalf("free failures waited: %v", *waits)
	}
	// Same /64, another host: the same key.
	wantError(t, e.loginFrom("[2001:db8::2]:4000", "nobody-x", "x"), http.StatusUnauthorized, MsgLoginFailed)
	if len(*waits) != 1 {
		t.Fatalf("waits %v, want one", *waits)
	}
	for i := range 4 { // distinct passwords: a repeated one is answered by the failure cache
		_ = e.loginFrom(attacker, "nobody-y", fmt.Sprint("x", i))
	}
	wantStatus(t, e.loginFrom(attacker, "nobody-z", "x"), http.StatusTooManyRequests)
	// The cached credential is answered before the throttle.
	if err := e.loginFrom(attacker, adminName, adminPass); err != nil {
		t.Fatalf("cached login throttled: %v", err)
	}
	// Another address is not affected.
	if err := e.loginFrom("192.0.2.9:1", plainName, plainPass); err != nil {
		t.Fatalf("other address: %v", err)
	}
}

// create_authentication_tokens with credentials in the body is throttled
// like Basic.
func TestThrottleCreateTokens(t *testing.T) {
	e := newEnv(t, Options{})
	e.holds()
	ctx := WithClientAddr(context.Background(), "10.1.1.1:1")
	var err error
	for i := 0; i < 20; i++ {
		_, err = e.call(ctx, sdk.Caller{}, "create_authentication_tokens", map[string]any{"username": plainName, "password": fmt.Sprint("bad", i)})
		if se, ok := sdk.AsError(err); ok && se.Status == http.StatusTooManyRequests {
			return
		}
	}
	t.Fatalf("no 429 after 20 wrong passwords: %v", err)
}

// The auth event log: failures and successes when asked, with user,
// client address and reason, never the password.
func TestAuditAuthEvents(t *testing.T) {
	for _, c := range []struct{ failed, ok bool }{{false, false}, {true, false}, {true, true}} {
		e := newEnv(t, Options{AuditFailed: c.failed, AuditSuccessful: c.ok})
		if err := e.loginFrom("10.2.2.2:999", plainName, "Secret#Wrong"); err == nil {
			t.Fatal("wrong password accepted")
		}
		if err := e.loginFrom("10.2.2.2:999", plainName, plainPass); err != nil {
			t.Fatal(err)
		}
		_, _ = e.s.Authenticate(WithClientAddr(context.Background(), "10.2.2.2:999"), "Bearer junk")
		out := e.log.String()
		if strings.Contains(out, "Secret#Wrong") || strings.Contains(out, plainPass) {
			t.Fatalf("a password was logged:\n%s", out)
		}
		failLine := `login failed: username=plain client=10.2.2.2:999 method=password reason="wrong credentials"`
		tokenLine := `login failed: username="" client=10.2.2.2:999 method=token reason="invalid token"`
		okLine := `login succeeded: username=plain client=10.2.2.2:999 method=password`
		for line, want := range map[string]bool{failLine: c.failed, tokenLine: c.failed, okLine: c.ok} {
			if strings.Contains(out, line) != want {
				t.Errorf("failed=%v ok=%v: line %q present=%v, want %v\n%s", c.failed, c.ok, line, !want, want, out)
			}
		}
	}
}

func TestClientKey(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:80": "127.0.0.1", "[::1]:80": "::/64", "[::ffff:10.0.0.1]:5": "10.0.0.1",
		"[2001:db8:1:2:3::4]:1": "2001:db8:1:2::/64", "": "", "garbage": "garbage",
	} {
		if got := clientKey(in); got != want {
			t.Errorf("clientKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// A burst of concurrent guesses: only the free ones are verified at once.
func TestThrottleBurst(t *testing.T) {
	e := newEnv(t, Options{})
	now := time.Now()
	allowed := 0
	for range 32 {
		if w, _ := e.s.throttle.begin("10.9.9.9", plainName, now); w == 0 {
			allowed++
		}
	}
	if allowed != userFreeFailures {
		t.Fatalf("%d of 32 concurrent attempts allowed, want %d", allowed, userFreeFailures)
	}
}
