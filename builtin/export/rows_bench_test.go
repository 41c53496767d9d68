package export

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"testing"

	"github.com/hops-dev/hops/builtin/export/exporter"
)

// benchRows is the size of the benchmark's search answer: enough records
// (about 30 MB of JSON) that buffer refills and per-row costs dominate.
const benchRows = 100_000

// benchRecord is one row like scripts/bench/loader/record.go writes:
// eleven attributes of every JSON kind (strings, integers, floats, a
// boolean, an array, a nested object, a date string).
type benchRecord struct {
	ID       int               `json:"id"`
	Name     string            `json:"name"`
	Email    string            `json:"email"`
	Age      int               `json:"age"`
	Score    float64           `json:"score"`
	Balance  float64           `json:"balance"`
	Active   bool              `json:"active"`
	Category string            `json:"category"`
	Tags     []string          `json:"tags"`
	Address  map[string]string `json:"address"`
	Created  string            `json:"created"`
}

// benchAnswer is a search answer of n records, as the records family
// writes it: one JSON array.
func benchAnswer(tb testing.TB, n int) []byte {
	tb.Helper()
	tags := []string{"red", "green", "blue", "vip", "new", "churn-risk"}
	cities := []string{"Denver", "Boulder", "Lisbon", "Osaka"}
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i := range n {
		if i > 0 {
			buf.WriteByte(',')
		}
		rec := benchRecord{
			ID: i, Name: fmt.Sprintf("user %d", i), Email: fmt.Sprintf("user%d@example.com", i),
			Age: 18 + i%70, Score: float64(i%1_000_000) / 1000, Balance: float64(i*7919%100_000_000) / 100,
			Active: i%2 == 0, Category: "retail", Tags: tags[:1+i%3],
			Address: map[string]string{"street": fmt.Sprintf("%d Main St", 1+i%9999), "city": cities[i%len(cities)], "zip": fmt.Sprintf("%05d", i%100_000)},
			Created: fmt.Sprintf("2023-%02d-%02dT10:11:12.345Z", 1+i%12, 1+i%28),
		}
		b, err := json.Marshal(rec)
		if err != nil {
			tb.Fatal(err)
		}
		buf.Write(b)
	}
	buf.WriteByte(']')
	return buf.Bytes()
}

// BenchmarkRowStream reads a 100k-record answer as an export job does
// (open, firstKeys, each) and reports the cost per record.
func BenchmarkRowStream(b *testing.B) {
	answer := benchAnswer(b, benchRows)
	b.SetBytes(int64(len(answer)))
	b.ReportAllocs()
	for b.Loop() {
		s := newRowStream(bytes.NewReader(answer))
		if err := s.open(); err != nil {
			b.Fatal(err)
		}
		if _, err := s.firstKeys(); err != nil {
			b.Fatal(err)
		}
		n := 0
		err := s.each(func(rec map[string]any) error {
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
// and an encoder, as an export job does, with each record handed over as
// its text (RowText, what jobs do) or decoded (Row), and reports the cost
// per record of each.
func BenchmarkExportAnswer(b *testing.B) {
	answer := benchAnswer(b, benchRows)
	for _, format := range []string{exporter.FormatJSON, exporter.FormatCSV} {
		for _, mode := range []string{"text", "decoded"} {
			b.Run(format+"/"+mode, func(b *testing.B) {
				b.SetBytes(int64(len(answer)))
				b.ReportAllocs()
				for b.Loop() {
					s := newRowStream(bytes.NewReader(answer))
					if err := s.open(); err != nil {
						b.Fatal(err)
					}
					cols, err := s.firstKeys()
					if err != nil {
						b.Fatal(err)
					}
					var rows exporter.Rows = exporter.TextRowSource(s.eachText)
					if mode == "decoded" {
						rows = exporter.RowSource(s.each)
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
