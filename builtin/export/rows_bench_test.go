package export

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/hops-dev/hops/builtin/export/exporter"
	"github.com/hops-dev/hops/builtin/internal/fastjson/jsontest"
)

// benchRows is the size of the benchmark's search answer: enough records
// (about 30 MB of JSON) that buffer refills and per-row costs dominate.
const benchRows = 100_000

// benchAnswer is a search answer of n records shaped like
// scripts/bench/loader's rows (jsontest.LoaderRecord), as the records
// family writes it: one JSON array.
func benchAnswer(tb testing.TB, n int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i := range n {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(jsontest.LoaderRecord(i))
	}
	buf.WriteByte(']')
	return buf.Bytes()
}

// openAnswer opens a rowStream over answer as a job does: the opening
// bracket, then the first record's keys as the columns.
func openAnswer(b *testing.B, answer []byte) (*rowStream, []string) {
	s := newRowStream(bytes.NewReader(answer))
	if err := s.open(); err != nil {
		b.Fatal(err)
	}
	cols, err := s.firstKeys()
	if err != nil {
		b.Fatal(err)
	}
	return s, cols
}

// BenchmarkRowStream reads a 100k-record answer as an export job does
// (open, firstKeys, each) and reports the cost per record.
func BenchmarkRowStream(b *testing.B) {
	answer := benchAnswer(b, benchRows)
	b.SetBytes(int64(len(answer)))
	b.ReportAllocs()
	for b.Loop() {
		s, _ := openAnswer(b, answer)
		n := 0
		err := s.each(false, func(rec map[string]any) error {
			n += len(rec)
			return nil
		})
		if err != nil || n != benchRows*11 {
			b.Fatalf("read %d values, err %v", n, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchRows), "ns/row")
}

// BenchmarkExportAnswer runs a 100k-record answer through the rowStream
// and an encoder, as an export job does, with each record offered where
// it begins in the read buffer (RowPrefix, what jobs do: "prefix"), cut
// out and handed over as its text (RowText: "text") or decoded (Row:
// "decoded"), and reports the cost per record of each.
func BenchmarkExportAnswer(b *testing.B) {
	answer := benchAnswer(b, benchRows)
	for _, format := range []string{exporter.FormatJSON, exporter.FormatCSV} {
		for _, mode := range []string{"prefix", "text", "decoded"} {
			b.Run(format+"/"+mode, func(b *testing.B) {
				b.SetBytes(int64(len(answer)))
				b.ReportAllocs()
				for b.Loop() {
					s, cols := openAnswer(b, answer)
					var rows exporter.Rows
					switch mode {
					case "prefix":
						rows = exporter.TextRowSource(s.eachText)
					case "text":
						rows = exporter.TextRowSource(func(_ func([]byte) (int, error), yield func([]byte) error) error {
							return s.eachText(nil, yield)
						})
					default:
						rows = exporter.RowSource(func(yield func(map[string]any) error) error {
							return s.each(false, yield)
						})
					}
					if err := exporter.Encode(context.Background(), format, io.Discard, cols, rows); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchRows), "ns/row")
			})
		}
	}
}
