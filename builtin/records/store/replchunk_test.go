package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// A transaction's entries are stored as chunks (one value per chunkBytes,
// not one per entry), read back whole and in seq order, and the entries
// they hold are the ones ReplOutbox lists.
func TestReplOutboxChunkPerTransaction(t *testing.T) {
	s, _, _ := newStore(t, Options{})
	enable(t, s, "a")
	mustTable(t, s, "db", "t")
	pad := strings.Repeat("x", 2000)
	var b strings.Builder
	b.WriteString("[")
	const n = 300 // ~600 kB of entries: three chunks
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":%d,"pad":%q}`, i, pad)
	}
	b.WriteString("]")
	if _, err := s.Insert("db", "t", records(t, b.String())); err != nil {
		t.Fatal(err)
	}
	chunks, err := s.ReplOutboxChunks(0, MaxOutboxLimit)
	if err != nil {
		t.Fatal(err)
	}
	// create_database, create_table, then the insert's entries in more
	// than one chunk.
	if len(chunks) < 3 || chunks[0].N != 1 {
		t.Fatalf("%d chunks, first of %d entries", len(chunks), chunks[0].N)
	}
	total := 0
	var prev uint64
	for _, c := range chunks {
		es, err := c.Entries()
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range es {
			seq, ts, ok := entrySeqTs(e)
			if !ok || seq <= prev {
				t.Fatalf("entry %.80s after seq %d", e, prev)
			}
			if i == len(es)-1 && (seq != c.Last || ts != c.LastTs) {
				t.Errorf("chunk %d-%d ts %d ends with seq %d ts %d", c.First, c.Last, c.LastTs, seq, ts)
			}
			prev = seq
		}
		if c.First != chunks[0].First && c.Len() > 2*chunkBytes {
			t.Errorf("chunk of %d bytes", c.Len())
		}
		total += c.N
	}
	if total != n+2 {
		t.Fatalf("%d entries in chunks, want %d", total, n+2)
	}
	if es := outbox(t, s, 0); len(es) != n+2 {
		t.Fatalf("ReplOutbox: %d entries", len(es))
	}
	// Reading from the middle of a chunk returns the rest of it.
	mid := chunks[1].First + 5
	rest, err := s.ReplOutboxChunks(mid, MaxOutboxLimit)
	if err != nil || len(rest) == 0 || rest[0].First != mid+1 {
		t.Fatalf("after %d: %d chunks, %v", mid, len(rest), err)
	}
	if n, err := s.ReplAck(chunks[len(chunks)-1].Last); err != nil || n != total {
		t.Fatalf("ReplAck = %d, %v; want %d", n, err, total)
	}
	if es := outbox(t, s, 0); len(es) != 0 {
		t.Fatalf("after ack: %s", ops(es))
	}
}

// storeWithSeqsTaken is a replicating store holding table db.t, whose
// outbox (create_database, create_table) ends at seq, with the n seqs
// after it taken, for a test to store entries as an earlier build did.
func storeWithSeqsTaken(t *testing.T, n uint64) (*Store, uint64) {
	t.Helper()
	s, _, _ := newStore(t, Options{})
	enable(t, s, "a")
	mustTable(t, s, "db", "t")
	es := outbox(t, s, 0)
	if len(es) != 2 {
		t.Fatalf("outbox %s", ops(es))
	}
	st := s.rp.on.Load()
	st.mu.Lock()
	st.next += n
	st.mu.Unlock()
	return s, es[1].Seq
}

