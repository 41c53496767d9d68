package records

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/hops-dev/hops/sdk"
	"github.com/hops-dev/hops/sdk/plugin"
	"github.com/hops-dev/hops/sdk/sdktest"
)

// bigRows is the size of the table the streaming tests search.
const bigRows = 100_000

// insertBatch is how many records one insert request carries.
const insertBatch = 10_000

// padding makes each record about 200 bytes, so the answer is ~20 MB:
// far more than one chunk, and more than the live heap a streaming answer
// may need.
var padding = strings.Repeat("x", 150)

// fillBig inserts bigRows records {id, n, pad} into db.big.
func fillBig(t testing.TB, e *env) {
	t.Helper()
	e.table("db", "big")
	var b strings.Builder
	for start := 0; start < bigRows; start += insertBatch {
		b.Reset()
		b.WriteByte('[')
		for i := start; i < start+insertBatch; i++ {
			if i > start {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":%d,"n":%d,"pad":%q}`, i, i%7, padding)
		}
		b.WriteByte(']')
		e.insert("db", "big", b.String())
	}
}

// bigSearch is a search_by_value over every record of db.big.
var bigSearch = op("search_by_value", "database", "db", "table", "big", "search_attribute", "id",
	"search_value", "*", "get_attributes", []string{"id", "pad"})

func TestLargeSearchStreamsInChunks(t *testing.T) {
	e := newEnv(t, harnessOpts{})
	fillBig(t, e)
	body, _ := json.Marshal(bigSearch)
	reply, err := e.h.Client.Handle(context.Background(), &sdk.Request{Operation: "search_by_value", Body: body,
		Caller: sdktest.SuperUser, ID: "big"})
	if err != nil {
		t.Fatal(err)
	}
	defer reply.Body.Close()
	if reply.Status != 200 {
		t.Fatalf("status %d", reply.Status)
	}
	// Each Read returns at most one chunk, so reads with data count chunks.
	var all bytes.Buffer
	buf := make([]byte, 4*plugin.ChunkSize)
	chunks := 0
	for {
		n, err := reply.Body.Read(buf)
		if n > 0 {
			chunks++
			if n > plugin.ChunkSize {
				t.Fatalf("a read returned %d bytes, more than a chunk", n)
			}
			all.Write(buf[:n])
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if min := all.Len() / plugin.ChunkSize; chunks < min || chunks < 2 {
		t.Errorf("%d bytes came in %d chunks, want at least %d", all.Len(), chunks, max(min, 2))
	}
	var rows []struct {
		ID  int    `json:"id"`
		Pad string `json:"pad"`
	}
	if err := json.Unmarshal(all.Bytes(), &rows); err != nil {
		t.Fatalf("the streamed answer is not one JSON array: %v", err)
	}
	if len(rows) != bigRows {
		t.Fatalf("%d rows, want %d", len(rows), bigRows)
	}
	for i, r := range rows {
		if r.ID != i || r.Pad != padding {
			t.Fatalf("row %d = %+v", i, r)
		}
	}
}

// heapSampler is a writer that discards what it is given and, once
// sampleAt bytes went through, measures the live heap.
type heapSampler struct {
	n, sampleAt int
	sampled     bool
	live        uint64
}

func (h *heapSampler) Write(p []byte) (int, error) {
	h.n += len(p)
	if !h.sampled && h.n >= h.sampleAt {
		h.sampled = true
		h.live = liveHeap()
	}
	return len(p), nil
}

// liveHeap is the heap in use after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// maxStreamingHeap bounds the live heap a search may hold in the middle of
// a ~20 MB answer: the record being written and the store's read state,
// never the answer itself.
const maxStreamingHeap = 4 << 20

func TestLargeSearchKeepsMemoryFlat(t *testing.T) {
	e := newEnv(t, harnessOpts{})
	fillBig(t, e)
	for _, body := range []map[string]any{
		bigSearch,
		// Answered in key order, so streamed (a range on another
		// attribute is answered in that attribute's order, which needs
		// every match first: see store.SearchByConditions).
		op("search_by_conditions", "database", "db", "table", "big", "get_attributes", []string{"*"},
			"conditions", []any{map[string]any{"search_attribute": "id", "search_type": "greater_than_equal", "search_value": 0},
				map[string]any{"search_attribute": "n", "search_type": "less_than", "search_value": 7}}),
		sqlOp("SELECT id, pad FROM db.big WHERE n < 7"),
	} {
		raw, _ := json.Marshal(body)
		req := &sdk.Request{Operation: body["operation"].(string), Body: raw, Caller: sdktest.SuperUser}
		op, _ := mustLookup(t, e.f, req.Operation)
		resp, err := op.Handler(context.Background(), req)
		if err != nil || resp.Stream == nil {
			t.Fatalf("%s: %v (streamed: %v)", req.Operation, err, resp != nil && resp.Stream != nil)
		}
		before := liveHeap()
		w := &heapSampler{sampleAt: 10 << 20}
		if err := resp.Stream(w); err != nil {
			t.Fatalf("%s: %v", req.Operation, err)
		}
		if !w.sampled {
			t.Fatalf("%s: answer of %d bytes, smaller than expected", req.Operation, w.n)
		}
		if w.live > before && w.live-before > maxStreamingHeap {
			t.Errorf("%s: live heap grew by %d bytes in the middle of a %d-byte answer", req.Operation, w.live-before, w.n)
		}
	}
}

// mustLookup finds an operation of the family's table.
func mustLookup(t testing.TB, f *Family, name string) (sdk.Operation, bool) {
	t.Helper()
	for _, o := range f.Operations() {
		if o.Name == name {
			return o, true
		}
	}
	t.Fatalf("no operation %s", name)
	return sdk.Operation{}, false
}
