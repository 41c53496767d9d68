package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tidwall/buntdb"

	"github.com/hops-dev/hops/host/registry"
	"github.com/hops-dev/hops/sdk"
)

// The system source's internal operations (the contract in
// docs/clustering.md, "Replication"): sdk.AccessInternal, so the router
// answers them as unknown to HTTP clients; the clustering family calls
// them as the host's internal caller.

// maxOutboxPage bounds one repl_system_outbox answer.
const maxOutboxPage = 1024

// maxOutboxWait bounds repl_system_outbox's wait_ms.
const maxOutboxWait = 10 * time.Second

// ReplOperations returns the system source's internal operations for the
// host's registry.
func (s *Service) ReplOperations() []registry.Local {
	op := func(name, summary string, h sdk.Handler) registry.Local {
		return registry.Local{Op: sdk.Operation{Name: name, Access: sdk.AccessInternal, Summary: summary, Handler: h}}
	}
	return []registry.Local{
		op("repl_system_enable", "internal: keep an outbox of user and role changes (clustering)", s.opReplEnable),
		op("repl_system_disable", "internal: stop keeping the outbox", s.opReplDisable),
		op("repl_system_outbox", "internal: outbox entries after a sequence number", s.opReplOutbox),
		op("repl_system_outbox_ack", "internal: drop outbox entries the stream has", s.opReplOutboxAck),
		op("repl_system_apply", "internal: apply other nodes' user and role changes", s.opReplApply),
		op("repl_system_checksum", "internal: count and order-independent checksum of users or roles", s.opReplChecksum),
	}
}

type replBody struct {
	Node    string      `json:"node"`
	After   int64       `json:"after"`
	Limit   int         `json:"limit"`
	Upto    int64       `json:"upto"`
	Origin  string      `json:"origin"`
	Entries []replEntry `json:"entries"`
	Table   string      `json:"table"`
	WaitMS  float64     `json:"wait_ms"`
}

func readReplBody(req *sdk.Request) (*replBody, error) {
	var b replBody
	if err := json.Unmarshal(req.Body, &b); err != nil {
		return nil, sdk.BadRequest("invalid %s body: %v", req.Operation, err)
	}
	return &b, nil
}

