package records

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hops-dev/hops/builtin/internal/fastjson/jsontest"
	"github.com/hops-dev/hops/builtin/records/store"
)

// benchBatch is the number of records per insert request in the
// benchmarks: a typical bulk load request.
const benchBatch = 10_000

// benchBody returns the records of request i as a JSON array: ten
// attributes, about 200 bytes each, keys unique across requests.
func benchBody(i int) []byte {
	var b strings.Builder
	b.WriteByte('[')
	for j := 0; j < benchBatch; j++ {
		if j > 0 {
			b.WriteByte(',')
		}
		id := i*benchBatch + j
		fmt.Fprintf(&b, `{"id":%d,"name":"dog %d","breed":"Mutt","age":%d,"weight":%d.5,"good":true,`+
			`"owner":"owner %d","city":"Denver","tag":"t%d","score":%d}`, id, id, id%20, id%80, id%1000, id%7, id%100)
	}
	b.WriteByte(']')
	return []byte(b.String())
}

// BenchmarkInsertThroughFamily inserts 10 000-record requests through the
// whole family: gRPC, request decoding, the store's one transaction per
// request, the answer. Compare records/s with BenchmarkInsertStoreDirect,
// the baseline measured in the same run (same records, same store
// options, no family around it).
func BenchmarkInsertThroughFamily(b *testing.B) {
	e := newEnv(b, harnessOpts{section: map[string]any{}})
	e.table("db", "bench")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		body := fmt.Appendf(nil, `{"operation":"insert","database":"db","table":"bench","records":%s}`, benchBody(i))
		b.StartTimer()
		r := e.h.Super(b, body)
		if r.Status != 200 {
			b.Fatalf("insert: %d %.200s", r.Status, r.Body)
		}
	}
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkInsertStoreDirect is the baseline: the same inserts straight
// into the store, records already decoded.
func BenchmarkInsertStoreDirect(b *testing.B) {
	st, err := store.Open(filepath.Join(b.TempDir(), "records"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := st.CreateTable("db", "bench", "id"); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		var recs []map[string]any
		if err := decodeNumbers(json.RawMessage(benchBody(i)), &recs); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := st.Insert("db", "bench", recs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkSearchByHash1000 answers search_by_hash of 1,000 ids with
// get_attributes ["*"] through the whole family, on a table of 10,000
// loader-like records (eleven mixed attributes). One op is one answer.
func BenchmarkSearchByHash1000(b *testing.B) {
	e := newEnv(b, harnessOpts{section: map[string]any{}})
	e.table("db", "bench")
	var recs strings.Builder
	recs.WriteByte('[')
	for i := range 10_000 {
		if i > 0 {
			recs.WriteByte(',')
		}
		recs.Write(jsontest.LoaderRecord(i))
	}
	recs.WriteByte(']')
	e.insert("db", "bench", recs.String())
	ids := make([]int, 1000)
	for i := range ids {
		ids[i] = (i * 7919) % 10_000
	}
	body := op("search_by_hash", "database", "db", "table", "bench", "hash_values", ids, "get_attributes", []string{"*"})
	b.ReportAllocs()
	for b.Loop() {
		if r := e.h.Super(b, body); r.Status != 200 {
			b.Fatalf("search_by_hash: %d %.200s", r.Status, r.Body)
		}
	}
}

// BenchmarkDecodeInsertRecords decodes one insert request's records (10,000,
// ten attributes each) as the insert path does: with encoding/json
// (decodeNumbers) and with the fast parser (decodeObjects).
func BenchmarkDecodeInsertRecords(b *testing.B) {
	body := json.RawMessage(benchBody(0))
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var out []map[string]any
			if err := decodeNumbers(body, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("fastjson", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := decodeObjects(body); !ok {
				b.Fatal("not decoded")
			}
		}
	})
}
