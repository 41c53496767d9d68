package auth

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/hops-dev/hops/sdk"
)

// maxPasswordBytes bounds passwords: bcrypt (which hops used first) ignores
// anything past 72 bytes, so longer passwords are refused rather than
// silently truncated, and the limit stays.
const maxPasswordBytes = 72

// Authenticate resolves an Authorization header to the caller. With
// Options.AuthorizeLocal, a request from a loopback address without the
// header acts as the first super user. Failures are
// *sdk.Error 401s: "Must login" (no header or an unknown scheme), "Login
// failed" (malformed or wrong Basic credentials), "Cannot complete request:
// User is inactive", "token expired" and "invalid token" (Bearer). Other
// errors are internal faults. The caller's Token is set. A verified
// credential is answered from memory for Options.CacheTTL (see the package
// doc); the Permissions slice is shared and must not be modified.
func (s *Service) Authenticate(ctx context.Context, authorization string) (sdk.Caller, error) {
	if s.opts.AuthorizeLocal && strings.TrimSpace(authorization) == "" && isLoopback(ClientAddrFromContext(ctx)) {
		return s.localSuperUser(ctx)
	}
	scheme, rest, _ := strings.Cut(strings.TrimSpace(authorization), " ")
	switch {
	case strings.EqualFold(scheme, "Basic"):
		username, password, ok := parseBasic(rest)
		if !ok {
			return sdk.Caller{}, unauthorized(MsgLoginFailed)
		}
		out := s.checkPassword(ctx, username, password)
		return out.caller, out.error(MsgLoginFailed)
	case strings.EqualFold(scheme, "Bearer"):
		return s.authBearer(ctx, strings.TrimSpace(rest))
	}
	return sdk.Caller{}, unauthorized(MsgMustLogin)
}

// error is the outcome's error, wording a bad credential as badMsg.
func (o outcome) error(badMsg string) error {
	switch {
	case o.err != nil:
		return o.err
	case o.fail == badCredentials:
		return unauthorized(badMsg)
	case o.fail == userInactive:
		return unauthorized(MsgUserInactive)
	}
	return nil
}

// basicBuf is the stack buffer a Basic credential is decoded into before
// its one string is made; a longer one is decoded on the heap.
const basicBuf = 192

func parseBasic(encoded string) (username, password string, ok bool) {
	encoded = strings.TrimSpace(encoded)
	var buf [basicBuf]byte
	dst := buf[:]
	if n := base64.StdEncoding.DecodedLen(len(encoded)); n > len(dst) {
		dst = make([]byte, n)
	}
	n, err := base64.StdEncoding.Decode(dst, []byte(encoded))
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(dst[:n]), ":")
}

// maxThrottleRounds bounds how often one request waits out the throttle
// before it is refused instead.
const maxThrottleRounds = 3

// checkPassword verifies a username and password, from the cache when it
// can. A credential not cached passes the brute-force throttle first (see
// throttle.go): the request may be held a moment or refused 429. No lock
// is held while the hash runs.
func (s *Service) checkPassword(ctx context.Context, username, password string) outcome {
	now := s.now()
	k := s.credKey(kindBasic, username, password)
	if e, ok := s.cache.get(k, now); ok {
		out := outcome{caller: e.caller, fail: e.fail}
		if out.fail != accepted {
			s.auditOutcome(ctx, "password", username, out)
		}
		return out
	}
	addr := clientKey(ClientAddrFromContext(ctx))
	epoch := s.cache.userEpoch(username)
	// Identical credentials arriving together share one flight: one
	// attempt for the throttle, one hash.
	out := s.flight.do(flightKey{k, epoch}, func() outcome {
		// A verification that just finished may have cached the answer
		// between our lookup and this flight.
		if e, ok := s.cache.get(k, now); ok {
			return outcome{caller: e.caller, fail: e.fail}
		}
		l, err := s.admit(context.WithoutCancel(ctx), addr, username)
		if err != nil {
			return outcome{err: err}
		}
		var pause func()
		if err := s.lanes.acquire(context.WithoutCancel(ctx), l); err != nil {
			s.throttle.end(addr, username, attemptNeutral, s.now())
			if l == laneNormal {
				return outcome{err: loginsBusy()}
			}
			// Held for the tarpit, then 429, like a throttled attempt.
			return outcome{err: s.hold(ctx, throttleMaxHold+time.Second)}
		}
		if l == laneLow {
			pause = s.lanes.pauser()
		}
		now := s.now()
		out, roleID := func() (outcome, string) {
			defer s.lanes.release(l)
			return s.verifyPassword(username, password, pause)
		}()
		r := attemptNeutral
		switch {
		case out.err != nil:
		case out.fail == badCredentials:
			r = attemptFailed
		case out.fail == accepted:
			r = attemptSucceeded
		}
		s.throttle.end(addr, username, r, s.now())
		if out.err == nil && s.opts.CacheTTL > 0 {
			ttl := s.opts.CacheTTL
			if out.fail != accepted {
				ttl = min(ttl, failureTTL)
			}
			s.cache.putUser(k, &cacheEntry{kind: kindBasic, caller: out.caller, fail: out.fail, username: username,
				roleID: roleID, expires: now.Add(ttl)}, epoch, now)
		}
		return out
	})
	s.auditOutcome(ctx, "password", username, out)
	return out
}

