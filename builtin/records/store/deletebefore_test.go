package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// agedTable creates dev.dogs with n records, record i created at startMs+i.
func agedTable(t *testing.T, n int, opts Options) (*Store, *clock) {
	t.Helper()
	s, clk, _ := newStore(t, opts)
	mustTable(t, s, "dev", "dogs")
	for i := 0; i < n; i++ {
		clk.set(startMs + int64(i))
		key := any(i)
		if i%2 == 1 {
			key = fmt.Sprintf("k%03d", i) // mix key kinds: the index must not care
		}
		if _, err := s.Insert("dev", "dogs", []map[string]any{{"id": key, "i": i}}); err != nil {
			t.Fatal(err)
		}
	}
	return s, clk
}

func TestDeleteBeforeDeletesExactlyOlderRecords(t *testing.T) {
	const n, cut = 25, 10
	s, clk := agedTable(t, n, Options{DeleteBatch: 3})
	// Updating an old record after the cutoff must not save it.
	clk.set(startMs + 1000)
	if _, err := s.Update("dev", "dogs", []map[string]any{{"id": 4, "touched": true}}); err != nil {
		t.Fatal(err)
	}
	var progress []int
	deleted, total, err := s.DeleteBefore(context.Background(), "dev", "dogs", time.UnixMilli(startMs+cut), func(d, _ int) { progress = append(progress, d) })
	if err != nil {
		t.Fatal(err)
	}
	if deleted != cut || total != cut {
		t.Fatalf("deleted %d of %d, want %d of %d", deleted, total, cut, cut)
	}
	if fmt.Sprint(progress) != "[3 6 9 10]" {
		t.Fatalf("progress = %v", progress)
	}
	left := scanAll(t, s, "dev", "dogs")
	if len(left) != n-cut || count(t, s, "dev", "dogs") != n-cut {
		t.Fatalf("left %d records, count %d, want %d", len(left), count(t, s, "dev", "dogs"), n-cut)
	}
	for _, rec := range left {
		if i, _ := number(rec["i"]); i < cut {
			t.Fatalf("record %v created before the cutoff survived", rec)
		}
	}
	// Nothing older is left: a second run finds nothing.
	deleted, total, err = s.DeleteBefore(context.Background(), "dev", "dogs", time.UnixMilli(startMs+cut), nil)
	if err != nil || deleted != 0 || total != 0 {
		t.Fatalf("second run: %d of %d, %v", deleted, total, err)
	}
}

func TestDeleteBeforeIsStrictAndRoundsUp(t *testing.T) {
	s, _ := agedTable(t, 5, Options{})
	// A cutoff 0.5 ms after record 2 was created deletes records 0, 1, 2;
	// one exactly at record 3's time does not delete record 3.
	deleted, total, err := s.DeleteBefore(context.Background(), "dev", "dogs", time.UnixMilli(startMs+2).Add(500*time.Microsecond), nil)
	if err != nil || deleted != 3 || total != 3 {
		t.Fatalf("sub-ms cutoff: %d of %d, %v", deleted, total, err)
	}
	deleted, _, err = s.DeleteBefore(context.Background(), "dev", "dogs", time.UnixMilli(startMs+3), nil)
	if err != nil || deleted != 0 {
		t.Fatalf("cutoff equal to a created time deleted %d, %v", deleted, err)
	}
	if got := ids(t, scanAll(t, s, "dev", "dogs")); got != `[4,"k003"]` {
		t.Fatalf("left %s", got)
	}
}

func TestDeleteBeforeErrors(t *testing.T) {
	s, _ := agedTable(t, 4, Options{DeleteBatch: 1})
	_, _, err := s.DeleteBefore(context.Background(), "dev", "nope", time.Now(), nil)
	wantError(t, err, 404, "Table 'dev.nope' does not exist")
	_, _, err = s.DeleteBefore(context.Background(), "nodb", "dogs", time.Now(), nil)
	wantError(t, err, 404, "database 'nodb' does not exist")

	ctx, cancel := context.WithCancel(context.Background())
	deleted, total, err := s.DeleteBefore(ctx, "dev", "dogs", time.UnixMilli(startMs+100), func(int, int) { cancel() })
	if !errors.Is(err, context.Canceled) || deleted != 1 || total != 4 {
		t.Fatalf("cancelled after one batch: %d of %d, %v", deleted, total, err)
	}
	if n := count(t, s, "dev", "dogs"); n != 3 {
		t.Fatalf("record_count = %d", n)
	}
}

func TestCutoffMs(t *testing.T) {
	cases := []struct {
		t    time.Time
		want int64
	}{
		{time.UnixMilli(1000), 1000},
		{time.UnixMilli(1000).Add(time.Nanosecond), 1001},
		{time.UnixMilli(-1000).Add(-time.Nanosecond), -1000},
		{time.UnixMilli(-1000).Add(time.Nanosecond), -999},
	}
	for _, c := range cases {
		if got := cutoffMs(c.t); got != c.want {
			t.Fatalf("cutoffMs(%v) = %d, want %d", c.t, got, c.want)
		}
	}
}
