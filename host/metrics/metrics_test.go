package metrics

import (
	"sync"
	"testing"
	"time"
)

func TestCountsAndQuantiles(t *testing.T) {
	r := New(Sources{})
	for i := 0; i < 98; i++ {
		r.Observe("get_status", 200, time.Millisecond)
	}
	r.Observe("get_status", 503, 100*time.Millisecond)
	r.Observe("get_status", 200, 2*time.Second)
	r.Observe("insert", 400, 10*time.Microsecond)
	s := r.Snapshot()
	if s.TotalRequests != 101 {
		t.Fatalf("total %d", s.TotalRequests)
	}
	g := s.Operations["get_status"]
	if g.Count != 100 || g.ByStatus["200"] != 99 || g.ByStatus["503"] != 1 {
		t.Fatalf("get_status %+v", g)
	}
	// p50 is within one bucket above the 1 ms truth; p99 catches the slow
	// outlier.
	if g.P50Ms < 1 || g.P50Ms > 1*bucketGrowth {
		t.Errorf("p50 %v ms, want ~1", g.P50Ms)
	}
	if g.P99Ms < 100 || g.P99Ms > 100*bucketGrowth {
		t.Errorf("p99 %v ms, want ~100", g.P99Ms)
	}
	if s.Operations["insert"].P50Ms != ms(firstBucket) {
		t.Errorf("a sub-bucket duration lands in the first bucket: %+v", s.Operations["insert"])
	}
}

func TestConcurrentObserve(t *testing.T) {
	r := New(Sources{})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				r.Observe("op", 200, time.Duration(i)*time.Microsecond)
			}
		}()
	}
	wg.Wait()
	if n := r.Snapshot().Operations["op"].Count; n != 8000 {
		t.Fatalf("count %d", n)
	}
}

func BenchmarkObserve(b *testing.B) {
	r := New(Sources{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.Observe("get_status", 200, 300*time.Microsecond)
		}
	})
}
