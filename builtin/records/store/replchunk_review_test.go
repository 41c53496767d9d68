package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/hops-dev/hops/builtin/internal/replpack"
)

// padText is n bytes of text that compresses poorly (seeded, so a run is
// repeatable), for records whose entries fill chunks.
func padText(seed uint64, n int) string {
	r := rand.New(rand.NewPCG(seed, seed))
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// putOld stores entries as an earlier build did, in database db's file:
// plain chunks of two entries each (chunkBucket), or, with legacy set,
// one value per entry (outboxBucket). Each entry is a delete of a key
// from 1000 on; it takes the next seqs. It returns how many it stored.
func putOld(t *testing.T, s *Store, db string, n int, legacy bool) int {
	t.Helper()
	st := s.rp.on.Load()
	st.mu.Lock()
	first := st.next
	st.next += uint64(n)
	st.mu.Unlock()
	entry := func(seq uint64) []byte {
		return fmt.Appendf(nil, `{"seq":%d,"ts":%d.5,"node":"a","op":"delete","database":"%s","table":"t","primary_key":"id","key":%d}`,
			seq, startMs, db, 1000+seq)
	}
	err := s.update(db, func(tx *bolt.Tx) error {
		root, err := tx.CreateBucketIfNotExists(replBucket)
		if err != nil {
			return err
		}
		name := chunkBucket
		if legacy {
			name = outboxBucket
		}
		box, err := root.CreateBucketIfNotExists(name)
		if err != nil {
			return err
		}
		for seq := first; seq < first+uint64(n); {
			var k [8]byte
			if legacy {
				binary.BigEndian.PutUint64(k[:], seq)
				if err := box.Put(k[:], entry(seq)); err != nil {
					return err
				}
				seq++
				continue
			}
			last := min(seq+1, first+uint64(n)-1)
			v := make([]byte, chunkHeaderLen)
			putChunkHeader(v, seq, startMs*1000+500, int(last-seq+1))
			for i := seq; i <= last; i++ {
				if i > seq {
					v = append(v, ',')
				}
				v = append(v, entry(i)...)
			}
			binary.BigEndian.PutUint64(k[:], last)
			if err := box.Put(k[:], v); err != nil {
				return err
			}
			seq = last + 1
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// reviewOutbox fills a store's outbox with every kind of chunk: compressed
// chunks of transactions large enough to span several, small ones, plain
// chunks and per-entry values of earlier builds, entries of two database
// files and the control file interleaved, and seqs a failed transaction
// took and never stored. Writes that change nothing store no chunk.
func reviewOutbox(t *testing.T) *Store {
	t.Helper()
	s, _, _ := newStore(t, Options{})
	enable(t, s, "a")
	mustTable(t, s, "db1", "t")
	mustTable(t, s, "db2", "t")
	putOld(t, s, "db1", 5, false)
	putOld(t, s, "db2", 3, true)
	var b strings.Builder
	b.WriteString("[")
	for i := range 150 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":%d,"pad":"%s"}`, i, padText(uint64(i), 2048))
	}
	b.WriteString("]")
	if _, err := s.Insert("db1", "t", records(t, b.String())); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Insert("db2", "t", records(t, `[{"id":1},{"id":2},{"id":3}]`)); err != nil {
		t.Fatal(err)
	}
	// A transaction that fails after taking a seq stores nothing.
	if _, err := s.Insert("db2", "t", records(t, `[{"id":4},{"id":{"bad":1}}]`)); err == nil {
		t.Fatal("insert of an object key succeeded")
	}
	if _, err := s.Update("db1", "t", records(t, `[{"id":3,"x":1},{"id":4,"x":2}]`)); err != nil {
		t.Fatal(err)
	}
	putOld(t, s, "db1", 3, false)
	if _, err := s.Delete("db2", "t", []any{2}); err != nil {
		t.Fatal(err)
	}
	before := outbox(t, s, 0)
	zn, _, _ := chunkStats(t, s, "db2", zchunkBucket)
	// Transactions that change nothing.
	if _, err := s.Insert("db2", "t", records(t, `[{"id":1}]`)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update("db2", "t", records(t, `[{"id":99,"x":1}]`)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Delete("db2", "t", []any{98}); err != nil {
		t.Fatal(err)
	}
	if after := outbox(t, s, 0); len(after) != len(before) {
		t.Fatalf("writes that changed nothing logged %d entries", len(after)-len(before))
	}
	if n, _, _ := chunkStats(t, s, "db2", zchunkBucket); n != zn {
		t.Fatalf("writes that changed nothing stored %d chunks", n-zn)
	}
	return s
}

// chunksText is the outbox as ReplOutboxChunks hands it on after seq
// after, read by read as a relay does: each read's stored blocks joined
// into one compressed message and decoded, as a reader with s2 gets it;
// the messages' entries are returned as one JSON array. Each chunk's
// header must say what it holds.
func chunksText(t *testing.T, s *Store, after uint64) []byte {
	t.Helper()
	var out []byte
	for range 100 {
		chunks, err := s.ReplOutboxChunks(after, MaxOutboxLimit)
		if err != nil {
			t.Fatalf("ReplOutboxChunks(%d): %v", after, err)
		}
		if len(chunks) == 0 {
			if out != nil {
				out = append(out, ']')
			}
			return out
		}
		blocks := make([][]byte, len(chunks))
		for i, c := range chunks {
			blocks[i] = c.Block()
			es, err := c.Entries()
			if err != nil {
				t.Fatalf("chunk %d-%d: %v", c.First, c.Last, err)
			}
			first, _, ok0 := entrySeqTs(es[0])
			last, ts, ok := entrySeqTs(es[len(es)-1])
			if !ok0 || !ok || first != c.First || last != c.Last || ts != c.LastTs || len(es) != c.N {
				t.Fatalf("chunk %d-%d (ts %d, %d entries) holds %d-%d (ts %d, %d entries)", c.First, c.Last, c.LastTs, c.N, first, last, ts, len(es))
			}
			after = max(after, c.Last)
		}
		joined, err := replpack.JoinBlocks(nil, blocks)
		if err != nil {
			t.Fatal(err)
		}
		text, err := replpack.Decode(replpack.AppendCompressed(nil, joined))
		if err != nil {
			t.Fatalf("joined chunks: %v", err)
		}
		if len(text) < 2 || text[0] != '[' || text[len(text)-1] != ']' {
			t.Fatalf("joined chunks: %.100s", text)
		}
		if out == nil {
			out = append(out, '[')
		} else {
			out = append(out, ',')
		}
		out = append(out, text[1:len(text)-1]...)
	}
	t.Fatal("ReplOutboxChunks still answering after 100 reads")
	return nil
}

// arrayOf is entries as one JSON array.
func arrayOf(es []entry) []byte {
	if len(es) == 0 {
		return nil
	}
	b := []byte{'['}
	for i, e := range es {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, e.Raw...)
	}
	return append(b, ']')
}

// Acknowledgements at every seq (each chunk's first, last and middle
// entries, the gaps a failed transaction left, across plain, compressed
// and per-entry values of two files), one seq at a time and in larger
// strides: each drops exactly the entries up to it, and what is left reads
// back byte for byte as it was, whether listed plain or joined from the
// stored blocks. An acknowledgement at or below the last drops nothing.
func TestReviewAckAtEveryBoundary(t *testing.T) {
	for _, stride := range []uint64{1, 7, 64, 1 << 20} {
		t.Run(fmt.Sprint("stride ", stride), func(t *testing.T) {
			s := reviewOutbox(t)
			all := outbox(t, s, 0)
			if len(all) < 170 {
				t.Fatalf("outbox of %d entries", len(all))
			}
			if zn, _, _ := chunkStats(t, s, "db1", zchunkBucket); zn < 3 {
				t.Fatalf("db1 holds %d compressed chunks, want a transaction over several", zn)
			}
			plainBefore, _, _ := chunkStats(t, s, "db1", chunkBucket)
			maxSeq := all[len(all)-1].Seq
			acked := uint64(0)
			for upto := stride; acked < maxSeq; upto += stride {
				upto = min(upto, maxSeq)
				var want []entry
				dropped := 0
				for _, e := range all {
					switch {
					case e.Seq > upto:
						want = append(want, e)
					case e.Seq > acked:
						dropped++
					}
				}
				n, err := s.ReplAck(upto)
				if err != nil || n != dropped {
					t.Fatalf("ReplAck(%d) = %d, %v; want %d", upto, n, err, dropped)
				}
				if n, err := s.ReplAck(upto); err != nil || n != 0 {
					t.Fatalf("ReplAck(%d) again = %d, %v", upto, n, err)
				}
				if n, err := s.ReplAck(acked); err != nil || n != 0 {
					t.Fatalf("ReplAck(%d) below the last = %d, %v", acked, n, err)
				}
				acked = upto
				got := outbox(t, s, 0)
				if !bytes.Equal(arrayOf(got), arrayOf(want)) {
					t.Fatalf("after ReplAck(%d): %d entries left, want %d:\n%s", upto, len(got), len(want), ops(got))
				}
				if text := chunksText(t, s, 0); !bytes.Equal(text, arrayOf(want)) {
					t.Fatalf("after ReplAck(%d): the joined chunks hold %.300s\nwant %.300s", upto, text, arrayOf(want))
				}
				if len(want) > 1 {
					// Reading on from inside a chunk without acknowledging.
					mid := want[len(want)/2].Seq
					if got := outbox(t, s, mid); !bytes.Equal(arrayOf(got), arrayOf(want[len(want)/2+1:])) {
						t.Fatalf("after ReplAck(%d), read after %d: %s", upto, mid, ops(got))
					}
				}
				if n, _, _ := chunkStats(t, s, "db1", chunkBucket); n > plainBefore {
					t.Fatalf("after ReplAck(%d): %d plain chunks, %d before", upto, n, plainBefore)
				}
			}
			for _, db := range []string{"db1", "db2"} {
				for _, name := range [][]byte{chunkBucket, zchunkBucket} {
					if n, _, _ := chunkStats(t, s, db, name); n != 0 {
						t.Errorf("%s %s: %d chunks left after every entry was acknowledged", db, name, n)
					}
				}
			}
		})
	}
}

// readAll reads the whole outbox as a relay does, ReplOutbox after the
// last seq it got, until it gets nothing; it fails t if a read makes no
// progress.
func readAll(t *testing.T, s *Store) []entry {
	t.Helper()
	var out []entry
	after := uint64(0)
	for range 100 {
		got := outbox(t, s, after)
		if len(got) == 0 {
			return out
		}
		out = append(out, got...)
		after = got[len(got)-1].Seq
	}
	t.Fatalf("outbox still answering after 100 reads: %s", ops(out))
	return nil
}

// A record larger than one read's byte bound and than a chunk (here
// 12 MiB of text that does not compress) travels alone in a read, its
// neighbours in the reads around it, byte for byte; an acknowledgement
// of the entry before it in its chunk keeps it (compressed again), and
// one of it drops the chunk.
func TestReviewOutboxHugeRecord(t *testing.T) {
	s, _, _ := newStore(t, Options{})
	enable(t, s, "a")
	mustTable(t, s, "db", "t")
	pad := padText(7, 12<<20)
	recs := []map[string]any{{"id": 1, "v": "small"}, {"id": 2, "pad": pad}, {"id": 3, "v": "after"}}
	if _, err := s.Insert("db", "t", recs); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Insert("db", "t", records(t, `[{"id":4}]`)); err != nil {
		t.Fatal(err)
	}
	all := readAll(t, s)
	if got := ops(all); got != "create_database db\ncreate_table db.t\nput db.t 1\nput db.t 2\nput db.t 3\nput db.t 4\n" {
		t.Fatalf("outbox:\n%s", got)
	}
	if all[3].Record["pad"] != pad {
		t.Fatalf("the large record's entry holds %d bytes of pad, want %d", len(fmt.Sprint(all[3].Record["pad"])), len(pad))
	}
	if got := outbox(t, s, all[2].Seq); len(got) != 1 || got[0].Seq != all[3].Seq {
		t.Fatalf("read after the entry before the large one: %s", ops(got))
	}
	if text := chunksText(t, s, 0); !bytes.Equal(text, arrayOf(all)) {
		t.Fatalf("joined chunks: %d bytes, want %d", len(text), len(arrayOf(all)))
	}
	if n, err := s.ReplAck(all[2].Seq); err != nil || n != 3 {
		t.Fatalf("ReplAck before the large record = %d, %v; want 3", n, err)
	}
	if got := readAll(t, s); !bytes.Equal(arrayOf(got), arrayOf(all[3:])) {
		t.Fatalf("after ack: %s", ops(got))
	}
	if text := chunksText(t, s, 0); !bytes.Equal(text, arrayOf(all[3:])) {
		t.Fatalf("joined chunks after ack: %d bytes, want %d", len(text), len(arrayOf(all[3:])))
	}
	if _, stored, text := chunkStats(t, s, "db", zchunkBucket); stored > text+text/8 {
		t.Errorf("after ack: %d bytes stored for %d of entries", stored, text)
	}
	if n, err := s.ReplAck(all[3].Seq); err != nil || n != 1 {
		t.Fatalf("ReplAck of the large record = %d, %v; want 1", n, err)
	}
	if got := readAll(t, s); !bytes.Equal(arrayOf(got), arrayOf(all[4:])) {
		t.Fatalf("after the second ack: %s", ops(got))
	}
}
