package store

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/hops-dev/hops/builtin/internal/fastjson"
	bolt "go.etcd.io/bbolt"
)

// benchRecords sizes the tables of BenchmarkGet1000, BenchmarkScan and
// BenchmarkDeleteBefore; the performance targets speak of 1M
// (-benchrecords=1000000), the default keeps a bench run short.
var benchRecords = flag.Int("benchrecords", 100_000, "records in the benchmark tables")

// benchBatch is the request size of the insert target: 10k records.
const benchBatch = 10_000

// benchRecord is a record of ~10 mixed fields, as in the targets.
func benchRecord(id int) map[string]any {
	return map[string]any{
		"id": id, "name": fmt.Sprintf("name %d", id), "breed": "Mutt", "age": id % 17,
		"weight": 12.5 + float64(id%100)/10, "good": id%2 == 0, "owner": "Kyle B",
		"tags": []any{"a", "b"}, "city": "Denver", "score": id * 7,
	}
}

// benchRecords returns records start .. start+n-1.
func benchRecs(start, n int) []map[string]any {
	recs := make([]map[string]any, n)
	for i := range recs {
		recs[i] = benchRecord(start + i)
	}
	return recs
}

// fillTable inserts n records in benchBatch requests.
func fillTable(b *testing.B, s *Store, n int) {
	b.Helper()
	for start := 0; start < n; start += benchBatch {
		if _, err := s.Insert("dev", "bench", benchRecs(start, min(benchBatch, n-start))); err != nil {
			b.Fatal(err)
		}
	}
}

// benchStore opens a store for a benchmark (fsync on unless noSync).
func benchStore(b *testing.B, noSync bool) *Store {
	b.Helper()
	s, err := Open(b.TempDir(), Options{NoSync: noSync})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	if err := s.CreateTable("dev", "bench", "id"); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkInsert10k inserts 10k-record requests into a growing table,
// with fsync (the production setting) and without; "baseline" puts the
// same records, JSON-encoded, straight into a bbolt bucket in one
// transaction, so the store's own overhead is the ratio of the two.
func BenchmarkInsert10k(b *testing.B) {
	for _, noSync := range []bool{false, true} {
		b.Run(fmt.Sprintf("nosync=%v", noSync), func(b *testing.B) {
			s := benchStore(b, noSync)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				recs := benchRecs(i*benchBatch, benchBatch)
				b.StartTimer()
				res, err := s.Insert("dev", "bench", recs)
				if err != nil || len(res.Inserted) != benchBatch {
					b.Fatalf("insert: %d, %v", len(res.Inserted), err)
				}
			}
			b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "records/s")
		})
	}
	b.Run("baseline", func(b *testing.B) {
		db, err := bolt.Open(filepath.Join(b.TempDir(), "raw.bolt"), filePerm, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			recs := benchRecs(i*benchBatch, benchBatch)
			b.StartTimer()
			err := db.Update(func(tx *bolt.Tx) error {
				bk, err := tx.CreateBucketIfNotExists([]byte("raw"))
				if err != nil {
					return err
				}
				for _, r := range recs {
					v, _ := json.Marshal(r)
					k, _, _ := encodeKey(r["id"])
					if err := bk.Put(k, v); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "records/s")
	})
}

// getBatch is the number of keys per Get in BenchmarkGet1000.
const getBatch = 1000

// BenchmarkGet1000 reads 1000 random keys per call from a table of
// -benchrecords records.
func BenchmarkGet1000(b *testing.B) {
	s := benchStore(b, true)
	fillTable(b, s, *benchRecords)
	rng := rand.New(rand.NewPCG(1, 2))
	keys := make([]any, getBatch)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := range keys {
			keys[j] = rng.IntN(*benchRecords)
		}
		n := 0
		if err := s.Get(context.Background(), "dev", "bench", keys, func(map[string]any) error { n++; return nil }); err != nil || n != getBatch {
			b.Fatalf("get: %d, %v", n, err)
		}
	}
	b.ReportMetric(float64(b.N*getBatch)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkScan reads a whole table of -benchrecords records and reports
// the heap still live at the last record (after a forced GC) above what
// was live before the scan: it must not grow with the table.
func BenchmarkScan(b *testing.B) {
	s := benchStore(b, true)
	fillTable(b, s, *benchRecords)
	base := liveHeap()
	var retained int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := 0
		err := s.Scan(context.Background(), "dev", "bench", func(map[string]any) error {
			if n++; n == *benchRecords && i == 0 {
				retained = liveHeap() - base
			}
			return nil
		})
		if err != nil || n != *benchRecords {
			b.Fatalf("scan: %d, %v", n, err)
		}
	}
	b.ReportMetric(float64(b.N**benchRecords)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(retained)/(1<<20), "retained-heap-MB")
}

// liveHeap forces a collection and returns the bytes of live heap objects.
func liveHeap() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// BenchmarkDeleteBefore deletes the older half of a table of -benchrecords
// records (created in two batches one second apart) per iteration.
func BenchmarkDeleteBefore(b *testing.B) {
	deleted := 0
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		clk := &clock{}
		clk.set(startMs)
		s, err := Open(b.TempDir(), Options{NoSync: true, Now: clk.Now}) // filling is not measured
		if err != nil {
			b.Fatal(err)
		}
		if err := s.CreateTable("dev", "bench", "id"); err != nil {
			b.Fatal(err)
		}
		half := *benchRecords / 2
		for start := 0; start < *benchRecords; start += benchBatch {
			if start == half {
				clk.set(startMs + int64(time.Second/time.Millisecond))
			}
			if _, err := s.Insert("dev", "bench", benchRecs(start, min(benchBatch, *benchRecords-start))); err != nil {
				b.Fatal(err)
			}
		}
		s.dbs["dev"].NoSync = false // the deletes are measured with fsync, as in production
		b.StartTimer()
		n, total, err := s.DeleteBefore(context.Background(), "dev", "bench", time.UnixMilli(startMs+1), nil)
		if err != nil || n != half || total != half {
			b.Fatalf("deleted %d of %d, want %d: %v", n, total, half, err)
		}
		deleted += n
		b.StopTimer()
		_ = s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(deleted)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkEncodeValue encodes a stored record as an insert does
// (encodeValue: primary key first, the other members sorted) and as the
// store wrote records before, its members in map order, the cost the
// sort adds to each insert. One op is one record of benchRecord's twelve
// attributes (with the two times).
func BenchmarkEncodeValue(b *testing.B) {
	recs := make([]map[string]any, 1000)
	for i := range recs {
		recs[i] = benchRecord(i)
		recs[i][CreatedTimeAttr], recs[i][UpdatedTimeAttr] = int64(1e12+i), int64(1e12+i)
	}
	b.Run("stored order", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := encodeValue(1, recs[i%len(recs)], "id"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("map order", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			v := make([]byte, valueHeaderLen, valueHeaderLen+valueSizeHint)
			enc := fastjson.Encoder{OuterMapOrder: true, NilAsEmpty: true}
			if _, err := enc.AppendObject(v, recs[i%len(recs)]); err != nil {
				b.Fatal(err)
			}
		}
	})
}
