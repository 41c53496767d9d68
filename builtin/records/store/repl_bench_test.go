package store

import (
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

// drainOutbox reads the outbox to its end and acknowledges it.
func drainOutbox(b *testing.B, s *Store, after uint64) uint64 {
	for {
		es, err := s.ReplOutbox(after, MaxOutboxLimit)
		if err != nil {
			b.Fatal(err)
		}
		if len(es) == 0 {
			break
		}
		var e ReplEntry
		if err := jsonUnmarshal(es[len(es)-1], &e); err != nil {
			b.Fatal(err)
		}
		after = e.Seq
	}
	if _, err := s.ReplAck(after); err != nil {
		b.Fatal(err)
	}
	return after
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
