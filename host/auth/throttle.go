package auth

import (
	"context"
	"math"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/hops-dev/hops/sdk"
)

// Brute-force throttle bounds. A client address and a username each get
// a few free failed logins; after those every failure doubles the wait
// before the next attempt is verified. A request that arrives early waits
// out a short remainder (the delay that grows), or is refused at once with
// 429 and Retry-After when the remainder is longer: a refused attempt
// costs no hash, so a flood of wrong passwords costs little CPU and
// guesses slowly.
const (
	// addrFreeFailures is how many failures a client address may make
	// before its attempts are delayed: enough for a few users behind one
	// NAT to mistype.
	addrFreeFailures = 10
	// userFreeFailures is the same per username, from addresses that never
	// logged in as it.
	userFreeFailures = 5
	// throttleBaseDelay is the wait after the first failure beyond the
	// free ones; each further failure doubles it.
	throttleBaseDelay = 250 * time.Millisecond
	// throttleMaxDelay caps the wait, so a user locked out by someone
	// else's guessing gets in again within minutes.
	throttleMaxDelay = 5 * time.Minute
	// throttleMaxHold is the longest wait served by holding the request;
	// a longer one is a 429 with Retry-After.
	throttleMaxHold = 2 * time.Second
	// throttleTarpit is how long a refused attempt is held before its
	// 429: a client flooding on keep-alive connections then makes about
	// one attempt a second per connection instead of thousands, which
	// would cost the server CPU for nothing.
	throttleTarpit = time.Second
	// throttleForget drops a key this long after its last failure.
	throttleForget = 15 * time.Minute
	// knownAddrTTL is how long a successful login exempts its address
	// from that username's throttle (not from the address's own): someone
	// guessing a user's password from elsewhere does not lock the user out
	// of the address it works from.
	knownAddrTTL = 24 * time.Hour
	// maxThrottleKeys bounds each map against a flood from many addresses
	// or of many usernames; past it new keys share one overflow key, so
	// they are throttled together rather than not at all.
	maxThrottleKeys = 20000
	// ipv6PrefixBits groups IPv6 clients by /64: one host usually holds a
	// whole /64.
	ipv6PrefixBits = 64
)

// MsgTooManyFailures is the 429 answer to a login attempt made before the
// throttle's wait is over.
const MsgTooManyFailures = "Too many failed login attempts; retry after %d seconds"

// overflowKey is the key failures share once a map is full.
const overflowKey = "\x00overflow"

// failures is one key's recent failed logins.
type failures struct {
	n       int       // failures since the key was last forgotten or reset
	pending int       // attempts being verified now (counted as failures until they end)
	last    time.Time // the last failure
}

// wait returns how long the next attempt must still wait: nothing while
// fewer than free failures (counting attempts in flight) were made, then
// throttleBaseDelay after the last failure, doubling with each failure.
func (f *failures) wait(free int, now time.Time) time.Duration {
	over := f.n + f.pending - free + 1
	if over <= 0 {
		return 0
	}
	d := throttleMaxDelay
	if over < 32 {
		d = min(throttleBaseDelay*time.Duration(math.Pow(2, float64(over-1))), throttleMaxDelay)
	}
	// Attempts still being verified count from now: a burst of
	// concurrent guesses must not all pass before the first one fails.
	from := f.last
	if f.pending > 0 && from.Before(now) {
		from = now
	}
	return from.Add(d).Sub(now)
}

// throttle tracks failed logins per client address and per username.
type throttle struct {
	mu    sync.Mutex
	addrs map[string]*failures
	users map[string]*failures
	known map[[2]string]time.Time // (address, username) -> until
}

func newThrottle() *throttle {
	return &throttle{addrs: map[string]*failures{}, users: map[string]*failures{}, known: map[[2]string]time.Time{}}
}

// get returns m's entry for key, creating it (or using the overflow key
// when m is full).
func getFailures(m map[string]*failures, key string, now time.Time) *failures {
	if f, ok := m[key]; ok {
		return f
	}
	if len(m) >= maxThrottleKeys {
		for k, f := range m {
			if f.pending == 0 && now.Sub(f.last) > throttleForget {
				delete(m, k)
			}
		}
		if len(m) >= maxThrottleKeys {
			key = overflowKey
			if f, ok := m[key]; ok {
				return f
			}
		}
	}
	f := &failures{}
	m[key] = f
	return f
}