// Entries an earlier version stored one per key are read and acknowledged
// with the chunks.
func TestReplOutboxReadsPerEntryOutbox(t *testing.T) {
	// Two entries in the per-entry bucket, between create_table and the
	// insert below.
	s, seq := storeWithSeqsTaken(t, 2)
	err := s.update("db", func(tx *bolt.Tx) error {
		box, err := tx.Bucket(replBucket).CreateBucketIfNotExists(outboxBucket)
		if err != nil {
			return err
		}
		for i := uint64(1); i <= 2; i++ {
			var k [8]byte
			binary.BigEndian.PutUint64(k[:], seq+i)
			e := fmt.Sprintf(`{"seq":%d,"ts":%d.5,"node":"a","op":"delete","database":"db","table":"t","primary_key":"id","key":%d}`, seq+i, startMs, 100+i)
			if err := box.Put(k[:], []byte(e)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Insert("db", "t", records(t, `[{"id":1}]`)); err != nil {
		t.Fatal(err)
	}
	es := outbox(t, s, 0)
	if got := ops(es); got != "create_database db\ncreate_table db.t\ndelete db.t 101\ndelete db.t 102\nput db.t 1\n" {
		t.Fatalf("outbox:\n%s", got)
	}
	if n, err := s.ReplAck(es[3].Seq); err != nil || n != 4 {
		t.Fatalf("ReplAck = %d, %v; want 4", n, err)
	}
	if left := outbox(t, s, 0); ops(left) != "put db.t 1\n" {
		t.Fatalf("after ack: %s", ops(left))
	}
}

// A read ends only where every entry up to its largest seq is in it:
// chunks of two files whose seqs interleave go together.
func TestReplOutboxClosedPrefix(t *testing.T) {
	c := func(first, last uint64, n int) ReplChunk {
		return ReplChunk{First: first, Last: last, N: n, Text: []byte(strings.Repeat("e", n))}
	}
	ranges := func(cs []ReplChunk) string {
		var b strings.Builder
		for _, x := range cs {
			fmt.Fprintf(&b, "%d-%d ", x.First, x.Last)
		}
		return b.String()
	}
	for _, tc := range []struct {
		name   string
		chunks []ReplChunk
		bound  uint64
		limit  int
		want   string
	}{
		{"all", []ReplChunk{c(5, 8, 4), c(1, 4, 4)}, 100, 100, "1-4 5-8 "},
		{"limit", []ReplChunk{c(1, 4, 4), c(5, 8, 4)}, 100, 4, "1-4 "},
		{"at least one", []ReplChunk{c(1, 4, 4), c(5, 8, 4)}, 100, 1, "1-4 "},
		{"interleaved go together", []ReplChunk{c(1, 6, 3), c(2, 8, 4), c(9, 9, 1)}, 100, 1, "1-6 2-8 "},
		{"bound", []ReplChunk{c(1, 4, 4), c(5, 8, 4)}, 7, 100, "1-4 "},
		{"bound inside the first", []ReplChunk{c(1, 4, 4)}, 3, 100, ""},
	} {
		if got := ranges(closedPrefix(tc.chunks, tc.bound, tc.limit, 1<<20)); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// chunkStats sums the values of one outbox chunk bucket of database db:
// how many chunks, their stored bytes and their texts' bytes (decoded).
func chunkStats(t *testing.T, s *Store, db string, name []byte) (n, stored, text int) {
	t.Helper()
	err := s.view(db, func(tx *bolt.Tx) error {
		root := tx.Bucket(replBucket)
		if root == nil || root.Bucket(name) == nil {
			return nil
		}
		return root.Bucket(name).ForEach(func(k, v []byte) error {
			read := readChunk
			if string(name) == string(zchunkBucket) {
				read = readZChunk
			}
			c, err := read(k, v)
			if err != nil {
				return err
			}
			n++
			stored += len(v)
			text += c.Len()
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return n, stored, text
}

// An insert's chunks are stored compressed: the commit writes less than
// half the entries' bytes (records that repeat each other, as a table's
// do), no plain chunk, and the chunks read back hold the blocks, whose
// entries are the ones ReplOutbox lists.
func TestReplOutboxChunksStoredCompressed(t *testing.T) {
	s, _, _ := newStore(t, Options{})
	enable(t, s, "a")
	mustTable(t, s, "db", "t")
	var b strings.Builder
	b.WriteString("[")
	const n = 2000
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"dog %d","breed":"Mutt","age":%d,"owner":"owner %d"}`, i, i, i%15, i%40)
	}
	b.WriteString("]")
	if _, err := s.Insert("db", "t", records(t, b.String())); err != nil {
		t.Fatal(err)
	}
	zn, stored, text := chunkStats(t, s, "db", zchunkBucket)
	if pn, _, _ := chunkStats(t, s, "db", chunkBucket); pn != 0 {
		t.Errorf("%d plain chunks stored", pn)
	}
	if zn == 0 || text < n*100 || stored*2 > text {
		t.Fatalf("%d compressed chunks: %d bytes stored for %d of entries", zn, stored, text)
	}
	chunks, err := s.ReplOutboxChunks(0, MaxOutboxLimit)
	if err != nil {
		t.Fatal(err)
	}
	var got []json.RawMessage
	for _, c := range chunks {
		if c.Compressed == nil || c.Text != nil || c.Size == 0 {
			t.Fatalf("chunk %d-%d read plain", c.First, c.Last)
		}
		es, err := c.Entries()
		if err != nil || len(es) != c.N {
			t.Fatalf("chunk %d-%d: %d entries of %d, %v", c.First, c.Last, len(es), c.N, err)
		}
		got = append(got, es...)
	}
	want := outbox(t, s, 0)
	if len(got) != len(want) || len(want) != n+2 {
		t.Fatalf("%d entries in chunks, %d listed, want %d", len(got), len(want), n+2)
	}
	for i := range got {
		if !bytes.Equal(got[i], want[i].Raw) {
			t.Fatalf("entry %d: %.80s, listed %.80s", i, got[i], want[i].Raw)
		}
	}
}

// An acknowledgement inside a compressed chunk keeps the rest of it,
// compressed, and the rest is what the outbox lists next.
func TestReplAckInsideCompressedChunk(t *testing.T) {
	s, _, _ := newStore(t, Options{})
	enable(t, s, "a")
	mustTable(t, s, "db", "t")
	if _, err := s.Insert("db", "t", records(t, `[{"id":1},{"id":2},{"id":3},{"id":4}]`)); err != nil {
		t.Fatal(err)
	}
	es := outbox(t, s, 0)
	if len(es) != 6 {
		t.Fatalf("outbox %s", ops(es))
	}
	if n, err := s.ReplAck(es[3].Seq); err != nil || n != 4 {
		t.Fatalf("ReplAck = %d, %v; want 4", n, err)
	}
	if got := ops(outbox(t, s, 0)); got != "put db.t 3\nput db.t 4\n" {
		t.Fatalf("after ack:\n%s", got)
	}
	if zn, stored, text := chunkStats(t, s, "db", zchunkBucket); zn != 1 || text != len(es[4].Raw)+1+len(es[5].Raw) || stored == 0 {
		t.Fatalf("%d compressed chunks of %d bytes (%d stored) left", zn, text, stored)
	}
	if pn, _, _ := chunkStats(t, s, "db", chunkBucket); pn != 0 {
		t.Errorf("%d plain chunks stored", pn)
	}
}

// Plain chunks an earlier build stored are read in seq order with the
// compressed ones written after them, cut and acknowledged like them.
func TestReplOutboxReadsPlainChunks(t *testing.T) {
	// Two plain chunks of two deletes each, as an earlier build wrote
	// them, after create_table.
	s, seq := storeWithSeqsTaken(t, 4)
	err := s.update("db", func(tx *bolt.Tx) error {
		box, err := tx.Bucket(replBucket).CreateBucketIfNotExists(chunkBucket)
		if err != nil {
			return err
		}
		for c := uint64(0); c < 2; c++ {
			first := seq + 1 + 2*c
			var text []byte
			for i := first; i < first+2; i++ {
				if i > first {
					text = append(text, ',')
				}
				text = fmt.Appendf(text, `{"seq":%d,"ts":%d.5,"node":"a","op":"delete","database":"db","table":"t","primary_key":"id","key":%d}`, i, startMs, 100+i-seq)
			}
			v := make([]byte, chunkHeaderLen, chunkHeaderLen+len(text))
			putChunkHeader(v, first, startMs*1000+500, 2)
			var k [8]byte
			binary.BigEndian.PutUint64(k[:], first+1)
			if err := box.Put(k[:], append(v, text...)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Insert("db", "t", records(t, `[{"id":1},{"id":2}]`)); err != nil {
		t.Fatal(err)
	}
	es := outbox(t, s, 0)
	want := "create_database db\ncreate_table db.t\ndelete db.t 101\ndelete db.t 102\ndelete db.t 103\ndelete db.t 104\nput db.t 1\nput db.t 2\n"
	if got := ops(es); got != want {
		t.Fatalf("outbox:\n%s", got)
	}
	chunks, err := s.ReplOutboxChunks(0, MaxOutboxLimit)
	if err != nil {
		t.Fatal(err)
	}
	plain := 0
	for _, c := range chunks {
		if c.Compressed == nil {
			plain++
		}
	}
	if plain != 2 || len(chunks) != 5 {
		t.Fatalf("%d chunks, %d plain; want 5, 2", len(chunks), plain)
	}
	// Inside the first plain chunk, then through the second and into the
	// compressed one.
	if n, err := s.ReplAck(es[2].Seq); err != nil || n != 3 {
		t.Fatalf("ReplAck = %d, %v; want 3", n, err)
	}
	if got := ops(outbox(t, s, 0)); got != "delete db.t 102\ndelete db.t 103\ndelete db.t 104\nput db.t 1\nput db.t 2\n" {
		t.Fatalf("after ack:\n%s", got)
	}
	if n, err := s.ReplAck(es[6].Seq); err != nil || n != 4 {
		t.Fatalf("ReplAck = %d, %v; want 4", n, err)
	}
	if got := ops(outbox(t, s, 0)); got != "put db.t 2\n" {
		t.Fatalf("after ack:\n%s", got)
	}
	if pn, _, _ := chunkStats(t, s, "db", chunkBucket); pn != 0 {
		t.Errorf("%d plain chunks left", pn)
	}
}
