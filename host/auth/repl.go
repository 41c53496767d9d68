package auth

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/tidwall/buntdb"
)

// The system replication source: users and roles (and the nodes' public
// JWT keys) replicate between clustered nodes. The clustering family
// calls the internal operations of ops_repl.go; this file keeps the
// outbox and the versions in system.db.
//
// Keys (all under "repl:", in the same BuntDB as the users and roles, so
// a change and its outbox entry commit in one transaction):
//   - repl:node          this node's name while replication is enabled
//   - repl:seq           the last outbox sequence number
//   - repl:ts            the last entry time (ms, float), strictly increasing
//   - repl:out:<seq>     an outbox entry (seq zero-padded to 20 digits)
//   - repl:ver:<key>     {ts, node, deleted} of the last change to a user
//     or role key: the conflict rule compares an incoming change with it;
//     a drop leaves it as a tombstone
//   - repl:jwt:<kid>     another node's public JWT key {node, kid, public_key}
//   - repl:jwtsent       the kid of this node's key last put in the outbox
const (
	replPrefix    = "repl:"
	replNodeKey   = "repl:node"
	replSeqKey    = "repl:seq"
	replTSKey     = "repl:ts"
	replOutPrefix = "repl:out:"
	replVerPrefix = "repl:ver:"
	replJWTPrefix = "repl:jwt:"
	replJWTSent   = "repl:jwtsent"
)

// Entry ops of the system source.
const (
	opUserPut  = "user_put"
	opUserDrop = "user_drop"
	opRolePut  = "role_put"
	opRoleDrop = "role_drop"
	opJWTKey   = "jwt_key"
)

// replEntry is one outbox entry as it travels.
type replEntry struct {
	Seq  int64   `json:"seq"`
	TS   float64 `json:"ts"`
	Node string  `json:"node"`
	Op   string  `json:"op"`
	// Username names a user_put/user_drop's user; ID a role_put/role_drop's
	// role.
	Username string `json:"username,omitempty"`
	ID       string `json:"id,omitempty"`
	// Record is the user or role record as stored (a user's password
	// hash included, never a password).
	Record json.RawMessage `json:"record,omitempty"`
	// Kid and PublicKey are a jwt_key's: the origin's Ed25519 public key
	// (hex), never its private key.
	Kid       string `json:"kid,omitempty"`
	PublicKey string `json:"public_key,omitempty"`
	// Created is a seed entry's row creation time (ms). Seeds are the rows
	// that existed when replication was first enabled on a node; they
	// carry ts 0 (see version.later).
	Created int64 `json:"created,omitempty"`
}

// version is the (ts, node) of a key's last change; Created is a seed's.
type version struct {
	TS      float64 `json:"ts"`
	Node    string  `json:"node"`
	Deleted bool    `json:"deleted,omitempty"`
	Created int64   `json:"created,omitempty"`
}

// later reports whether a change (ts, node, created) wins over v: the
// later time, ties by the larger node name (HarperDB's rule). Seeds (ts
// 0: rows that existed before replication was enabled, such as the super
// user and roles every node makes at its first start) lose to every
// change made since, and between seeds the row created first wins, so a
// node joining a cluster adopts the cluster's users and roles instead of
// overwriting them with its own first-start ones; equal creation times
// fall back to the node name.
func (v version) later(ts float64, node string, created int64) bool {
	if ts != v.TS {
		return ts > v.TS
	}
	if ts == 0 && created != v.Created {
		return created < v.Created
	}
	return node > v.Node
}

// replNode is the node name when replication is enabled, "" otherwise.
func replNode(tx *buntdb.Tx) string {
	n, err := tx.Get(replNodeKey)
	if err != nil {
		return ""
	}
	return n
}

// recordChange puts a committed change of a user or role key into the
// outbox, in the caller's transaction, when replication is enabled. value
// is the stored JSON, nil for a delete. setJSON and deleteKey call it, so
// every user and role write of this package is replicated; the apply path
// writes with tx.Set directly and so never echoes.
func recordChange(tx *buntdb.Tx, key string, value []byte) error {
	var e replEntry
	switch {
	case strings.HasPrefix(key, userPrefix):
		e.Username, e.Op = strings.TrimPrefix(key, userPrefix), opUserPut
		if value == nil {
			e.Op = opUserDrop
		}
	case strings.HasPrefix(key, rolePrefix):
		e.ID, e.Op = strings.TrimPrefix(key, rolePrefix), opRolePut
		if value == nil {
			e.Op = opRoleDrop
		}
	default:
		return nil
	}
	node := replNode(tx)
	if node == "" {
		return nil
	}
	e.Record = value
	return putEntry(tx, node, key, &e, false)
}

// recordSeed puts a row that existed before replication was enabled into
// the outbox as a seed (ts 0, its creation time).
func recordSeed(tx *buntdb.Tx, node, key, value string) error {
	e := replEntry{Op: opUserPut, Record: json.RawMessage(value)}
	if strings.HasPrefix(key, rolePrefix) {
		e.Op, e.ID = opRolePut, strings.TrimPrefix(key, rolePrefix)
	} else {
		e.Username = strings.TrimPrefix(key, userPrefix)
	}
	var row struct {
		Created int64 `json:"__createdtime__"`
	}
	_ = json.Unmarshal([]byte(value), &row)
	e.Created = row.Created
	return putEntry(tx, node, key, &e, true)
}

