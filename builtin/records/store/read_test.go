package store

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestGetKeepsOrderAndSkipsUnknown(t *testing.T) {
	s, _ := dogsTable(t)
	ctx := context.Background()
	got := collect(t, func(fn func(map[string]any) error) error {
		return s.Get(ctx, "dev", "dogs", values(t, `[2, 1, 999, "str-id", "2", {"bad":1}, 3]`), fn)
	})
	if ids(t, got) != `[2,1,"str-id",3]` {
		t.Fatalf("Get order: %s", ids(t, got))
	}
	err := s.Get(ctx, "dev", "nope", values(t, `[1]`), func(map[string]any) error { return nil })
	wantError(t, err, 404, "Table 'dev.nope' does not exist")
	stop := errors.New("stop here")
	if err := s.Get(ctx, "dev", "dogs", values(t, `[1,2]`), func(map[string]any) error { return stop }); err != stop {
		t.Fatalf("callback error not returned: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Get(cancelled, "dev", "dogs", values(t, `[1]`), func(map[string]any) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Get: %v", err)
	}
}

func TestScanOrdersNumbersThenStrings(t *testing.T) {
	s, _, _ := newStore(t, Options{})
	mustTable(t, s, "dev", "dogs")
	in := `[{"id":"b"},{"id":10},{"id":-2.5},{"id":"a"},{"id":2},{"id":-100},{"id":0},{"id":"B"},{"id":1e20},{"id":"10"},{"id":0.5}]`
	if _, err := s.Insert("dev", "dogs", records(t, in)); err != nil {
		t.Fatal(err)
	}
	want := `[-100,-2.5,0,0.5,2,10,1e20,"10","B","a","b"]`
	if got := ids(t, scanAll(t, s, "dev", "dogs")); got != want {
		t.Fatalf("Scan order\n got %s\nwant %s", got, want)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Scan(cancelled, "dev", "dogs", func(map[string]any) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Scan: %v", err)
	}
}

func TestCallbacksMayReadOtherTables(t *testing.T) {
	s, _ := dogsTable(t)
	mustTable(t, s, "dev", "owners")
	if _, err := s.Insert("dev", "owners", records(t, `[{"id":1,"who":"Kyle"}]`)); err != nil {
		t.Fatal(err)
	}
	joined := 0
	err := s.Scan(context.Background(), "dev", "dogs", func(rec map[string]any) error {
		return s.Get(context.Background(), "dev", "owners", []any{rec["id"]}, func(map[string]any) error {
			joined++
			return nil
		})
	})
	if err != nil || joined != 1 {
		t.Fatalf("nested read: joined %d, %v", joined, err)
	}
}

func TestSearchByValue(t *testing.T) {
	s, _ := dogsTable(t)
	if _, err := s.Insert("dev", "dogs", records(t, `[{"id":10,"name":"5","age":5.0},{"id":11,"name":"Pepper"}]`)); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		attr  string
		value string // JSON
		want  string
	}{
		{"name", `"P*"`, `[1,11]`},
		{"name", `"*r"`, `[11,"str-id"]`},
		{"name", `"*pp*"`, `[11]`},
		{"name", `"*e*"`, `[2,1,11]`},
		{"breed", `"Lab"`, `[2]`},
		{"breed", `"lab"`, `[]`},
		{"age", `5`, `[1,10]`},
		{"age", `"5"`, `[]`},
		{"name", `5`, `[]`},
		{"age", `"*"`, `[2,1,10,"str-id"]`},
		{"age", `null`, `[3]`},
		{"good", `false`, `[2]`},
		{"tags", `["a","b"]`, `[1]`},
		{"id", `2`, `[2]`},
		{"id", `"str-id"`, `["str-id"]`},
		{"id", `"str*"`, `["str-id"]`},
		{"id", `999`, `[]`},
		{"missing", `"x"`, `[]`},
	}
	for _, c := range cases {
		value := values(t, "["+c.value+"]")[0]
		got := collect(t, func(fn func(map[string]any) error) error {
			return s.SearchByValue(context.Background(), "dev", "dogs", c.attr, value, Page{}, fn)
		})
		if ids(t, got) != c.want {
			t.Errorf("SearchByValue(%s, %s) = %s, want %s", c.attr, c.value, ids(t, got), c.want)
		}
	}
	err := s.SearchByValue(context.Background(), "dev", "dogs", "", "x", Page{}, func(map[string]any) error { return nil })
	wantError(t, err, 400, "'search_attribute' is required")
	err = s.SearchByValue(context.Background(), "nodb", "dogs", "name", "x", Page{}, func(map[string]any) error { return nil })
	wantError(t, err, 404, "database 'nodb' does not exist")
}

// TestScanMemoryIsFlat scans a table whose decoded records would take tens
// of MB and checks that, at the last record, the scan holds on to almost
// nothing of them.
func TestScanMemoryIsFlat(t *testing.T) {
	const n, payload, maxRetained = 20_000, 1000, 4 << 20
	s, _, _ := newStore(t, Options{})
	mustTable(t, s, "dev", "big")
	pad := strings.Repeat("p", payload)
	for start := 0; start < n; start += 5000 {
		recs := make([]map[string]any, 5000)
		for i := range recs {
			recs[i] = map[string]any{"id": start + i, "pad": pad}
		}
		if _, err := s.Insert("dev", "big", recs); err != nil {
			t.Fatal(err)
		}
	}
	base := liveHeap()
	seen, retained := 0, int64(0)
	err := s.Scan(context.Background(), "dev", "big", func(map[string]any) error {
		if seen++; seen == n {
			retained = liveHeap() - base
		}
		return nil
	})
	if err != nil || seen != n {
		t.Fatalf("scan: %d records, %v", seen, err)
	}
	if retained > maxRetained {
		t.Fatalf("scan of %d MB of records retained %d MB", n*payload>>20, retained>>20)
	}
}

// TestGoKeyTypes checks that keys from Go callers (the SQL layer passes
// float64) find the records inserted from JSON, whatever the integer or
// float type, and that -0 is 0.
func TestGoKeyTypes(t *testing.T) {
	s, _ := dogsTable(t)
	keys := []any{int(1), int64(2), int32(3), uint(1), uint64(2), uint32(3), float32(1), float64(2), math.Copysign(0, -1), "str-id"}
	if _, err := s.Insert("dev", "dogs", []map[string]any{{"id": 0}}); err != nil {
		t.Fatal(err)
	}
	got := collect(t, func(fn func(map[string]any) error) error {
		return s.Get(context.Background(), "dev", "dogs", keys, fn)
	})
	if ids(t, got) != `[1,2,3,1,2,3,1,2,0,"str-id"]` {
		t.Fatalf("Get with Go key types = %s", ids(t, got))
	}
	for _, v := range keys[:8] {
		n := 0
		err := s.SearchByValue(context.Background(), "dev", "dogs", "age", v, Page{}, func(map[string]any) error { n++; return nil })
		if err != nil {
			t.Fatal(err)
		}
		want := map[float64]int{1: 0, 2: 0, 3: 1}[mustNumber(t, v)]
		if n != want {
			t.Fatalf("age == %T(%v): %d records, want %d", v, v, n, want)
		}
	}
}

func mustNumber(t *testing.T, v any) float64 {
	t.Helper()
	f, ok := number(v)
	if !ok {
		t.Fatalf("%T is not a number", v)
	}
	return f
}
