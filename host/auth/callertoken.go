package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"

	"github.com/hops-dev/hops/sdk"
)

// A caller token is base64url(expiry | n | account | username | mac):
// expiry is 8 bytes of Unix seconds, big-endian; n is one byte, the length
// of the account id that follows; mac is HMAC-SHA256 over everything
// before it with the per-process key. It never leaves the host and its
// plugins.
const (
	callerExpiryLen = 8
	callerMACLen    = sha256.Size
)

// CallerToken returns an opaque token naming the user username, valid for
// 24 hours in this process, or "" when no such user exists. sdk.Caller.Token
// carries it, so a family can Dispatch or start a job as the caller.
func (s *Service) CallerToken(username string) string {
	u, _, err := s.load(username)
	if err != nil || u == nil {
		return ""
	}
	return s.callerToken(u)
}

// callerToken names u's account: a user dropped and added again under the
// same name is another account, which the token does not name.
func (s *Service) callerToken(u *user) string {
	buf := make([]byte, callerExpiryLen, callerExpiryLen+1+len(u.AccountID)+len(u.Username)+callerMACLen)
	binary.BigEndian.PutUint64(buf, uint64(s.now().Add(callerTokenTTL).Unix()))
	buf = append(buf, byte(len(u.AccountID)))
	buf = append(buf, u.AccountID...)
	buf = append(buf, u.Username...)
	buf = append(buf, s.callerMAC(buf)...)
	return base64.RawURLEncoding.EncodeToString(buf)
}

func (s *Service) callerMAC(payload []byte) []byte {
	m := hmac.New(sha256.New, s.callerKey)
	m.Write(payload)
	return m.Sum(nil)
}

// openCallerToken verifies a caller token's MAC and expiry and returns the
// account and username it names.
func (s *Service) openCallerToken(token string) (account, username string, err error) {
	raw, derr := base64.RawURLEncoding.DecodeString(token)
	if derr != nil || len(raw) < callerExpiryLen+1+callerMACLen {
		return "", "", unauthorized(MsgInvalidToken)
	}
	payload, mac := raw[:len(raw)-callerMACLen], raw[len(raw)-callerMACLen:]
	if !hmac.Equal(mac, s.callerMAC(payload)) {
		return "", "", unauthorized(MsgInvalidToken)
	}
	n := int(payload[callerExpiryLen])
	rest := payload[callerExpiryLen+1:]
	if n > len(rest) {
		return "", "", unauthorized(MsgInvalidToken)
	}
	if int64(binary.BigEndian.Uint64(payload)) <= s.now().Unix() {
		return "", "", unauthorized(MsgTokenExpired)
	}
	return string(rest[:n]), string(rest[n:]), nil
}

// callerTokenNames reports whether token is a valid caller token of u's
// account.
func (s *Service) callerTokenNames(token string, u *user) bool {
	account, username, err := s.openCallerToken(token)
	return err == nil && account == u.AccountID && username == u.Username
}

// CallerFromToken verifies a caller token and re-loads its user, so a user
// dropped (even if added again under the same name) or deactivated since
// the token was made is refused. Errors are 401 *sdk.Error ("invalid
// token", "token expired", the inactive message).
func (s *Service) CallerFromToken(token string) (sdk.Caller, error) {
	account, username, err := s.openCallerToken(token)
	if err != nil {
		return sdk.Caller{}, err
	}
	u, r, err := s.loadActive(username, account)
	if err != nil {
		return sdk.Caller{}, err
	}
	return s.callerOf(u, r), nil
}

// loadActive loads the user a valid token names, and its role: a user,
// account or role that no longer exists makes the token invalid (401
// MsgInvalidToken), an inactive user is refused (401 MsgUserInactive).
func (s *Service) loadActive(username, account string) (*user, *role, error) {
	u, r, err := s.load(username)
	if err != nil {
		return nil, nil, err
	}
	if u == nil || r == nil || u.AccountID != account {
		return nil, nil, unauthorized(MsgInvalidToken)
	}
	if !u.Active {
		return nil, nil, unauthorized(MsgUserInactive)
	}
	return u, r, nil
}