// putEntry stamps e (seq, ts unless seed, node), stores it in the outbox
// and, for a user or role key, records its version.
func putEntry(tx *buntdb.Tx, node, key string, e *replEntry, seed bool) error {
	seq := readInt(tx, replSeqKey) + 1
	ts := float64(time.Now().UnixMicro()) / 1000
	if last := readFloat(tx, replTSKey); ts <= last {
		ts = math.Nextafter(last, math.Inf(1))
	}
	e.Seq, e.TS, e.Node = seq, ts, node
	if seed {
		e.TS = 0
	}
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("auth: encode outbox entry: %w", err)
	}
	for k, v := range map[string]string{
		replSeqKey:                  strconv.FormatInt(seq, 10),
		replTSKey:                   strconv.FormatFloat(ts, 'g', -1, 64),
		replOutPrefix + seqKey(seq): string(b),
	} {
		if _, _, err := tx.Set(k, v, nil); err != nil {
			return fmt.Errorf("auth: write outbox: %w", err)
		}
	}
	if key != "" {
		return setVersion(tx, key, version{TS: e.TS, Node: node, Deleted: e.Record == nil, Created: e.Created})
	}
	return nil
}

func seqKey(seq int64) string { return fmt.Sprintf("%020d", seq) }

func readInt(tx *buntdb.Tx, key string) int64 {
	s, err := tx.Get(key)
	if err != nil {
		return 0
	}
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

func readFloat(tx *buntdb.Tx, key string) float64 {
	s, err := tx.Get(key)
	if err != nil {
		return 0
	}
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

func getVersion(tx *buntdb.Tx, key string) (version, bool, error) {
	var v version
	ok, err := getJSON(tx, replVerPrefix+key, &v)
	return v, ok, err
}

func setVersion(tx *buntdb.Tx, key string, v version) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, _, err := tx.Set(replVerPrefix+key, string(b), nil); err != nil {
		return fmt.Errorf("auth: write version of %q: %w", key, err)
	}
	return nil
}

// peerKeys are the public JWT keys other nodes sent, by kid.
type peerKeys struct {
	m atomic.Pointer[map[string]ed25519.PublicKey]
}

func (p *peerKeys) get(kid string) (ed25519.PublicKey, bool) {
	m := p.m.Load()
	if m == nil {
		return nil, false
	}
	k, ok := (*m)[kid]
	return k, ok
}

// load reads every stored peer key.
func (p *peerKeys) load(tx *buntdb.Tx) error {
	m := map[string]ed25519.PublicKey{}
	var derr error
	err := tx.AscendKeys(replJWTPrefix+"*", func(key, value string) bool {
		var e replEntry
		if derr = json.Unmarshal([]byte(value), &e); derr != nil {
			return false
		}
		if k, err := decodePublicKey(e.PublicKey); err == nil {
			m[e.Kid] = k
		}
		return true
	})
	if err == nil {
		err = derr
	}
	if err != nil {
		return fmt.Errorf("auth: read peer JWT keys: %w", err)
	}
	p.m.Store(&m)
	return nil
}

func decodePublicKey(h string) (ed25519.PublicKey, error) {
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, errors.New("not an Ed25519 public key")
	}
	return ed25519.PublicKey(b), nil
}

// keyID names a public key: the first 16 bytes of its SHA-256, in hex.
// Tokens carry it in the "kid" header.
func keyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:16])
}

// verifyKey picks the key a token is verified with: this node's for its
// own kid (or none, tokens signed before kids), else the public key of
// the node that signed it, when the cluster sent it (repl_system_apply).
func (s *Service) verifyKey(t *jwt.Token) (any, error) {
	kid, _ := t.Header["kid"].(string)
	if kid == "" || kid == s.signer.kid {
		return s.signer.pub, nil
	}
	if k, ok := s.peers.get(kid); ok {
		return k, nil
	}
	return nil, errors.New("unknown signing key")
}

// signal wakes the goroutines waiting on it; a wait started before a
// notify always sees it.
type signal struct {
	mu sync.Mutex
	ch chan struct{}
}

// wait returns a channel closed by the next notify.
func (g *signal) wait() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ch == nil {
		g.ch = make(chan struct{})
	}
	return g.ch
}

// notify wakes every wait started before it.
func (g *signal) notify() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ch != nil {
		close(g.ch)
		g.ch = nil
	}
}

// update runs fn in a read-write transaction of the system database and,
// once it committed, wakes the repl_system_outbox calls waiting for an
// entry: every write of users and roles goes through it, so a change that
// put an entry in the outbox is published at once rather than at the
// transport's next poll. A commit that put none costs the waiters one
// read of an empty outbox.
func (s *Service) update(fn func(tx *buntdb.Tx) error) error {
	err := s.db.Update(fn)
	if err == nil {
		s.outboxSignal.notify()
	}
	return err
}
