package exporter

import (
	"context"
	"io"
	"runtime"
	"strconv"
	"testing"
)

// Bounds of the flat-memory test.
const (
	// millionRows is the size of the export whose memory is measured.
	millionRows = 1_000_000
	// retainedHeapBound is how much more heap may be in use after encoding
	// a million rows than before: the encoder's buffers (64 KiB writer,
	// scratch) and runtime noise. Keeping even 1% of the ~100 MB of output
	// or one map per row would blow it.
	retainedHeapBound = 1 << 20
	// peakHeapBound caps the heap in use sampled while encoding, above the
	// starting point: garbage of the rows in flight, not the export.
	peakHeapBound = 16 << 20
	// sampleEvery is how often (in rows) the heap is sampled mid-export.
	sampleEvery = 100_000
)

// reusedRows is a RowSource that, like a store cursor, fills one map per
// row; only the varying values allocate.
func reusedRows(n int, sample func()) RowSource {
	names := [...]string{"Penny", "Harper, Jr.", `Lab "Retriever"`, "Zoë 世界", "line1\nline2"}
	return func(yield func(map[string]any) error) error {
		row := map[string]any{"id": 0.0, "name": "", "age": 0.0, "good": false, "__createdtime__": 0.0, "notes": nil}
		for i := 0; i < n; i++ {
			row["id"] = float64(i)
			row["name"] = names[i%len(names)]
			row["age"] = float64(i % 20)
			row["good"] = i%2 == 0
			row["__createdtime__"] = 1.7e12 + float64(i)
			if err := yield(row); err != nil {
				return err
			}
			if sample != nil && i%sampleEvery == 0 {
				sample()
			}
		}
		return nil
	}
}

// heapInUse is HeapInuse after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

func TestEncodeMillionRowsFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("encodes two million rows")
	}
	cols := Columns("id", []string{"name", "age", "good", "__createdtime__", "notes"})
	for _, format := range []string{FormatJSON, FormatCSV} {
		t.Run(format, func(t *testing.T) {
			var written countingWriter
			before := heapInUse()
			var peak uint64
			sample := func() {
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapInuse)
			}
			if err := Encode(context.Background(), format, &written, cols, reusedRows(millionRows, sample)); err != nil {
				t.Fatal(err)
			}
			after := heapInUse()
			t.Logf("%s: %d bytes written; heap in use %d -> %d (peak %d)", format, written.n, before, after, peak)
			if written.n < millionRows*40 {
				t.Fatalf("only %d bytes written: the rows were not encoded", written.n)
			}
			if after > before+retainedHeapBound {
				t.Errorf("heap grew by %d bytes encoding %d rows (bound %d)", after-before, millionRows, retainedHeapBound)
			}
			if peak > before+peakHeapBound {
				t.Errorf("heap peaked %d bytes above the start (bound %d)", peak-before, peakHeapBound)
			}
		})
	}
}

// countingWriter discards what it is given and counts it.
type countingWriter struct{ n int64 }

// Write implements io.Writer.
func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// benchmarkEncode encodes b.N rows in format to io.Discard.
func benchmarkEncode(b *testing.B, format string) {
	cols := Columns("id", []string{"name", "age", "good", "__createdtime__", "notes"})
	b.ReportAllocs()
	if err := Encode(context.Background(), format, io.Discard, cols, reusedRows(b.N, nil)); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkEncodeJSON measures JSON encoding per row.
func BenchmarkEncodeJSON(b *testing.B) { benchmarkEncode(b, FormatJSON) }

// BenchmarkEncodeCSV measures CSV encoding per row.
func BenchmarkEncodeCSV(b *testing.B) { benchmarkEncode(b, FormatCSV) }

// BenchmarkJSONString measures string escaping.
func BenchmarkJSONString(b *testing.B) {
	s := "a fairly ordinary value, with \"quotes\" and ünïcode " + strconv.Itoa(42)
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for b.Loop() {
		buf = appendString(buf[:0], s)
	}
}
