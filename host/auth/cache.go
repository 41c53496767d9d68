package auth

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hops-dev/hops/sdk"
)

// Cache bounds.
const (
	// failureTTL is how long a refused credential is answered from memory:
	// a client retrying a wrong password costs one hash per period, and a
	// user created or fixed meanwhile is invalidated at once anyway.
	failureTTL = 5 * time.Second
	// maxCacheEntries bounds the cache's memory (an entry is a few hundred
	// bytes) against a flood of distinct wrong credentials; when full and
	// nothing has expired, new entries are simply not cached.
	maxCacheEntries = 10000
)

// cacheKey names a credential without holding it: an HMAC-SHA256, keyed
// per process, of the kind, the username's length, the username and the
// secret.
type cacheKey [sha256.Size]byte

// credKeyBuf is the stack buffer credKey builds its message in; a longer
// credential takes a heap buffer.
const credKeyBuf = 256

// credKey computes the HMAC from the key's padded blocks (macPads),
// with sha256.Sum256 over a buffer on the stack: no hash.Hash, no
// allocation for a credential that fits credKeyBuf.
func (s *Service) credKey(kind byte, username, secret string) cacheKey {
	var buf [credKeyBuf]byte
	msg := buf[:0]
	if n := sha256.BlockSize + 9 + len(username) + len(secret); n > len(buf) {
		msg = make([]byte, 0, n)
	}
	msg = append(msg, s.ipad[:]...)
	msg = append(msg, kind)
	msg = binary.BigEndian.AppendUint64(msg, uint64(len(username)))
	msg = append(msg, username...)
	msg = append(msg, secret...)
	inner := sha256.Sum256(msg)
	clear(msg) // the secret does not stay behind on the stack
	var outer [sha256.BlockSize + sha256.Size]byte
	copy(outer[:], s.opad[:])
	copy(outer[sha256.BlockSize:], inner[:])
	return sha256.Sum256(outer[:])
}

// macPads returns HMAC's inner and outer key blocks (RFC 2104) of key,
// which is at most one SHA-256 block long.
func macPads(key []byte) (ipad, opad [sha256.BlockSize]byte) {
	copy(ipad[:], key)
	copy(opad[:], key)
	for i := range ipad {
		ipad[i] ^= 0x36
		opad[i] ^= 0x5c
	}
	return ipad, opad
}

// Kinds of cached credential.
const (
	kindBasic  = 'b'
	kindBearer = 't'
)

// failReason says why a credential was refused; each call site words it
// (Basic: "Login failed", create_authentication_tokens: "invalid
// credentials").
type failReason uint8

const (
	accepted failReason = iota
	badCredentials
	userInactive
)

// outcome is a verification's result: a caller, a refusal, or an internal
// error (never cached).
type outcome struct {
	caller sdk.Caller
	fail   failReason
	err    error
}

// cacheEntry is a verified credential's outcome and what invalidates it.
type cacheEntry struct {
	// kind is kindBasic for a username and password; other entries
	// (tokens, local callers) leave it zero.
	kind     byte
	caller   sdk.Caller
	fail     failReason
	username string
	roleID   string
	expires  time.Time
}

// epochShards is how many invalidation counters the usernames are spread
// over: a password verification (a full hash) is discarded when its own
// user, or any role, was invalidated while it ran, not whenever any user
// changed. So on a node that applies a stream of other users' changes
// (replication, an application altering users), a credential whose entry
// expired is cached again by its next verification instead of being
// hashed on every request while the changes go on; an unrelated change
// discards a verification 1 time in 64.
const epochShards = 64

// credCache maps credential keys to outcomes. Its counters count
// invalidations: a verification that started before one that concerns it
// must not store its (possibly stale) outcome.
type credCache struct {
	mu sync.RWMutex
	m  map[cacheKey]*cacheEntry
	// epoch counts every invalidation: what the verifications whose user
	// is known only at their end (tokens, the local super user) compare.
	epoch atomic.Uint64
	// users counts the invalidations of the usernames of each shard
	// (userShard), and every invalidation that is not of one user (a
	// role's): what a password verification, whose username is known
	// before it begins, compares.
	users [epochShards]atomic.Uint64
}

func newCredCache() *credCache { return &credCache{m: map[cacheKey]*cacheEntry{}} }

// userShard is username's counter in credCache.users (FNV-1a).
func userShard(username string) int {
	h := uint32(2166136261)
	for i := 0; i < len(username); i++ {
		h = (h ^ uint32(username[i])) * 16777619
	}
	return int(h % epochShards)
}

