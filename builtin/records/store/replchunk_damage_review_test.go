package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/hops-dev/hops/builtin/internal/replpack"
)

// damageChunk rewrites the stored value of db's compressed chunk holding
// seq with damage(value).
func damageChunk(t *testing.T, s *Store, db string, seq uint64, damage func(v []byte) []byte) {
	t.Helper()
	err := s.update(db, func(tx *bolt.Tx) error {
		box := tx.Bucket(replBucket).Bucket(zchunkBucket)
		var from [8]byte
		binary.BigEndian.PutUint64(from[:], seq)
		k, v := box.Cursor().Seek(from[:])
		if k == nil || binary.BigEndian.Uint64(v[0:8]) > seq {
			return fmt.Errorf("no chunk holds %d", seq)
		}
		return box.Put(bytes.Clone(k), damage(bytes.Clone(v)))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A stored chunk whose block is damaged (cut short, emptied, its text
// shortened or its header's count wrong) makes every read that needs its
// text, and an acknowledgement inside it, an error, never a panic or
// a wrong answer; an acknowledgement of all of it drops it, and the
// outbox reads again.
func TestReviewOutboxDamagedChunk(t *testing.T) {
	damages := map[string]func(v []byte) []byte{
		"block cut short": func(v []byte) []byte { return v[:chunkHeaderLen+(len(v)-chunkHeaderLen)/2] },
		"block empty":     func(v []byte) []byte { return v[:chunkHeaderLen] },
		"block one byte":  func(v []byte) []byte { return v[:chunkHeaderLen+1] },
		"text shortened": func(v []byte) []byte {
			text, err := replpack.DecodeBlock(nil, v[chunkHeaderLen:], 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			return append(v[:chunkHeaderLen], replpack.Compress(nil, text[:len(text)-1])...)
		},
		"count wrong": func(v []byte) []byte {
			binary.BigEndian.PutUint32(v[16:20], binary.BigEndian.Uint32(v[16:20])+1)
			return v
		},
	}
	for name, damage := range damages {
		t.Run(name, func(t *testing.T) {
			s, _, _ := newStore(t, Options{})
			enable(t, s, "a")
			mustTable(t, s, "db", "t")
			if _, err := s.Insert("db", "t", records(t, `[{"id":1},{"id":2},{"id":3}]`)); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Insert("db", "t", records(t, `[{"id":4}]`)); err != nil {
				t.Fatal(err)
			}
			all := outbox(t, s, 0)
			if len(all) != 6 {
				t.Fatalf("outbox %s", ops(all))
			}
			damageChunk(t, s, "db", all[3].Seq, damage)
			if got, err := s.ReplOutbox(0, MaxOutboxLimit); err == nil {
				t.Errorf("ReplOutbox answered %d entries", len(got))
			}
			if chunks, err := s.ReplOutboxChunks(0, MaxOutboxLimit); err == nil {
				for _, c := range chunks {
					if c.First > all[3].Seq || c.Last < all[3].Seq {
						continue
					}
					// A block that decodes to other text is valid S2.
					if _, err := c.Plain(); err == nil && strings.HasPrefix(name, "block") {
						t.Errorf("chunk %d-%d decodes", c.First, c.Last)
					}
					if _, err := c.Entries(); err == nil {
						t.Errorf("chunk %d-%d lists its entries", c.First, c.Last)
					}
				}
			}
			// The control file's entries before it may go first.
			n1, err := s.ReplAck(all[3].Seq)
			if err == nil {
				t.Errorf("ReplAck inside the damaged chunk dropped %d, no error", n1)
			}
			n2, err := s.ReplAck(all[4].Seq)
			// A whole chunk is dropped as many as its header counts.
			want := 5
			if name == "count wrong" {
				want++
			}
			if err != nil || n1+n2 != want {
				t.Fatalf("ReplAck of the damaged chunk = %d+%d, %v; want %d", n1, n2, err, want)
			}
			if got := outbox(t, s, 0); !bytes.Equal(arrayOf(got), arrayOf(all[5:])) {
				t.Fatalf("after the ack: %s", ops(got))
			}
		})
	}
}
