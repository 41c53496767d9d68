package auth

import (
	"context"
	"net"
	"net/netip"

	"github.com/tidwall/buntdb"

	"github.com/hops-dev/hops/sdk"
)

// kindLocal names the cached caller of authorizeLocal requests.
const kindLocal = 'l'

// MsgAuthorizeLocalOn is the WARN line Open writes when
// authentication.authorizeLocal is on.
const MsgAuthorizeLocalOn = "authentication.authorizeLocal is on: requests from a loopback address without credentials act as the super user; every local process (and a reverse proxy on this host) has super-user access"

// isLoopback reports whether a client address (host:port or an IP) is a
// loopback address (127.0.0.0/8, ::1, or an IPv4-mapped 127.x).
func isLoopback(addr string) bool {
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// localSuperUser is the caller of a request without credentials from a
// loopback address when authorizeLocal is on: HarperDB's first super user,
// here the active super user created first (then by username). Cached
// like a credential, and dropped with that user's or role's entries.
func (s *Service) localSuperUser(ctx context.Context) (sdk.Caller, error) {
	now := s.now()
	k := s.credKey(kindLocal, "", "")
	if e, ok := s.cache.get(k, now); ok {
		return e.caller, nil
	}
	epoch := s.cache.epoch.Load()
	var first *user
	var firstRole *role
	err := s.db.View(func(tx *buntdb.Tx) error {
		users, err := allUsers(tx)
		if err != nil {
			return err
		}
		for _, u := range users {
			if !u.Active || (first != nil && (u.Created > first.Created || (u.Created == first.Created && u.Username > first.Username))) {
				continue
			}
			r, err := getRole(tx, u.RoleID)
			if err != nil {
				return err
			}
			if r != nil && r.superUser() {
				first, firstRole = u, r
			}
		}
		return nil
	})
	if err != nil {
		return sdk.Caller{}, err
	}
	if first == nil {
		return sdk.Caller{}, unauthorized(MsgMustLogin)
	}
	caller := s.callerOf(first, firstRole)
	if s.opts.CacheTTL > 0 {
		s.cache.put(k, &cacheEntry{caller: caller, username: first.Username, roleID: first.RoleID,
			expires: now.Add(s.opts.CacheTTL)}, epoch, now)
	}
	s.auditSuccess(ctx, "local", first.Username)
	return caller, nil
}