// opReplEnable: repl_system_enable {node}. The first enable (or one under
// a new node name, or after repl_system_disable) puts the users and roles
// into the outbox (enableRow: seeds the first time); every enable
// puts this node's public JWT key there when it was not sent yet.
func (s *Service) opReplEnable(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	b, err := readReplBody(req)
	if err != nil {
		return nil, err
	}
	if b.Node == "" {
		return nil, sdk.BadRequest("'node' is required")
	}
	kid := keyID(s.signer.pub)
	rows := 0
	err = s.update(func(tx *buntdb.Tx) error {
		if replNode(tx) != b.Node {
			if _, _, err := tx.Set(replNodeKey, b.Node, nil); err != nil {
				return err
			}
			var keys []string
			var vals []string
			for _, prefix := range []string{rolePrefix, userPrefix} {
				err := tx.AscendKeys(prefix+"*", func(k, v string) bool {
					keys, vals = append(keys, k), append(vals, v)
					return true
				})
				if err != nil {
					return err
				}
			}
			for i, k := range keys {
				n, err := enableRow(tx, b.Node, k, vals[i])
				if err != nil {
					return err
				}
				rows += n
			}
			if _, err := tx.Delete(replJWTSent); err != nil && !errors.Is(err, buntdb.ErrNotFound) {
				return err
			}
		}
		if sent, _ := tx.Get(replJWTSent); sent != kid {
			e := &replEntry{Op: opJWTKey, Kid: kid, PublicKey: hex.EncodeToString(s.signer.pub)}
			if err := putEntry(tx, b.Node, "", e, false); err != nil {
				return err
			}
			if _, _, err := tx.Set(replJWTSent, kid, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("auth: enable replication: %w", err)
	}
	if rows > 0 {
		s.log.Info("system replication enabled: users and roles put in the outbox", "node", b.Node, "rows", rows)
	}
	return sdk.Message("system replication enabled"), nil
}

// enableRow puts one row into the outbox when replication is enabled: a
// row never replicated goes as a seed; a row replicated before (it has a
// version: replication was disabled, or the node renamed) goes again only
// when it changed since its version (its __updatedtime__ is later), as a
// change of now; otherwise it is already in the cluster and stays out.
func enableRow(tx *buntdb.Tx, node, key, value string) (int, error) {
	v, ok, err := getVersion(tx, key)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 1, recordSeed(tx, node, key, value)
	}
	var row struct {
		Updated int64 `json:"__updatedtime__"`
	}
	_ = json.Unmarshal([]byte(value), &row)
	if (v.TS > 0 && float64(row.Updated) > v.TS) || (v.TS == 0 && row.Updated > v.Created) {
		return 1, recordChange(tx, key, []byte(value))
	}
	return 0, nil
}

// opReplDisable: repl_system_disable stops keeping the outbox (entries
// already in it stay).
func (s *Service) opReplDisable(context.Context, *sdk.Request) (*sdk.Response, error) {
	err := s.db.Update(func(tx *buntdb.Tx) error {
		if _, err := tx.Delete(replNodeKey); err != nil && !errors.Is(err, buntdb.ErrNotFound) {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("auth: disable replication: %w", err)
	}
	return sdk.Message("system replication disabled"), nil
}

// opReplOutbox: repl_system_outbox {after, limit, wait_ms} -> {entries}
// in order. With wait_ms (at most maxOutboxWait) and nothing to send, it
// answers once a commit put an entry in the outbox (update signals every
// commit), or with no entries when wait_ms passed or ctx ended: the
// transport learns of a change when it commits instead of at its next
// poll.
func (s *Service) opReplOutbox(ctx context.Context, req *sdk.Request) (*sdk.Response, error) {
	b, err := readReplBody(req)
	if err != nil {
		return nil, err
	}
	if b.Limit <= 0 || b.Limit > maxOutboxPage {
		b.Limit = maxOutboxPage
	}
	var deadline <-chan time.Time
	if b.WaitMS > 0 {
		t := time.NewTimer(min(time.Duration(b.WaitMS*float64(time.Millisecond)), maxOutboxWait))
		defer t.Stop()
		deadline = t.C
	}
	for {
		// Taken before the read: a commit after the read closes it.
		woken := s.outboxSignal.wait()
		entries, err := s.readOutbox(b.After, b.Limit)
		if err != nil {
			return nil, err
		}
		if len(entries) > 0 || deadline == nil {
			return sdk.OK(map[string]any{"entries": entries}), nil
		}
		select {
		case <-woken:
		case <-deadline:
			deadline = nil
		case <-ctx.Done():
			return sdk.OK(map[string]any{"entries": entries}), nil
		}
	}
}

// readOutbox is up to limit outbox entries after seq after, in order.
func (s *Service) readOutbox(after int64, limit int) ([]json.RawMessage, error) {
	entries := []json.RawMessage{}
	err := s.db.View(func(tx *buntdb.Tx) error {
		return tx.AscendRange("", replOutPrefix+seqKey(after+1), replOutPrefix+"~", func(k, v string) bool {
			if !strings.HasPrefix(k, replOutPrefix) {
				return false
			}
			entries = append(entries, json.RawMessage(v))
			return len(entries) < limit
		})
	})
	if err != nil {
		return nil, fmt.Errorf("auth: read the outbox: %w", err)
	}
	return entries, nil
}

// opReplOutboxAck: repl_system_outbox_ack {upto} drops entries <= upto.
func (s *Service) opReplOutboxAck(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	b, err := readReplBody(req)
	if err != nil {
		return nil, err
	}
	n := 0
	err = s.db.Update(func(tx *buntdb.Tx) error {
		var keys []string
		err := tx.AscendRange("", replOutPrefix, replOutPrefix+seqKey(b.Upto+1), func(k, _ string) bool {
			keys = append(keys, k)
			return true
		})
		if err != nil {
			return err
		}
		for _, k := range keys {
			if _, err := tx.Delete(k); err != nil && !errors.Is(err, buntdb.ErrNotFound) {
				return err
			}
		}
		n = len(keys)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("auth: acknowledge the outbox: %w", err)
	}
	return sdk.OK(map[string]any{"dropped": n}), nil
}

// opReplApply: repl_system_apply {origin, entries}: in one transaction,
// each user or role change is applied when its (ts, node) is later than
// the key's stored version (a drop leaves a tombstone version, so an
// older put arriving later does not bring the key back); jwt_key entries
// add the origin's public key to the keys tokens are verified with. The
// credential cache entries of every user touched (and of every user of a
// role touched) are dropped after the commit, so the next request sees
// the change; a dropped user's cached passwords become cached refusals
// (userDropped).
func (s *Service) opReplApply(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	b, err := readReplBody(req)
	if err != nil {
		return nil, err
	}
	applied, skipped := 0, 0
	var roles []string
	var users map[string]bool // username -> dropped by the last change applied
	keys := false
	err = s.db.Update(func(tx *buntdb.Tx) error {
		applied, skipped, users, roles, keys = 0, 0, map[string]bool{}, nil, false
		for i := range b.Entries {
			e := &b.Entries[i]
			ok, err := applyEntry(tx, e)
			if err != nil {
				return fmt.Errorf("entry %d (%s from %s): %w", e.Seq, e.Op, e.Node, err)
			}
			if !ok {
				skipped++
				continue
			}
			applied++
			switch e.Op {
			case opUserPut, opUserDrop:
				users[e.Username] = e.Op == opUserDrop
			case opRolePut, opRoleDrop:
				roles = append(roles, e.ID)
			case opJWTKey:
				keys = true
			}
		}
		if keys {
			return s.peers.load(tx)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("auth: apply %s's changes: %w", b.Origin, err)
	}
	for u, dropped := range users {
		if dropped {
			s.userDropped(u)
		} else {
			s.Invalidate(u)
		}
	}
	for _, r := range roles {
		s.invalidateRole(r)
	}
	return sdk.OK(map[string]any{"applied": applied, "skipped": skipped}), nil
}

// applyEntry applies one entry under the conflict rule; false when it is
// skipped (older than what is stored, an op this source does not know, or
// malformed). An error is the store's only: the transport sends the batch
// again.
func applyEntry(tx *buntdb.Tx, e *replEntry) (bool, error) {
	var key string
	put := false
	switch e.Op {
	case opUserPut, opUserDrop:
		if e.Username == "" {
			return false, nil
		}
		key, put = userPrefix+e.Username, e.Op == opUserPut
	case opRolePut, opRoleDrop:
		if e.ID == "" {
			return false, nil
		}
		key, put = rolePrefix+e.ID, e.Op == opRolePut
	case opJWTKey:
		if _, err := decodePublicKey(e.PublicKey); err != nil || e.Kid == "" {
			return false, nil
		}
		b, err := json.Marshal(replEntry{Node: e.Node, TS: e.TS, Kid: e.Kid, PublicKey: e.PublicKey})
		if err != nil {
			return false, err
		}
		_, _, err = tx.Set(replJWTPrefix+e.Kid, string(b), nil)
		return err == nil, err
	default:
		return false, nil
	}
	if put && !json.Valid(e.Record) {
		return false, nil // skipped: an error would stop the origin's stream here for good
	}
	v, ok, err := getVersion(tx, key)
	if err != nil {
		return false, err
	}
	if ok && !v.later(e.TS, e.Node, e.Created) {
		return false, nil
	}
	if put {
		if _, _, err := tx.Set(key, string(e.Record), nil); err != nil {
			return false, err
		}
	} else if _, err := tx.Delete(key); err != nil && !errors.Is(err, buntdb.ErrNotFound) {
		return false, err
	}
	return true, setVersion(tx, key, version{TS: e.TS, Node: e.Node, Deleted: !put, Created: e.Created})
}

// opReplChecksum: repl_system_checksum {table: "hdb_user" | "hdb_role"}
// -> {count, checksum}: the XOR of SHA-256(key, value with its object
// keys sorted) over the rows, the
// same on two nodes holding the same rows whatever the order they came
// in. Without a table, users and roles together.
func (s *Service) opReplChecksum(_ context.Context, req *sdk.Request) (*sdk.Response, error) {
	b, err := readReplBody(req)
	if err != nil {
		return nil, err
	}
	var prefixes []string
	switch b.Table {
	case "hdb_user":
		prefixes = []string{userPrefix}
	case "hdb_role":
		prefixes = []string{rolePrefix}
	case "":
		prefixes = []string{rolePrefix, userPrefix}
	default:
		return nil, sdk.BadRequest("'table' must be hdb_user or hdb_role")
	}
	var sum [sha256.Size]byte
	count := 0
	err = s.db.View(func(tx *buntdb.Tx) error {
		for _, p := range prefixes {
			err := tx.AscendKeys(p+"*", func(k, v string) bool {
				h := sha256.Sum256([]byte(k + "\x00" + canonical(v)))
				for i := range sum {
					sum[i] ^= h[i]
				}
				count++
				return true
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("auth: checksum: %w", err)
	}
	return sdk.OK(map[string]any{"count": count, "checksum": hex.EncodeToString(sum[:])}), nil
}

// canonical is v re-encoded with object keys sorted, or v when it is not
// JSON.
func canonical(v string) string {
	var x any
	if json.Unmarshal([]byte(v), &x) != nil {
		return v
	}
	b, err := json.Marshal(x)
	if err != nil {
		return v
	}
	return string(b)
}
