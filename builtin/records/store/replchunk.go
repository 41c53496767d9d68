package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"sync"

	bolt "go.etcd.io/bbolt"

	"github.com/hops-dev/hops/builtin/internal/fastjson"
	"github.com/hops-dev/hops/builtin/internal/replpack"
)

// Outbox chunks. A transaction's entries are written together as chunks
// (one bbolt value per chunkBytes of entries, not one per entry), keyed by
// their last seq:
//
//	8 bytes  first seq (big-endian)
//	8 bytes  ts of the last entry (µs)
//	4 bytes  number of entries
//	...      the entries' JSON objects joined by commas, S2-compressed
//
// The chunks are written compressed (replpack.Compress, one S2 block per
// chunk) in bucket zchunkBucket: the insert's commit writes a fraction of
// the entries' bytes, and an outbox read hands the blocks on as they are
// (replpack.JoinBlocks makes a compressed message of them without
// compressing again), decompressing only for a reader that asks for plain
// entries. Stores of earlier builds hold plain chunks (the same layout,
// text not compressed) in chunkBucket and single entries in the legacy
// outboxBucket: they are read and acknowledged with the others.
//
// A chunk holds one transaction's entries, whose seqs increase but need
// not be consecutive: a transaction on another database file may take
// seqs in between. The seq ranges of one file's chunks never overlap
// (bbolt runs one write transaction per file at a time).

var (
	// zchunkBucket is the outbox bucket of compressed chunks.
	zchunkBucket = []byte("chunks-s2")
	// chunkBucket is the outbox bucket of plain chunks (earlier builds).
	chunkBucket = []byte("chunks")
)

const (
	// chunkHeaderLen is the chunk header's size.
	chunkHeaderLen = 20
	// chunkBytes is the size of entries at which a chunk is stored and
	// the next begun: a transaction of 1,000 records of ~500 bytes writes
	// two or three, and a 1 MiB message holds several.
	chunkBytes = 256 << 10
	// chunkInit is a new chunk buffer's first capacity.
	chunkInit = 4 << 10
	// chunkKeep bounds the chunk buffers kept for the next transaction.
	chunkKeep = 2*chunkBytes + chunkHeaderLen
)

// chunkBuf is a transaction's scratch for writing chunks: the entries'
// text (after room for the header) and the compression's output. Neither
// is handed to bbolt (the stored value is a copy of the compressed
// chunk), so both serve the next chunk and, pooled, the next transaction.
type chunkBuf struct {
	raw, enc []byte
}

var chunkBufs = sync.Pool{New: func() any {
	return &chunkBuf{raw: make([]byte, chunkHeaderLen, chunkHeaderLen+chunkInit)}
}}

// putChunkBuf pools b unless it grew past chunkKeep.
func putChunkBuf(b *chunkBuf) {
	if cap(b.raw) > chunkKeep || cap(b.enc) > 2*chunkKeep {
		return
	}
	chunkBufs.Put(b)
}

// compressChunk returns the stored value of a chunk: raw's header (its
// first chunkHeaderLen bytes) and its text compressed, in a new slice;
// sc is the compression's scratch.
func compressChunk(sc *chunkBuf, raw []byte) []byte {
	text := raw[chunkHeaderLen:]
	if need := replpack.MaxCompressedLen(len(text)); cap(sc.enc) < need {
		sc.enc = make([]byte, need)
	}
	enc := replpack.Compress(sc.enc[:cap(sc.enc)], text)
	v := make([]byte, chunkHeaderLen+len(enc))
	copy(v, raw[:chunkHeaderLen])
	copy(v[chunkHeaderLen:], enc)
	return v
}

// ReplChunk is a run of outbox entries of one transaction, read as one
// piece.
type ReplChunk struct {
	// First and Last are the seqs of its first and last entries, LastTs
	// the last entry's ts (µs), N the number of entries.
	First, Last uint64
	LastTs      int64
	N           int
	// Text is the entries' JSON objects joined by commas, in seq order;
	// nil when the chunk is compressed.
	Text []byte
	// Compressed is Text's S2 block (replpack.Compress) when the chunk
	// was read compressed, else nil; Size is then Text's length.
	Compressed []byte
	Size       int
}

