package records

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/hops-dev/hops/builtin/internal/replpack"
	"github.com/hops-dev/hops/builtin/records/store"
)

// packChunks is five chunks of entries with seqs 1 to 20, four each, the
// second and fourth plain (as a store of an earlier build holds them),
// the others compressed as the store writes them, and every entry in
// order.
func packChunks(t *testing.T) ([]store.ReplChunk, []string) {
	t.Helper()
	var chunks []store.ReplChunk
	var all []string
	for c := range 5 {
		var es []string
		for i := range 4 {
			seq := 4*c + i + 1
			es = append(es, fmt.Sprintf(`{"seq":%d,"ts":%d,"node":"a","op":"put","database":"db","table":"t","primary_key":"id","key":%d,"record":{"id":%d,"name":"%s"}}`,
				seq, 1000+seq, seq, seq, strings.Repeat("n", 30*seq)))
		}
		all = append(all, es...)
		text := []byte(strings.Join(es, ","))
		ch := store.ReplChunk{First: uint64(4*c + 1), Last: uint64(4*c + 4), LastTs: int64(1000+4*c+4) * 1000, N: 4}
		if c%2 == 1 {
			ch.Text = text
		} else {
			ch.Compressed, ch.Size = replpack.Compress(nil, text), len(text)
		}
		chunks = append(chunks, ch)
	}
	return chunks, all
}

// packedMessages splits a packed outbox answer into its messages' entries
// (decoding compressed ones) and reports whether each was compressed.
func packedMessages(t *testing.T, body []byte) (entries []string, compressed []bool) {
	t.Helper()
	end := bytes.Index(body, []byte(`],"messages":[`))
	var heads [][]json.Number
	if !json.Valid(body) || end < 0 || json.Unmarshal(body[len(`{"packs":`):end+1], &heads) != nil {
		t.Fatalf("answer %.300s", body)
	}
	base := end + len(`],"messages":[`)
	for _, h := range heads {
		n := func(i int) int { v, _ := h[i].Int64(); return int(v) }
		msg := body[base+n(4) : base+n(4)+n(5)]
		z := replpack.Is(msg)
		if z != (len(h) == 7) {
			t.Fatalf("pack %v: message %.20q", h, msg)
		}
		if z {
			var err error
			if msg, err = replpack.Decode(msg); err != nil || len(msg) != n(6) {
				t.Fatalf("pack %v: %v, %d bytes", h, err, len(msg))
			}
		}
		var es []json.RawMessage
		if err := json.Unmarshal(msg, &es); err != nil || len(es) != n(3) {
			t.Fatalf("pack %v: %d entries, %v", h, len(es), err)
		}
		for _, e := range es {
			entries = append(entries, string(e))
		}
		compressed = append(compressed, z)
	}
	return entries, compressed
}

// From chunks stored compressed and plain, a reader that asks for s2
// gets compressed messages and one that does not (a node of a build
// without s2 follows the stream) gets plain arrays; both hold every entry
// in order, byte for byte, in more than one message.
func TestPackedOutboxFromCompressedAndPlainChunks(t *testing.T) {
	for _, compress := range []bool{true, false} {
		chunks, want := packChunks(t)
		body, err := packedOutbox(chunks, 2500, compress)
		if err != nil {
			t.Fatal(err)
		}
		got, zs := packedMessages(t, body)
		if len(zs) < 2 {
			t.Fatalf("compress %v: %d messages", compress, len(zs))
		}
		for _, z := range zs {
			if z != compress {
				t.Fatalf("compress %v: messages compressed %v", compress, zs)
			}
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("compress %v: entries\n%s\nwant\n%s", compress, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

// A compressed chunk that does not decode makes the plain answer an
// error, not a message of garbage.
func TestPackedOutboxRefusesDamagedChunk(t *testing.T) {
	chunks, _ := packChunks(t)
	chunks[2].Compressed = chunks[2].Compressed[:len(chunks[2].Compressed)/2]
	if body, err := packedOutbox(chunks, 2500, false); err == nil {
		t.Fatalf("answered %.200s", body)
	}
}
