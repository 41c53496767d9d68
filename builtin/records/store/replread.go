package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Bounds of ReplOutbox.
const (
	// DefaultOutboxLimit is ReplOutbox's limit when the caller names none.
	DefaultOutboxLimit = 1000
	// MaxOutboxLimit bounds one read: entries are held in memory.
	MaxOutboxLimit = 10_000
	// MaxOutboxBytes bounds the entries' text of one read (the transport
	// keeps an answer under 4 MiB); one entry is returned whatever its size.
	MaxOutboxBytes = 3 << 20
)

// ReplOutbox returns up to limit outbox entries with a seq above after,
// in seq order (which is commit order for entries that touch the same
// database), each the entry's JSON text. Entries of transactions still
// running are never returned, nor any entry after them, so a reader that
// goes on from the last seq it got misses nothing.
func (s *Store) ReplOutbox(after uint64, limit int) ([]json.RawMessage, error) {
	if limit <= 0 {
		limit = DefaultOutboxLimit
	}
	limit = min(limit, MaxOutboxLimit)
	chunks, err := s.ReplOutboxChunks(after, limit)
	if err != nil {
		return nil, err
	}
	type item struct {
		seq  uint64
		text json.RawMessage
	}
	var items []item
	for _, c := range chunks {
		entries, err := c.Entries()
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			seq, _, ok := entrySeqTs(e)
			if !ok {
				return nil, fmt.Errorf("outbox chunk %d-%d: damaged entry", c.First, c.Last)
			}
			items = append(items, item{seq: seq, text: e})
		}
	}
	// The chunks hold every entry from after+1 to their largest seq: the
	// first entries of them in seq order are such a run too.
	sort.Slice(items, func(i, j int) bool { return items[i].seq < items[j].seq })
	if len(items) > limit {
		items = items[:limit]
	}
	size := 0
	for i, it := range items {
		size += len(it.text) + 1
		if i > 0 && size > MaxOutboxBytes {
			items = items[:i]
			break
		}
	}
	out := make([]json.RawMessage, len(items))
	for i, it := range items {
		out[i] = it.text
	}
	return out, nil
}

// ReplOutboxWait is ReplOutbox that, when there is no entry after seq
// after, waits up to wait (or until ctx ends) for a transaction that
// writes entries to end, and reads again.
func (s *Store) ReplOutboxWait(ctx context.Context, after uint64, limit int, wait time.Duration) ([]json.RawMessage, error) {
	return outboxWait(ctx, s, wait, func() ([]json.RawMessage, error) { return s.ReplOutbox(after, limit) })
}

// ReplOutboxChunksWait is ReplOutboxChunks that waits as ReplOutboxWait
// does.
func (s *Store) ReplOutboxChunksWait(ctx context.Context, after uint64, limit int, wait time.Duration) ([]ReplChunk, error) {
	return outboxWait(ctx, s, wait, func() ([]ReplChunk, error) { return s.ReplOutboxChunks(after, limit) })
}

// outboxWait runs read and, while it finds nothing, waits up to wait (or
// until ctx ends) for a transaction that writes entries to end, and
// reads again.
func outboxWait[T any](ctx context.Context, s *Store, wait time.Duration, read func() ([]T, error)) ([]T, error) {
	if wait <= 0 {
		return read()
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		// The channel is taken before the read: a commit between the
		// two is not missed.
		var ch <-chan struct{}
		if st := s.rp.on.Load(); st != nil {
			ch = st.commits()
		}
		got, err := read()
		if err != nil || len(got) > 0 || ch == nil {
			return got, err
		}
		select {
		case <-ch:
		case <-t.C:
			return nil, nil
		case <-ctx.Done():
			return nil, nil
		}
	}
}