// Len is the length of the chunk's text (before compression).
func (c ReplChunk) Len() int {
	if c.Compressed != nil {
		return c.Size
	}
	return len(c.Text)
}

// Plain returns the chunk with its text decompressed.
func (c ReplChunk) Plain() (ReplChunk, error) {
	if c.Compressed == nil {
		return c, nil
	}
	// The store wrote the chunk: its size bounds the decoding.
	text, err := replpack.DecodeBlock(nil, c.Compressed, c.Size)
	if err != nil || len(text) != c.Size {
		return ReplChunk{}, fmt.Errorf("outbox chunk %d-%d: damaged: %v", c.First, c.Last, err)
	}
	c.Text, c.Compressed, c.Size = text, nil, 0
	return c, nil
}

// Block returns the chunk's text as an S2 block: the stored one, or, for
// a plain chunk, compressed now.
func (c ReplChunk) Block() []byte {
	if c.Compressed != nil {
		return c.Compressed
	}
	return replpack.Compress(nil, c.Text)
}

// putChunkHeader fills the header of chunk b.
func putChunkHeader(b []byte, first uint64, lastTs int64, n int) {
	binary.BigEndian.PutUint64(b[0:8], first)
	binary.BigEndian.PutUint64(b[8:16], uint64(lastTs))
	binary.BigEndian.PutUint32(b[16:20], uint32(n))
}

// readChunk reads a stored chunk (its key is its last seq); the text is
// copied out of bbolt.
func readChunk(k, v []byte) (ReplChunk, error) {
	if len(k) != 8 || len(v) < chunkHeaderLen {
		return ReplChunk{}, fmt.Errorf("outbox chunk %x: damaged", k)
	}
	return ReplChunk{
		First:  binary.BigEndian.Uint64(v[0:8]),
		Last:   binary.BigEndian.Uint64(k),
		LastTs: int64(binary.BigEndian.Uint64(v[8:16])),
		N:      int(binary.BigEndian.Uint32(v[16:20])),
		Text:   bytes.Clone(v[chunkHeaderLen:]),
	}, nil
}

// readZChunk reads a stored compressed chunk; the block is copied out of
// bbolt.
func readZChunk(k, v []byte) (ReplChunk, error) {
	c, err := readChunk(k, v)
	if err != nil {
		return c, err
	}
	n, err := replpack.DecodedLen(c.Text)
	if err != nil {
		return ReplChunk{}, fmt.Errorf("outbox chunk %x: damaged: %w", k, err)
	}
	c.Compressed, c.Text, c.Size = c.Text, nil, n
	return c, nil
}

// readLegacyEntry reads an entry of the per-entry outbox bucket as a
// chunk of one.
func readLegacyEntry(k, v []byte) (ReplChunk, error) {
	seq, ts, ok := entrySeqTs(v)
	if len(k) != 8 || !ok {
		return ReplChunk{}, fmt.Errorf("outbox entry %x: damaged", k)
	}
	return ReplChunk{First: seq, Last: seq, LastTs: ts, N: 1, Text: bytes.Clone(v)}, nil
}

// entrySeqTs reads an entry's seq and ts (µs): from its first members when
// it starts {"seq":N,"ts":T (as entryAt writes them), else decoded.
func entrySeqTs(e []byte) (uint64, int64, bool) {
	const seqAt, tsAt = `{"seq":`, `,"ts":`
	if bytes.HasPrefix(e, []byte(seqAt)) {
		rest := e[len(seqAt):]
		i := 0
		var seq uint64
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			seq = seq*10 + uint64(rest[i]-'0')
			i++
		}
		if i > 0 && i < 20 && bytes.HasPrefix(rest[i:], []byte(tsAt)) {
			rest = rest[i+len(tsAt):]
			j := 0
			for j < len(rest) && (rest[j] >= '0' && rest[j] <= '9' || rest[j] == '.') {
				j++
			}
			if j < len(rest) && (rest[j] == ',' || rest[j] == '}') {
				if ts, ok := parseTs(json.Number(rest[:j])); ok {
					return seq, ts, true
				}
			}
		}
	}
	var h struct {
		Seq uint64      `json:"seq"`
		TS  json.Number `json:"ts"`
	}
	if err := json.Unmarshal(e, &h); err != nil {
		return 0, 0, false
	}
	ts, ok := parseTs(h.TS)
	return h.Seq, ts, ok
}