// admit passes the brute-force throttle for (addr, username): at once,
// after holding the request a moment, or not (the 429). When it returns
// nil the caller must call s.throttle.end; the lane is where to verify.
func (s *Service) admit(ctx context.Context, addr, username string) (lane, error) {
	for round := 0; ; round++ {
		wait, l := s.throttle.begin(addr, username, s.now())
		if wait <= 0 {
			return l, nil
		}
		if round == maxThrottleRounds {
			wait = max(wait, throttleMaxHold+time.Second)
		}
		if err := s.hold(ctx, wait); err != nil {
			return l, err
		}
	}
}

// verifyPassword runs the hash (pause as verifyHash's). The password is
// checked before the active flag, so an inactive account is not revealed
// to someone without its password.
func (s *Service) verifyPassword(username, password string, pause func()) (outcome, string) {
	u, r, err := s.load(username)
	if err != nil {
		return outcome{err: err}, ""
	}
	if u == nil || len(password) > maxPasswordBytes {
		dummy, err := s.dummyHash()
		if err != nil {
			return outcome{err: fmt.Errorf("auth: dummy hash: %w", err)}, ""
		}
		_ = s.verify(dummy, []byte(password), pause) // same cost as a wrong password
		return outcome{fail: badCredentials}, ""
	}
	if s.verify([]byte(u.Hash), []byte(password), pause) != nil {
		s.log.Debug("wrong password", "username", username)
		return outcome{fail: badCredentials}, u.RoleID
	}
	if !u.Active {
		return outcome{fail: userInactive}, u.RoleID
	}
	if r == nil {
		s.log.Warn("user's role does not exist; login refused", "username", username, "role_id", u.RoleID)
		return outcome{fail: badCredentials}, u.RoleID
	}
	return outcome{caller: s.callerOf(u, r)}, u.RoleID
}

// authBearer accepts a valid operation token of an active user.
func (s *Service) authBearer(ctx context.Context, token string) (sdk.Caller, error) {
	now := s.now()
	k := s.credKey(kindBearer, "", token)
	if e, ok := s.cache.get(k, now); ok {
		return e.caller, nil
	}
	epoch := s.cache.epoch.Load()
	c, err := s.parseToken(token)
	if err == nil && c.Type != tokenOperation {
		err = unauthorized(MsgInvalidToken)
	}
	if err != nil {
		s.auditFailure(ctx, "token", "", err)
		return sdk.Caller{}, err
	}
	u, r, err := s.loadActive(c.Subject, c.Account)
	if err != nil {
		s.auditFailure(ctx, "token", c.Subject, err)
		return sdk.Caller{}, err
	}
	s.auditSuccess(ctx, "token", u.Username)
	caller := s.callerOf(u, r)
	if s.opts.CacheTTL > 0 {
		expires := now.Add(s.opts.CacheTTL)
		if exp := c.ExpiresAt.Time; exp.Before(expires) {
			expires = exp
		}
		s.cache.put(k, &cacheEntry{caller: caller, username: u.Username, roleID: u.RoleID, expires: expires}, epoch, now)
	}
	return caller, nil
}

// authorizationKey is the context key of the request's Authorization header.
type authorizationKey struct{}

// WithAuthorization returns ctx carrying the request's Authorization header;
// the server sets it so create_authentication_tokens and
// refresh_operation_token can read the credentials they act on.
func WithAuthorization(ctx context.Context, header string) context.Context {
	return context.WithValue(ctx, authorizationKey{}, header)
}

// AuthorizationFromContext returns the header WithAuthorization stored, or
// "".
func AuthorizationFromContext(ctx context.Context) string {
	h, _ := ctx.Value(authorizationKey{}).(string)
	return h
}