// ReplAck drops the outbox entries up to seq upto (published and
// acknowledged) and returns how many it dropped: on an error, those of
// the files whose acknowledgement committed before it.
func (s *Store) ReplAck(upto uint64) (int, error) {
	// inTx counts the entries one file's transaction drops; they count
	// once it commits.
	dropped, inTx := 0, 0
	ack := func(tx *bolt.Tx) error {
		inTx = 0
		root := tx.Bucket(replBucket)
		if root == nil {
			return nil
		}
		for _, name := range [][]byte{chunkBucket, zchunkBucket} {
			if box := root.Bucket(name); box != nil {
				n, err := ackChunks(box, upto, bytes.Equal(name, zchunkBucket))
				inTx += n
				if err != nil {
					return err
				}
			}
		}
		box := root.Bucket(outboxBucket)
		if box == nil {
			return nil
		}
		var keys [][]byte
		c := box.Cursor()
		for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k) <= upto; k, _ = c.Next() {
			keys = append(keys, bytes.Clone(k))
		}
		for _, k := range keys {
			if err := box.Delete(k); err != nil {
				return err
			}
		}
		inTx += len(keys)
		return nil
	}
	// has says whether a file holds an entry to drop, so that files with
	// none are not written.
	has := func(view func(func(*bolt.Tx) error) error) bool {
		found := false
		_ = view(func(tx *bolt.Tx) error {
			root := tx.Bucket(replBucket)
			if root == nil {
				return nil
			}
			for _, name := range [][]byte{chunkBucket, zchunkBucket} {
				if box := root.Bucket(name); box != nil {
					if first, ok := firstChunkSeq(box); ok && first <= upto {
						found = true
					}
				}
			}
			if box := root.Bucket(outboxBucket); box != nil {
				k, _ := box.Cursor().First()
				found = found || k != nil && binary.BigEndian.Uint64(k) <= upto
			}
			return nil
		})
		return found
	}
	err := s.withCtl(func(ctl *bolt.DB) error {
		if !has(ctl.View) {
			return nil
		}
		if err := ctl.Update(ack); err != nil {
			return err
		}
		dropped += inTx
		return nil
	})
	if err != nil && err != errNoCtl {
		return dropped, fmt.Errorf("acknowledging the outbox: %w", err)
	}
	for _, db := range s.Databases() {
		view := func(fn func(*bolt.Tx) error) error { return s.view(db, fn) }
		if !has(view) {
			continue
		}
		if err := s.update(db, ack); err != nil {
			if StatusOf(err) != 404 {
				return dropped, fmt.Errorf("acknowledging the outbox of %s: %w", db, err)
			}
			continue
		}
		dropped += inTx
	}
	return dropped, nil
}

// ReplChecksum is an order-independent digest of a table's records: the
// number of records and the lane-wise sum (mod 2^64, four lanes) of the
// SHA-256 of each record's primary key and its JSON with members sorted.
// Two nodes holding the same records get the same checksum whatever order
// they wrote them in.
func (s *Store) ReplChecksum(ctx context.Context, db, table string) (int, string, error) {
	var lanes [4]uint64
	count := 0
	err := s.viewTable(db, table, func(t *tableTx) error {
		c := t.recs.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if count%ctxCheckEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			rec, err := decodeValue(v)
			if err != nil {
				return fmt.Errorf("table %s.%s: %w", db, table, err)
			}
			text, err := json.Marshal(rec)
			if err != nil {
				return fmt.Errorf("table %s.%s: %w", db, table, err)
			}
			h := sha256.New()
			h.Write(k)
			h.Write([]byte{0})
			h.Write(text)
			sum := h.Sum(nil)
			for i := range lanes {
				lanes[i] += binary.BigEndian.Uint64(sum[i*8:])
			}
			count++
		}
		return nil
	})
	if err != nil {
		return 0, "", err
	}
	var out [32]byte
	for i, l := range lanes {
		binary.BigEndian.PutUint64(out[i*8:], l)
	}
	return count, hex.EncodeToString(out[:]), nil
}