// cutChunk drops the entries with a seq up to after from c; ok is false
// when none is left.
func cutChunk(c ReplChunk, after uint64) (ReplChunk, bool, error) {
	if c.First > after {
		return c, true, nil
	}
	if c.Last <= after {
		return ReplChunk{}, false, nil
	}
	c, err := c.Plain()
	if err != nil {
		return ReplChunk{}, false, err
	}
	elems, ok := fastjson.Elements(append(append([]byte{'['}, c.Text...), ']'))
	if !ok || len(elems) != c.N {
		return ReplChunk{}, false, fmt.Errorf("outbox chunk %d-%d: damaged", c.First, c.Last)
	}
	out := ReplChunk{Last: c.Last, LastTs: c.LastTs}
	var text []byte
	for _, e := range elems {
		seq, _, ok := entrySeqTs(e)
		if !ok {
			return ReplChunk{}, false, fmt.Errorf("outbox chunk %d-%d: damaged entry", c.First, c.Last)
		}
		if seq <= after {
			continue
		}
		if out.N == 0 {
			out.First = seq
		} else {
			text = append(text, ',')
		}
		text = append(text, e...)
		out.N++
	}
	out.Text = text
	return out, out.N > 0, nil
}

// Entries splits the chunk into its entries.
func (c ReplChunk) Entries() ([]json.RawMessage, error) {
	c, err := c.Plain()
	if err != nil {
		return nil, err
	}
	elems, ok := fastjson.Elements(append(append([]byte{'['}, c.Text...), ']'))
	if !ok || len(elems) != c.N {
		return nil, fmt.Errorf("outbox chunk %d-%d: damaged", c.First, c.Last)
	}
	out := make([]json.RawMessage, len(elems))
	for i, e := range elems {
		out[i] = json.RawMessage(e)
	}
	return out, nil
}

// collectChunks reads one file's outbox chunks (both buckets) with entries
// after seq after, none with an entry past safe, up to about limit
// entries and maxBytes. bound is the smallest seq above after that the
// file may hold and that was not collected (math.MaxUint64 for none);
// limited says the limits, not safe or the end, set it.
func collectChunks(tx *bolt.Tx, after, safe uint64, limit, maxBytes int) (out []ReplChunk, bound uint64, limited bool, err error) {
	bound = math.MaxUint64
	root := tx.Bucket(replBucket)
	if root == nil {
		return nil, bound, false, nil
	}
	var from [8]byte
	binary.BigEndian.PutUint64(from[:], after+1)
	for _, name := range [][]byte{outboxBucket, chunkBucket, zchunkBucket} {
		box := root.Bucket(name)
		if box == nil {
			continue
		}
		read := readChunk
		switch {
		case bytes.Equal(name, outboxBucket):
			read = readLegacyEntry
		case bytes.Equal(name, zchunkBucket):
			read = readZChunk
		}
		n, size := 0, 0
		c := box.Cursor()
		for k, v := c.Seek(from[:]); k != nil; k, v = c.Next() {
			last := binary.BigEndian.Uint64(k)
			if last > safe || n >= limit || size >= maxBytes {
				first := last
				if len(v) >= 8 && !bytes.Equal(name, outboxBucket) {
					first = binary.BigEndian.Uint64(v[0:8])
				}
				bound = min(bound, max(first, after+1))
				limited = limited || last <= safe
				break
			}
			ch, err := read(k, v)
			if err != nil {
				return nil, 0, false, err
			}
			ch, ok, err := cutChunk(ch, after)
			if err != nil {
				return nil, 0, false, err
			}
			if !ok {
				continue
			}
			out = append(out, ch)
			n += ch.N
			size += ch.Len() + 1
		}
	}
	return out, bound, limited, nil
}