// begin reserves an attempt for (addr, username), or returns how long the
// caller must wait first. Every begin that returns 0 is followed by one
// end. The lane is where the attempt is verified (lanes.go): the low one
// when the address has failed since it was last forgotten or has an
// attempt being verified, or the username has (and the address is not
// known for it). Attempts in flight count as the throttle counts them,
// as failures until they end: a burst of guesses takes one normal
// verification, not one per guess.
func (t *throttle) begin(addr, username string, now time.Time) (time.Duration, lane) {
	t.mu.Lock()
	defer t.mu.Unlock()
	a := getFailures(t.addrs, addr, now)
	forget(a, now)
	w := a.wait(addrFreeFailures, now)
	l := laneNormal
	if a.n+a.pending > 0 {
		l = laneLow
	}
	var u *failures
	if until, ok := t.known[[2]string{addr, username}]; !ok || now.After(until) {
		u = getFailures(t.users, username, now)
		forget(u, now)
		w = max(w, u.wait(userFreeFailures, now))
		if u.n+u.pending > 0 {
			l = laneLow
		}
	}
	if w > 0 {
		return w, l
	}
	a.pending++
	if u != nil {
		u.pending++
	}
	return 0, l
}

func forget(f *failures, now time.Time) {
	if f.pending == 0 && !f.last.IsZero() && now.Sub(f.last) > throttleForget {
		*f = failures{}
	}
}

// attempt is how a verification begin allowed ended.
type attempt uint8

const (
	attemptFailed    attempt = iota // wrong credentials
	attemptSucceeded                // the right password
	attemptNeutral                  // neither (an internal error, an inactive user)
)

// end records the outcome of an attempt begin allowed: a failure counts
// against the address and the username; a success resets the username's
// count and marks the address as known for it.
func (t *throttle) end(addr, username string, r attempt, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	key := [2]string{addr, username}
	a := getFailures(t.addrs, addr, now)
	a.pending = max(a.pending-1, 0)
	var u *failures
	if until, ok := t.known[key]; !ok || now.After(until) {
		u = getFailures(t.users, username, now)
		u.pending = max(u.pending-1, 0)
	}
	switch r {
	case attemptFailed:
		a.n++
		a.last = now
		if u != nil {
			u.n++
			u.last = now
		}
	case attemptSucceeded:
		if u != nil {
			u.n = 0
		}
		if len(t.known) >= maxThrottleKeys {
			for k, until := range t.known {
				if now.After(until) {
					delete(t.known, k)
				}
			}
		}
		if len(t.known) < maxThrottleKeys {
			t.known[key] = now.Add(knownAddrTTL)
		}
	}
}

// throttledError is the 429 a throttled attempt gets; the server sends
// RetryAfter as the Retry-After header.
type throttledError struct {
	err   *sdk.Error
	after time.Duration
}

func (e *throttledError) Error() string { return e.err.Message }
func (e *throttledError) Unwrap() error { return e.err }

// RetryAfter is how long the client should wait before trying again.
func (e *throttledError) RetryAfter() time.Duration { return e.after }

func tooManyFailures(wait time.Duration) error {
	secs := int(math.Ceil(wait.Seconds()))
	return &throttledError{err: sdk.Errorf(http.StatusTooManyRequests, MsgTooManyFailures, secs),
		after: time.Duration(secs) * time.Second}
}

// clientKey is the throttle's key for a client address: the IP, or its
// /64 for IPv6; "" when unknown.
func clientKey(addr string) string {
	if addr == "" {
		return ""
	}
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap()
	if ip.Is6() {
		if p, err := ip.Prefix(ipv6PrefixBits); err == nil {
			return p.String()
		}
	}
	return ip.String()
}

// clientAddrKey is the context key of the request's client address.
type clientAddrKey struct{}

// WithClientAddr returns ctx carrying the client's address (host:port or
// an IP), which the throttle, authorizeLocal and the audit log read. The
// server sets it once per connection.
func WithClientAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientAddrKey{}, addr)
}

// ClientAddrFromContext returns the address WithClientAddr stored, or "".
func ClientAddrFromContext(ctx context.Context) string {
	a, _ := ctx.Value(clientAddrKey{}).(string)
	return a
}

// holdOrRefuse waits out a short throttle wait (ctx's error when it ends
// first) or returns the 429 for a long one, after throttleTarpit.
func holdOrRefuse(ctx context.Context, wait time.Duration) error {
	var refuse error
	if wait > throttleMaxHold {
		refuse = tooManyFailures(wait)
		wait = throttleTarpit
	}
	tm := time.NewTimer(wait)
	defer tm.Stop()
	select {
	case <-tm.C:
		return refuse
	case <-ctx.Done():
		return ctx.Err()
	}
}
