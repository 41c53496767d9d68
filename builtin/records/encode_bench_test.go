package records

import (
	"encoding/json"
	"io"
	"testing"

	"github.com/hops-dev/hops/builtin/internal/fastjson"
	"github.com/hops-dev/hops/builtin/internal/fastjson/jsontest"
	"github.com/hops-dev/hops/builtin/records/store"
)

// benchRecordPool is how many distinct records the encoding benchmarks
// cycle through: enough that map iteration and string contents vary, few
// enough to build in a blink.
const benchRecordPool = 1000

// loaderLikeRecord is jsontest.LoaderRecord(i) decoded the way the store
// hands records over (numbers as json.Number).
func loaderLikeRecord(tb testing.TB, i int) map[string]any {
	tb.Helper()
	var rec map[string]any
	if err := decodeNumbers(json.RawMessage(jsontest.LoaderRecord(i)), &rec); err != nil {
		tb.Fatal(err)
	}
	return rec
}

// BenchmarkRecordWriter encodes loader-like records as a search with
// get_attributes ["*"] answers them: every attribute a column, primary
// key first, the rest sorted. One op is one record.
func BenchmarkRecordWriter(b *testing.B) {
	recs := make([]map[string]any, benchRecordPool)
	for i := range recs {
		recs[i] = loaderLikeRecord(b, i)
	}
	cols := []string{"id", "active", "address", "age", "balance", "category", "created", "email", "name", "score", "tags"}
	rw := newRecordWriter(io.Discard, formatSearch, projection{cols: cols, all: true})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := rw.write(recs[i%len(recs)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWholeTableRecord compares the ways a whole-table read or a
// search_by_hash answers a stored record: from its text (writeRaw; as a
// search answer and in both export formats), the text as the store writes
// it (primary key first, the rest sorted: a search answer copies it
// whole) or as older stores hold it (members in map order), and decoded
// then encoded (what every other search does). One op is one record.
func BenchmarkWholeTableRecord(b *testing.B) {
	texts := make([][]byte, benchRecordPool)
	mapOrder := make([][]byte, benchRecordPool)
	enc := fastjson.Encoder{FirstKey: "id", NilAsEmpty: true}      // as the store writes
	old := fastjson.Encoder{OuterMapOrder: true, NilAsEmpty: true} // as older stores hold them
	for i := range texts {
		var err error
		if texts[i], err = enc.AppendObject(nil, loaderLikeRecord(b, i)); err != nil {
			b.Fatal(err)
		}
		if mapOrder[i], err = old.AppendObject(nil, loaderLikeRecord(b, i)); err != nil {
			b.Fatal(err)
		}
	}
	cols := []string{"id", "active", "address", "age", "balance", "category", "created", "email", "name", "score", "tags"}
	for _, f := range []struct {
		name   string
		format answerFormat
		texts  [][]byte
	}{{"text", formatSearch, texts}, {"text map order", formatSearch, mapOrder},
		{"text export json", formatExportJSON, texts}, {"text export csv", formatExportCSV, texts}} {
		b.Run(f.name, func(b *testing.B) {
			rw := newRecordWriter(io.Discard, f.format, projection{cols: cols, all: true})
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if err := rw.writeRaw(f.texts[i%len(f.texts)]); err != nil {
					b.Fatal(err)
				}
			}
			if rw.decodedWhole != 0 {
				b.Fatalf("%d records decoded whole", rw.decodedWhole)
			}
		})
	}
	b.Run("decoded", func(b *testing.B) {
		rw := newRecordWriter(io.Discard, formatSearch, projection{cols: cols, all: true})
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			rec, err := store.DecodeRaw(texts[i%len(texts)])
			if err != nil {
				b.Fatal(err)
			}
			if err := rw.write(rec); err != nil {
				b.Fatal(err)
			}
		}
	})
}
