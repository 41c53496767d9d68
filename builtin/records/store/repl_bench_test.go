package store

import (
	"bytes"
	"encoding/json"
	"testing"
)

// BenchmarkInsertRepl inserts 10k-record calls (fsync on) with
// replication off and on, in the same run: "off" is the cost of the
// hooks alone (one atomic load per transaction), "on" adds an outbox
// entry and a key version per record. With replication on, every 10
// calls the outbox is read and acknowledged, as the transport would.
func BenchmarkInsertRepl(b *testing.B) {
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			s := benchStore(b, false)
			if on {
				if _, err := s.ReplEnable(ReplConfig{Node: "bench", All: true}); err != nil {
					b.Fatal(err)
				}
			}
			var acked uint64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				recs := benchRecs(i*benchBatch, benchBatch)
				b.StartTimer()
				res, err := s.Insert("dev", "bench", recs)
				if err != nil || len(res.Inserted) != benchBatch {
					b.Fatalf("insert: %d, %v", len(res.Inserted), err)
				}
				if on && i%10 == 9 {
					acked = drainOutbox(b, s, acked)
				}
			}
			b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// drainOutbox reads the outbox to its end in chunks, as the records
// family's packed outbox read does (compressed chunks are handed on as
// they are), and acknowledges it.
func drainOutbox(b *testing.B, s *Store, after uint64) uint64 {
	for {
		chunks, err := s.ReplOutboxChunks(after, MaxOutboxLimit)
		if err != nil {
			b.Fatal(err)
		}
		if len(chunks) == 0 {
			break
		}
		for _, c := range chunks {
			after = max(after, c.Last)
		}
	}
	if _, err := s.ReplAck(after); err != nil {
		b.Fatal(err)
	}
	return after
}

// BenchmarkReplApply applies another node's puts in runs of 512 (the
// transport's fetch batch), each run one ReplApply, fsync on.
func BenchmarkReplApply(b *testing.B) {
	src := benchStore(b, true)
	if _, err := src.ReplEnable(ReplConfig{Node: "src", All: true}); err != nil {
		b.Fatal(err)
	}
	if _, err := src.Insert("dev", "bench", benchRecs(0, benchBatch)); err != nil {
		b.Fatal(err)
	}
	raw, err := src.ReplOutbox(0, MaxOutboxLimit)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dst := benchStore(b, false)
		b.StartTimer()
		for start := 0; start < len(raw); start += 512 {
			end := min(start+512, len(raw))
			entries := make([]ReplEntry, end-start)
			for j, r := range raw[start:end] {
				dec := json.NewDecoder(bytes.NewReader(r))
				dec.UseNumber()
				if err := dec.Decode(&entries[j]); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := dst.ReplApply("src", entries); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(raw))/b.Elapsed().Seconds(), "entries/s")
}