// userEpoch is what a verification of username's password reads before it
// begins, for putUser.
func (c *credCache) userEpoch(username string) uint64 {
	return c.users[userShard(username)].Load()
}

func (c *credCache) get(k cacheKey, now time.Time) (*cacheEntry, bool) {
	c.mu.RLock()
	e, ok := c.m[k]
	c.mu.RUnlock()
	if !ok || !now.Before(e.expires) {
		return nil, false
	}
	return e, true
}

// put stores e unless an invalidation happened since epoch was read.
func (c *credCache) put(k cacheKey, e *cacheEntry, epoch uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch.Load() != epoch {
		return
	}
	c.store(k, e, now)
}

// putUser stores e unless e.username (or any role) was invalidated since
// userEpoch(e.username) returned epoch.
func (c *credCache) putUser(k cacheKey, e *cacheEntry, epoch uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.userEpoch(e.username) != epoch {
		return
	}
	c.store(k, e, now)
}

// store adds e (mu held), unless the cache is full of live entries.
func (c *credCache) store(k cacheKey, e *cacheEntry, now time.Time) {
	if len(c.m) >= maxCacheEntries {
		for key, old := range c.m {
			if !now.Before(old.expires) {
				delete(c.m, key)
			}
		}
		if len(c.m) >= maxCacheEntries {
			return
		}
	}
	c.m[k] = e
}

// bump counts an invalidation (mu held): of username, or, when username is
// "", of every user.
func (c *credCache) bump(username string) {
	c.epoch.Add(1)
	if username != "" {
		c.users[userShard(username)].Add(1)
		return
	}
	for i := range c.users {
		c.users[i].Add(1)
	}
}

// drop removes the entries match selects and counts an invalidation of
// every user.
func (c *credCache) drop(match func(*cacheEntry) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bump("")
	for k, e := range c.m {
		if match(e) {
			delete(c.m, k)
		}
	}
}

// dropUser removes username's entries and counts an invalidation of it.
func (c *credCache) dropUser(username string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bump(username)
	for k, e := range c.m {
		if e.username == username {
			delete(c.m, k)
		}
	}
}

// Invalidate drops every cached credential of username (Basic and Bearer,
// successes and failures), so the next request re-reads the user. The
// user and role operations call it; call it after changing a user by other
// means.
func (s *Service) Invalidate(username string) {
	s.cache.dropUser(username)
}

// userDropped is Invalidate for a user that no longer exists: its cached
// Basic credentials become refusals for failureTTL instead of being
// dropped, so a client still using them is refused at once, without the
// password hash an unknown user costs (the tail of "dropped on one node,
// refused on the others"). Re-creating the user invalidates them again.
func (s *Service) userDropped(username string) {
	now := s.now()
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	s.cache.bump(username)
	for k, e := range s.cache.m {
		if e.username != username {
			continue
		}
		if e.kind != kindBasic || !now.Before(e.expires) {
			delete(s.cache.m, k)
			continue
		}
		s.cache.m[k] = &cacheEntry{kind: kindBasic, fail: badCredentials, username: username,
			roleID: e.roleID, expires: now.Add(failureTTL)}
	}
}

// invalidateRole drops the cached callers of a role's users.
func (s *Service) invalidateRole(roleID string) {
	s.cache.drop(func(e *cacheEntry) bool { return e.roleID == roleID })
}

// flightGroup runs one verification per (credential, epoch) at a time;
// concurrent requests with the same credential wait for it instead of
// hashing again. Keying by epoch means a request that arrives after an
// invalidation never takes the outcome of a verification begun before it.
type flightGroup struct {
	mu    sync.Mutex
	calls map[flightKey]*flightCall
}

type flightKey struct {
	key   cacheKey
	epoch uint64
}

var errVerifyAborted = errors.New("auth: credential verification aborted")

type flightCall struct {
	done chan struct{}
	out  outcome
}

func (g *flightGroup) do(k flightKey, fn func() outcome) outcome {
	g.mu.Lock()
	if g.calls == nil {
		g.calls = map[flightKey]*flightCall{}
	}
	if c, ok := g.calls[k]; ok {
		g.mu.Unlock()
		<-c.done
		return c.out
	}
	// Until fn returns, the outcome is a failure: if fn panics, waiters
	// must not see a zero caller as a success.
	c := &flightCall{done: make(chan struct{}), out: outcome{err: errVerifyAborted}}
	g.calls[k] = c
	g.mu.Unlock()

	defer func() {
		g.mu.Lock()
		delete(g.calls, k)
		g.mu.Unlock()
		close(c.done)
	}()
	c.out = fn()
	return c.out
}
