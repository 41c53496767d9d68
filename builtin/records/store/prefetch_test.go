package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// adviceLog records the prefetches a store asks for.
type adviceLog chan [2]any

func (l adviceLog) advise(path string, size int64) error {
	l <- [2]any{path, size}
	return nil
}

func TestWholeTableScansPrefetchTheFile(t *testing.T) {
	if maxPrefetchBytes() == 0 {
		t.Skip("no prefetching on this system")
	}
	s, _, dir := newStore(t, Options{})
	mustTable(t, s, "db", "t")
	mustTable(t, s, "db", "small")
	recs := make([]map[string]any, 500)
	for i := range recs {
		recs[i] = map[string]any{"id": i, "a": strings.Repeat("x", 200)}
	}
	if _, err := s.Insert("db", "t", recs); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Insert("db", "small", records(t, `[{"id":1,"a":"x"},{"id":2,"a":"y"}]`)); err != nil {
		t.Fatal(err)
	}
	log := make(adviceLog, 10)
	s.prefetch.advise, s.prefetch.minBytes = log.advise, 0
	file := filepath.Join(dir, "db"+fileSuffix)
	var used int64 // the part of the file bbolt uses, what a scan may touch
	if err := s.view("db", func(tx *bolt.Tx) error { used = tx.Size(); return nil }); err != nil || used == 0 {
		t.Fatalf("size %d, %v", used, err)
	}

	scanRaw := func() {
		t.Helper()
		n := 0
		if err := s.ScanRaw(context.Background(), "db", "t", func([]byte) error { n++; return nil }); err != nil || n != len(recs) {
			t.Fatalf("ScanRaw: %d records, %v", n, err)
		}
	}
	scanRaw()
	select {
	case got := <-log:
		if got[0] != file || got[1] != used {
			t.Fatalf("prefetched %v, want [%s %d]", got, file, used)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a whole-table scan did not prefetch the file")
	}

	// Every whole-table scan asks again (pages may have been reclaimed
	// since), Scan as ScanRaw.
	if err := s.Scan(context.Background(), "db", "t", func(map[string]any) error { return nil }); err != nil {
		t.Fatal(err)
	}
	select {
	case <-log:
	case <-time.After(5 * time.Second):
		t.Fatal("a second scan did not prefetch")
	}

	// While a prefetch of the file runs, scans start no other.
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	s.prefetch.advise = func(string, int64) error { started <- struct{}{}; <-release; return nil }
	scanRaw()
	<-started
	scanRaw()
	scanRaw()
	select {
	case <-started:
		t.Fatal("a second prefetch of the same file started while one ran")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	s.prefetch.advise = log.advise
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.prefetch.mu.Lock()
		busy := s.prefetch.running[file]
		s.prefetch.mu.Unlock()
		if !busy {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the finished prefetch still counts as running")
		}
		time.Sleep(time.Millisecond)
	}

	// A table too small next to its file, or under the minimum, is left
	// alone.
	if err := s.Scan(context.Background(), "db", "small", func(map[string]any) error { return nil }); err != nil {
		t.Fatal(err)
	}
	s.prefetch.minBytes = used
	scanRaw()
	select {
	case got := <-log:
		t.Fatalf("a small table's scan prefetched %v", got)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestAdviseWillNeedReadsARealFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := adviseWillNeed(path, 1<<20); err != nil {
		t.Fatalf("adviseWillNeed: %v", err)
	}
	if err := adviseWillNeed(filepath.Join(t.TempDir(), "missing"), 1); err == nil {
		t.Fatal("adviseWillNeed of a missing file succeeded")
	}
}