// closedPrefix sorts chunks by first seq and returns the longest prefix
// within limit entries and maxBytes (at least one chunk) that is closed:
// every entry with a seq after the reader's position and up to the
// largest seq of the prefix is in it, so a reader that goes on from that
// largest seq misses nothing. bound is the smallest seq not collected. It
// returns nil when no prefix is closed.
func closedPrefix(chunks []ReplChunk, bound uint64, limit, maxBytes int) []ReplChunk {
	sort.Slice(chunks, func(i, j int) bool { return chunks[i].First < chunks[j].First })
	best := 0
	var maxLast uint64
	n, size := 0, 0
	for i, c := range chunks {
		maxLast = max(maxLast, c.Last)
		n += c.N
		size += c.Len() + 1
		if maxLast >= bound {
			break
		}
		if i+1 < len(chunks) && chunks[i+1].First <= maxLast {
			continue // chunk i+1 has entries before maxLast
		}
		if best > 0 && (n > limit || size > maxBytes) {
			break
		}
		best = i + 1
	}
	return chunks[:best]
}

// ReplOutboxChunks returns outbox chunks with entries after seq after, in
// order of their first seq, at most about limit entries (whole chunks)
// and MaxOutboxBytes (at least one chunk): every entry with a seq from
// after+1 up to the largest seq returned is in them, and no entry of a
// transaction still running (or after one) is, so a reader that goes on
// from the largest seq it got misses nothing.
func (s *Store) ReplOutboxChunks(after uint64, limit int) ([]ReplChunk, error) {
	if limit <= 0 {
		limit = DefaultOutboxLimit
	}
	limit = min(limit, MaxOutboxLimit)
	safe := uint64(math.MaxUint64)
	if st := s.rp.on.Load(); st != nil {
		safe = st.safe()
	}
	if safe <= after {
		return nil, nil
	}
	maxBytes := MaxOutboxBytes
	for {
		var all []ReplChunk
		bound, limited := uint64(math.MaxUint64), false
		read := func(tx *bolt.Tx) error {
			chunks, b, l, err := collectChunks(tx, after, safe, limit, maxBytes)
			all = append(all, chunks...)
			bound, limited = min(bound, b), limited || l
			return err
		}
		err := s.withCtl(func(ctl *bolt.DB) error { return ctl.View(read) })
		if err != nil && err != errNoCtl {
			return nil, fmt.Errorf("reading the outbox: %w", err)
		}
		for _, db := range s.Databases() {
			if err := s.view(db, read); err != nil && StatusOf(err) != 404 {
				return nil, fmt.Errorf("reading the outbox of %s: %w", db, err)
			}
		}
		out := closedPrefix(all, bound, limit, maxBytes)
		if len(out) > 0 || len(all) == 0 || !limited {
			return out, nil
		}
		// A transaction's chunk spans more entries of other files than
		// the limits let in: read more at once.
		limit, maxBytes = 4*limit, 4*maxBytes
	}
}

// ackChunks drops the chunks of box whose entries all have a seq up to
// upto and cuts those entries out of a chunk that has later ones too
// (stored compressed again when compressed); it returns how many entries
// it dropped.
func ackChunks(box *bolt.Bucket, upto uint64, compressed bool) (int, error) {
	dropped := 0
	var keys [][]byte
	c := box.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(v) < chunkHeaderLen || binary.BigEndian.Uint64(v[0:8]) > upto {
			break
		}
		if binary.BigEndian.Uint64(k) <= upto {
			keys = append(keys, bytes.Clone(k))
			dropped += int(binary.BigEndian.Uint32(v[16:20]))
			continue
		}
		read := readChunk
		if compressed {
			read = readZChunk
		}
		ch, err := read(k, v)
		if err != nil {
			return dropped, err
		}
		cut, _, err := cutChunk(ch, upto)
		if err != nil {
			return dropped, err
		}
		b := make([]byte, chunkHeaderLen, chunkHeaderLen+len(cut.Text))
		putChunkHeader(b, cut.First, cut.LastTs, cut.N)
		b = append(b, cut.Text...)
		if compressed {
			b = compressChunk(&chunkBuf{}, b)
		}
		if err := box.Put(bytes.Clone(k), b); err != nil {
			return dropped, err
		}
		dropped += ch.N - cut.N
		break
	}
	for _, k := range keys {
		if err := box.Delete(k); err != nil {
			return dropped, err
		}
	}
	return dropped, nil
}

// firstChunkSeq is the first seq box (chunks) holds, ok false when empty.
func firstChunkSeq(box *bolt.Bucket) (uint64, bool) {
	_, v := box.Cursor().First()
	if len(v) < chunkHeaderLen {
		return 0, false
	}
	return binary.BigEndian.Uint64(v[0:8]), true
}
