package exporter

import (
	"testing"

	"github.com/hops-dev/hops/builtin/internal/fastjson/jsontest"
)

// benchRecordPool is how many distinct records the value benchmarks cycle
// through: enough that contents vary, few enough to build in a blink.
const benchRecordPool = 1000

// loaderLikeRecord is jsontest.LoaderRecord(i) decoded as the export
// family decodes search results (DecodeRecord: numbers as json.Number).
func loaderLikeRecord(tb testing.TB, i int) map[string]any {
	tb.Helper()
	rec, err := DecodeRecord(jsontest.LoaderRecord(i))
	if err != nil {
		tb.Fatal(err)
	}
	return rec
}

// BenchmarkValueEncoder encodes every value of loader-like records, as
// the JSON export (appendJSON) and the CSV export (cell) do. One op is
// one record of eleven values.
func BenchmarkValueEncoder(b *testing.B) {
	recs := make([][]any, benchRecordPool)
	for i := range recs {
		for _, v := range loaderLikeRecord(b, i) {
			recs[i] = append(recs[i], v)
		}
	}
	b.Run("appendJSON", func(b *testing.B) {
		v := newValueEncoder()
		var dst []byte
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			dst = dst[:0]
			for _, x := range recs[i%len(recs)] {
				var err error
				if dst, err = v.appendJSON(dst, x); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("cell", func(b *testing.B) {
		v := newValueEncoder()
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			for _, x := range recs[i%len(recs)] {
				if _, err := v.cell(x); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
