package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"

	"github.com/hops-dev/hops/sdk"
)

// A caller token is base64url(expiry | username | mac): expiry is 8 bytes of
// Unix seconds, big-endian; mac is HMAC-SHA256 over expiry|username with the
// per-process key. It never leaves the host and its plugins.
const (
	callerExpiryLen = 8
	callerMACLen    = sha256.Size
)

// CallerToken returns an opaque token naming username, valid for 24 hours
// in this process. sdk.Caller.Token carries it, so a family can Dispatch or
// start a job as the caller.
func (s *Service) CallerToken(username string) string {
	buf := make([]byte, callerExpiryLen, callerExpiryLen+len(username)+callerMACLen)
	binary.BigEndian.PutUint64(buf, uint64(s.now().Add(callerTokenTTL).Unix()))
	buf = append(buf, username...)
	buf = append(buf, s.callerMAC(buf)...)
	return base64.RawURLEncoding.EncodeToString(buf)
}

func (s *Service) callerMAC(payload []byte) []byte {
	m := hmac.New(sha256.New, s.callerKey)
	m.Write(payload)
	return m.Sum(nil)
}

// CallerFromToken verifies a caller token and re-loads its user, so a user
// dropped or deactivated since the token was made is refused. Errors are
// 401 *sdk.Error ("invalid token", "token expired", the inactive message).
func (s *Service) CallerFromToken(token string) (sdk.Caller, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) < callerExpiryLen+callerMACLen {
		return sdk.Caller{}, unauthorized(MsgInvalidToken)
	}
	payload, mac := raw[:len(raw)-callerMACLen], raw[len(raw)-callerMACLen:]
	if !hmac.Equal(mac, s.callerMAC(payload)) {
		return sdk.Caller{}, unauthorized(MsgInvalidToken)
	}
	if int64(binary.BigEndian.Uint64(payload)) <= s.now().Unix() {
		return sdk.Caller{}, unauthorized(MsgTokenExpired)
	}
	u, r, err := s.loadActive(string(payload[callerExpiryLen:]))
	if err != nil {
		return sdk.Caller{}, err
	}
	return s.callerOf(u, r), nil
}

// loadActive loads the user a valid token names, and its role: a user or
// role that no longer exists makes the token invalid (401 MsgInvalidToken),
// an inactive user is refused (401 MsgUserInactive).
func (s *Service) loadActive(username string) (*user, *role, error) {
	u, r, err := s.load(username)
	if err != nil {
		return nil, nil, err
	}
	if u == nil || r == nil {
		return nil, nil, unauthorized(MsgInvalidToken)
	}
	if !u.Active {
		return nil, nil, unauthorized(MsgUserInactive)
	}
	return u, r, nil
}
